"""The words staff read for a case's codes (its status, how it came in), in the language
of the page; what happened to it reads as sentences (timeline.py). The codes themselves
stay in the data, the audit trail and the public log; only what a person reads is
translated."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from civitas.cases.workflow import Status

STATUS_LABELS: dict[str, Promise] = {
    Status.SUBMITTED: gettext_lazy("Submitted"),
    Status.APPROVED: gettext_lazy("Approved"),
    Status.REFUSED: gettext_lazy("Refused"),
}

CHANNEL_LABELS: dict[str, Promise] = {
    "online": gettext_lazy("online"),
    "api": gettext_lazy("through the API"),
    "assisted": gettext_lazy("on the phone or in person"),
}


def _label(labels: dict[str, Promise], code: str) -> str:
    # A code with no label yet (a new channel, an older action) is shown as it is
    # rather than hidden.
    found = labels.get(code)
    return str(found) if found is not None else code


def status_label(status: str) -> str:
    """What staff read for a case status."""
    return _label(STATUS_LABELS, status)


def channel_label(channel: str) -> str:
    """How the application came in, as a phrase: "online", "through the API"."""
    return _label(CHANNEL_LABELS, channel)
