"""Every change to a case: submitted here, then moved through its workflow
(transitions.py). Each is one transaction holding the
change and the event it publishes; the event's handlers (civitas.wiring) add the audit
event, the transparency log entry and the email in that same transaction, so none can
exist without the others."""

import contextlib
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from civitas.cases.events import ApplicationSubmitted, PersonalDataViewed
from civitas.cases.files import SubmittedFile, discard_unstored_case_files, store_case_files
from civitas.cases.models import Case
from civitas.cases.routing import route_case
from civitas.cases.search import index_case
from civitas.cases.workflow import (
    ServiceLevel,
    initial_state,
    service_level_entering,
    timer_due_at,
)
from civitas.catalogue.public import WAITING_FOR_PAYMENT, Service
from civitas.identity.public import StaffContext, find_team
from civitas.ledger.public import (
    EntryReceipt,
    person_reference,
)
from civitas.platform.events import publish
from civitas.platform.jsontypes import JSONObject, JSONValue
from civitas.platform.references import new_reference

REFERENCE_ATTEMPTS = 5


class DecisionInvalid(ValueError):
    """The decision cannot be made as asked; the message says why, in plain English."""


class DecisionNotLogged(DecisionInvalid):
    """The transparency log cannot record the decision now, so it was not made."""


class CaseNotFound(LookupError):
    """No case with that reference in the acting organisation. Whether one exists in
    another organisation is deliberately not told apart."""


def case_subject(reference: str) -> str:
    """The keyed reference that stands for a case in the public log.

    The case reference itself never goes in the log: the log is public and can never be
    edited, so it holds nothing that could be linked to a person without our key.
    """
    return person_reference(f"case:{reference}")


@dataclass(frozen=True)
class AcceptedAs:
    """The reference and time an application was accepted with, before its case existed."""

    reference: str
    at: datetime.datetime


def submit_application(
    *,
    service: Service,
    answers: Mapping[str, JSONValue],
    fee_pence: int | None,
    channel: str = "online",
    decision: JSONObject | None = None,
    estimate: JSONObject | None = None,
    files: Sequence[SubmittedFile] = (),
    language: str = "en",
    api_key: str = "",
    assisted_by: int | None = None,
    accepted: AcceptedAs | None = None,
    account_id: str | None = None,
) -> Case:
    """Stores an application as a case, with its audit event and confirmation email.

    The answers must already be checked against the service (see journeys.flow).
    `decision` is the record of the rules' decision that set the fee or the estimate, when
    rules did; `estimate` what the rules estimate the applicant gets (its variable and pence).
    `files` are the files the answers name (checked and scanned when they were received),
    kept sealed for the case. `language` is the one the citizen applied in (a code of
    catalogue's LANGUAGES): the case's messages are written in it. `api_key` is the public
    id of the API key that sent it, for the audit trail ("" for the pages); `assisted_by`
    the id of the member of staff who completed it on a caller's behalf. `accepted` is the
    reference and time an application was given when it was accepted before its case was
    made (decision 0037): the case has them; without it, a new reference is drawn and the
    case is submitted now. `account_id` is the citizen's account when they were signed in
    (identity.public.signed_in_account_id).

    Nothing is left of a submission that fails, not even its files on disk; inside a
    caller's transaction that rolls back later, the caller removes them
    (discard_unstored_case_files).
    """
    try:
        for attempt in range(REFERENCE_ATTEMPTS):
            try:
                with transaction.atomic():
                    return _store_submission(
                        service,
                        answers,
                        fee_pence,
                        channel,
                        decision,
                        estimate,
                        files,
                        language,
                        api_key,
                        assisted_by,
                        accepted,
                        account_id,
                    )
            except IntegrityError:
                # A reference collision is one in hundreds of billions: draw another. One
                # the client was already given cannot be drawn again.
                if accepted is not None or attempt == REFERENCE_ATTEMPTS - 1:
                    raise
    except BaseException:
        # The rows rolled back, but files are not in the transaction: a handler of the
        # event (the transparency log, say) failed after they were written. A database
        # that cannot say which rows exist must not hide the error that brought us here.
        with contextlib.suppress(DatabaseError):
            discard_unstored_case_files(file.token for file in files)
        raise
    raise AssertionError("unreachable")


def _team_id(service: Service, answers: Mapping[str, JSONValue]) -> int | None:
    """The id of the team the service's routing sends these answers to.

    The team existed at publish; one removed since leaves the case with the default team,
    or with none (the organisation's list of cases still shows it).
    """
    slug = route_case(service.model, answers, today=timezone.localdate())
    if slug is None:
        return None
    team = find_team(organisation_id=service.organisation_id, slug=slug)
    if team is None and service.model.routing is not None:
        team = find_team(
            organisation_id=service.organisation_id, slug=service.model.routing.default_team
        )
    return team.id if team is not None else None


def _store_submission(
    service: Service,
    answers: Mapping[str, JSONValue],
    fee_pence: int | None,
    channel: str,
    decision: JSONObject | None,
    estimate: JSONObject | None,
    files: Sequence[SubmittedFile],
    language: str,
    api_key: str,
    assisted_by: int | None,
    accepted: AcceptedAs | None,
    account_id: str | None = None,
) -> Case:
    # A case made from an accepted application counts from when it was accepted: its
    # service level's clock started then.
    now = accepted.at if accepted is not None else timezone.now()
    workflow = service.model.workflow
    initial = initial_state(workflow, fee_pence)
    clock = service_level_entering(initial, now=now, clock=ServiceLevel())
    case = Case.objects.create(
        reference=accepted.reference if accepted is not None else new_reference(),
        organisation_id=service.organisation_id,
        service_slug=service.slug,
        service_version=service.version,
        status=initial.id,
        status_kind=initial.kind,
        status_since=now,
        timer_due_at=timer_due_at(workflow, initial.id, now),
        due_at=clock.due_at,
        service_level_left_seconds=clock.left_seconds,
        channel=channel,
        language=language,
        answers=dict(answers),
        fee_pence=fee_pence,
        fee_decision=decision,
        estimate=estimate,
        submitted_at=now,
        assisted_by_id=assisted_by,
        account_id=account_id,
        team_id=_team_id(service, answers),
    )
    store_case_files(case, files)
    index_case(case, service)
    publish(
        ApplicationSubmitted(
            reference=case.reference,
            service=service,
            channel=channel,
            fee_pence=fee_pence,
            contact_email=_text(answers.get(service.contact_email_answer)),
            answers=dict(answers),
            submitted_at=case.submitted_at,
            decision=decision,
            language=language,
            api_key=api_key,
            assisted_by=str(assisted_by or ""),
            account_id=str(account_id or ""),
            awaiting_payment=initial.kind == WAITING_FOR_PAYMENT,
        )
    )
    return case


def _text(value: JSONValue) -> str:
    return value if isinstance(value, str) else ""


def contact_email_of(service: Service, case: Case) -> str:
    """The applicant's email address, "" when they gave none (an anonymous report)."""
    return _text(case.answers.get(service.contact_email_answer))


def record_personal_data_view(*, case: Case, staff: StaffContext) -> EntryReceipt:
    """Records that a member of staff opened a case's answers: audited and publicly logged.

    Call it before showing the answers, with a case found through the acting organisation.
    Raises LedgerUnavailable when the view cannot be logged, in which case the answers
    must not be shown.
    """
    if case.organisation_id != staff.organisation.id:
        raise CaseNotFound(case.reference)
    # Its own atomic block: a caller that shows a refusal when the log is unavailable
    # carries on in its transaction.
    with transaction.atomic():
        results = publish(
            PersonalDataViewed(
                reference=case.reference,
                organisation=staff.organisation.slug,
                staff_user_id=str(staff.user.pk),
                role=staff.role_for("cases.view"),
            )
        )
    return results.require(EntryReceipt)
