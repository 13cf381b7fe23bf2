"""One way to send an application, whichever way it comes in."""

import ast
import datetime
from pathlib import Path

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import parking_permit as parking_permit_in_memory
from civitas.journeys.submission import NotSubmitted, Submitted, submit_answers
from civitas.journeys.tests.test_api import valid_answers

SRC = Path(__file__).resolve().parents[2]


def test_only_the_submission_module_makes_a_case():
    callers = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or path.parts[-2] == "cases":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name | ast.Attribute) and "submit_application" in (
                getattr(node, "id", None),
                getattr(node, "attr", None),
            ):
                callers.add(str(path.relative_to(SRC)))
    assert callers == {"journeys/submission.py"}


def test_an_application_that_does_not_check_out_stores_nothing():
    # No database here: an application refused by its checks never reaches one.
    service = parking_permit_in_memory()
    answers = {**valid_answers(), "start_date": "2020-01-01"}
    result = submit_answers(service, answers, channel="online", today=datetime.date.today())
    assert isinstance(result, NotSubmitted)
    assert set(result.errors) >= {"start_date"}
    assert result.page_id == "start-date"
    refused = submit_answers(
        service,
        {**valid_answers(), "permits_in_household": "3"},
        channel="api",
        today=datetime.date.today(),
    )
    assert isinstance(refused, NotSubmitted)
    assert refused.page_id is None  # the route ends on an exit page: no question to fix


def test_a_valid_application_is_stored_with_its_channel_and_fee(parking_permit):
    from django.utils import timezone

    result = submit_answers(
        parking_permit, valid_answers(), channel="api", today=timezone.localdate()
    )
    assert isinstance(result, Submitted)
    case = Case.objects.get(reference=result.reference)
    # The permit's fee is paid online: the case waits for it.
    assert (case.channel, case.status, result.status) == (
        "api",
        "awaiting_payment",
        "awaiting_payment",
    )
    assert result.awaiting_payment
    assert case.fee_pence == result.fee.pence == 7700
    assert case.fee_decision == result.fee.decision
    assert case.answers["zone"] == "A"
