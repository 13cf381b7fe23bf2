"""Checkpoint signatures: only the log's keys count, and a rotation loses no history."""

import pytest
from django.db import connection

from civitas.ledger.client import VerificationError, verify_log
from civitas.ledger.integrity import check_whole_log, verify_checkpoint_row
from civitas.ledger.keys import log_keys
from civitas.ledger.models import Checkpoint
from civitas.ledger.note import Signer, open_note, parse_checkpoint, sign_note
from civitas.ledger.queries import get_signed_checkpoint
from civitas.ledger.services import (
    find_broken_reason,
    integrate_pending,
)
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ORIGIN = "civitas.example/ledger"


@pytest.fixture
def old_key(settings) -> Signer:
    key = Signer.generate(ORIGIN)
    settings.LEDGER_SIGNING_KEY = key.key_string()
    return key


@pytest.fixture
def api(live_server) -> str:
    return f"{live_server.url}/api/v1/ledger"


def grow(count: int = 3) -> None:
    LedgerEntryFactory.create_batch(count)
    integrate_pending()


def test_a_checkpoint_signed_with_another_key_is_rejected_by_the_verifier(old_key, api):
    grow()
    stranger = Signer.generate(ORIGIN)
    with pytest.raises(VerificationError, match="not signed by any trusted key"):
        verify_log(api, trusted_keys=[stranger.verifier_key()])


def test_a_checkpoint_replaced_by_one_signed_with_another_key_stops_the_log(old_key):
    grow()
    checkpoint = Checkpoint.objects.get()
    forged = sign_note(open_note(checkpoint.note, [old_key.verifier()])[0], Signer.generate(ORIGIN))
    Checkpoint.objects.filter(pk=checkpoint.pk).update(note=forged)
    grow()
    assert "is not signed by any configured key" in find_broken_reason()


def test_a_modified_checkpoint_is_rejected_by_the_verifier_and_the_platform(old_key, api):
    grow(5)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_checkpoint SET note = REPLACE(note, %s, %s)", ["\n5\n", "\n4\n"]
        )
    with pytest.raises(VerificationError, match="bad signature"):
        verify_log(api, trusted_keys=[old_key.verifier_key()])
    integrate_pending()
    assert (
        find_broken_reason()
        == f"checkpoint {Checkpoint.objects.get().pk} was altered: its signature does not verify"
    )


def test_each_checkpoint_carries_a_signed_time(old_key):
    grow()
    signed = get_signed_checkpoint()
    assert signed.signed_at is not None
    assert signed.signed_by == [ORIGIN]


def test_a_key_rotation_is_followed_by_verifiers_and_keeps_old_checkpoints_verifiable(
    old_key, api, settings, tmp_path
):
    state = tmp_path / "state.json"
    grow()
    first = verify_log(api, state_path=state)
    assert first.keys_learned == [old_key.verifier_key()]

    # 1. A new key signs alongside the old one: the next checkpoint carries both.
    new_key = Signer.generate(ORIGIN)
    settings.LEDGER_SIGNING_KEY = f"{new_key.key_string()},{old_key.key_string()}"
    integrate_pending()  # re-signs the unchanged tree because a key is new
    report = verify_log(api, state_path=state)
    assert report.keys_learned == [new_key.verifier_key()]

    # 2. The old private key is retired; its public key stays, for the old checkpoints.
    settings.LEDGER_SIGNING_KEY = new_key.key_string()
    settings.LEDGER_VERIFIER_KEYS_EXTRA = [old_key.verifier_key()]
    grow()
    assert find_broken_reason() is None
    report = verify_log(api, state_path=state)
    assert report.consistency_checked
    oldest = Checkpoint.objects.order_by("id").first()
    assert open_note(oldest.note, log_keys().verifiers)[1] == [ORIGIN]
    assert parse_checkpoint(open_note(oldest.note, log_keys().verifiers)[0]).size == 3
    assert check_whole_log().problem is None

    # Without the old public key, the history it signed could not be checked.
    settings.LEDGER_VERIFIER_KEYS_EXTRA = []
    assert "not signed by any configured key" in verify_checkpoint_row(oldest, log_keys())
    assert "not signed by any configured key" in check_whole_log().problem


def test_the_key_document_lists_the_retired_key_after_the_current_one(old_key, client, settings):
    new_key = Signer.generate(ORIGIN)
    settings.LEDGER_SIGNING_KEY = new_key.key_string()
    settings.LEDGER_VERIFIER_KEYS_EXTRA = [old_key.verifier_key()]
    keys = client.get("/api/v1/ledger/key").json()["keys"]
    assert keys == [new_key.verifier_key(), old_key.verifier_key()]


def test_a_checkpoint_overwritten_with_garbage_is_reported_not_a_server_error(old_key):
    grow()
    Checkpoint.objects.update(note="not a signed note at all")
    signed = get_signed_checkpoint()
    assert signed.signed_by == []
    assert signed.problem
    assert signed.body == ""
