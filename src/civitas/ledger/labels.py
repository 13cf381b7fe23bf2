"""The words a reader of the public log sees for an entry's codes, in the page's language.

An entry's kind, role and field names are part of what is hashed and signed, so they stay
as they are in the entry, its canonical JSON and the API; the entry page shows these
words beside them. A code with no words here (one a newer version records) is shown as
it is.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

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
