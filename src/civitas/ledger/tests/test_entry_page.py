"""The public page of one entry: what was recorded, and its proof checked on the spot."""

import pytest
from django.utils import translation

from civitas.ledger.labels import what_it_records
from civitas.ledger.services import integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = pytest.mark.django_db


def test_an_integrated_entry_shows_its_proof_checked_against_the_latest_checkpoint(client):
    LedgerEntryFactory.create_batch(5, about_a_resident=True)
    integrate_pending()
    response = client.get("/ledger/entries/2/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Checked" in page
    assert "Entries in that tree: 5." in page
    assert "Inclusion proof" in page
    assert "civitas.example/ledger<br>5<br>" in page  # the signed checkpoint itself
    assert "civitas ledger verify --url http://127.0.0.1:8000/api/v1/ledger --entry 2" in page
    assert "hmac-sha256:" in page
    assert "resident@example.com" not in page


def test_an_entry_not_yet_integrated_is_shown_as_recorded(client):
    LedgerEntryFactory()
    response = client.get("/ledger/entries/0/")
    assert response.status_code == 200
    assert "Recorded, not yet signed" in response.content.decode()


def test_the_page_leads_with_what_the_entry_means_in_plain_words(client):
    LedgerEntryFactory(kind="case.decided", payload={"status": "refused", "outcome": "refuse"})
    page = client.get("/ledger/entries/0/").content.decode()
    assert "This records that a decision was made on your application on " in page
    assert "The application was refused." in page
    assert "Nobody, including the council, can change or remove this record" in page
    assert page.index("This records that") < page.index("Technical details")
    assert page.index("Technical details") < page.index("Leaf hash")


def test_the_time_is_written_as_govuk_writes_it_in_uk_time_and_in_welsh():
    summer = "2026-07-01T19:08:30.000000Z"  # 8:08pm in London (BST)
    assert what_it_records("case.submitted", summer, {}) == (
        "This records that your application was received on 1 July 2026 at 8:08pm."
    )
    winter = "2026-12-01T20:08:00.000000Z"
    with translation.override("cy"):
        assert what_it_records("case.submitted", winter, {}) == (
            "Mae hwn yn cofnodi bod eich cais wedi dod i law ar 1 Rhagfyr 2026 am 8:08yh."
        )


def test_an_entry_whose_time_cannot_be_read_is_still_explained():
    assert what_it_records("case.submitted", "yesterday", {}) == (
        "This records something the council did."
    )


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("personal_data.viewed", "a member of staff opened the answers in your application"),
        ("service.published", "This records that a version of one of the council&#39;s services"),
        ("retention.applied", "records about your application were erased"),
        ("test.recorded", "This records something the council did on"),
    ],
)
def test_each_kind_of_entry_is_explained(client, kind, sentence):
    LedgerEntryFactory(kind=kind)
    assert sentence in client.get("/ledger/entries/0/").content.decode()


def test_an_entry_that_does_not_exist_is_not_found(client):
    assert client.get("/ledger/entries/0/").status_code == 404
    assert client.get("/ledger/entries/x/").status_code == 404


@pytest.mark.parametrize(
    "index", ["9223372036854775807", "9223372036854775808", "9" * 100, "-1", "1.0", "%00"]
)
def test_an_entry_number_no_log_could_hold_is_not_found(client, index):
    LedgerEntryFactory()
    integrate_pending()
    assert client.get(f"/ledger/entries/{index}/").status_code == 404
