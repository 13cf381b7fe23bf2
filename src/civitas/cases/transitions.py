"""Moving a case through its workflow: by staff, by a timer, or on an event.

Every move is one transaction that changes the case only where it still is as it was read
(a conditional UPDATE on its version and status: a compare-and-set), so a form drawn
before another change, a second caseworker deciding at the same moment, or two workers
running the same timer change nothing the second time. The move publishes its event in
the same transaction: CaseDecided for a decision (logged publicly and emailed), CaseMoved
for any other move (audited).
"""

import datetime
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from civitas.cases.conversation import REQUEST, write_to_applicant
from civitas.cases.events import CaseDecided, CaseMoved
from civitas.cases.models import Case
from civitas.cases.services import (
    CaseNotFound,
    DecisionInvalid,
    DecisionNotLogged,
    contact_email_of,
)
from civitas.cases.workflow import (
    Outcome,
    ServiceLevel,
    TransitionNotAllowed,
    check_transition,
    decision_timing,
    missing_requirement,
    outcome_of,
    service_level_entering,
    timer_due_at,
)
from civitas.catalogue.public import EVENTS, WAITING_FOR_CITIZEN, Service, get_service_version
from civitas.identity.public import StaffContext
from civitas.ledger.public import LedgerUnavailable, fingerprint_text
from civitas.platform.events import publish

logger = logging.getLogger(__name__)

REASON_MAX_CHARS = 2000
TIMER_BATCH = 200


class CaseChanged(TransitionNotAllowed):
    """The case moved on since the form was drawn (or while this move was being made)."""

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "This case changed while you were looking at it: someone else moved it on, "
                "so nothing was changed. Check its status and history below, then try again "
                "if it still needs doing"
            )
        )


def make_transition(
    *,
    reference: str,
    transition_id: str,
    reason: str,
    staff: StaffContext,
    confirmed: bool = False,
    expected_version: int | None = None,
) -> Case:
    """Makes a workflow transition of a case of the organisation `staff` acts for.

    The transition must leave the case's current state and name one of the person's roles
    (TransitionNotAllowed), have the reason and confirmation it declares (DecisionInvalid),
    and, given `expected_version` (the version the form was drawn for), find the case
    still at it (CaseChanged). Any other organisation's reference raises CaseNotFound.
    Raises DecisionNotLogged, changing nothing, when a decision cannot be recorded in the
    transparency log.
    """
    reason = reason.strip()
    if len(reason) > REASON_MAX_CHARS:
        raise DecisionInvalid(gettext("The reason must be 2,000 characters or fewer"))
    case = Case.objects.filter(reference=reference, organisation_id=staff.organisation.id).first()
    if case is None:
        raise CaseNotFound(reference)
    if expected_version is not None and case.version != expected_version:
        raise CaseChanged
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    workflow = service.model.workflow
    chosen = check_transition(
        workflow, status=case.status, transition_id=transition_id, roles=staff.roles
    )
    missing = missing_requirement(chosen, reason=reason, confirmed=confirmed)
    if missing:
        raise DecisionInvalid(missing)
    if chosen.reason == "none":
        reason = ""
    target = workflow.state(chosen.to)
    outcome = outcome_of(target)
    asks_the_applicant = target.kind == WAITING_FOR_CITIZEN and bool(reason)
    if asks_the_applicant and not contact_email_of(service, case):
        raise DecisionInvalid(
            gettext(
                "The applicant gave no email address, so they cannot be asked for more information"
            )
        )
    role = next(role for role in sorted(staff.roles) if role in chosen.roles)
    with transaction.atomic():
        now = timezone.now()
        moved = _compare_and_set(
            case,
            service,
            to=chosen.to,
            now=now,
            extra={
                "decided_at": now,
                "decided_by": staff.user,
                **decision_timing(
                    submitted_at=case.submitted_at,
                    clock=ServiceLevel(
                        due_at=case.due_at, left_seconds=case.service_level_left_seconds
                    ),
                    now=now,
                ),
            }
            if outcome
            else {},
        )
        if not moved:
            raise CaseChanged
        # The reason of the latest staff move: a refusal's, or what more information is
        # needed. Encrypted, so written through the model rather than the UPDATE.
        case.decision_reason = reason or None
        case.save(update_fields=["decision_reason"])
        if outcome is None:
            _publish_move(case, service, chosen.id, case.status, chosen.to, staff=staff)
            if asks_the_applicant:
                # What is needed, as the transition's reason, is the request itself.
                write_to_applicant(
                    case=case,
                    service=service,
                    text=reason,
                    staff=staff,
                    kind=REQUEST,
                    state_id=chosen.to,
                )
        else:
            _publish_decision(case, service, chosen.id, chosen.to, outcome, reason, staff, role)
    case.refresh_from_db()
    return case


def _compare_and_set(
    case: Case,
    service: Service,
    *,
    to: str,
    now: datetime.datetime,
    extra: dict[str, object],
) -> bool:
    """Moves the case to `to` only where it is still at the version and status it was
    read at. The UPDATE holds the row's lock until commit: a concurrent one waits, then
    finds the version moved on and changes nothing."""
    workflow = service.model.workflow
    state = workflow.state(to)
    clock = service_level_entering(
        state,
        now=now,
        clock=ServiceLevel(due_at=case.due_at, left_seconds=case.service_level_left_seconds),
    )
    updated = Case.objects.filter(pk=case.pk, version=case.version, status=case.status).update(
        status=to,
        status_kind=state.kind,
        version=F("version") + 1,
        status_since=now,
        timer_due_at=timer_due_at(workflow, to, now),
        due_at=clock.due_at,
        service_level_left_seconds=clock.left_seconds,
        **extra,
    )
    return updated == 1


def _publish_move(
    case: Case,
    service: Service,
    transition_id: str,
    from_status: str,
    to_status: str,
    *,
    staff: StaffContext | None = None,
    trigger: str = "staff",
) -> None:
    publish(
        CaseMoved(
            reference=case.reference,
            organisation=service.organisation,
            service=f"{service.slug}@{service.version}",
            transition=transition_id,
            from_status=from_status,
            to_status=to_status,
            staff_user_id=str(staff.user.pk) if staff else "",
            trigger=trigger,
        )
    )


def _publish_decision(
    case: Case,
    service: Service,
    transition_id: str,
    to_status: str,
    outcome: Outcome,
    reason: str,
    staff: StaffContext,
    role: str,
) -> None:
    try:
        publish(
            CaseDecided(
                reference=case.reference,
                service=service,
                outcome=outcome,
                status=to_status,
                transition=transition_id,
                reason=reason,
                reason_fingerprint=fingerprint_text(reason) if reason else None,
                staff_user_id=str(staff.user.pk),
                role=role,
                contact_email=contact_email_of(service, case),
                answers=dict(case.answers),
                submitted_at=case.submitted_at,
                decision=case.fee_decision,
                fee_pence=case.fee_pence,
                language=case.language,
                account_id=str(case.account_id or ""),
            )
        )
    except LedgerUnavailable:
        raise DecisionNotLogged(
            gettext(
                "The decision was not saved: every decision must be recorded in the "
                "transparency log, and the log is not accepting entries at the moment. "
                "Try again later, and tell the service desk if this keeps happening"
            )
        ) from None


def decide_case(
    *, reference: str, outcome: Outcome, reason: str, staff: StaffContext, confirmed: bool = False
) -> Case:
    """Approves or refuses a case: the default workflow's `approve` or `refuse`
    transition (see make_transition)."""
    return make_transition(
        reference=reference,
        transition_id=outcome.value,
        reason=reason,
        staff=staff,
        confirmed=confirmed,
    )


def apply_automatic_transition(case_ref: str, event_name: str) -> bool:
    """Moves the case as its workflow says `event_name` (one of the catalogue's EVENTS:
    `payment_received`, `citizen_replied`) moves a case in its current state.

    What the emitters of those events call. True when the case moved; False when its
    workflow has no such move from where it is (the event came late, or twice): safe to
    call again. Raises CaseNotFound for an unknown reference, ValueError for an unknown
    event.
    """
    if event_name not in EVENTS:
        raise ValueError(f"unknown workflow event '{event_name}'")
    case = Case.objects.filter(reference=case_ref).first()
    if case is None:
        raise CaseNotFound(case_ref)
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    automatic = service.model.workflow.on_event(case.status, event_name)
    if automatic is None:
        return False
    with transaction.atomic():
        if not _compare_and_set(case, service, to=automatic.to, now=timezone.now(), extra={}):
            return False
        _publish_move(case, service, automatic.id, case.status, automatic.to, trigger=event_name)
    return True


def apply_due_timers(*, now: datetime.datetime | None = None) -> int:
    """Moves every case whose state's timer has run out, as its workflow says: the
    periodic job. At least once is safe: a case moves only from the version it was read
    at, so a second worker (or a second run) finds nothing left to do. Returns how many
    moved."""
    now = now or timezone.now()
    moved = 0
    due = Case.objects.filter(timer_due_at__lte=now).order_by("timer_due_at")[:TIMER_BATCH]
    for case in due.only(
        "id",
        "reference",
        "organisation_id",
        "service_slug",
        "service_version",
        "status",
        "version",
        "status_since",
        "submitted_at",
        "timer_due_at",
        "due_at",
        "service_level_left_seconds",
    ):
        if _apply_timer(case, now):
            moved += 1
    return moved


def _apply_timer(case: Case, now: datetime.datetime) -> bool:
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    workflow = service.model.workflow
    since = case.status_since or case.submitted_at
    timer = next(
        (
            timer
            for timer in workflow.timers_in(case.status)
            if since + (timer.wait or datetime.timedelta()) <= now
        ),
        None,
    )
    with transaction.atomic():
        if timer is None:
            # The due time no longer matches the state (a workflow that lost its timer):
            # clear it, so the job does not read the case again.
            Case.objects.filter(pk=case.pk, version=case.version).update(timer_due_at=None)
            return False
        if not _compare_and_set(case, service, to=timer.to, now=now, extra={}):
            return False
        _publish_move(case, service, timer.id, case.status, timer.to, trigger="timer")
    logger.info("case %s moved by timer %s", case.reference, timer.id)
    return True
