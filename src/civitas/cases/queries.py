"""Reading cases for caseworkers: indexed, paginated by key, never counting the table."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from civitas.cases.models import Case
from civitas.catalogue.public import LANGUAGES, get_service_version, in_language

PAGE_SIZE = 50


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_cursor: str | None


def case_cursor(case: Case) -> str:
    """Where a list of cases newest first goes on after `case`."""
    return f"{case.submitted_at.isoformat()}~{case.id}"


def parse_case_cursor(cursor: str) -> tuple[datetime.datetime, int] | None:
    """The (submitted_at, id) a `case_cursor` names; None for anything else."""
    try:
        when, case_id = cursor.split("~")
        return datetime.datetime.fromisoformat(when), int(case_id)
    except ValueError:
        return None


def list_cases(
    *, organisation_id: int, status: str | None = None, cursor: str | None = None
) -> CasePage:
    """One organisation's cases, newest first, read by the (organisation, ...) indexes.

    The answers are not loaded: a list shows no personal data.
    """
    cases = (
        Case.objects.filter(organisation_id=organisation_id)
        .defer("answers", "fee_decision", "estimate", "decision_reason")
        .order_by("-submitted_at", "-id")
    )
    if status:
        cases = cases.filter(status=status)
    after = parse_case_cursor(cursor) if cursor else None
    if after:
        submitted_at, case_id = after
        cases = cases.filter(
            Q(submitted_at__lt=submitted_at) | Q(submitted_at=submitted_at, id__lt=case_id)
        )
    page = list(cases[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    return CasePage(cases=page, next_cursor=case_cursor(page[-1]) if more else None)


@dataclass(frozen=True)
class CaseStatus:
    """Where an application stands, without any of its answers."""

    reference: str
    status: str
    service_slug: str
    submitted_at: datetime.datetime
    status_label: dict[str, str] = field(default_factory=dict)
    """The state's label in its service version's workflow, by language (`en`, `cy`)."""


def find_case_status(reference: str, *, organisation_id: int) -> CaseStatus | None:
    """The status of the organisation's case with this reference; None if it has none by
    that name. Reads no personal data."""
    found = (
        Case.objects.filter(reference=reference, organisation_id=organisation_id)
        .values("reference", "status", "service_slug", "service_version", "submitted_at")
        .first()
    )
    if not found:
        return None
    service = get_service_version(organisation_id, found["service_slug"], found["service_version"])
    label = service.model.workflow.state(found["status"]).label
    return CaseStatus(
        reference=found["reference"],
        status=found["status"],
        service_slug=found["service_slug"],
        submitted_at=found["submitted_at"],
        status_label={code: in_language(label, code) for code in LANGUAGES},
    )


def find_case(reference: str, *, organisation_id: int) -> Case | None:
    """The organisation's case with this reference; None if it has none by that name."""
    return (
        Case.objects.select_related("decided_by", "assisted_by", "team", "assigned_to")
        .filter(reference=reference, organisation_id=organisation_id)
        .first()
    )
