"""How much work a service's cases make: the time a decided case was worked, for planning
staff (insights' demand forecast, which reads the submissions a week from its own counts).

The time worked on a case is what case management records of it: from the first time a
member of staff opened it (its first `case.personal_data_viewed` in the audit trail) to its
decision, less the time it spent waiting for the citizen (a reply, a payment) in that
span, read from its `case.moved` events and the kinds of the states its workflow names.
It is elapsed time, not effort: a case opened on Monday and decided on Friday counts four
days, nights included. It is an upper bound that planners scale down by how many cases a
caseworker holds at once; the mean over many cases is what is stable.
"""

import datetime
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from civitas.cases.models import Case
from civitas.catalogue.public import (
    WAITING_FOR_CITIZEN,
    WAITING_FOR_PAYMENT,
    ServiceNotFound,
    Workflow,
    get_service_version,
)
from civitas.platform.models import AuditEvent

WAITING_ON_THE_CITIZEN = frozenset({WAITING_FOR_CITIZEN, WAITING_FOR_PAYMENT})

MAX_CASES_TIMED = 1000
"""The mean worked time is taken over the latest decided cases, up to this many."""


@dataclass(frozen=True)
class CaseSpan:
    """What the worked time of one case is made of."""

    opened_at: datetime.datetime
    decided_at: datetime.datetime
    waits: tuple[tuple[datetime.datetime, datetime.datetime], ...] = ()


def worked_seconds(span: CaseSpan) -> float:
    """From opened to decided, less the parts of the waits inside that span (waits that
    overlap are counted once). Never negative: a case decided before it was opened (its
    decision made without opening it again) counts 0."""
    total = (span.decided_at - span.opened_at).total_seconds()
    if total <= 0:
        return 0.0
    waited = 0.0
    covered_until = span.opened_at
    for start, end in sorted(span.waits):
        start, end = max(start, covered_until), min(end, span.decided_at)
        if end > start:
            waited += (end - start).total_seconds()
            covered_until = end
    return max(0.0, total - waited)


def mean_worked_hours(
    *,
    service_slug: str,
    organisation_id: int | None = None,
    decided_since: datetime.date | None = None,
    limit: int = MAX_CASES_TIMED,
) -> float | None:
    """The mean time worked (see the module) on the service's latest decided cases that
    were opened by staff, in hours; None when there are none. Three queries, and one a
    service version for its workflow."""
    cases = Case.objects.filter(service_slug=service_slug, decided_at__isnull=False)
    if organisation_id is not None:
        cases = cases.filter(organisation_id=organisation_id)
    if decided_since is not None:
        cases = cases.filter(decided_at__gte=_midnight(decided_since))
    decided = [
        (reference, organisation, version, decided_at)
        for reference, organisation, version, decided_at in cases.order_by(
            "-decided_at"
        ).values_list("reference", "organisation_id", "service_version", "decided_at")[:limit]
        if decided_at is not None
    ]
    spans = case_spans(service_slug, decided)
    if not spans:
        return None
    return sum(worked_seconds(span) for span in spans) / len(spans) / 3600


def case_spans(
    service_slug: str,
    decided: Sequence[tuple[str, int, int, datetime.datetime]],
) -> list[CaseSpan]:
    """The spans of decided cases (reference, organisation id, service version, decided
    at) that staff opened, from their audit trail."""
    references = [reference for reference, *_ in decided]
    opened: dict[str, datetime.datetime] = {}
    moves: dict[str, list[tuple[datetime.datetime, str, str]]] = {}
    events = AuditEvent.objects.filter(
        object_type="case",
        object_id__in=references,
        action__in=("case.personal_data_viewed", "case.moved"),
    ).order_by("occurred_at")
    for reference, action, when, details in events.values_list(
        "object_id", "action", "occurred_at", "details"
    ):
        if action == "case.personal_data_viewed":
            opened.setdefault(reference, when)
        else:
            moves.setdefault(reference, []).append(
                (when, str(details.get("from", "")), str(details.get("to", "")))
            )
    spans = []
    kinds = _StateKinds(service_slug)
    for reference, organisation_id, version, decided_at in decided:
        if reference not in opened:
            continue
        waits = _waits(
            moves.get(reference, []),
            decided_at,
            functools.partial(kinds.kind, organisation_id, version),
        )
        spans.append(CaseSpan(opened[reference], decided_at, tuple(waits)))
    return spans


def _waits(
    moves: Iterable[tuple[datetime.datetime, str, str]],
    decided_at: datetime.datetime,
    kind_of: Callable[[str], str],
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The spans the case spent in a state that waits on the citizen: each from the move
    into it to the next move (or the decision)."""
    waits = []
    waiting_since: datetime.datetime | None = None
    for when, _from_state, to_state in moves:
        if waiting_since is not None:
            waits.append((waiting_since, when))
            waiting_since = None
        if kind_of(to_state) in WAITING_ON_THE_CITIZEN:
            waiting_since = when
    if waiting_since is not None:
        waits.append((waiting_since, decided_at))
    return waits


class _StateKinds:
    """The kind of each state of the service's workflows, each version read once. A state a
    version no longer has (or a version gone) reads as not waiting."""

    def __init__(self, service_slug: str) -> None:
        self._service_slug = service_slug
        self._workflows: dict[tuple[int, int], Workflow | None] = {}

    def kind(self, organisation_id: int, version: int, state: str) -> str:
        key = (organisation_id, version)
        if key not in self._workflows:
            try:
                service = get_service_version(organisation_id, self._service_slug, version)
            except ServiceNotFound:
                self._workflows[key] = None
            else:
                self._workflows[key] = service.model.workflow
        workflow = self._workflows[key]
        return workflow.state(state).kind if workflow is not None else ""


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
