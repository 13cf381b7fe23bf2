"""A definition's `payment`: the fee taken online, the case that waits for it, the receipt,
and timers in hours. Pure, no database."""

import datetime
import textwrap

from civitas.cases.workflow import initial_state
from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import ServiceDefinition
from civitas.catalogue.tests.test_model import SMALL

RECEIPT = "  payment-received: {subject: Paid, body: You paid ((amount)) (((payment_reference)))}\n"
NOT_PAID = "  not-paid: {subject: Not paid, body: Pay at ((pay_url))}\n"
PAYMENT = """\
payment:
  description: {en: A small thing, cy: Peth bach}
  cost_centre: SM-100
  ledger_code: "4410"
  refund_when_refused: {keep_pence: 50}
"""
WORKFLOW = """\
workflow:
  initial: unpaid
  states:
    unpaid: {label: Waiting for payment, kind: waiting-for-payment}
    not_paid: {label: "Closed: not paid", kind: closed-other}
    submitted: {label: Submitted, kind: open}
    approved: {label: Approved, kind: closed-approved}
    refused: {label: Refused, kind: closed-refused}
  transitions:
    - {id: approve, from: [submitted], to: approved, label: Approve, roles: [caseworker]}
    - {id: refuse, from: [submitted], to: refused, label: Refuse, roles: [caseworker]}
  automatic:
    - {id: paid, on: payment_received, from: [unpaid, not_paid], to: submitted}
    - {id: lapse, after: {hours: 24, in: unpaid}, to: not_paid}
"""


def parsed(*parts: str, messages: str = RECEIPT + NOT_PAID):
    source = textwrap.dedent(SMALL) + messages + "".join(parts)
    return parse_definition(source, filename="svc.yaml")


def problems(*parts: str, messages: str = RECEIPT + NOT_PAID) -> list[str]:
    return [str(problem) for problem in parsed(*parts, messages=messages).problems]


def test_a_service_that_takes_its_fee_reads_its_finance_codes_and_refund_rule():
    result = parsed(PAYMENT, WORKFLOW)
    assert result.problems == []
    model = ServiceDefinition.from_document(result.definition)
    assert model.payment is not None
    assert (model.payment.cost_centre, model.payment.ledger_code) == ("SM-100", "4410")
    assert model.payment.description == "A small thing"
    assert model.payment.refund_on_refusal(250) == 200
    assert model.payment.refund_on_refusal(40) == 0


def test_a_case_with_a_fee_waits_for_it_and_one_with_none_starts_where_paying_leads():
    model = ServiceDefinition.from_document(parsed(PAYMENT, WORKFLOW).definition)
    assert initial_state(model.workflow, 250).id == "unpaid"
    assert initial_state(model.workflow, 0).id == "submitted"
    assert initial_state(model.workflow, None).id == "submitted"


def test_a_timer_in_hours_closes_an_unpaid_case_after_a_day():
    model = ServiceDefinition.from_document(parsed(PAYMENT, WORKFLOW).definition)
    [timer] = model.workflow.timers_in("unpaid")
    assert timer.wait == datetime.timedelta(hours=24)
    assert timer.after_days is None


def test_a_payment_without_a_waiting_state_is_refused_at_its_line():
    found = problems(PAYMENT)
    assert any(
        "svc.yaml:" in problem and "starts its cases waiting for it" in problem for problem in found
    ), found


def test_a_waiting_for_payment_state_without_a_payment_section_is_refused():
    found = problems(WORKFLOW)
    assert any("the service takes none: add a `payment` section" in p for p in found), found


def test_a_service_that_takes_a_payment_must_send_a_receipt():
    found = problems(PAYMENT, WORKFLOW, messages="")
    assert any("add a `payment-received` message" in p for p in found), found


def test_nothing_moving_the_case_on_when_paid_is_refused():
    no_event = WORKFLOW.replace(
        "    - {id: paid, on: payment_received, from: [unpaid, not_paid], to: submitted}\n",
        "    - {id: paid, on: citizen_replied, from: [unpaid, not_paid], to: submitted}\n",
    )
    found = problems(PAYMENT, no_event)
    assert any("nothing moves a case on from 'unpaid' when it is paid" in p for p in found), found


def test_hostile_finance_codes_and_refunds_are_refused():
    for bad in (
        PAYMENT.replace("SM-100", "'=HYPERLINK(\"x\")'"),
        PAYMENT.replace('"4410"', '"' + "9" * 41 + '"'),
        PAYMENT.replace("{keep_pence: 50}", "{keep_pence: -5}"),
        PAYMENT.replace("{keep_pence: 50}", "half"),
        PAYMENT.replace("  cost_centre: SM-100\n", ""),
    ):
        assert problems(bad, WORKFLOW), bad


def test_a_timer_needs_days_or_hours_not_both():
    both = WORKFLOW.replace("{hours: 24, in: unpaid}", "{hours: 24, days: 1, in: unpaid}")
    assert problems(PAYMENT, both)
    neither = WORKFLOW.replace("{hours: 24, in: unpaid}", "{in: unpaid}")
    assert problems(PAYMENT, neither)
