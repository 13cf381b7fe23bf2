"""Labels on cases: the words of its service's definition (`labels`) a caseworker puts on
a case to sort and find it (urgent, needs a visit). Each change is audited; a queue can be
filtered by a label (queues.py) through the CaseLabel index."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from civitas.cases.events import CaseLabelChanged
from civitas.cases.models import Case, CaseLabel
from civitas.cases.notes import NotAllowed
from civitas.cases.services import CaseNotFound
from civitas.catalogue.public import (
    CaseLabelSpec,
    ServiceNotFound,
    get_service_version,
    list_live_labels,
)
from civitas.identity.public import StaffContext
from civitas.platform.events import publish

CANNOT_LABEL = gettext_noop("You cannot change a case's labels")
UNKNOWN_LABEL = gettext_noop("Choose one of the service's labels")


class LabelInvalid(ValueError):
    """The label is not one of the case's service's."""


@dataclass(frozen=True)
class LabelShown:
    id: str
    label: str
    """The words staff read, in the page's language (a catalogue Text)."""


def service_labels(case: Case) -> tuple[CaseLabelSpec, ...]:
    """The labels the case's service version declares."""
    try:
        service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    except ServiceNotFound:
        return ()
    return service.model.labels


def case_labels(case: Case, declared: tuple[CaseLabelSpec, ...]) -> list[LabelShown]:
    """The labels on a case, in the order its service (`declared`) declares them, in one
    query. A label the version does not declare is shown by its id rather than hidden."""
    ids = set(CaseLabel.objects.filter(case=case).values_list("label", flat=True))
    shown = [LabelShown(id=spec.id, label=spec.label) for spec in declared if spec.id in ids]
    known = {spec.id for spec in declared}
    shown.extend(LabelShown(id=label, label=label) for label in sorted(ids - known))
    return shown


def set_labels(*, case: Case, wanted: set[str], staff: StaffContext) -> None:
    """Makes the case's labels exactly `wanted` (each one of its service's): each label put
    on or taken off is a set_label, audited. LabelInvalid for a label the service does not
    declare, before anything changes."""
    declared = {spec.id for spec in service_labels(case)}
    if not wanted <= declared:
        raise LabelInvalid(gettext(UNKNOWN_LABEL))
    current = set(CaseLabel.objects.filter(case=case).values_list("label", flat=True))
    for label in sorted(declared):
        if (label in wanted) != (label in current):
            set_label(reference=case.reference, label=label, on=label in wanted, staff=staff)


def set_label(*, reference: str, label: str, on: bool, staff: StaffContext) -> bool:
    """Puts the label on the acting organisation's case (`on`) or takes it off; True if
    that changed anything (then audited), False if it was already so. Needs `cases.work`.
    Raises CaseNotFound for a reference the organisation has no case by, LabelInvalid for a
    label the case's service does not declare."""
    if not staff.can("cases.work"):
        raise NotAllowed(gettext(CANNOT_LABEL))
    case = (
        Case.objects.filter(reference=reference, organisation_id=staff.organisation.id)
        .only(
            "id", "reference", "organisation_id", "service_slug", "service_version", "submitted_at"
        )
        .first()
    )
    if case is None:
        raise CaseNotFound(reference)
    if on and label not in {spec.id for spec in service_labels(case)}:
        raise LabelInvalid(gettext(UNKNOWN_LABEL))
    try:
        with transaction.atomic():
            if on:
                CaseLabel.objects.create(
                    case=case,
                    organisation_id=case.organisation_id,
                    label=label,
                    submitted_at=case.submitted_at,
                    added_by_id=staff.user.pk,
                    added_at=timezone.now(),
                )
            else:
                removed, _ = CaseLabel.objects.filter(case=case, label=label).delete()
                if not removed:
                    return False
            publish(
                CaseLabelChanged(
                    reference=case.reference,
                    organisation=staff.organisation.slug,
                    staff_user_id=str(staff.user.pk),
                    label=label,
                    added=on,
                )
            )
    except IntegrityError:
        # Already on (two people labelling at once, or a form sent twice).
        return False
    return True


def organisation_labels(organisation_id: int) -> list[CaseLabelSpec]:
    """The labels the organisation's live services declare, each id once, to filter a
    queue by (one query)."""
    return list_live_labels(organisation_id)
