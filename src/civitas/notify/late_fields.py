"""Messages whose last words are filled in just before they are sent.

Some words of a message cannot be known in the transaction that writes it: a submission's
confirmation quotes the transparency log's entry number and signed promise, and the entry
is appended by the worker from the confirmation's outbox row, not by the submission
(docs/decisions/0065). Such a message is written with `sending.LateFields` (which source to ask,
and what) and stand-in values for those words. Before handing a batch over, the
dispatcher asks each source for its messages' words in one transaction, with their rows
locked, writes the words again from the same template version and clears `late_fields` in
that transaction. The source's own writes (the log's entries) commit with the cleared
column or not at all, so a worker that dies part-way leaves the messages to be completed
again, and a completed message is never completed twice.

The sources are the wiring's MESSAGE_FIELD_SOURCES (`civitas.wiring`): notify knows none.
A source that fails leaves its messages waiting, and tries again after `RETRY_SECONDS`;
the wait is not counted as an attempt to deliver them.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civitas.notify.models import Message, TemplateVersion
from civitas.notify.rendering import render
from civitas.platform.composition import read_table
from civitas.platform.jsontypes import JSONObject

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30


@dataclass(frozen=True)
class FieldSource:
    """A source of late words, named in the wiring's MESSAGE_FIELD_SOURCES.

    `fill` gets the requests of a batch's messages, in order, inside the dispatcher's
    transaction, and returns each message's words; it raises to leave them waiting."""

    name: str
    fill: Callable[[list[JSONObject]], list[dict[str, str]]]


def field_sources() -> dict[str, FieldSource]:
    return {source.name: source for source in read_table("MESSAGE_FIELD_SOURCES", FieldSource)}


def fill_late_fields(messages: list[Message]) -> list[Message]:
    """The claimed messages ready to hand over: those waiting for late words get them (and
    are read again); those whose source failed are put back to wait, and left out."""
    waiting = [message for message in messages if message.late_fields is not None]
    if not waiting:
        return messages
    by_source: dict[str, list[Message]] = {}
    for message in waiting:
        by_source.setdefault(str((message.late_fields or {}).get("source")), []).append(message)
    sources = field_sources()
    held: list[Message] = []
    completed: dict[object, Message] = {}
    for name, group in by_source.items():
        try:
            completed.update(_fill(sources[name], [message.id for message in group]))
        except Exception as error:
            # The class only: a source's errors could quote what it was asked.
            logger.warning("%s messages wait for %s: %s", len(group), name, type(error).__name__)
            _wait_again(group, name)
            held.extend(group)
    held_ids = {message.id for message in held}
    # Completed by another worker whose lease ran out before it sent them: read again.
    elsewhere = [m.id for m in waiting if m.id not in held_ids and m.id not in completed]
    if elsewhere:
        completed.update(
            (message.id, message)
            for message in Message.objects.defer("personalisation").filter(id__in=elsewhere)
        )
    return [
        message if message.late_fields is None else completed[message.id]
        for message in messages
        if message.late_fields is None or message.id in completed
    ]


def _fill(source: FieldSource, ids: list[object]) -> dict[object, Message]:
    """Completes the messages that still wait, in one transaction; returns them by id."""
    with transaction.atomic():
        # Read again under the lock: another worker may have completed some already.
        rows = list(
            Message.objects.select_for_update()
            .filter(id__in=ids, late_fields__isnull=False)
            .order_by("created_at", "id")
        )
        if not rows:
            return {}
        filled = source.fill([dict((row.late_fields or {}).get("request") or {}) for row in rows])
        # Every message's template words in one query, not two a message.
        versions: dict[tuple[object, object], TemplateVersion] = {
            (words.template_id, words.version): words
            for words in TemplateVersion.objects.select_related("template").filter(
                template_id__in={row.notify_template_id for row in rows},
                version__in={row.template_version for row in rows},
            )
        }
        for row, words in zip(rows, filled, strict=True):
            version = versions.get((row.notify_template_id, row.template_version))
            if version is None:
                raise ValueError("a message with late fields must come from a template")
            values = {**(row.personalisation or {}), **words}
            rendered = render(version.template, version, values, language=row.language)
            row.personalisation = values
            row.subject, row.body_text, row.body_html = (
                rendered.subject,
                rendered.text,
                rendered.html,
            )
            row.fragments = rendered.fragments
            row.late_fields = None
            # Encrypted fields are written with save(), which seals them for their row.
            row.save(
                update_fields=[
                    "personalisation",
                    "subject",
                    "body_text",
                    "body_html",
                    "fragments",
                    "late_fields",
                ]
            )
    return {row.id: row for row in rows}


def _wait_again(messages: list[Message], source: str) -> None:
    """Puts messages whose words are not ready back in the queue, without counting the
    claim as an attempt to deliver them."""
    Message.objects.filter(id__in=[message.id for message in messages]).update(
        status=Message.Status.CREATED,
        attempts=F("attempts") - 1,
        retry_at=timezone.now() + datetime.timedelta(seconds=RETRY_SECONDS),
        last_error=f"waiting for {source}"[:200],
    )
