"""A witness: `civitas ledger witness --serve`, run by an organisation other than the log's.

It answers the C2SP tlog-witness ``add-checkpoint`` call (see ``tlog_witness``) for the
logs whose keys it is given, and cosigns a checkpoint only when

1. a trusted key of the log (named after the checkpoint's origin) signed it,
2. the request's old size is the size this witness last cosigned for that log, and
3. the consistency proof shows the new tree extends the one it last cosigned (or, at
   the same size, the root is the same).

So it never cosigns a smaller tree, nor two trees of one log that disagree: a log that
shows one history to some people and another to others can get cosignatures for one of
them only. For each log it keeps the latest checkpoint it cosigned in a JSON file of its
state directory, written atomically (temporary file, fsync, rename) before it answers,
under a lock held from the check to the write so two requests cannot roll it back. A
refused checkpoint with a valid log signature is kept in ``evidence/``: it may be proof
that the log misbehaved.

Standard library HTTP server and no Django, so a witness needs no database; `civitas
ledger witness --serve` starts it without loading the platform.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from civitas.ledger import merkle
from civitas.ledger.note import (
    Checkpoint,
    KeyFormatError,
    NoteError,
    Signer,
    Verifier,
    cosign,
    open_note,
    parse_checkpoint,
    parse_note,
)
from civitas.ledger.tlog_witness import (
    MAX_REQUEST_BYTES,
    SIZE_CONTENT_TYPE,
    ProtocolError,
    parse_add_checkpoint,
)
from civitas.platform.atomic_files import write_atomically

logger = logging.getLogger(__name__)

STATE_VERSION = 1


class WitnessConfigurationError(ValueError):
    """The witness cannot start: a key, its state directory or the address is unusable."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer to add-checkpoint."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class LogState:
    """The latest checkpoint this witness cosigned for one log."""

    origin: str
    size: int
    root: bytes
    checkpoint: str


class StateStore:
    """One JSON file per log in ``directory``, replaced atomically; a lock file per log.

    The lock is an advisory ``flock`` on a file beside the state, so that even two
    witness processes pointed at the same directory by mistake cannot both advance it.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "evidence").mkdir(exist_ok=True)
        except OSError as error:
            raise WitnessConfigurationError(
                f"cannot use state directory {directory}: {error}"
            ) from None
        self._threads = threading.Lock()

    def _path(self, origin: str) -> Path:
        # Origins hold '/' and more; a hash makes a safe file name.
        return self.directory / f"log-{hashlib.sha256(origin.encode()).hexdigest()[:32]}.json"

    @contextlib.contextmanager
    def locked(self, origin: str) -> Iterator[None]:
        """Holds this log's lock, across threads and processes, for a check and its write."""
        with self._threads, open(self._path(origin).with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self, origin: str, verifiers: Sequence[Verifier]) -> LogState | None:
        """The stored state, re-checked against the log's keys; raises if it is corrupt.

        A corrupt state is never treated as "no state": that would let the witness
        cosign any tree again, which is exactly what it exists to refuse.
        """
        path = self._path(origin)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise WitnessConfigurationError(f"state file {path} is unreadable: {error}") from None
        try:
            if data["version"] != STATE_VERSION or data["origin"] != origin:
                raise ValueError("wrong version or origin")
            body, _ = open_note(data["checkpoint"], verifiers)
            checkpoint = parse_checkpoint(body)
            if (checkpoint.origin, checkpoint.size) != (origin, data["size"]):
                raise ValueError("the checkpoint does not match the stored size")
        except (KeyError, TypeError, ValueError) as error:
            raise WitnessConfigurationError(f"state file {path} is corrupt: {error}") from None
        return LogState(origin, checkpoint.size, checkpoint.root, data["checkpoint"])

    def write(self, state: LogState) -> None:
        document = {
            "version": STATE_VERSION,
            "origin": state.origin,
            "size": state.size,
            "root": state.root.hex(),
            "checkpoint": state.checkpoint,
            "cosigned_at": int(time.time()),
        }
        _write_atomically(self._path(state.origin), json.dumps(document, indent=2) + "\n")

    def keep_evidence(self, origin: str, reason: str, request: bytes) -> None:
        """Keeps a refused, log-signed request: it may prove the log showed a fork."""
        digest = hashlib.sha256(request).hexdigest()[:16]
        name = f"{int(time.time())}-{digest}.txt"
        text = f"origin: {origin}\nrefused: {reason}\n\n" + request.decode("utf-8", "replace")
        with contextlib.suppress(OSError):
            _write_atomically(self.directory / "evidence" / name, text)


def _write_atomically(path: Path, text: str) -> None:
    write_atomically(path, text.encode("utf-8"))


class Witness:
    """The witness's decisions: which checkpoints it cosigns, and what it answers."""

    def __init__(
        self,
        signer: Signer,
        log_keys: Sequence[Verifier],
        store: StateStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signer = signer
        self.store = store
        self.clock = clock
        self.logs: dict[str, list[Verifier]] = {}
        for key in log_keys:
            if type(key) is not Verifier:
                raise WitnessConfigurationError(
                    f"log key {key.key_string()} is not a log's signing (type 0x01) key"
                )
            # A log's key is named after its origin (tlog-checkpoint).
            self.logs.setdefault(key.name, []).append(key)
        if not self.logs:
            raise WitnessConfigurationError("a witness needs the key of at least one log")

    def add_checkpoint(self, body: bytes) -> Answer:
        """Check an add-checkpoint request and cosign it, or say why not."""
        try:
            request = parse_add_checkpoint(body)
            parsed = parse_note(request.checkpoint)
            claimed = parse_checkpoint(parsed.body)
        except (ProtocolError, NoteError) as error:
            return Answer(400, f"{error}\n")
        keys = self.logs.get(claimed.origin)
        if keys is None:
            return Answer(404, f"this witness does not know the log {claimed.origin}\n")
        try:
            open_note(request.checkpoint, keys)
        except NoteError as error:
            return Answer(403, f"no trusted key of {claimed.origin} signed it: {error}\n")
        if request.old_size > claimed.size:
            return Answer(400, "the old size is larger than the checkpoint's size\n")
        if claimed.size == 0 and claimed.root != merkle.EMPTY_ROOT:
            return Answer(400, "a tree of 0 entries has the empty root, not this one\n")
        with self.store.locked(claimed.origin):
            state = self.store.read(claimed.origin, keys)
            known_size = state.size if state else 0
            if request.old_size != known_size:
                return Answer(409, f"{known_size}\n", SIZE_CONTENT_TYPE)
            refusal = _inconsistency(state, claimed, request.proof)
            if refusal is not None:
                status, reason = refusal
                self.store.keep_evidence(claimed.origin, reason, body)
                logger.warning("refused a checkpoint of %s: %s", claimed.origin, reason)
                return Answer(status, f"{reason}\n")
            line = cosign(parsed.body, self.signer, int(self.clock()))
            # Persisted before answering: a cosignature the witness could forget having
            # given would let it cosign a rolled-back tree after a restart.
            self.store.write(
                LogState(claimed.origin, claimed.size, claimed.root, request.checkpoint)
            )
        logger.info("cosigned %s at size %s", claimed.origin, claimed.size)
        return Answer(200, line)


def _inconsistency(
    state: LogState | None, claimed: Checkpoint, proof: Sequence[bytes]
) -> tuple[int, str] | None:
    """(status, reason) when ``claimed`` does not extend the tree last cosigned, else None."""
    if state is None or state.size == 0:
        return None  # every tree extends the empty one
    if state.size == claimed.size:
        if state.root != claimed.root:
            return 409, f"another root for size {claimed.size}: the log has forked"
        return None
    if not merkle.verify_consistency(state.size, claimed.size, state.root, claimed.root, proof):
        return 422, (
            f"the consistency proof from size {state.size} to {claimed.size} does not verify"
        )
    return None


class _Handler(BaseHTTPRequestHandler):
    server: WitnessHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the protocol recommends
    timeout = 30  # seconds a client may take to send its request: no thread waits forever

    def do_POST(self) -> None:
        if self.path.split("?")[0].rstrip("/") != self.server.prefix + "/add-checkpoint":
            self._refuse_unread(Answer(404, "not found\n"))
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._refuse_unread(Answer(411, "a Content-Length is required\n"))
            return
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self._refuse_unread(
                Answer(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes\n")
            )
            return
        body = self.rfile.read(length)
        try:
            answer = self.server.witness.add_checkpoint(body)
        except WitnessConfigurationError as error:
            logger.error("cannot answer: %s", error)
            answer = Answer(500, "the witness cannot read its own state\n")
        self._answer(answer)

    def do_GET(self) -> None:
        self._answer(Answer(405, "POST add-checkpoint\n"))

    def _refuse_unread(self, answer: Answer) -> None:
        # The body was not read, so the connection cannot carry another request.
        self.close_connection = True
        self._answer(answer)

    def _answer(self, answer: Answer) -> None:
        data = answer.body.encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class WitnessHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness, prefix: str = "") -> None:
        self.witness = witness
        self.prefix = prefix.rstrip("/")
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `civitas ledger witness --serve`."""
    parser.add_argument("--serve", action="store_true", help="run as a witness server")
    parser.add_argument("--key", required=True, help="file holding the witness's signer key")
    parser.add_argument("--state", required=True, help="directory for the witness's state")
    parser.add_argument(
        "--log-key",
        dest="log_keys",
        action="append",
        required=True,
        metavar="VERIFIER_KEY",
        help="a log's verifier key, named after its origin (repeatable)",
    )
    parser.add_argument(
        "--listen", default="127.0.0.1:7380", help="host:port (port 0 picks a free one)"
    )
    parser.add_argument("--prefix", default="", help="URL path before /add-checkpoint")


def build_server(
    *, key: str, state: str, log_keys: Sequence[str], listen: str, prefix: str = ""
) -> WitnessHTTPServer:
    """A witness server bound to ``listen``; WitnessConfigurationError naming what is wrong."""
    try:
        signer = Signer.from_key_string(Path(key).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise WitnessConfigurationError(f"cannot read witness key file {key}: {error}") from None
    except KeyFormatError as error:
        raise WitnessConfigurationError(f"witness key file {key}: {error}") from None
    try:
        verifiers = [Verifier.from_key_string(text) for text in log_keys]
    except KeyFormatError as error:
        raise WitnessConfigurationError(f"--log-key: {error}") from None
    host, colon, port = listen.rpartition(":")
    if not colon or not port.isdigit() or not host:
        raise WitnessConfigurationError(f"--listen {listen!r} is not host:port")
    witness = Witness(signer, verifiers, StateStore(Path(state)))
    try:
        return WitnessHTTPServer((host.strip("[]"), int(port)), witness, prefix)
    except OSError as error:
        raise WitnessConfigurationError(f"cannot listen on {listen}: {error}") from None


def serve(*, key: str, state: str, log_keys: Sequence[str], listen: str, prefix: str = "") -> None:
    """Runs the witness until interrupted, after printing its URL and cosignature key."""
    server = build_server(key=key, state=state, log_keys=log_keys, listen=listen, prefix=prefix)
    signer = server.witness.signer
    print(f"witness {signer.cosignature_verifier_key()}", flush=True)
    print(f"listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: Sequence[str]) -> int:
    """`civitas ledger witness --serve ...`, started without the platform's setup."""
    parser = argparse.ArgumentParser(
        prog="civitas ledger witness --serve",
        description="Cosign a log's checkpoints for whoever relies on it (C2SP tlog-witness).",
    )
    add_serve_arguments(parser)
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(message)s"
    )
    try:
        serve(
            key=options.key,
            state=options.state,
            log_keys=options.log_keys,
            listen=options.listen,
            prefix=options.prefix,
        )
    except WitnessConfigurationError as error:
        print(f"civitas ledger witness: {error}", file=sys.stderr)
        return 2
    return 0
