"""Citizens' feedback: the GOV.UK satisfaction question after an application, and the
"Is this page not working properly?" report from any page, each with an optional comment.

A comment is cut to COMMENT_MAX_LENGTH characters and scrubbed of personal data
(scrubbing.py) before it is written: the words as typed never reach the database. How many
a client may send is limited (the platform's rate limiter) by the view, which knows the
client; this module knows nobody.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from civitas.insights.events import FeedbackRead
from civitas.insights.figures import SATISFACTION_LEVELS
from civitas.insights.models import Feedback
from civitas.insights.scrubbing import PLACEHOLDERS, scrub
from civitas.platform.events import publish

COMMENT_MAX_LENGTH = 1200
"""The character count's limit; a longer comment (sent without JavaScript, or by a script)
is cut to it, never refused: what the person wrote first is kept."""

FEEDBACK_RATE = "10/minute"
"""How many times one client may send feedback: more is a script, not a person."""

PAGE_SIZE = 50

# A route's name with its namespace, and the service's page id: `journeys:page/address`.
_PAGE_NAME = re.compile(
    r"[a-z0-9_-]{1,40}(?::[a-z0-9_-]{1,40}){0,2}(?:/[a-z0-9-]{1,60})?", re.ASCII
)


@dataclass(frozen=True)
class Comment:
    id: int
    kind: str
    service_slug: str
    satisfaction: str
    comment: str
    was_truncated: bool
    page: str
    language: str
    received_at: datetime.datetime


@dataclass(frozen=True)
class CommentPage:
    comments: list[Comment]
    next_cursor: str  # "" on the last page


def record_feedback(
    *,
    kind: str,
    satisfaction: str = "",
    comment: str = "",
    organisation_id: int | None = None,
    service_slug: str = "",
    page: str = "",
    language: str = "en",
) -> Feedback:
    """Stores one piece of feedback with its comment cut to COMMENT_MAX_LENGTH and then
    scrubbed; `page` is kept only if it reads as a route or page name (never a path with
    values in it). ValueError for a kind or satisfaction level that does not exist."""
    if kind not in Feedback.Kind.values:
        raise ValueError(f"no feedback kind {kind!r}")
    if satisfaction and satisfaction not in SATISFACTION_LEVELS:
        raise ValueError(f"no satisfaction level {satisfaction!r}")
    if kind == Feedback.Kind.SATISFACTION and not satisfaction:
        raise ValueError("satisfaction feedback needs an answer")
    kept, was_truncated = scrubbed_comment(comment)
    return Feedback.objects.create(
        kind=kind,
        satisfaction=satisfaction,
        comment=kept,
        was_truncated=was_truncated,
        organisation_id=organisation_id if service_slug else None,
        service_slug=service_slug[:60],
        page=clean_page_name(page),
        language=language[:8],
        received_at=timezone.now(),
    )


def scrubbed_comment(comment: str) -> tuple[str, bool]:
    """The comment as kept, and whether it was cut: line endings made \n (as the character
    count counts them), outer space removed, scrubbed, then cut to COMMENT_MAX_LENGTH.

    Scrubbed before it is cut, so the cut never leaves half a phone number behind. The
    limit is the citizen's: what scrubbing adds (a placeholder longer than the address it
    replaced) does not count against it, so a comment within the count is kept whole."""
    text = comment.replace("\r\n", "\n").replace("\r", "\n").strip()
    scrubbed = scrub(text).strip()
    allowed = COMMENT_MAX_LENGTH + max(0, len(scrubbed) - len(text))
    if len(scrubbed) <= allowed:
        return scrubbed, False
    cut = scrubbed[:allowed]
    # A placeholder the cut went through is dropped whole: "[phone nu" says nothing.
    opened = cut.rfind("[")
    if opened != -1 and "]" not in cut[opened:] and _starts_a_placeholder(cut[opened:]):
        cut = cut[:opened]
    return cut.rstrip(), True


def _starts_a_placeholder(text: str) -> bool:
    return any(placeholder.startswith(text) for placeholder in PLACEHOLDERS)


def clean_page_name(page: str) -> str:
    """The page a report came from, if it is a name (`journeys:page/contact-details`);
    "" for anything else, so a path or a query string with values in it is never kept."""
    page = page.strip().lower()
    return page if len(page) <= 100 and _PAGE_NAME.fullmatch(page) else ""


def satisfaction_counts(
    service_slug: str,
    start: datetime.date,
    end: datetime.date,
    *,
    organisation_id: int | None = None,
) -> dict[str, int]:
    """How many answered each satisfaction level for the service, received from `start`
    (inclusive) to `end` (exclusive), in the service's time zone: every level, 0 for none.
    `organisation_id` narrows it to one organisation's service of that slug."""
    since, until = _bounds(start), _bounds(end)
    rows = Feedback.objects.filter(
        kind=Feedback.Kind.SATISFACTION,
        service_slug=service_slug,
        received_at__gte=since,
        received_at__lt=until,
    )
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    counted = dict(
        rows.values("satisfaction").annotate(n=Count("id")).values_list("satisfaction", "n")
    )
    return {level: counted.get(level, 0) for level in SATISFACTION_LEVELS}


def list_comments(
    *,
    organisation_id: int,
    service_slug: str = "",
    cursor: str = "",
    page_size: int = PAGE_SIZE,
) -> CommentPage:
    """The organisation's feedback that has a comment, newest first, a page at a time by
    key (the cursor is the last one's time and id; one that does not parse starts again
    from the newest). One query."""
    rows = Feedback.objects.filter(organisation_id=organisation_id).exclude(comment="")
    if service_slug:
        rows = rows.filter(service_slug=service_slug)
    after = _parse_cursor(cursor)
    if after is not None:
        when, last_id = after
        rows = rows.filter(Q(received_at__lt=when) | Q(received_at=when, id__lt=last_id))
    found = list(rows.order_by("-received_at", "-id")[: page_size + 1])
    shown = found[:page_size]
    last = shown[-1] if shown else None
    return CommentPage(
        comments=[_comment(row) for row in shown],
        next_cursor=f"{last.received_at.isoformat()}~{last.id}"
        if last and len(found) > page_size
        else "",
    )


def list_commented_services(*, organisation_id: int) -> list[str]:
    """The slugs of the organisation's services that have feedback, for the filter."""
    return sorted(
        Feedback.objects.filter(organisation_id=organisation_id)
        .values_list("service_slug", flat=True)
        .distinct()
    )


def read_comments(*, organisation: str, staff_user_id: str, service_slug: str = "") -> None:
    """Records (audits) that a member of staff read a page of comments."""
    with transaction.atomic():
        publish(
            FeedbackRead(
                organisation=organisation, staff_user_id=staff_user_id, service_slug=service_slug
            )
        )


def _comment(row: Feedback) -> Comment:
    return Comment(
        id=row.id,
        kind=row.kind,
        service_slug=row.service_slug,
        satisfaction=row.satisfaction,
        comment=row.comment,
        was_truncated=row.was_truncated,
        page=row.page,
        language=row.language,
        received_at=row.received_at,
    )


def _parse_cursor(cursor: str) -> tuple[datetime.datetime, int] | None:
    when, _, last_id = cursor[:80].partition("~")
    try:
        moment, number = datetime.datetime.fromisoformat(when), int(last_id)
        if moment.tzinfo is None:
            return None
        # In UTC: Python reads offsets of up to a day, PostgreSQL refuses those past 15:59;
        # a moment before the year 1 in UTC does not exist (OverflowError).
        return moment.astimezone(datetime.UTC), number
    except (ValueError, OverflowError):
        return None


def _bounds(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
