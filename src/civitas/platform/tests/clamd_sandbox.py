"""A local sandbox of clamd: speaks its protocol (PING, INSTREAM, with the z and n
prefixes) over TCP and flags the EICAR test file, as real clamd does, so tests drive
the real network code of the scanner."""

from __future__ import annotations

import socketserver
import struct
import threading

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
STREAM_MAX_BYTES = 25 * 1024 * 1024


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sandbox: ClamdSandbox = self.server.sandbox  # type: ignore[attr-defined]
        command = b""
        while not command.endswith((b"\0", b"\n")):
            chunk = self.request.recv(1)
            if not chunk:
                return
            command += chunk
        end = b"\0" if command.startswith(b"z") else b"\n"
        name = command[1:-1]
        if name == b"PING":
            self.request.sendall(b"PONG" + end)
            return
        if name != b"INSTREAM":
            self.request.sendall(b"UNKNOWN COMMAND" + end)
            return
        received = bytearray()
        while True:
            size = struct.unpack("!L", self._exactly(4))[0]
            if size == 0:
                break
            if len(received) + size > STREAM_MAX_BYTES:
                self.request.sendall(b"INSTREAM size limit exceeded. ERROR" + end)
                return
            received += self._exactly(size)
        sandbox.scanned += 1
        if EICAR in received:
            self.request.sendall(b"stream: Eicar-Test-Signature FOUND" + end)
        else:
            self.request.sendall(b"stream: OK" + end)

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.request.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the client went away mid-stream")
            data += chunk
        return data


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ClamdSandbox:
    """clamd on 127.0.0.1 at a free port; `address` is what CLAMD_ADDRESS takes."""

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.sandbox = self  # type: ignore[attr-defined]
        self.scanned = 0
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"tcp://{host}:{port}"

    def start(self) -> ClamdSandbox:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
