"""The daily reconciliation: what the provider settled on a day, matched to what was
recorded here, each kind of mismatch flagged; the finance page that shows it, its CSV
download, and what happens when the day is not one or the provider does not answer."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.pay.models import Payment
from civitas.pay.providers import forget_providers
from civitas.pay.reconciliation import CSV_HEADER, reconcile
from civitas.pay.tests.factories import PaymentFactory, RefundFactory
from civitas.pay.tests.govuk_pay_server import FakeGovukPay
from civitas.platform.models import AuditEvent
from conftest import make_staff

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 4)
NOON = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def finance(db):
    return make_staff("finance@example.gov.uk", "finance")


def paid_on_the_day(fake: FakeGovukPay, *, settled_pence: int | None, **values) -> Payment:
    """A payment that succeeded on DAY; the provider settles `settled_pence` of it on
    DAY (None: it does not settle it)."""
    payment = PaymentFactory(succeeded=True, succeeded_at=NOON, **values)
    if settled_pence is not None:
        fake.hold_payment(
            payment.provider_payment_id,
            settled_pence,
            payment.case_reference,
            settled_on=DAY,
            metadata={"organisation": payment.organisation.slug},
        )
    return payment


@pytest.fixture
def seeded_day(govuk_pay) -> dict[str, object]:
    """A day with a line of every kind, and another council's money beside it."""
    matched = paid_on_the_day(govuk_pay, settled_pence=4000)
    differs = paid_on_the_day(
        govuk_pay, settled_pence=3500, amount_pence=4000, cost_centre="GW200", ledger_code="4420"
    )
    unsettled = paid_on_the_day(govuk_pay, settled_pence=None, amount_pence=2500)
    govuk_pay.hold_payment(
        "strangerpayment0000000001",
        2000,
        '=HYPERLINK("http://evil.example")',
        settled_on=DAY,
        metadata={"organisation": "example-borough", "cost_centre": "PK100", "ledger_code": "9"},
    )
    refund = RefundFactory(payment=matched, amount_pence=1000, created_at=NOON)
    govuk_pay.hold_refund(
        refund.provider_refund_id, matched.provider_payment_id, 1000, settled_on=DAY
    )
    govuk_pay.hold_refund(
        "strangerrefund00000000001", matched.provider_payment_id, 500, settled_on=DAY
    )
    # Sample District's: settled the same day, never in Example Borough's reconciliation.
    theirs = PaymentFactory(
        succeeded=True, succeeded_at=NOON, organisation=OrganisationFactory(other_council=True)
    )
    govuk_pay.hold_payment(
        theirs.provider_payment_id,
        4000,
        theirs.case_reference,
        settled_on=DAY,
        metadata={"organisation": "sample-district"},
    )
    govuk_pay.hold_payment(
        "theirstranger000000000001",
        700,
        "SD-1",
        settled_on=DAY,
        metadata={"organisation": "sample-district"},
    )
    return {
        "matched": matched,
        "differs": differs,
        "unsettled": unsettled,
        "refund": refund,
        "theirs": theirs,
    }


def example_borough_report(day: datetime.date = DAY):
    organisation = OrganisationFactory()
    return reconcile(organisation_id=organisation.pk, organisation_slug=organisation.slug, day=day)


def test_every_kind_of_mismatch_is_flagged_and_listed_first(seeded_day):
    report = example_borough_report()
    lines = {(line.kind, line.provider_id): line for line in report.lines}
    matched, differs, unsettled = (
        seeded_day["matched"],
        seeded_day["differs"],
        seeded_day["unsettled"],
    )
    assert lines[("payment", matched.provider_payment_id)].result == "matched"
    assert lines[("payment", differs.provider_payment_id)].result == "amount_differs"
    assert (
        lines[("payment", differs.provider_payment_id)].recorded_pence,
        lines[("payment", differs.provider_payment_id)].settled_pence,
    ) == (4000, 3500)
    assert lines[("payment", unsettled.provider_payment_id)].result == "not_settled"
    assert lines[("payment", "strangerpayment0000000001")].result == "no_case"
    assert lines[("refund", seeded_day["refund"].provider_refund_id)].result == "matched"
    stranger_refund = lines[("refund", "strangerrefund00000000001")]
    assert (stranger_refund.result, stranger_refund.case_reference) == (
        "no_case",
        matched.case_reference,
    )
    assert len(report.lines) == 6  # nothing of Sample District's
    assert report.mismatches == 4
    results = [line.result for line in report.lines]
    assert results[:4].count("matched") == 0
    assert results[4:] == ["matched", "matched"]


def test_the_days_totals_and_its_totals_by_cost_centre_and_ledger_code(seeded_day):
    report = example_borough_report()
    assert report.settled_in_pence == 4000 + 3500 + 2000
    assert report.settled_out_pence == 1000 + 500
    # Money nobody here recorded is not booked to a code: it is a mismatch to look at.
    assert report.by_code == {("PK100", "4410"): 4000 - 1000, ("GW200", "4420"): 3500}


def test_matched_lines_record_their_settlement_day(seeded_day):
    example_borough_report()
    seeded_day["matched"].refresh_from_db()
    seeded_day["differs"].refresh_from_db()
    seeded_day["refund"].refresh_from_db()
    assert seeded_day["matched"].settled_on == DAY
    assert seeded_day["refund"].settled_on == DAY
    assert seeded_day["differs"].settled_on is None


def test_a_day_where_everything_matches_has_no_mismatch(govuk_pay):
    payment = paid_on_the_day(govuk_pay, settled_pence=4000)
    report = example_borough_report()
    assert [(line.result, line.case_reference) for line in report.lines] == [
        ("matched", payment.case_reference)
    ]
    assert report.mismatches == 0


def test_a_settled_payment_is_not_flagged_again_on_a_later_day(govuk_pay):
    paid_on_the_day(govuk_pay, settled_pence=4000)
    example_borough_report()
    assert example_borough_report(DAY + datetime.timedelta(days=1)).lines == ()


# --- The page ----------------------------------------------------------------------------


def test_finance_reads_the_days_reconciliation_and_it_is_audited(
    client, signed_in, finance, seeded_day
):
    signed_in(finance)
    response = client.get(f"/staff/payments/reconciliation/?day={DAY.isoformat()}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "4 March 2026" in page
    assert '<dd class="govuk-summary-list__value" id="settled-in">£95</dd>' in page
    assert '<dd class="govuk-summary-list__value" id="settled-out">£15</dd>' in page
    assert '<dd class="govuk-summary-list__value" id="net">£80</dd>' in page
    assert '<dd class="govuk-summary-list__value" id="mismatch-count">4</dd>' in page
    for label in ("Amount differs", "Paid here, not settled", "Settled, but no case here"):
        assert label in page
    assert page.index("Amount differs") < page.index('id="matched"')
    assert f'href="/staff/cases/{seeded_day["matched"].case_reference}/"' in page
    assert seeded_day["theirs"].case_reference not in page
    assert "£35" in page
    assert "£30" in page
    event = AuditEvent.objects.get(action="payments.reconciliation_viewed")
    assert (event.object_id, event.actor_id) == (DAY.isoformat(), str(finance.pk))


@pytest.mark.parametrize("address", ["reconciliation/?format=csv&day=", "reconciliation.csv?day="])
def test_the_reconciliation_downloads_as_csv_with_formulas_guarded(
    client, signed_in, finance, seeded_day, address
):
    signed_in(finance)
    response = client.get(f"/staff/payments/{address}{DAY.isoformat()}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == CSV_HEADER
    assert len(rows) == 7
    by_id = {row[2]: row for row in rows[1:]}
    assert by_id[seeded_day["differs"].provider_payment_id][4:] == [
        "4000",
        "3500",
        "GW200",
        "4420",
        "amount_differs",
    ]
    # The provider's reference of money nobody here knows is never run as a formula.
    assert by_id["strangerpayment0000000001"][3] == '\'=HYPERLINK("http://evil.example")'
    assert AuditEvent.objects.filter(action="payments.reconciliation_downloaded").count() == 1


def test_the_page_shows_yesterday_unless_told(client, signed_in, finance, govuk_pay):
    signed_in(finance)
    assert client.get("/staff/payments/reconciliation/").status_code == 200
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    asked = [seen for seen in govuk_pay.requests if seen.path == "/v1/payments"]
    assert asked  # the search by settled date: yesterday's, in London
    assert AuditEvent.objects.get(action="payments.reconciliation_viewed").object_id == (
        yesterday.isoformat()
    )


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("yesterday", "Enter the day as a date, like 2026-01-31"),
        ("2026-02-30", "Enter the day as a date, like 2026-01-31"),
        ("2026-3-4", "Enter the day as a date, like 2026-01-31"),
        ("<script>alert(1)</script>", "Enter the day as a date, like 2026-01-31"),
        ("\u0662\u0660\u0662\u0666-01-01", "Enter the day as a date, like 2026-01-31"),
        ("9999-12-31", "The day must be today or in the past"),
        ("0001-01-01", "The day must be 1 January 2000 or later"),
    ],
)
def test_a_day_that_is_not_one_is_an_error_not_a_failure(
    client, signed_in, finance, govuk_pay, day, message
):
    signed_in(finance)
    for address in ("/staff/payments/reconciliation/", "/staff/payments/reconciliation.csv"):
        response = client.get(address, {"day": day})
        assert response.status_code == 400
        page = response.content.decode()
        assert "There is a problem" in page
        assert message in page
        assert "<script>alert" not in page
    assert govuk_pay.requests == []
    assert not AuditEvent.objects.filter(action__startswith="payments.reconciliation").exists()


def test_a_provider_that_does_not_answer_is_a_clear_page_not_a_failure(
    client, signed_in, finance, govuk_pay
):
    govuk_pay.answer_next(502, {})
    signed_in(finance)
    response = client.get(f"/staff/payments/reconciliation/?day={DAY.isoformat()}")
    assert response.status_code == 503
    assert "The payment provider could not be reached" in response.content.decode()
    assert "Try again" in response.content.decode()
    response = client.get(f"/staff/payments/reconciliation.csv?day={DAY.isoformat()}")
    assert response.status_code == 200  # the provider is back
    assert not AuditEvent.objects.filter(action="payments.reconciliation_viewed").exists()


def test_a_provider_that_cannot_be_reached_at_all_is_the_same_clear_page(
    client, signed_in, finance, settings
):
    settings.PAY_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    forget_providers()
    signed_in(finance)
    try:
        response = client.get(f"/staff/payments/reconciliation/?day={DAY.isoformat()}")
    finally:
        forget_providers()
    assert response.status_code == 503
