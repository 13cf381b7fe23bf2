"""The print outbox: letters wait in the day's batch until the printer takes it.

    NOTIFY_PRINT_OUTBOX/
      2026-12-03/                  one folder per batch, named by the day it is printed
        <message id>.pdf           one file per letter
        manifest.json              written when the batch closes: what the printer takes

A letter handed over before the cut-off (NOTIFY_PRINT_CUTOFF, 17:30 UK time, when Notify's
printer takes the day's letters) goes in that day's batch; after it, or once the day's
batch is closed, in the next day's. Closing a batch writes its manifest (each letter's
message id, postage, page count and SHA-256) and marks its letters `received`.

What makes this safe to run in several workers at once, and to repeat:

- A letter's file is named by its message id and written whole (beside it, then renamed).
  Before writing, every batch is searched for it, so a letter handed over twice (a worker
  died after writing it) is written once, even when its first batch has closed since.
- A lock on the outbox (`.lock`, flock) is shared by writers of letters and exclusive to
  closing: no letter lands in a batch while its manifest is written, or after.
- The manifest is the batch's record: a batch that has one is closed, and closing it again
  writes nothing. Marking its letters `received` is repeated for recent batches on every
  run, which catches a letter whose `accepted` was recorded after its batch closed.
"""

import contextlib
import datetime
import fcntl
import hashlib
import io
import json
import logging
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pypdf
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from civitas.notify.models import Message
from civitas.platform.files.store import write_whole
from civitas.platform.health import HealthResult

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_BATCH = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LETTER = re.compile(r"^[0-9a-f-]{36}\.pdf$")
# Letters' statuses are marked `received` again for batches closed this recently.
REMARK_DAYS = 7
# /healthz says "late" once a batch has stayed open this long past its cut-off (the job
# that closes it runs every minute in every worker).
LATE_AFTER = datetime.timedelta(minutes=10)


def outbox() -> Path:
    return Path(settings.NOTIFY_PRINT_OUTBOX)


def cutoff_time() -> datetime.time:
    try:
        return datetime.time.fromisoformat(settings.NOTIFY_PRINT_CUTOFF)
    except ValueError as error:
        raise ImproperlyConfigured("NOTIFY_PRINT_CUTOFF must be a time, such as 17:30") from error


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def cutoff(batch: str) -> datetime.datetime:
    """When the batch `batch` (a day) closes."""
    day = datetime.date.fromisoformat(batch)
    return datetime.datetime.combine(day, cutoff_time(), tzinfo=_zone())


def _is_closed(batch: str) -> bool:
    return (outbox() / batch / MANIFEST).exists()


def open_batch(now: datetime.datetime) -> str:
    """The batch a letter handed over at `now` goes in: today's until the cut-off, or the
    first later day's whose batch is not closed."""
    local = now.astimezone(_zone())
    day = local.date()
    if local.time() >= cutoff_time():
        day += datetime.timedelta(days=1)
    while _is_closed(day.isoformat()):
        day += datetime.timedelta(days=1)
    return day.isoformat()


@contextlib.contextmanager
def _outbox_lock(*, exclusive: bool) -> Iterator[None]:
    folder = outbox()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _batches() -> list[str]:
    folder = outbox()
    if not folder.is_dir():
        return []
    return sorted(entry.name for entry in folder.iterdir() if _BATCH.match(entry.name))


def find_letter(message_id: str) -> str | None:
    """The batch that holds the message's letter, if any does."""
    for batch in _batches():
        if (outbox() / batch / f"{message_id}.pdf").exists():
            return batch
    return None


def put_in_outbox(message_id: str, pdf: bytes, *, now: datetime.datetime | None = None) -> str:
    """Puts a letter in the open batch, once whatever how often it is handed over;
    returns its batch."""
    with _outbox_lock(exclusive=False):
        batch = find_letter(message_id)
        if batch is not None:
            return batch
        batch = open_batch(now or timezone.now())
        write_whole(outbox() / batch / f"{message_id}.pdf", pdf)
        return batch


def _page_count(pdf: bytes, message_id: str) -> int | None:
    """The letter's pages; None (and an error logged) for a file that does not read as a
    PDF, which must not stop the rest of the batch going."""
    try:
        return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    except Exception as error:
        logger.error(
            "letter %s in the print outbox unreadable: %s", message_id, type(error).__name__
        )
        return None


def _manifest(batch: str, closed_at: datetime.datetime) -> dict[str, object]:
    folder = outbox() / batch
    files = sorted(entry for entry in folder.iterdir() if _LETTER.match(entry.name))
    ids = [entry.name.removesuffix(".pdf") for entry in files]
    postage = {
        str(message_id): value
        for message_id, value in Message.objects.filter(id__in=ids).values_list("id", "postage")
    }
    letters = []
    for entry, message_id in zip(files, ids, strict=True):
        pdf = entry.read_bytes()
        letters.append(
            {
                "id": message_id,
                "file": entry.name,
                "postage": postage.get(message_id, ""),
                "pages": _page_count(pdf, message_id),
                "sha256": hashlib.sha256(pdf).hexdigest(),
            }
        )
    return {"batch": batch, "closed_at": closed_at.isoformat(), "letters": letters}


def close_batch(batch: str, *, now: datetime.datetime | None = None) -> bool:
    """Closes `batch`: writes its manifest and marks its letters received. False, and
    nothing written, when it was closed already or holds no letters."""
    if not _BATCH.match(batch):
        raise ValueError("a batch is named by its day, such as 2026-12-03")
    now = now or timezone.now()
    with _outbox_lock(exclusive=True):
        folder = outbox() / batch
        if not folder.is_dir() or (folder / MANIFEST).exists():
            closed = False
        else:
            manifest = _manifest(batch, now)
            write_whole(folder / MANIFEST, json.dumps(manifest, indent=2).encode() + b"\n")
            logger.info("print batch %s closed: %s letters", batch, len(manifest["letters"]))  # type: ignore[arg-type]
            closed = True
    mark_received(batch, now=now)
    return closed


def close_open_batch(*, now: datetime.datetime | None = None) -> str | None:
    """Closes the batch letters go into now, before its cut-off (an operator's choice);
    returns its name, or None when it holds no letters."""
    now = now or timezone.now()
    batch = open_batch(now)
    return batch if close_batch(batch, now=now) else None


def close_due_print_batches(*, now: datetime.datetime | None = None) -> list[str]:
    """The periodic job: closes every batch whose cut-off has passed, and marks the letters
    of recently closed batches received. Returns the batches it closed."""
    now = now or timezone.now()
    closed = []
    for batch in _batches():
        if _is_closed(batch):
            if now - cutoff(batch) <= datetime.timedelta(days=REMARK_DAYS):
                mark_received(batch, now=now)
        elif cutoff(batch) <= now and close_batch(batch, now=now):
            closed.append(batch)
    return closed


def mark_received(batch: str, *, now: datetime.datetime) -> int:
    """Marks the letters of a closed batch `received`, those not already; returns how
    many it marked."""
    path = outbox() / batch / MANIFEST
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        return 0
    ids = [letter["id"] for letter in manifest["letters"]]
    marked = 0
    for start in range(0, len(ids), 500):  # within every database's limit on parameters
        marked += Message.objects.filter(
            id__in=ids[start : start + 500],
            channel=Message.Channel.LETTER,
            status__in=(Message.Status.CREATED, Message.Status.SENDING, Message.Status.ACCEPTED),
        ).update(
            status=Message.Status.RECEIVED,
            completed_at=now,
            print_batch=batch,
            # Handed over, whatever the outbox row said: the sweep leaves it alone.
            sent_at=Coalesce("sent_at", Value(now)),
        )
    return marked


def check_print_outbox() -> HealthResult:
    """ "late" when a batch is still open well past its cut-off (no worker is closing
    batches, or closing fails); with how many letters wait in open batches."""
    now = timezone.now()
    late = waiting = 0
    for batch in _batches():
        if _is_closed(batch):
            continue
        waiting += sum(1 for entry in (outbox() / batch).iterdir() if _LETTER.match(entry.name))
        if now - cutoff(batch) > LATE_AFTER:
            late += 1
    return HealthResult(
        "late" if late else "ok", {"late_batches": late, "waiting_letters": waiting}
    )
