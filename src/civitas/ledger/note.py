"""Signed notes, checkpoints and witness cosignatures (C2SP formats).

* signed-note (https://c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank
  line, then one line per signature: ``— <key name> <base64(key ID || signature)>``.
  Key strings are those of Go's golang.org/x/mod/sumdb/note, so keys made with Go tools
  work here and vice versa.
* tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text
  ``<origin>\\n<size>\\n<base64 root>\\n`` plus optional extension lines.
* tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 ``cosignature/v1``:
  a witness signs ``cosignature/v1\\ntime <t>\\n`` + checkpoint text, and its signature
  line carries key ID || 8-byte big-endian timestamp || Ed25519 signature.

Parsing is strict: anything off-format is rejected with a NoteError subclass naming the
problem, because a lenient parser of signed data invites confusion attacks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "BadSignatureError",
    "Checkpoint",
    "CosignatureVerifier",
    "KeyFormatError",
    "MalformedCheckpointError",
    "MalformedNoteError",
    "NoVerifiableSignatureError",
    "NoteError",
    "NoteSignature",
    "ParsedNote",
    "Signer",
    "UnknownKeyError",
    "Verifier",
    "append_signatures",
    "cosign",
    "format_checkpoint",
    "generate_signer",
    "open_note",
    "parse_checkpoint",
    "parse_note",
    "parse_verifier_key",
    "sign_note",
    "verify_cosignature",
]

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04

_SIG_PREFIX = "\N{EM DASH} "
_MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16
_MAX_NOTE_CHARS = 1_000_000
_MAX_TIMESTAMP = 2**63 - 1
_MAX_TREE_SIZE = 2**64 - 1
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """Base class: a note, key string or checkpoint could not be accepted."""


class MalformedNoteError(NoteError):
    """The text is not a well-formed signed note."""


class MalformedCheckpointError(MalformedNoteError):
    """The note text is not a well-formed checkpoint."""


class KeyFormatError(NoteError):
    """A signer or verifier key string is not well formed."""


class NoVerifiableSignatureError(NoteError):
    """No signature on the note could be checked against a trusted key."""


class UnknownKeyError(NoVerifiableSignatureError):
    """Every signature on the note is from a key that is not trusted."""


class BadSignatureError(NoteError):
    """A signature from a trusted key does not verify: the note was altered or forged."""


# --- Names, key IDs and encodings -------------------------------------------------------


def _check_name(name: object, what: str = "key name") -> str:
    if not isinstance(name, str) or not name:
        raise KeyFormatError(f"a {what} must be a non-empty string")
    if any(ch.isspace() or ch == "+" or ord(ch) < 0x20 for ch in name):
        raise KeyFormatError(f"{what} {name!r} must not contain spaces, control characters or '+'")
    return name


def _is_valid_name(name: str) -> bool:
    try:
        _check_name(name)
    except KeyFormatError:
        return False
    return True


def _key_id(name: str, alg: int, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || alg || public key)[:4] as a big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _b64decode(text: str) -> bytes:
    """Strict standard base64 (RFC 4648 section 4): padding required, no stray characters."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise ValueError(f"not valid base64: {text!r:.60}") from error


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


# --- Keys -------------------------------------------------------------------------------


class Verifier:
    """An Ed25519 signed-note verifier key (signature type 0x01) for one named key."""

    alg = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        self.name = _check_name(name)
        if not isinstance(public_key, bytes) or len(public_key) != 32:
            raise KeyFormatError("an Ed25519 public key is 32 bytes")
        self.public_key = public_key
        try:
            self._key = Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError:
            raise KeyFormatError(f"verifier key {name}: not a valid Ed25519 public key") from None
        self.key_id = _key_id(name, self.alg, public_key)

    @classmethod
    def from_key_string(cls, text: str) -> Verifier:
        """Parse ``<name>+<hex key ID>+<base64(type || public key)>``; KeyFormatError if bad.

        Raises KeyFormatError if the key is of another signature type than this class
        handles, or if the key ID does not match the name and key.
        """
        name, key_id, alg, key = _parse_vkey(text)
        if alg != cls.alg:
            raise KeyFormatError(
                f"verifier key {name}+{key_id:08x} has signature type 0x{alg:02x}, "
                f"expected 0x{cls.alg:02x}"
            )
        verifier = cls(name, key)
        if verifier.key_id != key_id:
            raise KeyFormatError(
                f"verifier key {name}: key ID {key_id:08x} does not match the key "
                f"(expected {verifier.key_id:08x})"
            )
        return verifier

    def key_string(self) -> str:
        """The vkey encoding of this key."""
        return f"{self.name}+{self.key_id:08x}+{_b64encode(bytes([self.alg]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` (without the key ID) is this key's signature of ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key_string()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verifier) or type(other) is not type(self):
            return NotImplemented
        return (other.name, other.public_key) == (self.name, self.public_key)

    def __hash__(self) -> int:
        return hash((type(self), self.name, self.public_key))


class CosignatureVerifier(Verifier):
    """A witness's Ed25519 ``cosignature/v1`` key (signature type 0x04).

    Its ``verify`` takes the note text and the signature bytes after the key ID, that is
    the 8-byte timestamp followed by the Ed25519 signature, so it can be passed to
    ``open_note`` alongside ordinary verifiers.
    """

    alg = ALG_COSIGNATURE_V1

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` is timestamp || Ed25519 signature over the cosigned message."""
        if len(signature) != 8 + 64:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            return False
        return super().verify(_cosigned_message(message, timestamp), signature[8:])


def _parse_vkey(text: object) -> tuple[str, int, int, bytes]:
    if not isinstance(text, str):
        raise KeyFormatError("a verifier key must be a string")
    text = text.strip()
    # The base64 part may itself contain '+', so split at most twice.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError(
            f"verifier key {text!r:.60} is not of the form <name>+<key ID>+<base64 key>"
        )
    name, key_id_hex, key_b64 = parts
    _check_name(name)
    if not _HEX8.fullmatch(key_id_hex):
        raise KeyFormatError(f"verifier key {name}: key ID {key_id_hex!r} is not 8 hex digits")
    try:
        raw = _b64decode(key_b64)
    except ValueError:
        raise KeyFormatError(f"verifier key {name}: the key is not valid base64") from None
    if len(raw) < 2:
        raise KeyFormatError(f"verifier key {name}: the key is empty")
    alg, key = raw[0], raw[1:]
    if alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise KeyFormatError(f"verifier key {name}: unsupported signature type 0x{alg:02x}")
    if len(key) != 32:
        raise KeyFormatError(f"verifier key {name}: an Ed25519 public key is 32 bytes")
    return name, int(key_id_hex, 16), alg, key


def parse_verifier_key(text: str) -> Verifier:
    """A Verifier (type 0x01) or CosignatureVerifier (type 0x04), whichever ``text`` encodes."""
    _, _, alg, _ = _parse_vkey(text)
    cls = CosignatureVerifier if alg == ALG_COSIGNATURE_V1 else Verifier
    return cls.from_key_string(text)


class Signer:
    """An Ed25519 private key with its key name: signs notes and, as a witness, cosigns."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = _check_name(name)
        self._private_key = private_key
        self.public_key = _public_bytes(private_key.public_key())
        self.key_id = _key_id(name, ALG_ED25519, self.public_key)
        self.cosignature_key_id = _key_id(name, ALG_COSIGNATURE_V1, self.public_key)

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A signer with a fresh random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_key_string(cls, text: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>``.

        Raises KeyFormatError if malformed or if the key ID does not match the key.
        """
        if not isinstance(text, str):
            raise KeyFormatError("a signer key must be a string")
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            # Never echo the text: it may be a private key with a typo.
            raise KeyFormatError(
                "a signer key must be of the form PRIVATE+KEY+<name>+<key ID>+<base64 key>"
            )
        _, _, name, key_id_hex, key_b64 = parts
        _check_name(name)
        if not _HEX8.fullmatch(key_id_hex):
            raise KeyFormatError(f"signer key {name}: the key ID is not 8 hex digits")
        try:
            raw = _b64decode(key_b64)
        except ValueError:
            raise KeyFormatError(f"signer key {name}: the key is not valid base64") from None
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise KeyFormatError(f"signer key {name}: not an Ed25519 (type 0x01) private key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.key_id != int(key_id_hex, 16):
            raise KeyFormatError(f"signer key {name}: the key ID does not match the key")
        return signer

    def key_string(self) -> str:
        """The secret key string. Anyone holding it can sign as this key."""
        key = _b64encode(bytes([ALG_ED25519]) + self._private_key.private_bytes_raw())
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{key}"

    def verifier(self) -> Verifier:
        """The matching note verifier (type 0x01)."""
        return Verifier(self.name, self.public_key)

    def verifier_key(self) -> str:
        """The matching vkey string (type 0x01), safe to publish."""
        return self.verifier().key_string()

    def cosignature_verifier(self) -> CosignatureVerifier:
        """The verifier for this key's cosignatures (type 0x04)."""
        return CosignatureVerifier(self.name, self.public_key)

    def cosignature_verifier_key(self) -> str:
        """The vkey string (type 0x04) relying parties use to check this witness."""
        return self.cosignature_verifier().key_string()

    def sign(self, message: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of ``message``."""
        return self._private_key.sign(message)

    def derived_secret(self, purpose: str) -> bytes:
        """A 32-byte secret for ``purpose``, known only to whoever holds this key: so a
        MAC keyed with it vouches as much as this key's signature, at a fiftieth of the
        cost, to the same holder."""
        seed = self._private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return hashlib.sha256(f"civitas {purpose}\0".encode() + seed).digest()

    def __repr__(self) -> str:
        # Deliberately leaves the private key out of logs and tracebacks.
        return f"Signer({self.verifier_key()!r})"


def generate_signer(name: str) -> str:
    """A new random signer key string ``PRIVATE+KEY+<name>+<key ID>+<key>`` for ``name``."""
    return Signer.generate(name).key_string()


# --- Notes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note, not yet verified."""

    name: str
    key_id: int
    signature: bytes  # the bytes after the 4-byte key ID
    line: str  # the whole line, without its newline


@dataclass(frozen=True)
class ParsedNote:
    """A note split into its text and signature lines. The text is NOT yet trusted."""

    body: str
    signatures: tuple[NoteSignature, ...]


def _check_text(text: str, what: str) -> None:
    for ch in text:
        if ord(ch) < 0x20 and ch != "\n":
            raise MalformedNoteError(f"{what} contains the control character {ch!r}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedNoteError(f"{what} is not valid UTF-8") from None


def _check_body(body: object) -> str:
    if not isinstance(body, str):
        raise MalformedNoteError("a note text must be a string")
    if not body.endswith("\n"):
        raise MalformedNoteError("a note text must end with a newline")
    _check_text(body, "the note text")
    return body


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise MalformedNoteError(f"signature line {line!r:.80} does not start with an em dash")
    name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not space or not _is_valid_name(name) or not encoded:
        raise MalformedNoteError(f"signature line {line!r:.80} is not '— <name> <signature>'")
    try:
        raw = _b64decode(encoded)
    except ValueError:
        raise MalformedNoteError(f"the signature by {name} is not valid base64") from None
    if len(raw) < 5:
        raise MalformedNoteError(f"the signature by {name} is too short")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:], line)


def parse_note(text: str | bytes) -> ParsedNote:
    """Split a signed note into body and signature lines without verifying anything.

    Raises MalformedNoteError. Callers must not act on the body: use ``open_note``.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNoteError("the note is not valid UTF-8") from None
    if not isinstance(text, str):
        raise MalformedNoteError("a note must be text")
    if len(text) > _MAX_NOTE_CHARS:
        raise MalformedNoteError("the note is too large")
    _check_text(text, "the note")
    # The text is separated from the signatures by the LAST blank line.
    split = text.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("the note has no blank line before its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNoteError("the note's signature block is empty or lacks its final newline")
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise MalformedNoteError(f"the note has more than {_MAX_SIGNATURES} signatures")
    return ParsedNote(body, tuple(_parse_signature_line(line) for line in lines))


def _verifier_index(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    index: dict[tuple[str, int], Verifier] = {}
    for verifier in verifiers:
        if not isinstance(verifier, Verifier):
            raise TypeError(f"expected a Verifier, got {type(verifier).__name__}")
        slot = (verifier.name, verifier.key_id)
        if slot in index and index[slot] != verifier:
            raise NoteError(
                f"two different trusted keys share name {verifier.name} and key ID "
                f"{verifier.key_id:08x}"
            )
        index[slot] = verifier
    return index


def open_note(text: str | bytes, verifiers: Iterable[Verifier]) -> tuple[str, list[str]]:
    """Verify a signed note; returns (body, names of the trusted keys whose signatures verified).

    Follows signed-note: signatures from unknown keys (name and key ID not both matching a
    trusted key) are ignored; a trusted key's signature that fails rejects the whole note
    (BadSignatureError); at least one must verify (else UnknownKeyError, or
    NoVerifiableSignatureError when no trusted keys were given). MalformedNoteError for
    anything off-format.
    """
    parsed = parse_note(text)
    index = _verifier_index(verifiers)
    if not index:
        raise NoVerifiableSignatureError("no trusted keys were given to check the note against")
    message = parsed.body.encode("utf-8")
    verified: list[str] = []
    seen: set[tuple[str, int]] = set()
    unknown: list[str] = []
    for signature in parsed.signatures:
        slot = (signature.name, signature.key_id)
        verifier = index.get(slot)
        if verifier is None:
            unknown.append(f"{signature.name}+{signature.key_id:08x}")
            continue
        if slot in seen:
            continue
        seen.add(slot)
        if not verifier.verify(message, signature.signature):
            raise BadSignatureError(
                f"the signature by trusted key {signature.name}+{signature.key_id:08x} does "
                "not verify: the note was altered or not signed by that key"
            )
        verified.append(signature.name)
    if not verified:
        trusted = ", ".join(f"{name}+{key_id:08x}" for name, key_id in index)
        raise UnknownKeyError(
            f"the note is signed only by keys that are not trusted ({', '.join(unknown)}); "
            f"trusted keys are {trusted}"
        )
    return parsed.body, verified


def sign_note(body: str, signers: Sequence[Signer] | Signer) -> str:
    """``body`` followed by a blank line and one Ed25519 signature line per signer.

    The body must end in a newline and contain no control characters other than newlines.
    """
    _check_body(body)
    if isinstance(signers, Signer):
        signers = [signers]
    if not signers:
        raise ValueError("sign_note needs at least one signer")
    message = body.encode("utf-8")
    lines = [
        _signature_line(signer.name, signer.key_id, signer.sign(message)) for signer in signers
    ]
    return body + "\n" + "".join(lines)


def _signature_line(name: str, key_id: int, signature: bytes) -> str:
    return f"{_SIG_PREFIX}{name} {_b64encode(key_id.to_bytes(4, 'big') + signature)}\n"


def append_signatures(note: str, lines: Iterable[str]) -> str:
    """The signed ``note`` with extra signature lines (e.g. witness cosignatures) appended.

    Lines may come with or without their final newline. A line whose name and key ID are
    already on the note replaces nothing and is dropped. Raises MalformedNoteError.
    """
    parsed = parse_note(note)
    present = {(sig.name, sig.key_id) for sig in parsed.signatures}
    result = note
    for line in lines:
        signature = _parse_signature_line(line.removesuffix("\n"))
        slot = (signature.name, signature.key_id)
        if slot in present:
            continue
        present.add(slot)
        result += signature.line + "\n"
    parse_note(result)  # re-check limits such as the number of signatures
    return result


# --- Checkpoints ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The three essential facts of a tree head, plus opaque extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """The checkpoint note text."""
        return format_checkpoint(self.origin, self.size, self.root, self.extensions)


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """The checkpoint note text ``<origin>\\n<size>\\n<base64 root>\\n[<extension>\\n...]``.

    The origin must also be a valid key name (no spaces or '+'), since the log's key is
    named after it. Raises MalformedCheckpointError.
    """
    try:
        _check_name(origin, "origin")
    except KeyFormatError as error:
        raise MalformedCheckpointError(str(error)) from None
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= _MAX_TREE_SIZE:
        raise MalformedCheckpointError(f"tree size {size!r} is not a non-negative 64-bit integer")
    if not isinstance(root, bytes) or len(root) != 32:
        raise MalformedCheckpointError("the root hash must be 32 bytes")
    for line in extensions:
        if not isinstance(line, str) or not line or "\n" in line:
            raise MalformedCheckpointError(
                f"extension line {line!r:.60} must be non-empty, one line"
            )
    body = "".join(f"{line}\n" for line in (origin, str(size), _b64encode(root), *extensions))
    _check_body(body)
    return body


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse a checkpoint note text (already verified with ``open_note``).

    Strict: the size is ASCII decimal without leading zeros, the root is canonical
    base64 of exactly 32 bytes, extension lines are non-empty. Raises
    MalformedCheckpointError.
    """
    try:
        _check_body(body)
    except MalformedNoteError as error:
        raise MalformedCheckpointError(str(error)) from None
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedCheckpointError("a checkpoint has at least three lines: origin, size, root")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise MalformedCheckpointError("the checkpoint origin line is empty")
    if not _DECIMAL.fullmatch(size_text):
        raise MalformedCheckpointError(
            f"checkpoint tree size {size_text!r:.30} is not a decimal number without leading zeros"
        )
    size = int(size_text)
    if size > _MAX_TREE_SIZE:
        raise MalformedCheckpointError("checkpoint tree size is larger than 2**64 - 1")
    try:
        root = _b64decode(root_text)
    except ValueError:
        raise MalformedCheckpointError("the checkpoint root hash is not valid base64") from None
    if len(root) != 32 or _b64encode(root) != root_text:
        raise MalformedCheckpointError(
            "the checkpoint root hash is not 32 bytes in canonical base64"
        )
    if any(not line for line in extensions):
        raise MalformedCheckpointError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, size, root, tuple(extensions))


# --- Witness cosignatures (tlog-cosignature, Ed25519 cosignature/v1) ---------------------


def _cosigned_message(body: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + body


def cosign(body: str, witness: Signer, timestamp: int) -> str:
    """A witness's ``cosignature/v1`` signature line (ending in a newline) for a checkpoint.

    ``body`` is the checkpoint note text the witness has checked; ``timestamp`` is POSIX
    seconds. The key ID uses signature type 0x04, so the same key's note signatures and
    cosignatures can never be confused.
    """
    parse_checkpoint(body)  # witnesses only ever vouch for checkpoints
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise ValueError("a cosignature timestamp is a whole number of seconds")
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise ValueError("a cosignature timestamp must be between 0 and 2**63 - 1")
    signature = witness.sign(_cosigned_message(body.encode("utf-8"), timestamp))
    return _signature_line(
        witness.name, witness.cosignature_key_id, timestamp.to_bytes(8, "big") + signature
    )


def verify_cosignature(body: str, line: str, verifier: CosignatureVerifier) -> int:
    """Check one cosignature line over checkpoint text ``body``; returns its timestamp.

    Raises UnknownKeyError if the line is not by ``verifier``'s key, BadSignatureError if
    it does not verify, MalformedNoteError if the line or body is malformed.
    """
    if not isinstance(verifier, CosignatureVerifier):
        raise TypeError("verify_cosignature needs a CosignatureVerifier (a type 0x04 key)")
    parse_checkpoint(body)
    signature = _parse_signature_line(line.removesuffix("\n"))
    if (signature.name, signature.key_id) != (verifier.name, verifier.key_id):
        raise UnknownKeyError(
            f"the cosignature is by {signature.name}+{signature.key_id:08x}, "
            f"not by witness {verifier.name}+{verifier.key_id:08x}"
        )
    if len(signature.signature) != 8 + 64:
        raise MalformedNoteError(f"the cosignature by {signature.name} has the wrong length")
    if not verifier.verify(body.encode("utf-8"), signature.signature):
        raise BadSignatureError(
            f"the cosignature by witness {verifier.name}+{verifier.key_id:08x} does not verify"
        )
    return int.from_bytes(signature.signature[:8], "big")
