"""The words a reader of the public log sees for an entry's codes, in the page's language.

An entry's kind, role and field names are part of what is hashed and signed, so they stay
as they are in the entry, its canonical JSON and the API; the entry page shows these
words beside them. A code with no words here (one a newer version records) is shown as
it is.
"""

import datetime
from collections.abc import Mapping

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from civitas.platform.formats import clock_time, written_date

KIND_LABELS: dict[str, Promise] = {
    "case.submitted": gettext_lazy("Application submitted"),
    "case.decided": gettext_lazy("Decision made"),
    "personal_data.viewed": gettext_lazy("Staff opened an application's answers"),
    "service.published": gettext_lazy("Service published"),
    "retention.applied": gettext_lazy("Records erased when their time was up"),
}

ROLE_LABELS: dict[str, Promise] = {
    "applicant": gettext_lazy("Applicant"),
    "caseworker": gettext_lazy("Caseworker"),
    "service_owner": gettext_lazy("Service owner"),
    "administrator": gettext_lazy("Administrator"),
    "platform": gettext_lazy("The platform"),
}

FIELD_LABELS: dict[str, Promise] = {
    "service": gettext_lazy("Service"),
    "channel": gettext_lazy("Channel"),
    "outcome": gettext_lazy("Outcome"),
    "status": gettext_lazy("Status"),
    "version": gettext_lazy("Version"),
    "data": gettext_lazy("Data"),
    "viewed_by": gettext_lazy("Viewed by"),
    "questions": gettext_lazy("Questions"),
    "records": gettext_lazy("Records"),
    "action": gettext_lazy("Action"),
    "count": gettext_lazy("Count"),
    "kept_days": gettext_lazy("Kept for (days)"),
    "decided_by": gettext_lazy("Decided by"),
    "reason_hmac_sha256": gettext_lazy("Reason fingerprint (HMAC-SHA-256)"),
    "yaml_sha256": gettext_lazy("Definition fingerprint (SHA-256)"),
}

# Values that are words rather than references, by the field they are in.
VALUE_LABELS: dict[tuple[str, str], Promise] = {
    ("channel", "online"): gettext_lazy("Online"),
    ("channel", "api"): gettext_lazy("API"),
    ("outcome", "approve"): gettext_lazy("Approve"),
    ("outcome", "refuse"): gettext_lazy("Refuse"),
    ("status", "approved"): gettext_lazy("Approved"),
    ("status", "refused"): gettext_lazy("Refused"),
    ("data", "application answers"): gettext_lazy("Application answers"),
    ("data", "sensitive answers"): gettext_lazy("Sensitive answers"),
    ("records", "closed_cases"): gettext_lazy("Closed applications"),
    ("records", "uploads"): gettext_lazy("Files"),
    ("records", "messages"): gettext_lazy("Messages"),
    ("records", "payment_records"): gettext_lazy("Payment records"),
    ("records", "abandoned_journeys"): gettext_lazy("Unfinished applications"),
    ("action", "deleted"): gettext_lazy("Deleted"),
    ("action", "anonymised"): gettext_lazy("Anonymised"),
}


def kind_label(kind: str) -> str:
    """What an entry of this kind records, in words."""
    found = KIND_LABELS.get(kind)
    return str(found) if found is not None else kind


def role_label(role: str) -> str:
    found = ROLE_LABELS.get(role)
    return str(found) if found is not None else role


def field_label(name: str) -> str:
    found = FIELD_LABELS.get(name)
    return str(found) if found is not None else name.replace("_", " ").capitalize()


def value_label(name: str, value: str) -> str:
    found = VALUE_LABELS.get((name, value))
    return str(found) if found is not None else value


# What an entry of each kind means for the person it is about, leading the entry page.
KIND_SENTENCES: dict[str, Promise] = {
    "case.submitted": gettext_lazy(
        "This records that your application was received on %(date)s at %(time)s."
    ),
    "case.decided": gettext_lazy(
        "This records that a decision was made on your application on %(date)s at %(time)s."
    ),
    "personal_data.viewed": gettext_lazy(
        "This records that a member of staff opened the answers in your application on "
        "%(date)s at %(time)s."
    ),
    "service.published": gettext_lazy(
        "This records that a version of one of the council's services was published on "
        "%(date)s at %(time)s."
    ),
    "retention.applied": gettext_lazy(
        "This records that records about your application were erased on %(date)s at "
        "%(time)s, when the time to keep them was up."
    ),
}
OTHER_KIND_SENTENCE = gettext_lazy(
    "This records something the council did on %(date)s at %(time)s."
)

OUTCOME_SENTENCES: dict[str, Promise] = {
    "approved": gettext_lazy("The application was approved."),
    "refused": gettext_lazy("The application was refused."),
}


def written_moment(moment: datetime.datetime) -> tuple[str, str]:
    """The date and the time of ``moment`` as GOV.UK writes them, in UK time and the
    page's language: ("1 December 2026", "8:08pm")."""
    local = timezone.localtime(moment)
    return written_date(local.date()), clock_time(local.hour, local.minute)


def what_it_records(kind: str, time: str, payload: Mapping[str, object]) -> str:
    """In plain words, what an entry records for the person it is about; ``time`` is the
    entry's RFC 3339 time."""
    try:
        moment = datetime.datetime.fromisoformat(time)
    except ValueError:
        return gettext("This records something the council did.")
    date, clock = written_moment(moment)
    sentence = str(KIND_SENTENCES.get(kind, OTHER_KIND_SENTENCE)) % {"date": date, "time": clock}
    status = payload.get("status") if kind == "case.decided" else None
    if isinstance(status, str) and status in OUTCOME_SENTENCES:
        sentence = f"{sentence} {OUTCOME_SENTENCES[status]}"
    return sentence
