"""Independent verifier for a Civitas transparency log, over plain HTTP.

It trusts nothing the server says unless it can check it: the checkpoint signature
against keys it already trusts, the log's growth against the last checkpoint it saw
(stored in a small JSON state file), and individual entries against the signed root.
It uses only the standard library, ``cryptography`` and this package, never Django, so
anyone can run it against any Civitas deployment.

Endpoints, relative to the log's base URL::

    GET checkpoint                                   signed checkpoint note (text/plain)
    GET key                                          {"origin", "keys": [vkey, ...]}
    GET entries/{index}                              {"index", "leaf_data", "leaf_hash", "entry"}
    GET entries?start=S&end=E&tree_size=N            {"tree_size", "entries": [...]}, E exclusive
    GET status                                       {"state": "ok"|"broken", "reason", ...}
    GET proofs/inclusion?index=I&tree_size=N         {"index", "tree_size", "leaf_hash", "path"}
    GET proofs/consistency?first=M&second=N          {"first", "second", "path"}
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civitas.ledger import merkle
from civitas.ledger.note import (
    BadSignatureError,
    Checkpoint,
    KeyFormatError,
    NoteError,
    ParsedNote,
    Signer,
    UnknownKeyError,
    Verifier,
    cosign,
    open_note,
    parse_checkpoint,
    parse_note,
)
from civitas.ledger.promise_client import check_promises
from civitas.ledger.tlog_witness import WitnessPolicy
from civitas.platform.atomic_files import write_atomically

__all__ = ["STATE_VERSION", "VerificationError", "VerifyReport", "verify_log", "witness_checkpoint"]

STATE_VERSION = 1
PAGE_SIZE = 1000  # the most entries the API returns per page
FULL_CHECK_UP_TO = 10_000
"""Logs this small are checked entry by entry by default: ten pages of requests."""
DEFAULT_TIMEOUT = 30.0
_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
_MAX_CHECKPOINT_BYTES = 1024 * 1024
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")
_USER_AGENT = "civitas-ledger-verify/1"


class VerificationError(Exception):
    """The log could not be verified. The message says what failed, in plain English."""


@dataclass
class VerifyReport:
    """What ``verify_log`` checked and found. Only returned when every check passed."""

    base_url: str
    origin: str
    size: int
    root: bytes
    checkpoint: str
    signed_by: list[str]
    trust: str  # "pinned", "state" or "first use"
    previous_size: int | None = None
    previous_root: bytes | None = None
    consistency_checked: bool = False
    keys_learned: list[str] = field(default_factory=list)
    entries_checked: list[int] = field(default_factory=list)
    full_check: bool = False
    checked_at: float = 0.0
    notes: list[str] = field(default_factory=list)
    witnessed_by: list[str] = field(default_factory=list)
    witness_policy: str = ""

    @property
    def checkpoint_body(self) -> str:
        """The checkpoint note text (without signatures)."""
        return parse_note(self.checkpoint).body

    def summary(self) -> str:
        """A few human-readable lines for a command-line tool."""
        lines = [
            f"log {self.origin} at {self.base_url}",
            f"checkpoint: {self.size} entries, root {self.root.hex()}",
            f"signed by: {', '.join(self.signed_by)} (keys trusted: {self.trust})",
        ]
        if self.previous_size is None:
            lines.append("no earlier checkpoint to compare with (first check)")
        elif self.consistency_checked:
            lines.append(f"consistent with the earlier checkpoint of {self.previous_size} entries")
        else:
            lines.append(f"unchanged since the earlier checkpoint of {self.previous_size} entries")
        lines.extend(f"newly trusted key: {key}" for key in self.keys_learned)
        if self.witness_policy:
            lines.append(
                f"cosigned by witnesses {', '.join(self.witnessed_by)} "
                f"(required: {self.witness_policy})"
            )
        if self.entries_checked:
            lines.append(
                f"inclusion proofs verified for {len(self.entries_checked)} entries (the "
                "newest, others chosen at random, and any asked for)"
            )
        if self.full_check:
            lines.append(f"root recomputed from all {self.size} entries")
        elif self.size:
            lines.append(
                f"not every entry was read: --full recomputes the root from all {self.size}"
            )
        lines.extend(self.notes)
        return "\n".join(lines)


# --- HTTP -------------------------------------------------------------------------------


def _opener() -> urllib.request.OpenerDirector:
    # Only HTTP(S), even across redirects: the default opener would also follow a
    # redirect to ftp:// and read file:// URLs.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


class _Log:
    """HTTP access to one log, turning every transport or format problem into VerificationError."""

    def __init__(self, base_url: str, timeout: float) -> None:
        if not isinstance(base_url, str):
            raise VerificationError("the log URL must be a string")
        parts = urllib.parse.urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise VerificationError(
                f"{base_url!r} is not an http:// or https:// URL of a Civitas ledger"
            )
        self.base_url = base_url.strip().rstrip("/")
        self.timeout = timeout
        self._opener = _opener()

    def url(self, path: str, **query: int) -> str:
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self.base_url}/{path}{suffix}"

    def get(self, url: str, *, accept: str, limit: int = _MAX_RESPONSE_BYTES) -> tuple[bytes, str]:
        # The scheme was checked in __init__ and the opener handles nothing but HTTP(S).
        request = urllib.request.Request(  # noqa: S310
            url, headers={"Accept": accept, "User-Agent": _USER_AGENT}
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                content_type = response.headers.get("Content-Type", "")
                body = response.read(limit + 1)
        except urllib.error.HTTPError as error:
            raise VerificationError(self._http_error_message(url, error)) from None
        except urllib.error.URLError as error:
            raise VerificationError(f"could not reach {url}: {error.reason}") from None
        except TimeoutError:
            raise VerificationError(f"GET {url} timed out after {self.timeout:g} seconds") from None
        except (http.client.HTTPException, OSError) as error:
            raise VerificationError(f"GET {url} failed: {error}") from None
        if len(body) > limit:
            raise VerificationError(f"GET {url} returned more than {limit} bytes")
        return body, content_type.lower()

    def _http_error_message(self, url: str, error: urllib.error.HTTPError) -> str:
        message = f"GET {url} returned HTTP {error.code} {error.reason}"
        if error.code == 404:
            return f"{message}: is {self.base_url} the address of a Civitas ledger?"
        detail = ""
        with contextlib.suppress(Exception):
            text = error.read(2000).decode("utf-8", "replace")
            content_type = (error.headers.get("Content-Type") or "").lower()
            if "json" in content_type:
                problem = json.loads(text)
                if isinstance(problem, dict):
                    text = str(problem.get("detail") or problem.get("title") or "")
            detail = "" if "html" in content_type else " ".join(text.split())[:200]
        return f"{message}: {detail}" if detail else message

    def get_json(self, path: str, **query: int) -> _Document:
        url = self.url(path, **query)
        body, content_type = self.get(url, accept="application/json")
        if "html" in content_type or body.lstrip()[:1] == b"<":
            raise VerificationError(
                f"GET {url} returned a web page, not JSON: is {self.base_url} the address "
                "of a Civitas ledger?"
            )
        try:
            value = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise VerificationError(f"GET {url} did not return valid JSON ({error})") from None
        if not isinstance(value, dict):
            raise VerificationError(f"GET {url} returned JSON that is not an object")
        return _Document(url, value)

    def get_status(self) -> _Document:
        """The log's own account of its state; a 503 carries it too (a broken log)."""
        url = self.url("status")
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked in __init__
            url, headers={"Accept": "application/json", "User-Agent": _USER_AGENT}
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(_MAX_CHECKPOINT_BYTES)
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise VerificationError(self._http_error_message(url, error)) from None
            body = error.read(_MAX_CHECKPOINT_BYTES)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise VerificationError(f"could not read the log's status at {url}: {error}") from None
        try:
            value = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise VerificationError(f"GET {url} did not return the log's status as JSON") from None
        if not isinstance(value, dict):
            raise VerificationError(f"GET {url} returned JSON that is not an object")
        return _Document(url, value)

    def get_checkpoint(self) -> str:
        url = self.url("checkpoint")
        body, content_type = self.get(url, accept="text/plain", limit=_MAX_CHECKPOINT_BYTES)
        if "html" in content_type or body.lstrip()[:1] == b"<":
            raise VerificationError(
                f"GET {url} returned a web page, not a signed checkpoint: is {self.base_url} "
                "the address of a Civitas ledger?"
            )
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise VerificationError(f"GET {url} returned text that is not UTF-8") from None


@dataclass
class _Document:
    """A JSON object from the log, with the URL it came from for error messages."""

    url: str
    data: dict[str, Any]


def _field(document: _Document, name: str, kind: type) -> Any:
    value = document.data.get(name)
    wrong_bool = kind is int and isinstance(value, bool)
    if not isinstance(value, kind) or wrong_bool:
        raise VerificationError(
            f"GET {document.url}: field {name!r} is missing or not a {kind.__name__}"
        )
    return value


def _hex_hash(document: _Document, name: str, value: object = None) -> bytes:
    value = document.data.get(name) if value is None else value
    if not isinstance(value, str) or not _HEX_HASH.fullmatch(value):
        raise VerificationError(
            f"GET {document.url}: {name!r} is not a 32-byte hash in hex ({value!r:.80})"
        )
    return bytes.fromhex(value)


def _hex_path(document: _Document) -> list[bytes]:
    path = _field(document, "path", list)
    if len(path) > 128:  # no tree below 2**64 entries needs a longer proof
        raise VerificationError(f"GET {document.url}: the proof path is implausibly long")
    return [_hex_hash(document, "path", item) for item in path]


def _expect(document: _Document, name: str, expected: int) -> None:
    actual = _field(document, name, int)
    if actual != expected:
        raise VerificationError(
            f"GET {document.url}: asked for {name}={expected} but the answer is for {name}={actual}"
        )


# --- State file -------------------------------------------------------------------------


@dataclass
class _State:
    origin: str
    keys: list[str]
    size: int
    root: bytes
    checkpoint: str


def _load_state(path: Path) -> _State | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise VerificationError(f"cannot read state file {path}: {error}") from None

    def corrupt(reason: str) -> VerificationError:
        return VerificationError(
            f"state file {path} is corrupt ({reason}); restore it from a backup, or delete it "
            "to start again and trust the log's current keys on first use"
        )

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise corrupt(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise corrupt("not a JSON object")
    if data.get("version") != STATE_VERSION:
        raise corrupt(f"unknown version {data.get('version')!r}")
    origin, keys = data.get("origin"), data.get("keys")
    size, root_hex, checkpoint = data.get("size"), data.get("root"), data.get("checkpoint")
    if not isinstance(origin, str) or not origin:
        raise corrupt("no origin")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise corrupt("no list of keys")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise corrupt("the size is not a non-negative whole number")
    if not isinstance(root_hex, str) or not _HEX_HASH.fullmatch(root_hex):
        raise corrupt("the root is not a 32-byte hash in hex")
    if not isinstance(checkpoint, str):
        raise corrupt("no checkpoint")
    try:
        verifiers = [Verifier.from_key_string(key) for key in keys]
    except KeyFormatError as error:
        raise corrupt(f"bad key: {error}") from None
    # The stored checkpoint must still verify and agree with the stored facts, so a
    # hand-edited or half-written state cannot quietly weaken the next check.
    try:
        body, _ = open_note(checkpoint, verifiers)
        stored = parse_checkpoint(body)
    except NoteError as error:
        raise corrupt(f"the stored checkpoint does not verify: {error}") from None
    root = bytes.fromhex(root_hex)
    if (stored.origin, stored.size, stored.root) != (origin, size, root):
        raise corrupt("the stored checkpoint does not match the stored origin, size and root")
    return _State(origin, keys, size, root, checkpoint)


def _write_state(path: Path, state: _State, base_url: str, checked_at: float) -> None:
    document = {
        "version": STATE_VERSION,
        "base_url": base_url,
        "origin": state.origin,
        "keys": state.keys,
        "size": state.size,
        "root": state.root.hex(),
        "checkpoint": state.checkpoint,
        "checked_at": checked_at,
    }
    try:
        write_atomically(path, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
    except OSError as error:
        raise VerificationError(
            f"the log verified, but the state file {path} could not be written: {error}"
        ) from None


def _state_file(state_path: str | os.PathLike[str], body: str) -> Path:
    """The state file: ``state_path`` itself, or in a directory a file named after the
    log's origin, so one directory holds the state of many logs."""
    path = Path(state_path)
    if not path.is_dir():
        return path
    origin = body.split("\n", 1)[0]
    readable = re.sub(r"[^A-Za-z0-9.-]+", "-", origin).strip("-.")[:60] or "log"
    digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:12]
    return path / f"{readable}.{digest}.json"


# --- Checks -----------------------------------------------------------------------------


def _parse_keys(keys: list[str], source: str) -> list[Verifier]:
    verifiers = []
    for key in keys:
        try:
            verifier = Verifier.from_key_string(key)
        except KeyFormatError as error:
            raise VerificationError(f"{source}: {error}") from None
        verifiers.append(verifier)
    return verifiers


def _fetch_key_document(log: _Log) -> tuple[str, list[str]]:
    document = log.get_json("key")
    origin = _field(document, "origin", str)
    keys = _field(document, "keys", list)
    if not keys or not all(isinstance(key, str) for key in keys):
        raise VerificationError(f"GET {document.url}: 'keys' is not a list of key strings")
    return origin, keys


def _open_checkpoint(text: str, verifiers: list[Verifier], url: str) -> tuple[str, list[str]]:
    try:
        return open_note(text, verifiers)
    except UnknownKeyError as error:
        raise VerificationError(
            f"the checkpoint at {url} is not signed by any trusted key: {error}. If the log "
            "rotated its key, get the new key from its operator and pass it as a trusted key"
        ) from None
    except BadSignatureError as error:
        raise VerificationError(f"the checkpoint at {url} has a bad signature: {error}") from None
    except NoteError as error:
        raise VerificationError(
            f"GET {url} did not return a valid signed checkpoint: {error}"
        ) from None


def _learn_rotated_keys(
    log: _Log,
    parsed: ParsedNote,
    trusted: list[Verifier],
    report: VerifyReport,
) -> None:
    """Trust a new log key that signed this checkpoint alongside an already trusted key.

    During a key rotation the log signs with both keys, so the old key vouches for the
    new one; a key that merely appears at /key is never trusted this way.
    """
    known = {(v.name, v.key_id) for v in trusted}
    strangers = [s for s in parsed.signatures if (s.name, s.key_id) not in known]
    if not strangers:
        return
    try:
        _, offered = _fetch_key_document(log)
    except VerificationError as error:
        report.notes.append(f"could not look up the log's other keys: {error}")
        return
    message = parsed.body.encode("utf-8")
    for key in offered:
        try:
            candidate = Verifier.from_key_string(key)
        except KeyFormatError:
            continue
        for signature in strangers:
            if (signature.name, signature.key_id) == (candidate.name, candidate.key_id):
                if candidate.verify(message, signature.signature):
                    trusted.append(candidate)
                    report.keys_learned.append(candidate.key_string())
                    known.add((candidate.name, candidate.key_id))
                break


def _check_consistency(log: _Log, previous: _State, current: Checkpoint) -> bool:
    """Raise unless ``current`` extends ``previous``; True if a proof was needed and checked."""
    old, new = previous.size, current.size
    if new < old:
        raise VerificationError(
            f"the log shrank from {old} to {new} entries since the last check: "
            "it was rolled back or rewritten"
        )
    if new == old:
        if current.root != previous.root:
            raise VerificationError(
                f"the log's root at size {new} is not the one seen at the last check: "
                "the log was rewritten"
            )
        return False
    if old == 0:
        # Every tree extends the empty tree; there is nothing to prove.
        if previous.root != merkle.EMPTY_ROOT:
            raise VerificationError(
                "the log once signed an empty tree with a root that is not the empty root"
            )
        return False
    document = log.get_json("proofs/consistency", first=old, second=new)
    _expect(document, "first", old)
    _expect(document, "second", new)
    path = _hex_path(document)
    if not merkle.verify_consistency(old, new, previous.root, current.root, path):
        raise VerificationError(
            f"consistency proof from size {old} to {new} does not verify: the log was rewritten"
        )
    return True


def _entry_leaf_hash(document: _Document, index: int) -> bytes:
    """The leaf hash recomputed from an entry's leaf_data, cross-checked with its leaf_hash."""
    url = document.url
    served = _field(document, "index", int)
    if served != index:
        raise VerificationError(f"GET {url}: expected entry {index}, got entry {served}")
    encoded = _field(document, "leaf_data", str)
    try:
        data = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise VerificationError(f"GET {url}: entry {index} leaf_data is not valid base64") from None
    computed = merkle.leaf_hash(data)
    if "leaf_hash" in document.data and _hex_hash(document, "leaf_hash") != computed:
        raise VerificationError(
            f"entry {index}: the leaf_hash the log reports is not the hash of its leaf_data"
        )
    return computed


def _check_inclusion(log: _Log, index: int, checkpoint: Checkpoint) -> None:
    entry = log.get_json(f"entries/{index}")
    computed = _entry_leaf_hash(entry, index)
    proof = log.get_json("proofs/inclusion", index=index, tree_size=checkpoint.size)
    _expect(proof, "index", index)
    _expect(proof, "tree_size", checkpoint.size)
    if _hex_hash(proof, "leaf_hash") != computed:
        raise VerificationError(
            f"entry {index}: the inclusion proof is for a different leaf than the entry served"
        )
    if not merkle.verify_inclusion(
        computed, index, checkpoint.size, _hex_path(proof), checkpoint.root
    ):
        raise VerificationError(
            f"inclusion proof for entry {index} in the tree of size {checkpoint.size} does not "
            "verify: the entry is not in the signed log"
        )


def _check_status(log: _Log, report: VerifyReport) -> None:
    """The log's own status must say it is whole: its audits see every row, which a
    sample of entries cannot (two swapped entries escape most samples)."""
    document = log.get_status()
    state = document.data.get("state")
    if state != "ok":
        reason = document.data.get("reason")
        raise VerificationError(
            f"the log reports that it is {state or 'in an unknown state'}"
            + (f": {reason}" if isinstance(reason, str) and reason else "")
        )
    report.notes.append("the log's own status: ok (its audits found nothing wrong)")


def _check_all_entries(log: _Log, checkpoint: Checkpoint) -> None:
    builder = merkle.RootBuilder()
    while builder.size < checkpoint.size:
        start = builder.size
        end = min(start + PAGE_SIZE, checkpoint.size)
        # Paged by the checkpoint being checked: a page ends only where asked or at its end.
        page = log.get_json("entries", start=start, end=end, tree_size=checkpoint.size)
        entries = _field(page, "entries", list)
        if not entries:
            raise VerificationError(f"GET {page.url} returned no entries")
        if len(entries) > end - start:
            raise VerificationError(f"GET {page.url} returned more entries than asked for")
        hashes = []
        for offset, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise VerificationError(f"GET {page.url}: an entry is not a JSON object")
            hashes.append(_entry_leaf_hash(_Document(page.url, entry), start + offset))
        builder.extend(hashes)
    if builder.root() != checkpoint.root:
        raise VerificationError(
            f"the root recomputed from all {checkpoint.size} entries does not match the "
            "checkpoint: the entries served are not the ones the log signed"
        )


def _pick_entries(size: int, sample: int) -> list[int]:
    if size == 0 or sample == 0:
        return []
    count = min(sample, size)
    # Unpredictable choice, so the server cannot know which entries will be checked.
    # The newest entry is always included: it is the one most likely to be missing.
    chosen = random.SystemRandom().sample(range(size - 1), count - 1)
    return sorted([*chosen, size - 1])


def _check_witnessed_prefix(log: _Log, witnessed: Checkpoint, previous: _State) -> None:
    if witnessed.size == 0:
        return
    document = log.get_json("proofs/consistency", first=witnessed.size, second=previous.size)
    _expect(document, "first", witnessed.size)
    _expect(document, "second", previous.size)
    path = _hex_path(document)
    if not merkle.verify_consistency(
        witnessed.size, previous.size, witnessed.root, previous.root, path
    ):
        raise VerificationError(
            f"the witnessed checkpoint of {witnessed.size} entries is not a prefix of the "
            f"checkpoint of {previous.size} entries seen at the last check: the log forked"
        )


def _witnessed_checkpoint(log: _Log, policy: WitnessPolicy) -> tuple[str, str]:
    """The log's largest witnessed checkpoint, which must meet ``policy``."""
    url = log.url("checkpoint/witnessed")
    try:
        body, _ = log.get(url, accept="text/plain", limit=_MAX_CHECKPOINT_BYTES)
        text = body.decode("utf-8")
    except (VerificationError, UnicodeDecodeError):
        text = ""
    if not policy.is_met_by(text):
        raise VerificationError(
            f"the log's checkpoint is not cosigned by {policy.describe()}, and it serves "
            "no checkpoint that is: its witnesses have not seen it, or refused it"
        )
    return text, url


def verify_log(
    base_url: str,
    *,
    state_path: str | os.PathLike[str] | None = None,
    trusted_keys: list[str] | None = None,
    sample: int = 16,
    full: bool = False,
    full_up_to: int = FULL_CHECK_UP_TO,
    check_status: bool = True,
    entries: list[int] | tuple[int, ...] = (),
    now: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    witness_policy: WitnessPolicy | None = None,
    promises: list[str] | tuple[str, ...] = (),
) -> VerifyReport:
    """Verify the log at ``base_url``; raise VerificationError naming the first failed check.

    With a ``witness_policy`` the checkpoint verified is one cosigned by enough of its
    witnesses: the latest if it is, else the largest witnessed one the log serves.

    1. The checkpoint must be signed by a trusted key: ``trusted_keys`` (vkey strings) if
       given, else the keys in the state file, else the keys the log publishes at /key
       (trust on first use; they are then recorded in the state file).
    2. It must be consistent with the checkpoint recorded in the state file (no shrinking,
       same root at the same size, a valid consistency proof otherwise).
    3. With ``check_status``, the log's own status must be "ok": it audits every row,
       and says so when it found one changed.
    4. ``sample`` entries (the newest and others at random), and every index in
       ``entries``, must have valid inclusion proofs; with ``full=True``, or when the
       log has at most ``full_up_to`` entries, the root is recomputed from every entry.
    5. Each of ``promises`` (an entry promise's text, as emailed) must be signed by a
       trusted key, and its entry in the signed tree unchanged, or still within the
       maximum merge delay (promise_client.py).
    6. The new checkpoint is written to the state file atomically, only if all passed.
       ``state_path`` may name a directory: the file in it is named after the log.
    """
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
        raise VerificationError("the number of entries to sample must be a non-negative integer")
    log = _Log(base_url, timeout)
    checked_at = time.time() if now is None else now

    text = log.get_checkpoint()
    url = log.url("checkpoint")
    if witness_policy is not None and not witness_policy.is_met_by(text):
        text, url = _witnessed_checkpoint(log, witness_policy)
    try:
        parsed = parse_note(text)
    except NoteError as error:
        raise VerificationError(f"GET {url} did not return a signed checkpoint: {error}") from None
    path = _state_file(state_path, parsed.body) if state_path is not None else None
    previous = _load_state(path) if path is not None else None

    key_origin: str | None = None
    if trusted_keys is not None:
        if isinstance(trusted_keys, str):
            trusted_keys = [trusted_keys]
        if not trusted_keys:
            raise VerificationError("an empty list of trusted keys trusts nothing")
        verifiers, trust = _parse_keys(list(trusted_keys), "a trusted key is invalid"), "pinned"
    elif previous is not None:
        verifiers, trust = _parse_keys(previous.keys, f"state file {path}"), "state"
    else:
        key_origin, offered = _fetch_key_document(log)
        verifiers = _parse_keys(offered, f"GET {log.url('key')} returned an invalid key")
        trust = "first use"

    body, signed_by = _open_checkpoint(text, verifiers, url)
    try:
        checkpoint = parse_checkpoint(body)
    except NoteError as error:
        raise VerificationError(
            f"the signed note at {url} is not a valid checkpoint: {error}"
        ) from None

    report = VerifyReport(
        base_url=log.base_url,
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=checkpoint.root,
        checkpoint=text,
        signed_by=signed_by,
        trust=trust,
        checked_at=checked_at,
    )
    if trust == "first use":
        if key_origin != checkpoint.origin:
            raise VerificationError(
                f"the log's /key document is for origin {key_origin!r} but its checkpoint is "
                f"for {checkpoint.origin!r}"
            )
        report.keys_learned = [v.key_string() for v in verifiers]
        report.notes.append(
            "the log's keys were trusted on first use: compare them with a copy the "
            "operator publishes elsewhere"
        )
    elif trust == "state":
        _learn_rotated_keys(log, parsed, verifiers, report)

    if witness_policy is not None:
        report.witness_policy = witness_policy.describe()
        report.witnessed_by = sorted(w.name for w, _, _ in witness_policy.cosigners(text))
    if previous is not None:
        if previous.origin != checkpoint.origin:
            raise VerificationError(
                f"state file {path} is for log {previous.origin!r}, but {log.base_url} serves "
                f"log {checkpoint.origin!r}"
            )
        report.previous_size, report.previous_root = previous.size, previous.root
        if witness_policy is not None and checkpoint.size < previous.size:
            # The witnessed checkpoint lags the one seen last time: it must be a prefix
            # of it, and the state keeps the larger one.
            _check_witnessed_prefix(log, checkpoint, previous)
            path = None
        else:
            report.consistency_checked = _check_consistency(log, previous, checkpoint)

    for index in entries:
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise VerificationError(f"entry index {index!r} is not a non-negative whole number")
        if index >= checkpoint.size:
            raise VerificationError(
                f"entry {index} is not in the log's latest checkpoint, which covers "
                f"{checkpoint.size} entries: it was never logged, or not yet integrated"
            )
    if check_status:
        _check_status(log, report)
    promised = check_promises(
        log, promises, checkpoint=checkpoint, verifiers=verifiers, now_s=checked_at, report=report
    )
    for index in sorted({*_pick_entries(checkpoint.size, sample), *entries, *promised}):
        _check_inclusion(log, index, checkpoint)
        report.entries_checked.append(index)
    if full or checkpoint.size <= full_up_to:
        _check_all_entries(log, checkpoint)
        report.full_check = True

    if path is not None:
        keys = [v.key_string() for v in verifiers]
        state = _State(checkpoint.origin, keys, checkpoint.size, checkpoint.root, text)
        _write_state(path, state, log.base_url, checked_at)
    return report


def witness_checkpoint(
    base_url: str,
    key_path: str | os.PathLike[str],
    state_path: str | os.PathLike[str],
    *,
    trusted_keys: list[str] | None = None,
    now: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Check the log's checkpoint like ``verify_log`` and return a cosignature line for it.

    The witness vouches only that this checkpoint is consistent with every checkpoint it
    saw before (recorded in ``state_path``). ``key_path`` holds a signer key string. The
    line (``— <name> <base64>`` plus newline) is the C2SP cosignature/v1 for the
    checkpoint, timestamped ``now`` (default: the current time).
    """
    try:
        key_text = Path(key_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VerificationError(f"cannot read witness key file {key_path}: {error}") from None
    try:
        witness = Signer.from_key_string(key_text)
    except KeyFormatError as error:
        raise VerificationError(
            f"witness key file {key_path} does not hold a signer key: {error}"
        ) from None
    timestamp = int(time.time() if now is None else now)
    report = verify_log(
        base_url,
        state_path=state_path,
        trusted_keys=trusted_keys,
        sample=0,
        full_up_to=0,
        check_status=False,
        now=timestamp,
        timeout=timeout,
    )
    return cosign(report.checkpoint_body, witness, timestamp)
