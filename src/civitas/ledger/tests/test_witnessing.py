"""The log and its witnesses: pushing checkpoints, collecting, serving and counting
cosignatures. The witnesses are real `civitas ledger witness --serve` processes."""

from __future__ import annotations

import datetime
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from civitas.ledger import witnessing
from civitas.ledger.checks import check_witnesses
from civitas.ledger.client import VerificationError, verify_log
from civitas.ledger.keys import log_keys
from civitas.ledger.models import WitnessCosignature, WitnessState
from civitas.ledger.note import Signer, format_checkpoint, parse_note, sign_note
from civitas.ledger.services import integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory
from civitas.ledger.tests.logserver import FakeLog, LogServer
from civitas.ledger.tests.witnesses import running_witnesses
from civitas.ledger.tlog_witness import WitnessPolicy, submit_checkpoint
from civitas.ledger.witnessing import (
    largest_cosigned_checkpoint,
    push_to_witnesses,
    run_witness_pusher,
    witness_config,
    witnessing_health,
)
from civitas.platform.environment import ConfigurationError
from civitas.platform.health import HealthResult

pytestmark = pytest.mark.django_db

CHECKPOINT_URL = "/api/v1/ledger/checkpoint"


@pytest.fixture
def witnesses(tmp_path):
    log_key = log_keys().verifiers[0].key_string()
    with running_witnesses(
        tmp_path, ["witness.example/w1", "witness.example/w2"], [log_key]
    ) as running:
        yield running


def a_closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def configure(settings, entries: list[str], policy: str = "") -> None:
    settings.LEDGER_WITNESSES = "\n".join(entries)
    settings.LEDGER_WITNESS_POLICY = policy


def log_of(size: int) -> None:
    LedgerEntryFactory.create_batch(size)
    integrate_pending()


def test_the_log_pushes_each_checkpoint_to_its_witnesses_and_serves_their_cosignatures(
    settings, witnesses, client
):
    configure(settings, [w.configuration for w in witnesses], "2 of 2")
    policy = WitnessPolicy.parse([w.key for w in witnesses], "2")
    log_of(5)
    assert push_to_witnesses() == 2
    assert push_to_witnesses() == 0  # nothing new to cosign

    served = client.get(CHECKPOINT_URL).content.decode()
    assert policy.is_met_by(served)
    assert parse_note(served).body.split("\n")[1] == "5"

    log_of(6)  # a consistency proof from 5 to 11 goes with it
    assert not policy.is_met_by(client.get(CHECKPOINT_URL).content.decode())
    assert push_to_witnesses() == 2
    assert policy.is_met_by(client.get(CHECKPOINT_URL).content.decode())
    witnessed = largest_cosigned_checkpoint()
    assert witnessed is not None
    assert witnessed.size == 11
    assert witnessed.witnesses == ["witness.example/w1", "witness.example/w2"]
    assert client.get(f"{CHECKPOINT_URL}/witnessed").content.decode() == witnessed.note
    assert witnessing_health().status == "ok"
    assert set(WitnessState.objects.values_list("size", flat=True)) == {11}


def test_a_quorum_decides_when_a_checkpoint_counts_as_witnessed(settings, witnesses, client):
    unreachable = Signer.generate("witness.example/w3").cosignature_verifier_key()
    entries = [w.configuration for w in witnesses] + [f"{unreachable} {a_closed_port_url()}"]
    configure(settings, entries, "2 of 3")
    log_of(3)
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert push_to_witnesses(pool) == 2
    assert largest_cosigned_checkpoint().size == 3

    configure(settings, entries, "3")
    assert largest_cosigned_checkpoint() is None
    response = client.get(f"{CHECKPOINT_URL}/witnessed")
    assert response.status_code == 404
    assert "enough of the log's witnesses" in response.json()["detail"]


def test_a_witness_that_cannot_be_reached_is_retried_with_a_back_off(settings, witnesses):
    unreachable = Signer.generate("witness.example/w3").cosignature_verifier_key()
    configure(settings, [f"{unreachable} {a_closed_port_url()}"], "1")
    log_of(2)
    assert push_to_witnesses() == 0
    state = WitnessState.objects.get()
    assert state.failures == 1
    assert "could not reach the witness" in state.last_error
    push_to_witnesses()  # within the back-off: not tried again
    assert WitnessState.objects.get().failures == 1

    # Back at the address of a witness that works, after the back-off, it cosigns.
    WitnessState.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    configure(settings, [witnesses[0].configuration], "1")
    assert push_to_witnesses() == 1


def test_health_says_degraded_when_checkpoints_wait_too_long_for_witnesses(settings):
    unreachable = Signer.generate("witness.example/w3").cosignature_verifier_key()
    configure(settings, [f"{unreachable} {a_closed_port_url()}"], "1")
    log_of(2)
    push_to_witnesses()
    settings.LEDGER_WITNESS_MAX_LAG_SECONDS = 3600
    assert witnessing_health().status == "ok"
    settings.LEDGER_WITNESS_MAX_LAG_SECONDS = -1
    result = witnessing_health()
    assert isinstance(result, HealthResult)
    assert result.status == "lagging"
    assert result.details["witnessed_size"] == 0
    assert result.details["size"] == 2


def test_health_of_a_log_without_witnesses_is_ok(settings, client):
    configure(settings, [])
    log_of(1)
    assert witnessing_health() == "ok"
    assert client.get("/healthz").json()["ledger_witnesses"] == {"status": "ok"}


def test_the_log_answers_a_409_with_a_proof_from_the_witness_s_size(settings, witnesses):
    configure(settings, [witnesses[0].configuration], "1")
    log_of(4)
    assert push_to_witnesses() == 1
    # The log forgets what the witness has (say, restored config); the witness says 409 4.
    WitnessState.objects.all().delete()
    log_of(3)
    assert push_to_witnesses() == 1
    assert WitnessState.objects.get().size == 7
    assert WitnessCosignature.objects.filter(size=7).count() == 1


def test_a_witness_that_saw_a_fork_of_the_log_refuses_to_cosign_it(settings, witnesses):
    configure(settings, [witnesses[0].configuration], "1")
    log_of(5)
    # Someone holding the log's key showed this witness another history of 3 entries.
    keys = log_keys()
    forked = sign_note(format_checkpoint(keys.origin, 3, bytes(range(32))), list(keys.signers))
    assert submit_checkpoint(witnesses[0].url, 0, [], forked, timeout=5).status == 200

    assert push_to_witnesses() == 0  # 409 "I have 3", then the proof from 3 does not verify
    state = WitnessState.objects.get()
    assert "refused the consistency proof from 3 to 5 entries" in state.last_error
    assert largest_cosigned_checkpoint() is None
    assert list((witnesses[0].state / "evidence").iterdir())


def test_cosignatures_from_keys_not_configured_are_not_served(settings, witnesses, client):
    configure(settings, [w.configuration for w in witnesses], "2")
    log_of(2)
    push_to_witnesses()
    configure(settings, [witnesses[0].configuration], "1")
    served = client.get(CHECKPOINT_URL).content.decode()
    names = [signature.name for signature in parse_note(served).signatures]
    assert "witness.example/w1" in names
    assert "witness.example/w2" not in names


@pytest.mark.parametrize(
    ("witnesses_text", "policy", "message"),
    [
        ("just-one-word", "", "expected '<witness key> <URL>'"),
        ("w+00000000+AAAA http://x", "", "witness 1"),
        (f"{Signer.generate('w').verifier_key()} http://x", "", "signature type 0x01"),
        (f"{Signer.generate('w').cosignature_verifier_key()} ftp://x", "", "not an http"),
        (f"{Signer.generate('w').cosignature_verifier_key()} http://x", "2", "cannot be met"),
        (f"{Signer.generate('w').cosignature_verifier_key()} http://x", "1 of 2", "names 2"),
        (f"{Signer.generate('w').cosignature_verifier_key()} http://x", "most", "'k of n'"),
    ],
    ids=["one word", "bad key", "log key", "not http", "quorum", "k of n", "policy in words"],
)
def test_a_bad_witness_configuration_is_refused_naming_the_setting(
    settings, witnesses_text, policy, message
):
    settings.LEDGER_WITNESSES = witnesses_text
    settings.LEDGER_WITNESS_POLICY = policy
    with pytest.raises(ConfigurationError, match=message):
        witness_config()


def test_no_policy_means_a_majority_of_the_witnesses(settings):
    keys = [Signer.generate(f"w{n}").cosignature_verifier_key() for n in range(3)]
    configure(settings, [f"{key} http://127.0.0.1:9" for key in keys])
    assert witness_config().policy.quorum == 2


@pytest.mark.django_db(transaction=True)
def test_every_worker_pushes_new_checkpoints_in_a_thread_of_its_own(settings, witnesses):
    configure(settings, [w.configuration for w in witnesses], "2")
    log_of(3)
    stop = threading.Event()
    pusher = threading.Thread(target=run_witness_pusher, args=(stop, threading.Lock()))
    pusher.start()
    try:
        deadline = time.monotonic() + 20
        while WitnessCosignature.objects.filter(size=3).count() < 2:
            assert time.monotonic() < deadline, "the witnesses were never pushed to"
            time.sleep(0.1)
        log_of(2)
        while WitnessCosignature.objects.filter(size=5).count() < 2:
            assert time.monotonic() < deadline, "the new checkpoint was never pushed"
            time.sleep(0.1)
    finally:
        stop.set()
        pusher.join(timeout=30)
    assert not pusher.is_alive()


def test_bad_witness_settings_stop_every_command_at_start(settings):
    settings.LEDGER_WITNESSES = "just-one-word"
    (error,) = check_witnesses()
    assert error.id == "ledger.E001"
    assert "LEDGER_WITNESSES, witness 1" in error.msg
    settings.LEDGER_WITNESSES = ""
    assert check_witnesses() == []


def test_the_witness_command_through_the_platform_refuses_a_missing_key(tmp_path):
    with pytest.raises(CommandError, match="cannot read witness key file"):
        call_command(
            "ledger",
            "witness",
            "--serve",
            "--key",
            str(tmp_path / "missing.key"),
            "--state",
            str(tmp_path / "state"),
            "--log-key",
            log_keys().verifiers[0].key_string(),
        )
    with pytest.raises(CommandError, match="needs --state DIR and --log-key"):
        call_command("ledger", "witness", "--serve", "--key", "k")
    with pytest.raises(CommandError, match="witness needs --url"):
        call_command("ledger", "witness", "--key", "k")


def test_the_quick_search_reads_only_recent_cosignatures_and_a_full_one_finds_older(
    settings, witnesses, monkeypatch
):
    both = [w.configuration for w in witnesses]
    configure(settings, both, "2")
    log_of(3)
    assert push_to_witnesses() == 2
    configure(settings, both[:1], "1")  # the second witness is away for a while
    for _ in range(3):
        log_of(1)
        assert push_to_witnesses() == 1
    configure(settings, both, "2")
    WitnessState.objects.update(next_attempt_at=timezone.now() + datetime.timedelta(hours=1))
    monkeypatch.setattr(witnessing, "RECENT_COSIGNATURES", 2)
    assert largest_cosigned_checkpoint() is None
    assert largest_cosigned_checkpoint(search_all=True).size == 3
    assert witnessing.largest_witnessed_size(witness_config().policy) == 4  # a bound
    monkeypatch.setattr(witnessing, "RECENT_COSIGNATURES", 100)
    assert largest_cosigned_checkpoint().size == 3
    assert witnessing.largest_witnessed_size(witness_config().policy) == 3


def test_a_witness_that_cosigned_more_than_the_log_holds_reveals_a_rollback(
    settings, witnesses, caplog
):
    configure(settings, [witnesses[0].configuration], "1")
    log_of(5)
    # A tree of 9 entries the log signed before its database was restored from a backup.
    keys = log_keys()
    larger = sign_note(format_checkpoint(keys.origin, 9, bytes(range(32))), list(keys.signers))
    assert submit_checkpoint(witnesses[0].url, 0, [], larger, timeout=5).status == 200

    assert push_to_witnesses() == 0
    assert "larger than the log's 5" in WitnessState.objects.get().last_error
    assert any(record.name == "civitas.security" for record in caplog.records)
    result = witnessing_health()
    assert isinstance(result, HealthResult)
    assert (result.status, result.details["witness_size"]) == ("rolled_back", 9)


@pytest.mark.django_db(transaction=True)
def test_fork_drill_a_history_shown_to_one_client_only_is_refused_by_its_witnesses(
    settings, witnesses, live_server
):
    configure(settings, [w.configuration for w in witnesses], "2")
    policy = WitnessPolicy.parse([w.key for w in witnesses], "2")
    log_of(5)
    assert push_to_witnesses() == 2
    api = f"{live_server.url}/api/v1/ledger"

    # Someone holding the log's key serves one client another history of 8 entries...
    keys = log_keys()
    fork = FakeLog(list(keys.signers), origin=keys.origin)
    fork.append(8, tag="-rewritten")
    refused = [
        submit_checkpoint(w.url, 5, fork.tree.consistency_proof(5), fork.checkpoint(), timeout=5)
        for w in witnesses
    ]
    # ...and the witnesses, who saw the real tree of 5, will not cosign it.
    assert [answer.status for answer in refused] == [422, 422]

    log_of(2)
    assert push_to_witnesses() == 2  # the real log goes on being witnessed
    forked_server = LogServer(fork)
    with forked_server.running():
        verify_log(forked_server.url, trusted_keys=[keys.verifiers[0].key_string()])
        with pytest.raises(VerificationError, match="not cosigned by 2 of 2 witnesses"):
            verify_log(forked_server.url, witness_policy=policy)
    report = verify_log(api, witness_policy=policy)
    assert (report.size, report.witnessed_by) == (7, ["witness.example/w1", "witness.example/w2"])
