"""The seam between an upload and the virus scanner: the FILE_SCANNER setting names it.

    FILE_SCANNER = "civitas.platform.files.scanners.ClamdScanner"

A scanner is made once per process, with no arguments, from the dotted path in the
setting, and reads its own settings. `scan` returns a ScanResult, or raises
ScannerUnavailable when it cannot tell (down, timed out, an answer it does not
understand): the upload is then refused, never stored unscanned. A scanner keeps no state
about one file between calls; several threads use it at once.

- ClamdScanner speaks clamd's INSTREAM protocol over TCP or a Unix socket (CLAMD_ADDRESS,
  `tcp://host:3310` or `unix:///run/clamav/clamd.ctl`).
- NoScanner scans nothing. It is the default only where no clamd is configured outside
  production (docs/operations.md); production without a scanner refuses every upload.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from civitas.platform.health import HealthResult

CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ScanResult:
    is_infected: bool
    signature: str = ""
    """What the scanner found (its signature's name), for the log; never file content."""


class ScannerUnavailable(Exception):
    """The scanner could not say whether the file is safe. The reason is safe to log."""


@runtime_checkable
class FileScanner(Protocol):
    is_scanning: bool
    """False for a scanner that looks at nothing (health reports say so)."""

    def scan(self, content: bytes) -> ScanResult:
        """Whether `content` is infected; ScannerUnavailable when it cannot tell."""
        ...

    def check(self) -> str:
        """ "ok", or what is wrong, for /healthz."""
        ...


class NoScanner:
    """Scans nothing: for development and the demo where no clamd runs."""

    is_scanning = False

    def scan(self, content: bytes) -> ScanResult:
        return ScanResult(is_infected=False)

    def check(self) -> str:
        return "ok"


class ClamdScanner:
    """Sends the file to clamd with INSTREAM and reads its verdict."""

    is_scanning = True

    def scan(self, content: bytes) -> ScanResult:
        try:
            with self._connect() as connection:
                connection.sendall(b"zINSTREAM\0")
                for start in range(0, len(content), CHUNK_BYTES):
                    chunk = content[start : start + CHUNK_BYTES]
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
                reply = _read_reply(connection)
        except OSError as error:
            raise ScannerUnavailable(type(error).__name__) from None
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        if reply.endswith(" FOUND"):
            signature = reply.removeprefix("stream:").removesuffix(" FOUND").strip()
            return ScanResult(is_infected=True, signature=signature[:100])
        if reply == "stream: OK":
            return ScanResult(is_infected=False)
        raise ScannerUnavailable("clamd answered with an error")

    def check(self) -> str:
        try:
            with self._connect() as connection:
                connection.sendall(b"zPING\0")
                reply = _read_reply(connection)
        except OSError as error:
            return f"clamd unreachable ({type(error).__name__})"
        return "ok" if reply == "PONG" else "clamd answered PING wrongly"

    def _connect(self) -> socket.socket:
        address = settings.CLAMD_ADDRESS
        timeout = settings.CLAMD_TIMEOUT_SECONDS
        if not address:
            raise ConnectionRefusedError("CLAMD_ADDRESS is not set")
        parts = urlsplit(address)
        if parts.scheme == "unix":
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(timeout)
            try:
                error = connection.connect_ex(parts.path)
                if error:
                    raise ConnectionRefusedError(error, "cannot reach clamd's socket")
            except OSError:
                connection.close()
                raise
            return connection
        if parts.scheme == "tcp" and parts.hostname and parts.port:
            return socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        raise ImproperlyConfigured("CLAMD_ADDRESS must be tcp://host:port or unix:///path")


def _read_reply(connection: socket.socket) -> str:
    """clamd's answer to a z-command: text up to a NUL (or the end of the connection)."""
    received = b""
    while b"\0" not in received and len(received) < 4096:
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
    return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


_resolved: tuple[str, FileScanner] | None = None


def file_scanner() -> FileScanner:
    """The scanner FILE_SCANNER names, made on first use and kept while the setting is
    unchanged (tests change it). ImproperlyConfigured for a bad setting."""
    global _resolved
    path = settings.FILE_SCANNER
    if _resolved is None or _resolved[0] != path:
        try:
            scanner = import_string(path)()
        except (ImportError, TypeError) as error:
            raise ImproperlyConfigured(f"FILE_SCANNER: cannot make {path!r} ({error})") from error
        if not isinstance(scanner, FileScanner):
            raise ImproperlyConfigured(f"FILE_SCANNER: {path!r} is not a file scanner")
        _resolved = (path, scanner)
    return _resolved[1]


def check_scanner() -> HealthResult:
    """The scanner's part of /healthz: "ok" ("scanning": "off" for NoScanner), or "down"
    with no upload accepted until it is back."""
    scanner = file_scanner()
    if not scanner.is_scanning:
        return HealthResult("ok", {"scanning": "off"})
    status = scanner.check()
    return HealthResult("ok" if status == "ok" else "down", {"scanning": "on"})
