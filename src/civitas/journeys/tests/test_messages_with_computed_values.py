"""A service's emails may name its computed values: sent over real SMTP, each is shown as
the case page shows it, worked out as of the day the case was submitted, with the rules'
values from the decision recorded with the case."""

import datetime
import re
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome
from civitas.catalogue.public import get_live_service
from civitas.journeys.submission import Submitted, submit_answers
from civitas.journeys.tests.test_api import valid_answers
from conftest import acting, publish_example, run_queued_jobs

SERVICES = Path(__file__).resolve().parents[4] / "services"

# Added to the definition's own computed values.
COMPUTED = """
  fee_after_discount: rule("fee_pence")
  days_to_start:
    expression: days_between(today, start_date)
    label: Days from submission to the start
  weeks_to_go: days_to_start // 7 + 1
"""


@pytest.fixture
def permit_with_computed_messages(db, tmp_path):
    """The parking permit, its emails naming two computed values: one from the rules,
    one counted from the day of submission."""
    shutil.copytree(SERVICES / "rules", tmp_path / "rules")
    folder = tmp_path / "resident-parking-permit"
    shutil.copytree(SERVICES / "resident-parking-permit", folder)
    path = folder / "service.yaml"
    source = path.read_text().replace("\ncomputed:\n", f"\ncomputed:{COMPUTED}", 1)
    # A paragraph of its own at the top of each English email.
    source = source.replace(
        "        Hello,\n\n",
        "        Hello,\n\n"
        "        Fee decided: ((fee_after_discount)). Days to start: ((days_to_start)).\n\n",
    )
    # submitted, approved, refused, payment-received, not-paid and permit-expiring
    assert source.count("((days_to_start))") == 6
    path.write_text(source)
    return publish_example(path)


def _submit(service, payments) -> Case:
    """An application, its fee paid: submitted, and confirmed."""
    result = submit_answers(service, valid_answers(), channel="api", today=timezone.localdate())
    assert isinstance(result, Submitted)
    payments.pay(result.reference)
    return Case.objects.get(reference=result.reference)


def _line(message, text: str = "Fee decided") -> str:
    body = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    return next(line for line in body.splitlines() if line.startswith(text))


def test_the_confirmation_email_shows_computed_values_as_the_case_page_does(
    client, permit_with_computed_messages, payments, smtp_inbox, caseworker, signed_in
):
    case = _submit(permit_with_computed_messages, payments)
    run_queued_jobs()
    emails = smtp_inbox.wait_for(2)  # the confirmation and the receipt
    [email] = [e for e in emails if e["Subject"].startswith("We have received")]
    # The rules set the fee; the start date is three days after submission.
    assert _line(email) == "Fee decided: £77. Days to start: 3."
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Days from submission to the start" in page
    assert re.search(r"Fee after discount\s*</dt>\s*<dd[^>]*>\s*£77\s*<", page)


def test_a_decision_email_works_computed_values_out_as_of_the_submission_day(
    permit_with_computed_messages, payments, smtp_inbox, caseworker
):
    case = _submit(permit_with_computed_messages, payments)
    # Decided ten days after it was submitted: the values are still those of that day.
    case.submitted_at = timezone.now() - datetime.timedelta(days=10)
    case.save(update_fields=["submitted_at"])
    decide_case(
        reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
    )
    run_queued_jobs()
    emails = smtp_inbox.wait_for(3)
    approved = next(e for e in emails if "approved" in e["Subject"])
    assert _line(approved) == "Fee decided: £77. Days to start: 13."


def test_a_rule_value_the_recorded_decision_lacks_is_blank_not_worked_out_again(
    permit_with_computed_messages, payments, smtp_inbox, caseworker
):
    case = _submit(permit_with_computed_messages, payments)
    case.fee_decision = None
    case.save(update_fields=["fee_decision"])
    decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        confirmed=True,
        reason="Not in a zone",
        staff=acting(caseworker),
    )
    run_queued_jobs()
    emails = smtp_inbox.wait_for(3)
    refused = next(e for e in emails if "refused" in e["Subject"])
    assert _line(refused) == "Fee decided: . Days to start: 3."


def test_the_published_service_works_computed_values_out_in_the_order_written(
    permit_with_computed_messages,
):
    # A stored definition's JSON may come back with its keys in another order (PostgreSQL
    # sorts them by length): `weeks_to_go` would then be worked out before what it uses.
    live = get_live_service(
        permit_with_computed_messages.organisation, permit_with_computed_messages.slug
    )
    names = [value.name for value in live.model.computed]
    assert names == ["fee_after_discount", "days_to_start", "weeks_to_go", "permit_ends"]
    shown = dict(
        live.model.computed_display(
            live.model.expression_values(
                {"start_date": "2027-01-20"}, today=datetime.date(2027, 1, 1)
            )
        )
    )
    assert shown["Weeks to go"] == "3"
