"""The session engine of a site without Redis: sessions in the database alone.

The same sealed rows as `civitas.platform.sessions`, read and written the same lean way.
The class keeps Django's name, `SessionStore`: the name salts a signed session's signature,
so sessions signed by Django's own database engine still open with this one.
"""

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DBStore

from civitas.platform.sessions import SealedSessionCodec, find_unexpired_sealed, update_row


class SessionStore(SealedSessionCodec, DBStore):
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
