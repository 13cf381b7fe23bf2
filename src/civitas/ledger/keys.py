"""The log's signing keys, and every key its checkpoints may be verified with.

LEDGER_SIGNING_KEY (or the file named by LEDGER_SIGNING_KEY_FILE) holds one or more
signer key strings, newest first, separated by commas or new lines: each checkpoint is
signed by all of them, which is how a key rotation is announced (docs/ledger.md).
LEDGER_VERIFIER_KEYS_EXTRA keeps the public keys of retired signing keys, so the
checkpoints they signed stay verifiable. Outside production a key is generated once
into var/, like the other demo secrets.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from civitas.ledger.note import (
    CosignatureVerifier,
    KeyFormatError,
    Signer,
    Verifier,
    generate_signer,
)
from civitas.platform.environment import ConfigurationError, demo_secret

DEMO_KEY_FILE = "ledger_signing_key"


@dataclass(frozen=True)
class LogKeys:
    origin: str
    signers: tuple[Signer, ...]
    """Newest first; all of them sign every checkpoint."""
    verifiers: tuple[Verifier, ...]
    """The signers' public keys, then the retired ones: newest first."""
    timestamp_verifiers: tuple[CosignatureVerifier, ...]
    """The same keys as cosignature/v1 verifiers, for the signed timestamp line."""

    @property
    def all_verifiers(self) -> list[Verifier]:
        return [*self.verifiers, *self.timestamp_verifiers]


def log_keys() -> LogKeys:
    """The configured keys; ConfigurationError naming the setting if any is malformed."""
    return _load(
        settings.LEDGER_ORIGIN,
        settings.LEDGER_SIGNING_KEY or "",
        settings.LEDGER_SIGNING_KEY_FILE or "",
        tuple(settings.LEDGER_VERIFIER_KEYS_EXTRA),
        str(settings.VAR_DIR),
        settings.IS_PRODUCTION,
    )


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]


def _demo_key(var_dir: str, origin: str) -> str:
    return demo_secret(Path(var_dir) / DEMO_KEY_FILE, make=lambda: generate_signer(origin))


@functools.lru_cache(maxsize=16)
def _load(
    origin: str,
    key_text: str,
    key_file: str,
    extras: tuple[str, ...],
    var_dir: str,
    is_production: bool,
) -> LogKeys:
    source = "LEDGER_SIGNING_KEY"
    if key_file:
        source = f"LEDGER_SIGNING_KEY_FILE ({key_file})"
        try:
            key_text = Path(key_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"cannot read {source}: {error}") from None
    elif not key_text:
        if is_production:
            raise ConfigurationError(
                "LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE must be set when "
                "CIVITAS_ENV=production"
            )
        key_text = _demo_key(var_dir, origin)
    try:
        signers = tuple(Signer.from_key_string(part) for part in _split(key_text))
    except KeyFormatError as error:
        raise ConfigurationError(f"{source}: {error}") from None
    if not signers:
        raise ConfigurationError(f"{source} holds no signer key")
    try:
        retired = [Verifier.from_key_string(key) for key in extras]
    except KeyFormatError as error:
        raise ConfigurationError(f"LEDGER_VERIFIER_KEYS_EXTRA: {error}") from None
    verifiers: list[Verifier] = []
    for verifier in [signer.verifier() for signer in signers] + retired:
        if verifier not in verifiers:
            verifiers.append(verifier)
    return LogKeys(
        origin=origin,
        signers=signers,
        verifiers=tuple(verifiers),
        timestamp_verifiers=tuple(CosignatureVerifier(v.name, v.public_key) for v in verifiers),
    )
