"""`civitas ledger verify --witness ... --require-witnesses K`, run as a relying party would."""

import os
import subprocess
import sys

import pytest

from civitas.ledger.keys import log_keys
from civitas.ledger.note import Signer
from civitas.ledger.services import integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory
from civitas.ledger.tests.witnesses import running_witnesses
from civitas.ledger.witnessing import push_to_witnesses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def civitas(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "civitas.cli", "ledger", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        timeout=120,
    )


@pytest.fixture
def witnessed_log(live_server, settings, tmp_path):
    log_key = log_keys().verifiers[0].key_string()
    with running_witnesses(
        tmp_path, ["witness.example/w1", "witness.example/w2"], [log_key]
    ) as witnesses:
        settings.LEDGER_WITNESSES = ",".join(w.configuration for w in witnesses)
        settings.LEDGER_WITNESS_POLICY = "2 of 2"
        LedgerEntryFactory.create_batch(6)
        integrate_pending()
        assert push_to_witnesses() == 2
        yield f"{live_server.url}/api/v1/ledger", witnesses


def test_verify_requiring_witnesses_passes_when_they_cosigned(witnessed_log):
    api, (first, second) = witnessed_log
    result = civitas(
        "verify", "--url", api, "--witness", first.key, "--witness", second.key,
        "--require-witnesses", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "cosigned by witnesses witness.example/w1, witness.example/w2" in result.stdout
    assert "(required: 2 of 2 witnesses" in result.stdout


def test_verify_falls_back_to_the_largest_witnessed_checkpoint(witnessed_log, settings):
    api, (first, second) = witnessed_log
    LedgerEntryFactory.create_batch(2)
    integrate_pending()  # a newer checkpoint, not yet pushed to the witnesses
    result = civitas("verify", "--url", api, "--witness", first.key, "--witness", second.key)
    assert result.returncode == 0, result.stderr
    assert "checkpoint: 6 entries" in result.stdout


def test_verify_requiring_witnesses_the_log_does_not_have_fails(witnessed_log):
    api, _ = witnessed_log
    stranger = Signer.generate("witness.example/w9").cosignature_verifier_key()
    result = civitas("verify", "--url", api, "--witness", stranger, "--require-witnesses", "1")
    assert result.returncode == 1
    assert "is not cosigned by 1 of 1 witnesses (witness.example/w9)" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_requiring_witnesses_without_their_keys_is_refused(witnessed_log):
    api, _ = witnessed_log
    result = civitas("verify", "--url", api, "--require-witnesses", "2")
    assert result.returncode == 2
    assert "pass each with --witness" in result.stderr
    bad = civitas("verify", "--url", api, "--witness", log_keys().verifiers[0].key_string())
    assert bad.returncode == 2
    assert "signature type 0x01" in bad.stderr
