"""The words staff read for a case's codes (its status, how it came in), in the language
of the page; what happened to it reads as sentences (timeline.py). The codes themselves
stay in the data, the audit trail and the public log; only what a person reads is
translated."""

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from civitas.cases.models import Case
from civitas.cases.workflow import Status
from civitas.catalogue.public import (
    ServiceNotFound,
    active_language,
    get_service_version,
    in_language,
)

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


def service_titles(cases: Iterable[Case]) -> dict[str, str]:
    """Each case's service title in the page's language, by reference: one look-up per
    service version on the page (the versions are cached), none per case."""
    titles: dict[tuple[int, str, int], str] = {}
    shown = {}
    for case in cases:
        key = (case.organisation_id, case.service_slug, case.service_version)
        if key not in titles:
            try:
                title = get_service_version(*key).title
                titles[key] = in_language(title, active_language())
            except ServiceNotFound:
                titles[key] = case.service_slug
        shown[case.reference] = titles[key]
    return shown
