"""Witnesses, seen from the log: pushing checkpoints, collecting and serving cosignatures.

Each worker runs `run_witness_pusher` in a thread of its own. Every second it sends the
latest checkpoint to each configured witness that has not cosigned it (all at once, from
a small pool), with a consistency proof from the size that witness last cosigned (C2SP
tlog-witness, see ``tlog_witness``), checks the cosignature it gets back against the
witness's key, and stores it. A failed push is retried at a later run, after a back-off
per witness, until it succeeds (at least once); a 409 Conflict naming another size is
answered at once with a proof from that size. Several workers may push the same
checkpoint: a witness cosigns the same tree again, and a stale size is corrected by its
409, so no database lock is held across the network.

The checkpoint endpoint serves the latest checkpoint with the cosignatures collected so
far appended as extra signature lines (signed-note lets verifiers ignore keys they do not
know); `largest_cosigned_checkpoint` gives the largest checkpoint that meets the witness
policy (LEDGER_WITNESS_POLICY, "k of n"), which is what a relying party that requires
witnesses should use, and what a floor against rollback can be set from.
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, close_old_connections
from django.utils import timezone

from civitas.ledger.integrity import latest_checkpoint
from civitas.ledger.models import Checkpoint, WitnessCosignature, WitnessState
from civitas.ledger.note import (
    CosignatureVerifier,
    KeyFormatError,
    NoteError,
    append_signatures,
    parse_note,
    verify_cosignature,
)
from civitas.ledger.queries import get_consistency_proof
from civitas.ledger.services import find_broken_reason
from civitas.ledger.tlog_witness import (
    PolicyError,
    ProtocolError,
    SubmitResult,
    WitnessPolicy,
    parse_quorum,
    parse_witness_key,
    submit_checkpoint,
)
from civitas.platform.environment import ConfigurationError
from civitas.platform.health import HealthResult

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("civitas.security")

MAX_BACKOFF_SECONDS = 300
PUSH_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class ConfiguredWitness:
    key: CosignatureVerifier
    url: str

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def key_string(self) -> str:
        return self.key.key_string()


@dataclass(frozen=True)
class WitnessConfig:
    witnesses: tuple[ConfiguredWitness, ...]
    policy: WitnessPolicy


def witness_config() -> WitnessConfig:
    """The configured witnesses and policy; ConfigurationError naming the setting if bad."""
    return _parse_config(settings.LEDGER_WITNESSES or "", settings.LEDGER_WITNESS_POLICY or "")


@functools.lru_cache(maxsize=8)
def _parse_config(witnesses_text: str, policy_text: str) -> WitnessConfig:
    witnesses = []
    for number, item in enumerate(re.split(r"[,\n]+", witnesses_text), start=1):
        if not item.strip():
            continue
        parts = item.split()
        if len(parts) != 2:
            raise ConfigurationError(
                f"LEDGER_WITNESSES, witness {number}: expected '<witness key> <URL>', "
                f"got {len(parts)} words"
            )
        key_text, url = parts
        try:
            key = parse_witness_key(key_text)
        except KeyFormatError as error:
            raise ConfigurationError(f"LEDGER_WITNESSES, witness {number}: {error}") from None
        if not re.match(r"https?://[^/\s]+", url):
            raise ConfigurationError(
                f"LEDGER_WITNESSES, witness {number} ({key.name}): {url!r} is not an "
                "http:// or https:// URL"
            )
        witnesses.append(ConfiguredWitness(key, url))
    try:
        keys = tuple(witness.key for witness in witnesses)
        policy = WitnessPolicy(keys, parse_quorum(policy_text, len(keys)))
    except PolicyError as error:
        raise ConfigurationError(f"LEDGER_WITNESS_POLICY: {error}") from None
    return WitnessConfig(tuple(witnesses), policy)


# --- Pushing ----------------------------------------------------------------------------


def push_to_witnesses(pool: Executor | None = None) -> int:
    """Sends the latest checkpoint to every witness that has not cosigned it; returns how
    many cosigned it now. With a ``pool`` the witnesses are asked at the same time, so a
    slow one delays the others by no more than LEDGER_WITNESS_TIMEOUT_SECONDS."""
    config = witness_config()
    if not config.witnesses or find_broken_reason():
        return 0
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return 0
    now = timezone.now()
    root = bytes(checkpoint.root)
    due: list[tuple[ConfiguredWitness, WitnessState, int]] = []
    for witness in config.witnesses:
        state = _state_of(witness)
        if state.size == checkpoint.size and _has_cosignature(witness, checkpoint.size, root):
            continue
        if state.next_attempt_at is not None and state.next_attempt_at > now:
            continue
        due.append((witness, state, state.size))
    cosigned = 0
    # A second round answers each 409 that named another size with a proof from it.
    for _ in range(2):
        asked = []
        for witness, state, old_size in due:
            if old_size > checkpoint.size:
                reason = (
                    f"it has cosigned a tree of {old_size} entries, larger than the log's "
                    f"{checkpoint.size}: was the log restored from an old backup?"
                )
                # The witness remembers what a restored database forgot.
                security_logger.error(
                    "witness %s: %s",
                    witness.name,
                    reason,
                    extra={"event": "ledger.witness_ahead", "witness": witness.name},
                )
                _record_failure(state, witness, reason, old_size)
                continue
            asked.append((witness, state, old_size, _proof(old_size, checkpoint.size)))
        answers = (pool.map if pool else map)(
            lambda item: _submit(item[0], checkpoint, item[2], item[3]), asked
        )
        due = []
        for (witness, state, old_size, _), answer in zip(asked, answers, strict=True):
            if isinstance(answer, SubmitResult) and answer.status == 200:
                try:
                    _store(witness, checkpoint, answer)
                except _Refused as error:
                    _record_failure(state, witness, str(error), old_size)
                else:
                    cosigned += 1
            elif (
                isinstance(answer, SubmitResult)
                and answer.status == 409
                and answer.witness_size not in (None, old_size)
            ):
                due.append((witness, state, answer.witness_size))
            else:
                reason = (
                    answer
                    if isinstance(answer, str)
                    else _refusal(answer, old_size, checkpoint.size)
                )
                _record_failure(state, witness, reason, old_size)
    for witness, state, old_size in due:
        _record_failure(state, witness, "it kept answering 409 Conflict", old_size)
    return cosigned


class _Refused(Exception):
    pass


def _proof(old_size: int, size: int) -> list[bytes]:
    if old_size in (0, size):
        return []
    return get_consistency_proof(old_size, size)


def _submit(
    witness: ConfiguredWitness, checkpoint: Checkpoint, old_size: int, proof: list[bytes]
) -> SubmitResult | str:
    """The witness's answer, or why there is none. Runs in the pool: no database here."""
    try:
        return submit_checkpoint(
            witness.url,
            old_size,
            proof,
            checkpoint.note,
            timeout=settings.LEDGER_WITNESS_TIMEOUT_SECONDS,
        )
    except ProtocolError as error:
        return str(error)


def _refusal(result: SubmitResult, old_size: int, size: int) -> str:
    detail = f": {result.detail}" if result.detail else ""
    if result.status == 409:
        return f"it holds another tree of {old_size} entries than this log (409 Conflict){detail}"
    if result.status == 422:
        return f"it refused the consistency proof from {old_size} to {size} entries{detail}"
    if result.status in (403, 404):
        return f"it does not trust this log's key or origin (HTTP {result.status}){detail}"
    return f"it answered HTTP {result.status}{detail}"


def run_witness_pusher(stop: threading.Event, fork_lock: threading.Lock) -> None:
    """The worker's loop that pushes checkpoints to witnesses, until ``stop`` is set.

    A thread of its own, so that a slow witness never delays integration; ``fork_lock``
    is held for a round, so a job process forked meanwhile never inherits a half-used
    connection."""
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="civitas-witness") as pool:
        while not stop.is_set():
            try:
                with fork_lock:
                    close_old_connections()
                    push_to_witnesses(pool)
            except Exception:
                # The loop must outlive any outage (the database restarting, say).
                logger.exception("pushing checkpoints to witnesses was interrupted")
            stop.wait(PUSH_INTERVAL_SECONDS)


def _state_of(witness: ConfiguredWitness) -> WitnessState:
    try:
        state, _ = WitnessState.objects.get_or_create(witness=witness.key_string)
    except IntegrityError:  # another worker created it at the same moment
        state = WitnessState.objects.get(witness=witness.key_string)
    return state


def _store(witness: ConfiguredWitness, checkpoint: Checkpoint, result: SubmitResult) -> None:
    body = parse_note(checkpoint.note).body
    for line in result.cosignatures:
        try:
            timestamp = verify_cosignature(body, line, witness.key)
        except NoteError:
            continue  # another key's line, or not a cosignature: ignored, as the spec asks
        signed_at = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
        if not _has_cosignature(witness, checkpoint.size, bytes(checkpoint.root)):
            WitnessCosignature.objects.create(
                witness=witness.key_string,
                size=checkpoint.size,
                root=bytes(checkpoint.root),
                line=line,
                signed_at=signed_at,
            )
        WitnessState.objects.filter(witness=witness.key_string).update(
            size=checkpoint.size,
            failures=0,
            last_error="",
            next_attempt_at=None,
            last_cosigned_at=timezone.now(),
        )
        logger.info("witness %s cosigned %s entries", witness.name, checkpoint.size)
        return
    raise _Refused("it answered 200 without a cosignature that verifies with its key")


def _record_failure(
    state: WitnessState, witness: ConfiguredWitness, reason: str, size: int
) -> None:
    failures = state.failures + 1
    delay = min(2 ** min(failures, 16), MAX_BACKOFF_SECONDS)
    WitnessState.objects.filter(pk=state.pk).update(
        size=size,
        failures=failures,
        last_error=reason[:1000],
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
    )
    logger.warning(
        "witness %s did not cosign (try %s, next in %ss): %s",
        witness.name,
        failures,
        delay,
        reason,
        extra={"event": "ledger.witness_refused", "witness": witness.name},
    )


def _has_cosignature(witness: ConfiguredWitness, size: int, root: bytes) -> bool:
    roots = WitnessCosignature.objects.filter(witness=witness.key_string, size=size).values_list(
        "root", flat=True
    )
    return any(bytes(stored) == root for stored in roots)


# --- Reading ----------------------------------------------------------------------------


def cosignature_lines(size: int, root: bytes) -> list[str]:
    """The configured witnesses' stored cosignature lines on the tree (size, root)."""
    keys = [witness.key_string for witness in witness_config().witnesses]
    if not keys:
        return []
    rows = WitnessCosignature.objects.filter(size=size, witness__in=keys).values_list(
        "witness", "root", "line"
    )
    lines = {key: line for key, stored, line in rows if bytes(stored) == root}
    return [lines[key] for key in keys if key in lines]


def with_cosignatures(note: str, size: int, root: bytes) -> str:
    """The signed checkpoint ``note`` with the witnesses' cosignatures appended."""
    lines = cosignature_lines(size, root)
    return append_signatures(note, lines) if lines else note


@dataclass(frozen=True)
class WitnessedCheckpoint:
    """A checkpoint with enough witness cosignatures to meet a policy."""

    size: int
    root: bytes
    note: str
    """The log-signed checkpoint with the witnesses' cosignatures appended."""
    witnesses: list[str]
    published_at: datetime.datetime


RECENT_COSIGNATURES = 2000
"""How many of the newest cosignatures the quick searches read (an indexed range)."""


@dataclass(frozen=True)
class _QuorumSearch:
    sizes: list[int]
    """Sizes cosigned by at least the quorum (not yet checked for equal roots), largest first."""
    smallest_seen: int | None
    """None when the search read every cosignature; else the smallest size it read."""


def _sizes_with_quorum(policy: WitnessPolicy, limit: int | None) -> _QuorumSearch:
    """Sizes that at least ``quorum`` of the policy's witnesses cosigned, from the newest
    ``limit`` cosignatures (all of them when None): one indexed query, newest first."""
    keys = [witness.key_string() for witness in policy.witnesses]
    rows = (
        WitnessCosignature.objects.filter(witness__in=keys)
        .order_by("-size")
        .values_list("size", "witness")
    )
    read = list(rows if limit is None else rows[:limit])
    witnesses_by_size: dict[int, set[str]] = {}
    for size, witness in read:
        witnesses_by_size.setdefault(size, set()).add(witness)
    sizes = [size for size, found in witnesses_by_size.items() if len(found) >= policy.quorum]
    everything = limit is None or len(read) < limit
    return _QuorumSearch(sorted(sizes, reverse=True), None if everything else read[-1][0])


def largest_cosigned_checkpoint(
    policy: WitnessPolicy | None = None, *, search_all: bool = False
) -> WitnessedCheckpoint | None:
    """The largest checkpoint whose cosignatures meet ``policy`` (default: the configured
    one), each cosignature checked again here; None when none does.

    What a relying party that requires witnesses is served, and the largest tree the log
    can prove others saw: a restored database that is smaller than it was rolled back.
    It reads the newest RECENT_COSIGNATURES cosignatures, so a public request costs the
    same however long the log; ``search_all`` reads further back when they hold no
    quorum (witnessing far behind), for callers that must not miss an older one.
    """
    policy = policy or witness_config().policy
    if policy.quorum == 0:
        latest = latest_checkpoint()
        if latest is None:
            return None
        root = bytes(latest.root)
        return WitnessedCheckpoint(latest.size, root, latest.note, [], latest.published_at)
    search = _sizes_with_quorum(policy, RECENT_COSIGNATURES)
    if not search.sizes and search.smallest_seen is not None and search_all:
        search = _sizes_with_quorum(policy, None)
    keys = [witness.key_string() for witness in policy.witnesses]
    for size in search.sizes[:10]:
        rows = WitnessCosignature.objects.filter(size=size, witness__in=keys).values_list(
            "root", "line"
        )
        for checkpoint in Checkpoint.objects.filter(size=size).order_by("-id")[:5]:
            root = bytes(checkpoint.root)
            lines = [line for stored, line in rows if bytes(stored) == root]
            try:
                note = append_signatures(checkpoint.note, lines)
            except NoteError:
                continue
            cosigners = policy.cosigners(note)
            if len(cosigners) >= policy.quorum:
                names = sorted(witness.name for witness, _, _ in cosigners)
                return WitnessedCheckpoint(size, root, note, names, checkpoint.published_at)
    return None


def largest_witnessed_size(policy: WitnessPolicy) -> int:
    """The largest size that ``policy``'s quorum cosigned, as stored: one indexed query.

    Each cosignature was checked when it was received; for /healthz, which must be cheap.
    When the newest cosignatures hold no quorum, the answer is a bound: no larger size
    than the smallest of them was witnessed.
    """
    if policy.quorum == 0:
        latest = latest_checkpoint()
        return latest.size if latest else 0
    search = _sizes_with_quorum(policy, RECENT_COSIGNATURES)
    if search.sizes:
        return search.sizes[0]
    return max((search.smallest_seen or 1) - 1, 0)


def witnessing_health() -> str | HealthResult:
    """ "ok"; "lagging" when a checkpoint older than LEDGER_WITNESS_MAX_LAG_SECONDS is
    not yet covered by a witnessed one; "rolled_back" when a witness has cosigned a
    larger tree than the log now holds. Not critical: the log works unwitnessed (and one
    witness's word is not proof), but relying parties that require witnesses see only
    older checkpoints, and a rollback is a security incident."""
    config = witness_config()
    if not config.witnesses:
        return "ok"
    latest = latest_checkpoint()
    if latest is None:
        return "ok"
    keys = [witness.key_string for witness in config.witnesses]
    ahead = (
        WitnessState.objects.filter(witness__in=keys, size__gt=latest.size)
        .order_by("-size")
        .values_list("size", flat=True)
        .first()
    )
    if ahead is not None:
        # A witness cosigned a larger tree than the log now has: rolled back, or lied to.
        return HealthResult("rolled_back", {"size": latest.size, "witness_size": ahead})
    witnessed = largest_witnessed_size(config.policy)
    if witnessed >= latest.size:
        return HealthResult("ok", {"size": latest.size, "witnessed_size": witnessed})
    first_unwitnessed = (
        Checkpoint.objects.filter(size__gt=witnessed)
        .order_by("id")
        .values_list("published_at", flat=True)
        .first()
    )
    lag = int((timezone.now() - (first_unwitnessed or latest.published_at)).total_seconds())
    details = {"size": latest.size, "witnessed_size": witnessed, "lag_seconds": lag}
    if lag > settings.LEDGER_WITNESS_MAX_LAG_SECONDS:
        return HealthResult("lagging", details)
    return HealthResult("ok", details)
