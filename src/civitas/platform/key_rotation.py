"""Key rotation: sealing every encrypted field and file again under a new key.

An operator puts a new key first in FIELD_ENCRYPTION_KEYS, keeping the old ones after it,
and runs `civitas keys rotate`. From then on every new value is sealed with the new key,
and every old one still opens, because each sealed value names the key it was sealed with
(crypto.py): nothing is unreadable at any moment. The rotation then re-seals what was
sealed before, in the background, a batch at a time:

- every column of every model that is an encrypted field bound to its row, found by
  looking at the models (so a new encrypted column is rotated without being listed);
- what the domains list in the wiring module's KEY_ROTATION table: their sealed files,
  and anything else derived from the key (the case search digests).

Each batch is a queued job that queues the next one; a periodic job queues again a step
that has not moved for a while (a lost job, a worker killed mid-batch), so a rotation is
resumable from its last cursor. A batch may run twice (at least once): re-sealing a value
already under the current key changes nothing, and a value is written back only if it is
still what was read (compare-and-set), so a value changed meanwhile is never overwritten
with its older self. When every step is finished, the old keys can be removed.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from civitas.platform.composition import read_table
from civitas.platform.crypto import (
    BOUND_PREFIX,
    SealedValue,
    _EncryptedField,
    current_key_id,
    reseal_bound,
)
from civitas.platform.models import KeyRotation, KeyRotationStep

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
STALLED_AFTER = datetime.timedelta(minutes=2)
"""A step that has not moved for this long has lost its job: the sweep queues another."""


@dataclass(frozen=True)
class Resealer:
    """One kind of sealed data a rotation re-seals, a batch at a time by a cursor.

    `run_batch(cursor, limit)` re-seals up to `limit` items after `cursor` ("" at first)
    and returns (the next cursor, how many it re-sealed); the next cursor is "" when there
    is nothing after. It must be idempotent. `left(cursor)` says how many items are still
    to look at, for `civitas keys rotate --status`."""

    name: str
    run_batch: Callable[[str, int], tuple[str, int]]
    left: Callable[[str], int]


def _encrypted_models() -> list[tuple[type[models.Model], list[_EncryptedField]]]:
    found = []
    for model in apps.get_models():
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, _EncryptedField) and field.bound_to is not None
        ]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda pair: pair[0]._meta.db_table)


def _not_current(fields: list[_EncryptedField]) -> Q:
    """Rows with a value of one of `fields` sealed under another key than the current."""
    current = f"{BOUND_PREFIX}:{current_key_id()}:"
    query = Q()
    for field in fields:
        query |= Q(**{f"{field.attname}__isnull": False}) & ~Q(
            **{f"{field.attname}__startswith": current}
        )
    return query


def reseal_rows(
    model: type[models.Model], fields: list[_EncryptedField], *, cursor: str, limit: int
) -> tuple[str, int]:
    """Re-seals a batch of `model`'s rows under the current key, by primary key after
    `cursor`; returns the next cursor ("" when done) and how many values changed."""
    rows = model._base_manager.filter(_not_current(fields)).order_by("pk")
    if cursor:
        rows = rows.filter(pk__gt=cursor)
    batch = list(rows[:limit])
    changed = 0
    for instance in batch:
        expected: dict[str, SealedValue] = {}
        updates: dict[str, SealedValue] = {}
        for field in fields:
            stored = instance.__dict__[field.attname]
            if not isinstance(stored, SealedValue):
                continue
            resealed = reseal_bound(
                stored.token, binding=field.binding_for(field._row_of(instance))
            )
            if resealed != stored.token:
                expected[field.attname] = stored
                updates[field.attname] = SealedValue(resealed)
        if updates:
            # Written only where the row still holds what was read: a value saved since
            # (under the new key already) is not overwritten with the old one.
            written = model._base_manager.filter(pk=instance.pk, **expected).update(**updates)
            changed += len(updates) if written else 0
    if len(batch) < limit:
        return "", changed
    return str(batch[-1].pk), changed


def _field_resealer(model: type[models.Model], fields: list[_EncryptedField]) -> Resealer:
    def left(cursor: str) -> int:
        # What is still sealed under another key, wherever the cursor is: the measure that
        # matters before the old key is removed.
        return model._base_manager.filter(_not_current(fields)).count()

    return Resealer(
        name=f"fields:{model._meta.db_table}",
        run_batch=lambda cursor, limit: reseal_rows(model, fields, cursor=cursor, limit=limit),
        left=left,
    )


def resealers() -> list[Resealer]:
    """Everything a rotation re-seals: each table with encrypted fields, then the domains'
    own (the wiring module's KEY_ROTATION)."""
    found = [_field_resealer(model, fields) for model, fields in _encrypted_models()]
    return found + read_table("KEY_ROTATION", Resealer)


def _resealer(name: str) -> Resealer | None:
    return next((r for r in resealers() if r.name == name), None)


class RotationNotNeeded(ValueError):
    """There is nothing to rotate to: the configured keys say so."""


def start_key_rotation() -> KeyRotation:
    """Starts re-sealing everything under the current key (the first configured) and
    queues the first batch of each step. Starting again for the same key carries on with
    the rotation already started (its unfinished steps are queued again)."""
    if len(settings.FIELD_ENCRYPTION_KEYS) < 2:
        raise RotationNotNeeded(
            "only one key is configured: put the new key first in FIELD_ENCRYPTION_KEYS, "
            "followed by the old one, and restart, before rotating"
        )
    now = timezone.now()
    with transaction.atomic():
        rotation, _ = KeyRotation.objects.get_or_create(
            key_id=current_key_id(), defaults={"started_at": now}
        )
        for resealer in resealers():
            KeyRotationStep.objects.get_or_create(
                rotation=rotation, name=resealer.name, defaults={"advanced_at": now}
            )
        for step in rotation.steps.filter(finished_at__isnull=True):
            _queue(step.pk)
    return rotation


def _queue(step_id: int) -> None:
    if settings.REDIS_URL:
        transaction.on_commit(lambda: _nudge(step_id))
    else:
        reseal_batch_task.enqueue(step_id)


def _nudge(step_id: int) -> None:
    try:
        reseal_batch_task.enqueue(step_id)
    except Exception as error:
        # The sweep queues it again: a stalled step is only late.
        logger.warning("key rotation step %s not queued (%s)", step_id, type(error).__name__)


@task()
def reseal_batch_task(step_id: int) -> str:
    return advance_step(step_id)


def advance_step(step_id: int, *, batch_size: int = BATCH_SIZE) -> str:
    """Re-seals the next batch of one step and queues the batch after it; returns what
    happened (for the job's result). Safe to run twice at once: the step's row is locked
    for the batch, so the second waits and then does the next batch, or nothing."""
    with transaction.atomic():
        step = (
            KeyRotationStep.objects.select_for_update()
            .select_related("rotation")
            .filter(pk=step_id)
            .first()
        )
        if step is None or step.finished_at is not None:
            return "nothing to do"
        if step.rotation.key_id != current_key_id():
            # The configured keys changed again: the newer rotation re-seals everything.
            return "superseded"
        resealer = _resealer(step.name)
        if resealer is None:
            step.finished_at = timezone.now()
            step.save(update_fields=["finished_at"])
            return "no longer exists"
        next_cursor, changed = resealer.run_batch(step.cursor, batch_size)
        now = timezone.now()
        step.cursor = next_cursor
        step.resealed += changed
        step.batches += 1
        step.advanced_at = now
        if not next_cursor:
            step.finished_at = now
        step.save()
        if next_cursor:
            _queue(step.pk)
        elif not step.rotation.steps.filter(finished_at__isnull=True).exists():
            KeyRotation.objects.filter(pk=step.rotation.pk).update(finished_at=now)
    logger.info(
        "key rotation %s: %s batch %s, %s re-sealed",
        step.rotation.key_id,
        step.name,
        step.batches,
        changed,
    )
    return f"{step.name}: {changed} re-sealed"


def continue_key_rotations() -> int:
    """The periodic sweep: queues again each step of the current key's rotation that has
    not moved for STALLED_AFTER (its job was lost); returns how many."""
    stalled = KeyRotationStep.objects.filter(
        rotation__key_id=current_key_id(),
        finished_at__isnull=True,
        advanced_at__lt=timezone.now() - STALLED_AFTER,
    ).values_list("pk", flat=True)
    count = 0
    with transaction.atomic():
        for step_id in stalled:
            _queue(step_id)
            count += 1
    return count


@dataclass(frozen=True)
class StepStatus:
    name: str
    finished: bool
    resealed: int
    left: int


@dataclass(frozen=True)
class RotationStatus:
    key_id: str
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    steps: list[StepStatus]


def key_rotation_status() -> RotationStatus:
    """How far the rotation to the current key has got: each step, what it re-sealed and
    what is still sealed under another key."""
    rotation = KeyRotation.objects.filter(key_id=current_key_id()).first()
    steps = {step.name: step for step in rotation.steps.all()} if rotation else {}
    shown = []
    for resealer in resealers():
        step = steps.get(resealer.name)
        shown.append(
            StepStatus(
                name=resealer.name,
                finished=step is not None and step.finished_at is not None,
                resealed=step.resealed if step else 0,
                left=resealer.left(step.cursor if step else ""),
            )
        )
    return RotationStatus(
        key_id=current_key_id(),
        started_at=rotation.started_at if rotation else None,
        finished_at=rotation.finished_at if rotation else None,
        steps=shown,
    )
