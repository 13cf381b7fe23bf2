"""The public page of one entry: what was recorded, and its proof checked on the spot."""

import pytest

from civitas.ledger.services import integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = pytest.mark.django_db


def test_an_integrated_entry_shows_its_proof_checked_against_the_latest_checkpoint(client):
    LedgerEntryFactory.create_batch(5, about_a_resident=True)
    integrate_pending()
    response = client.get("/ledger/entries/2/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Verified" in page
    assert "which covers 5 entries" in page
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


def test_an_entry_that_does_not_exist_is_not_found(client):
    assert client.get("/ledger/entries/0/").status_code == 404
    assert client.get("/ledger/entries/x/").status_code == 404
