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
    Service,
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


VersionKey = tuple[int, str, int]


def version_key(case: Case) -> VersionKey:
    return (case.organisation_id, case.service_slug, case.service_version)


def service_versions(cases: Iterable[Case]) -> dict[VersionKey, Service | None]:
    """The service version of each case on a page: one look-up per version, none per
    case; None for a version that is no longer stored."""
    versions: dict[VersionKey, Service | None] = {}
    for case in cases:
        key = version_key(case)
        if key not in versions:
            try:
                versions[key] = get_service_version(*key)
            except ServiceNotFound:
                versions[key] = None
    return versions


def service_titles(
    cases: Iterable[Case], versions: dict[VersionKey, Service | None] | None = None
) -> dict[str, str]:
    """Each case's service title in the page's language, by reference, from `versions`
    (service_versions) when the page has them already."""
    cases = list(cases)
    versions = service_versions(cases) if versions is None else versions
    titles = {}
    for case in cases:
        service = versions.get(version_key(case))
        titles[case.reference] = (
            in_language(service.title, active_language()) if service else case.service_slug
        )
    return titles
