"""Sending an application: the one way the pages and the API make a case.

The whole application is checked again as the API receives it (flow.check_submission),
the fee is worked out, and the case is stored with its audit event, log entry and email
(cases.public.submit_application).
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from civitas.cases.public import submit_application
from civitas.catalogue.public import Service
from civitas.journeys import flow


@dataclass(frozen=True)
class Submitted:
    """The application was stored as a case."""

    reference: str
    status: str
    fee: flow.Fee | None


@dataclass(frozen=True)
class NotSubmitted:
    """The answers do not make an application; nothing was stored."""

    errors: dict[str, str]
    """Messages by answer id; "" for the application as a whole (its route ends on an
    exit page)."""
    page_id: str | None
    """The page that asks the first answer in error, if a question's answer is."""


def submit_answers(
    service: Service,
    answers: Mapping[str, object],
    *,
    channel: str,
    today: datetime.date,
) -> Submitted | NotSubmitted:
    """Checks a whole application and, if it is complete and valid, stores it as a case.

    `answers` are the answers to the questions by id, as an API client sends them (values
    derived from them are worked out again, never taken as given); `channel` is how it
    came in ("online" for the pages, "api").
    """
    checked = flow.check_submission(service, answers, today=today)
    if checked.errors:
        first = next(iter(checked.errors))
        # An item's answer is named `<group>/<n>/<answer>`: the group's page asks it.
        page = service.page_for_answer(first.split("/")[0])
        return NotSubmitted(errors=checked.errors, page_id=page.id if page else None)
    fee = flow.fee_for(service, checked.answers, today=today)
    case = submit_application(
        service=service,
        answers=checked.answers,
        fee_pence=fee.pence if fee else None,
        decision=fee.decision if fee else None,
        channel=channel,
    )
    return Submitted(reference=case.reference, status=case.status, fee=fee)
