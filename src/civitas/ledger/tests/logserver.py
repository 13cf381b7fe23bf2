"""A tiny but real HTTP log server for client tests, backed by the merkle module.

It speaks the same endpoints as the Civitas ledger API, so the client is exercised over
an actual socket. Tests can swap the log it serves (to simulate a rewrite) and patch
individual responses (to simulate a lying or broken server).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from civitas.ledger.canonical import canonical_json
from civitas.ledger.merkle import InMemoryTree, ProofRequestError, leaf_hash
from civitas.ledger.note import Signer, format_checkpoint, sign_note

ORIGIN = "civitas.example/ledger"
PREFIX = "/ledger"

Response = tuple[int, str, bytes]


class FakeLog:
    """An in-memory log: entries, a Merkle tree over them, and its signing keys."""

    def __init__(self, signers: list[Signer], origin: str = ORIGIN) -> None:
        self.origin = origin
        self.signers = signers  # all sign each checkpoint; the first is the newest key
        self.tree = InMemoryTree()
        self.leaves: list[bytes] = []
        self.broken_reason: str | None = None

    def append(self, count: int, *, tag: str = "") -> None:
        """Append ``count`` entries; a ``tag`` makes them differ from an untagged log's."""
        first = len(self.leaves)
        for number in range(first, first + count):
            record = {"sequence": number, "event": f"application-submitted{tag}"}
            self.leaves.append(canonical_json(record))
        self.tree.extend(self.leaves[self.tree.size :])

    def checkpoint(self) -> str:
        body = format_checkpoint(self.origin, self.tree.size, self.tree.root())
        return sign_note(body, self.signers)

    def entry(self, index: int) -> dict:
        data = self.leaves[index]
        return {
            "index": index,
            "leaf_data": base64.b64encode(data).decode(),
            "leaf_hash": leaf_hash(data).hex(),
            "entry": json.loads(data),
        }


def _json(value: object, status: int = 200) -> Response:
    return status, "application/json", json.dumps(value).encode()


def route(log: FakeLog, path: str, query: dict[str, list[str]]) -> Response:
    """The response the ledger API would give for ``path`` (relative to the prefix)."""

    def number(name: str) -> int:
        return int(query[name][0])

    try:
        if path == "/checkpoint":
            return 200, "text/plain; charset=utf-8", log.checkpoint().encode()
        if path == "/key":
            return _json({"origin": log.origin, "keys": [s.verifier_key() for s in log.signers]})
        if path.startswith("/entries/"):
            index = int(path.removeprefix("/entries/"))
            if not 0 <= index < len(log.leaves):
                return _json({"detail": "no such entry"}, 404)
            return _json(log.entry(index))
        if path == "/status":
            return _json(
                {
                    "origin": log.origin,
                    "size": log.tree.size,
                    "sequenced": len(log.leaves),
                    "state": "broken" if log.broken_reason else "ok",
                    "reason": log.broken_reason,
                },
                503 if log.broken_reason else 200,
            )
        if path == "/entries":
            size = number("tree_size") if "tree_size" in query else len(log.leaves)
            start, end = number("start"), min(number("end"), number("start") + 1000, size)
            return _json({"tree_size": size, "entries": [log.entry(i) for i in range(start, end)]})
        if path == "/proofs/inclusion":
            index, size = number("index"), number("tree_size")
            proof = log.tree.inclusion_proof(index, size)
            return _json(
                {
                    "index": index,
                    "tree_size": size,
                    "leaf_hash": log.tree.leaf_hash(index).hex(),
                    "path": [item.hex() for item in proof],
                }
            )
        if path == "/proofs/consistency":
            first, second = number("first"), number("second")
            proof = log.tree.consistency_proof(first, second)
            return _json({"first": first, "second": second, "path": [p.hex() for p in proof]})
    except ProofRequestError as error:
        return _json({"detail": str(error)}, 400)
    return _json({"detail": "not found"}, 404)


class LogServer:
    """Serves ``log`` at ``url``; ``patches`` maps a path to a function replacing its response."""

    def __init__(self, log: FakeLog | None) -> None:
        self.log = log
        self.patches: dict[str, Callable[[Response], Response]] = {}
        self.requests: list[str] = []
        self.redirects: dict[str, str] = {}
        self.html_everywhere = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                parts = urlsplit(self.path)
                if parts.path in server.redirects:
                    self.send_response(302)
                    self.send_header("Location", server.redirects[parts.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if server.html_everywhere:
                    response: Response = (200, "text/html", b"<!doctype html><h1>Welcome</h1>")
                elif server.log is None or not parts.path.startswith(PREFIX):
                    response = (404, "text/html", b"<h1>Not Found</h1>")
                else:
                    relative = parts.path.removeprefix(PREFIX)
                    response = route(server.log, relative, parse_qs(parts.query))
                    if relative in server.patches:
                        response = server.patches[relative](response)
                status, content_type, body = response
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self._httpd.server_address[:2]
        self.root_url = f"http://{host}:{port}"
        self.url = self.root_url + PREFIX

    def patch_json(self, path: str, change: Callable[[dict], object]) -> None:
        """Rewrite the JSON of one endpoint's responses with ``change(document)``."""

        def apply(response: Response) -> Response:
            status, content_type, body = response
            document = json.loads(body)
            changed = change(document)
            return (
                status,
                content_type,
                json.dumps(document if changed is None else changed).encode(),
            )

        self.patches[path] = apply

    @contextmanager
    def running(self) -> Iterator[LogServer]:
        thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()
            thread.join()
