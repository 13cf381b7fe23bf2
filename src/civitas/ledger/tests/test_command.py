"""`civitas ledger ...`: verify and witness from outside, run and check the log inside."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civitas.ledger.keys import log_keys
from civitas.ledger.models import Checkpoint
from civitas.ledger.note import (
    CosignatureVerifier,
    Signer,
    append_signatures,
    open_note,
    verify_cosignature,
)
from civitas.ledger.services import find_broken_reason, integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def civitas(*args: str) -> subprocess.CompletedProcess:
    """The command as someone outside would run it: a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "civitas.cli", "ledger", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        timeout=120,
    )


@pytest.fixture
def api(live_server) -> str:
    LedgerEntryFactory.create_batch(12)
    integrate_pending()
    return f"{live_server.url}/api/v1/ledger"


def test_verify_checks_the_log_and_the_entries_asked_for(api, tmp_path):
    state = tmp_path / "state.json"
    result = civitas("verify", "--url", api, "--state", str(state), "--entry", "4", "--full")
    assert result.returncode == 0, result.stderr
    assert "entry 4: included in the signed log of 12 entries" in result.stdout
    assert "root recomputed from all 12 entries" in result.stdout
    assert json.loads(state.read_text())["size"] == 12


def test_verify_pointed_at_something_else_fails_clearly(api, live_server):
    result = civitas("verify", "--url", f"{live_server.url}/services")
    assert result.returncode == 1
    assert "is http://" in result.stderr
    assert "the address of a Civitas ledger?" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_with_a_corrupt_state_file_fails_clearly(api, tmp_path):
    state = tmp_path / "state.json"
    state.write_text('{"version": 1, "origin": ')
    result = civitas("verify", "--url", api, "--state", str(state))
    assert result.returncode == 1
    assert "is corrupt (not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_of_an_entry_not_yet_in_the_log_fails_clearly(api):
    result = civitas("verify", "--url", api, "--entry", "12")
    assert result.returncode == 1
    assert "entry 12 is not in the log's latest checkpoint" in result.stderr


def test_verify_with_a_pinned_key_that_is_not_the_log_s_fails(api):
    result = civitas("verify", "--url", api, "--key", Signer.generate("other").verifier_key())
    assert result.returncode == 1
    assert "not signed by any trusted key" in result.stderr


def test_a_witness_cosigns_the_checkpoint_it_checked(api, tmp_path):
    witness = Signer.generate("witness.example/w1")
    key_file = tmp_path / "witness.key"
    key_file.write_text(witness.key_string())
    result = civitas("witness", "--url", api, "--key", str(key_file))
    assert result.returncode == 0, result.stderr
    note = Checkpoint.objects.order_by("-id").first().note
    body = open_note(note, log_keys().verifiers)[0]
    verifier = CosignatureVerifier.from_key_string(witness.cosignature_verifier_key())
    assert verify_cosignature(body, result.stdout, verifier) > 0
    cosigned = append_signatures(note, [result.stdout])
    assert "witness.example/w1" in open_note(cosigned, [verifier])[1]
    assert (tmp_path / "witness.key.state.json").exists()


def test_keygen_prints_a_signer_key_for_the_log_s_origin():
    out, err = StringIO(), StringIO()
    call_command("ledger", "keygen", stdout=out, stderr=err)
    signer = Signer.from_key_string(out.getvalue().strip())
    assert signer.name == "civitas.example/ledger"
    assert signer.verifier_key() in err.getvalue()
    with pytest.raises(CommandError, match="must not contain spaces"):
        call_command("ledger", "keygen", "bad name")


def test_integrate_and_check_report_on_the_log():
    LedgerEntryFactory.create_batch(3)
    out = StringIO()
    call_command("ledger", "integrate", stdout=out)
    assert "integrated 3 entries; the log holds 3" in out.getvalue()
    call_command("ledger", "check", "--full", stdout=out)
    assert "every entry and node of the log's 3 entries match" in out.getvalue()
    assert "it extends the checkpoint of 3 entries saved in " in out.getvalue()


def test_appends_resume_only_after_a_full_check_passes():
    LedgerEntryFactory.create_batch(3)
    integrate_pending()
    with connection.cursor() as cursor:
        cursor.execute('SELECT leaf_data FROM ledger_entry WHERE "index" = 1')
        original = bytes(cursor.fetchone()[0])
        cursor.execute(
            'UPDATE ledger_entry SET leaf_data = %s WHERE "index" = 1',
            [original.replace(b'"role":"caseworker"', b'"role":"director"')],
        )
    integrate_pending()
    assert find_broken_reason()
    with pytest.raises(CommandError, match="check failed: entry 1 was altered"):
        call_command("ledger", "check", "--full", "--clear-broken")
    with connection.cursor() as cursor:  # restored from the backup
        cursor.execute('UPDATE ledger_entry SET leaf_data = %s WHERE "index" = 1', [original])
    with pytest.raises(CommandError, match="appends are stopped because entry 1"):
        call_command("ledger", "check", "--full")
    out = StringIO()
    call_command("ledger", "check", "--full", "--clear-broken", stdout=out)
    assert "appends resumed" in out.getvalue()
    assert find_broken_reason() is None
    LedgerEntryFactory()
