"""Where sealed files are kept: one file each under UPLOAD_ROOT, encrypted at rest.

UPLOAD_ROOT is outside the static files and anything the web server serves; files come
out only through a view that checks who asks. Each file is sealed with AES-GCM bound to
its owner (platform.crypto.file_binding), so a file copied over another's, or altered on
disk, fails to open instead of being served as the other. Names are tokens the platform
made, never a name someone sent, so no path can lead outside the folder.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from django.conf import settings

from civitas.platform.atomic_files import write_atomically
from civitas.platform.crypto import open_sealed_file, reseal_file, seal_file
from civitas.platform.files.kinds import FILE_TOKEN

_FOLDER = re.compile(r"^[a-z]+$")


def new_file_token() -> str:
    """A new random token (192 bits): unguessable, so knowing one is no way to another."""
    return secrets.token_urlsafe(24)


def _path(folder: str, token: str) -> Path:
    if not _FOLDER.match(folder) or not FILE_TOKEN.match(token):
        raise ValueError("a sealed file is named by a folder word and a token")
    return Path(settings.UPLOAD_ROOT) / folder / token


def write_sealed_file(folder: str, token: str, content: bytes, *, binding: bytes) -> None:
    """Seals `content` and writes it as `folder/token`, replacing it whole or not at all
    (written beside it, then renamed), readable by this user only."""
    write_whole(_path(folder, token), seal_file(content, binding=binding))


def write_whole(path: Path, sealed: bytes) -> None:
    """Writes the file whole or not at all (platform.atomic_files)."""
    write_atomically(path, sealed)


def read_sealed_file(folder: str, token: str, *, binding: bytes) -> bytes:
    """The file's bytes. FileNotFoundError when it is not there; DecryptionError when it
    does not open with `binding` (moved from another owner, or altered)."""
    return open_sealed_file(_path(folder, token).read_bytes(), binding=binding)


def reseal_sealed_file(folder: str, token: str, *, binding: bytes) -> bool:
    """Seals the file again under the current key (a key rotation), replacing it whole;
    False when it already was, or is gone (deleted meanwhile: nothing to re-seal)."""
    path = _path(folder, token)
    try:
        sealed = path.read_bytes()
    except FileNotFoundError:
        return False
    resealed = reseal_file(sealed, binding=binding)
    if resealed is None:
        return False
    write_whole(path, resealed)
    return True


def delete_sealed_file(folder: str, token: str) -> None:
    """Removes the file; nothing happens if it is already gone."""
    _path(folder, token).unlink(missing_ok=True)


def sealed_file_path(folder: str, token: str) -> Path:
    """Where the sealed file is (for operations and tests; read it with read_sealed_file)."""
    return _path(folder, token)
