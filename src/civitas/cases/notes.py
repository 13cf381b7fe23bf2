"""Private notes on a case: what caseworkers tell each other about it.

A note is for the organisation's staff only. It is never shown to the citizen, never put
in a message, and never written to the audit trail or the logs (which record only that a
note was added, by whom, to which case). Its text is encrypted at rest (models.CaseNote).
"""

import datetime
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from civitas.cases.events import CaseNoteAdded
from civitas.cases.models import Case, CaseNote
from civitas.cases.services import CaseNotFound
from civitas.identity.public import StaffContext
from civitas.platform.events import publish
from civitas.platform.input_guards import has_unsafe_characters, is_only_invisible

NOTE_MAX_LENGTH = 5000

ENTER_A_NOTE = gettext_noop("Enter a note")
NOTE_TOO_LONG = gettext_noop("A note must be %(count)s characters or fewer")
CHARACTERS_NOT_ALLOWED = gettext_noop(
    "The text must not contain characters that cannot be typed, such as control characters"
)
CANNOT_WRITE = gettext_noop("You cannot add notes to cases")


class TextInvalid(ValueError):
    """What a member of staff wrote cannot be kept; the message says why, in their language."""


class NotAllowed(PermissionError):
    """The member of staff's role does not let them do this."""


def check_written_text(text: str, *, max_length: int, empty: str, too_long: str) -> str:
    """A text written on a form (several lines), as it is kept: line endings made
    `\\n`, surrounding whitespace removed. Refuses an empty text, one too long, and one
    with characters nobody types (platform.input_guards: NUL, control characters other
    than line breaks and tabs, bidirectional overrides). `empty` and `too_long` are the
    messages, in the page's language; `too_long` names the `%(count)s`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if is_only_invisible(text):
        raise TextInvalid(empty)
    if len(text) > max_length:
        raise TextInvalid(too_long % {"count": f"{max_length:,}"})
    if has_unsafe_characters(text.replace("\n", "").replace("\t", "")):
        raise TextInvalid(gettext(CHARACTERS_NOT_ALLOWED))
    return text


def new_key(reference: str) -> str:
    """The identity a case's note or opinion request is encrypted against: it names the
    case, so the text opens only as that case's."""
    return f"{reference}~{secrets.token_hex(8)}"


def belongs_to(key: str, reference: str) -> bool:
    return key.partition("~")[0] == reference


def add_note(*, reference: str, text: str, staff: StaffContext) -> CaseNote:
    """Adds a note to the acting organisation's case. Needs `cases.work`. Raises
    CaseNotFound for a reference the organisation has no case by (another organisation's
    included), TextInvalid for a note that cannot be kept."""
    if not staff.can("cases.work"):
        raise NotAllowed(gettext(CANNOT_WRITE))
    text = check_written_text(
        text,
        max_length=NOTE_MAX_LENGTH,
        empty=gettext(ENTER_A_NOTE),
        too_long=gettext(NOTE_TOO_LONG),
    )
    with transaction.atomic():
        case = (
            Case.objects.filter(reference=reference, organisation_id=staff.organisation.id)
            .only("id", "reference")
            .first()
        )
        if case is None:
            raise CaseNotFound(reference)
        note = CaseNote.objects.create(
            key=new_key(case.reference),
            case=case,
            author_id=staff.user.pk,
            created_at=timezone.now(),
            text=text,
        )
        publish(
            CaseNoteAdded(
                reference=case.reference,
                organisation=staff.organisation.slug,
                staff_user_id=str(staff.user.pk),
            )
        )
    return note


@dataclass(frozen=True)
class NoteShown:
    author: str
    created_at: datetime.datetime
    text: str


def list_notes(case: Case) -> list[NoteShown]:
    """The case's notes, newest first, with their authors' names: one query."""
    notes = (
        CaseNote.objects.filter(case=case).select_related("author").order_by("-created_at", "-id")
    )
    return [
        NoteShown(author=note.author.display_name, created_at=note.created_at, text=note.text)
        for note in notes
        # A note whose key names another case is not this case's: never shown here.
        if belongs_to(note.key, case.reference)
    ]
