"""The session engine of a site without Redis: sessions in the database alone.

The same sealed rows as `civitas.platform.sessions`, read and written the same lean way.
The class keeps Django's name, `SessionStore`: the name salts the session's signature, so
sessions stored by Django's own database engine open with this one and the reverse.
"""

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DBStore

from civitas.platform.sessions import find_unexpired_sealed, update_row


class SessionStore(DBStore):
    def load(self) -> dict[str, Any]:
        sealed = find_unexpired_sealed(self)
        return self.decode(sealed) if sealed is not None else {}

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()  # which saves through here with the new key
        if must_create:
            return super().save(must_create=True)
        update_row(self)
        return None
