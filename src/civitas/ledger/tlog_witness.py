"""The C2SP witness protocol (https://c2sp.org/tlog-witness), both ends, and witness policies.

A log asks a witness to cosign a new checkpoint with one request::

    POST <witness URL>/add-checkpoint

    old <size the witness last cosigned>\\n
    <base64 consistency proof hash>\\n      (zero to 63 lines; none when old is 0)
    \\n
    <the signed checkpoint note>

The witness answers 200 with its ``cosignature/v1`` line(s), 409 Conflict with its own
size (``text/x.tlog.size``) when the old size is not the one it last cosigned or the same
size has another root, 422 when the proof does not verify, 404 for a log it does not
know, 403 when no trusted log key signed the checkpoint and 400 for a malformed request.

A *witness policy* ("2 of these 3 witnesses") decides when a checkpoint counts as
witnessed: when at least ``quorum`` of the listed witnesses' cosignatures verify on it.

Like ``client.py`` this uses only the standard library, ``cryptography`` and the pure
modules of this package, so a witness or a relying party needs no Django.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from civitas.ledger.note import (
    CosignatureVerifier,
    KeyFormatError,
    NoteError,
    parse_note,
    verify_cosignature,
)

__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "PolicyError",
    "ProtocolError",
    "SubmitResult",
    "WitnessPolicy",
    "format_add_checkpoint",
    "parse_add_checkpoint",
    "parse_quorum",
    "parse_witness_key",
    "submit_checkpoint",
]

SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 64 * 1024
_MAX_RESPONSE_BYTES = 64 * 1024
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]{0,19})")
_SIZE_BODY = re.compile(rb"(0|[1-9][0-9]{0,19})\n")
_USER_AGENT = "civitas-ledger/1"


class ProtocolError(ValueError):
    """A request or answer that does not follow tlog-witness. The message says how."""


class PolicyError(ValueError):
    """A witness policy that cannot be met or read. The message names the problem."""


# --- The request --------------------------------------------------------------------------


@dataclass(frozen=True)
class AddCheckpointRequest:
    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str
    """The signed checkpoint note, not yet verified."""


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint: str) -> bytes:
    """The body of an add-checkpoint request."""
    if not isinstance(old_size, int) or isinstance(old_size, bool) or old_size < 0:
        raise ProtocolError("the old size must be a non-negative whole number")
    if len(proof) > MAX_PROOF_LINES:
        raise ProtocolError(f"a consistency proof has at most {MAX_PROOF_LINES} hashes")
    lines = [f"old {old_size}\n"]
    lines += [base64.b64encode(item).decode("ascii") + "\n" for item in proof]
    return ("".join(lines) + "\n" + checkpoint).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint request body strictly; ProtocolError says what is wrong."""
    if len(body) > MAX_REQUEST_BYTES:
        raise ProtocolError(f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("the request is not UTF-8 text") from None
    head, blank, checkpoint = text.partition("\n\n")
    if not blank:
        raise ProtocolError("the request has no blank line before the checkpoint")
    lines = head.split("\n")
    match = _OLD_LINE.fullmatch(lines[0])
    if match is None:
        raise ProtocolError(
            "the first line must be 'old <size>', the size in decimal without leading zeros"
        )
    old_size = int(match.group(1))
    if old_size > 2**64 - 1:
        raise ProtocolError("the old size is larger than 2**64 - 1")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ProtocolError(f"the consistency proof has more than {MAX_PROOF_LINES} lines")
    proof = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            item = base64.b64decode(line.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise ProtocolError(f"line {number}: not a base64 hash") from None
        if len(item) != 32:
            raise ProtocolError(f"line {number}: a proof hash is 32 bytes, not {len(item)}")
        proof.append(item)
    if old_size == 0 and proof:
        raise ProtocolError("a consistency proof from size 0 must be empty")
    return AddCheckpointRequest(old_size, tuple(proof), checkpoint)


# --- Submitting, as the log does ----------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    """A witness's answer to add-checkpoint.

    ``status`` is the HTTP status; ``cosignatures`` the signature lines of a 200;
    ``witness_size`` the size a 409 says the witness last cosigned (None when a 409 is
    about the same size with another root, or for other answers); ``detail`` a short
    text from the witness, for the log's records.
    """

    status: int
    cosignatures: tuple[str, ...] = ()
    witness_size: int | None = None
    detail: str = ""


def submit_checkpoint(
    url: str, old_size: int, proof: Sequence[bytes], checkpoint: str, *, timeout: float
) -> SubmitResult:
    """POST the checkpoint to the witness at ``url`` (its submission prefix).

    Raises ProtocolError when the witness cannot be reached or its answer is malformed;
    any answer that follows the protocol, refusals included, is returned.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProtocolError(f"{url!r} is not an http:// or https:// witness URL")
    body = format_add_checkpoint(old_size, proof, checkpoint)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    path = parts.path.rstrip("/") + "/add-checkpoint"
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": _USER_AGENT},
        )
        response = connection.getresponse()
        answer = response.read(_MAX_RESPONSE_BYTES + 1)
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        raise ProtocolError(f"could not reach the witness at {url}: {error}") from None
    finally:
        connection.close()
    if len(answer) > _MAX_RESPONSE_BYTES:
        raise ProtocolError(f"the witness at {url} answered more than {_MAX_RESPONSE_BYTES} bytes")
    if status == 200:
        return SubmitResult(200, cosignatures=_signature_lines(answer, url))
    if status == 409 and content_type == SIZE_CONTENT_TYPE:
        match = _SIZE_BODY.fullmatch(answer)
        if match is None:
            raise ProtocolError(f"the witness at {url} answered 409 with a malformed size")
        return SubmitResult(409, witness_size=int(match.group(1)))
    return SubmitResult(status, detail=" ".join(answer.decode("utf-8", "replace").split())[:200])


def _signature_lines(answer: bytes, url: str) -> tuple[str, ...]:
    try:
        text = answer.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(f"the witness at {url} answered text that is not UTF-8") from None
    if not text.endswith("\n") or not text.startswith("\N{EM DASH} "):
        raise ProtocolError(f"the witness at {url} did not answer with signature lines")
    return tuple(text[:-1].split("\n"))


# --- Policies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessPolicy:
    """At least ``quorum`` of ``witnesses`` must have cosigned a checkpoint."""

    witnesses: tuple[CosignatureVerifier, ...]
    quorum: int

    def __post_init__(self) -> None:
        keys = [(w.name, w.key_id) for w in self.witnesses]
        if len(set(keys)) != len(keys):
            raise PolicyError("a witness is listed twice")
        if not 0 <= self.quorum <= len(self.witnesses):
            raise PolicyError(
                f"a quorum of {self.quorum} cannot be met by {len(self.witnesses)} witnesses"
            )

    @classmethod
    def parse(cls, keys: Iterable[str], quorum: str | int | None) -> WitnessPolicy:
        """A policy from witness key strings (type 0x04 vkeys) and a quorum.

        The quorum is a number ("2") or "k of n" with n the number of keys; None means a
        majority of the witnesses. PolicyError names what is wrong.
        """
        verifiers = []
        for key in keys:
            try:
                verifiers.append(parse_witness_key(key))
            except KeyFormatError as error:
                raise PolicyError(f"witness key: {error}") from None
        return cls(tuple(verifiers), parse_quorum(quorum, len(verifiers)))

    def describe(self) -> str:
        names = ", ".join(w.name for w in self.witnesses)
        return f"{self.quorum} of {len(self.witnesses)} witnesses ({names})"

    def cosigners(self, note: str) -> list[tuple[CosignatureVerifier, str, int]]:
        """The policy's witnesses whose cosignatures on ``note`` verify: (key, line, time).

        Lines from other keys are ignored, as signed-note asks; a line from a listed
        witness that does not verify is ignored too (it counts for nothing).
        """
        try:
            parsed = parse_note(note)
        except NoteError:
            return []
        by_key = {(w.name, w.key_id): w for w in self.witnesses}
        found: dict[tuple[str, int], tuple[CosignatureVerifier, str, int]] = {}
        for signature in parsed.signatures:
            slot = (signature.name, signature.key_id)
            witness = by_key.get(slot)
            if witness is None or slot in found:
                continue
            try:
                timestamp = verify_cosignature(parsed.body, signature.line, witness)
            except NoteError:
                continue
            found[slot] = (witness, signature.line, timestamp)
        return list(found.values())

    def is_met_by(self, note: str) -> bool:
        """True iff at least ``quorum`` of the witnesses cosigned ``note``."""
        return len(self.cosigners(note)) >= self.quorum


def parse_witness_key(text: str) -> CosignatureVerifier:
    """A witness's cosignature key (``<name>+<key ID>+<base64(0x04 || key)>``).

    KeyFormatError if malformed, or if it is a log's signing key (type 0x01) instead.
    """
    key = CosignatureVerifier.from_key_string(text)
    if not isinstance(key, CosignatureVerifier):  # from_key_string is typed for the base
        raise KeyFormatError("not a witness cosignature key")
    return key


def parse_quorum(quorum: str | int | None, count: int) -> int:
    """The number of witnesses a quorum asks for, out of ``count``; PolicyError if unreadable."""
    if quorum is None or quorum == "":
        return count // 2 + 1 if count else 0
    if isinstance(quorum, int) and not isinstance(quorum, bool):
        wanted = quorum
    else:
        match = re.fullmatch(r"\s*([0-9]+)(?:\s+of\s+([0-9]+))?\s*", str(quorum))
        if match is None:
            raise PolicyError(f"witness policy {quorum!r} is not a number of witnesses or 'k of n'")
        wanted = int(match.group(1))
        if match.group(2) is not None and int(match.group(2)) != count:
            raise PolicyError(
                f"witness policy {quorum!r} names {match.group(2)} witnesses but "
                f"{count} are configured"
            )
    if not 0 <= wanted <= count:
        raise PolicyError(f"a quorum of {wanted} cannot be met by {count} witnesses")
    return wanted
