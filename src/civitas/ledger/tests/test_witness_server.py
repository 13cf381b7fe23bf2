"""The witness server: what it cosigns, what it refuses, and what it remembers."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from civitas.ledger.client import VerificationError, verify_log
from civitas.ledger.note import (
    Signer,
    format_checkpoint,
    parse_note,
    sign_note,
    verify_cosignature,
)
from civitas.ledger.tests.logserver import FakeLog, LogServer
from civitas.ledger.tests.witnesses import running_witnesses
from civitas.ledger.tlog_witness import (
    SIZE_CONTENT_TYPE,
    WitnessPolicy,
    format_add_checkpoint,
    submit_checkpoint,
)
from civitas.ledger.witness_server import (
    StateStore,
    Witness,
    WitnessConfigurationError,
    WitnessHTTPServer,
)

LOG_KEY = Signer.generate("civitas.example/ledger")


@pytest.fixture
def log() -> FakeLog:
    fake = FakeLog([LOG_KEY])
    fake.append(5)
    return fake


def a_fork_of(log: FakeLog, *, common: int, size: int) -> FakeLog:
    """The same log, signed with the same key, agreeing on ``common`` entries only."""
    fork = FakeLog([LOG_KEY])
    fork.leaves = list(log.leaves[:common])
    fork.tree.extend(fork.leaves)
    fork.append(size - common, tag="-forked")
    return fork


class RunningServer:
    def __init__(self, witness: Witness) -> None:
        self.witness = witness
        self.server = WitnessHTTPServer(("127.0.0.1", 0), witness)
        self.url = self.server.url

    def push(self, log: FakeLog, old_size: int, proof: list[bytes] | None = None):
        if proof is None:
            proof = log.tree.consistency_proof(old_size) if 0 < old_size < log.tree.size else []
        return submit_checkpoint(self.url, old_size, proof, log.checkpoint(), timeout=5)


@pytest.fixture
def witness_signer() -> Signer:
    return Signer.generate("witness.example/w1")


@pytest.fixture
def witness(tmp_path, witness_signer) -> Iterator[RunningServer]:
    running = RunningServer(
        Witness(witness_signer, [LOG_KEY.verifier()], StateStore(tmp_path / "state"))
    )
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()
    thread.join()


def test_it_cosigns_the_first_checkpoint_it_sees(witness, log, witness_signer):
    result = witness.push(log, 0)
    assert result.status == 200
    body = parse_note(log.checkpoint()).body
    (line,) = result.cosignatures
    assert verify_cosignature(body, line, witness_signer.cosignature_verifier()) > 0


def test_it_cosigns_a_larger_tree_proved_consistent_with_the_last(witness, log):
    assert witness.push(log, 0).status == 200
    log.append(7)
    assert witness.push(log, 5).status == 200
    assert witness.push(log, 12).status == 200  # the same tree again, with an empty proof


def test_it_answers_409_with_its_size_when_the_old_size_is_not_its_own(witness, log):
    assert witness.push(log, 0).status == 200
    log.append(3)
    result = witness.push(log, 0)
    assert (result.status, result.witness_size) == (409, 5)
    assert witness.push(log, result.witness_size).status == 200


def test_it_refuses_a_bad_consistency_proof_with_422(witness, log):
    assert witness.push(log, 0).status == 200
    log.append(3)
    proof = log.tree.consistency_proof(5)
    proof[0] = bytes(32)
    result = witness.push(log, 5, proof)
    assert result.status == 422
    assert "does not verify" in result.detail


def test_it_refuses_a_fork_and_keeps_it_as_evidence(witness, log, tmp_path):
    assert witness.push(log, 0).status == 200
    fork = a_fork_of(log, common=3, size=9)
    # The forked log can only offer a proof from its own tree of 5 entries.
    result = witness.push(fork, 5)
    assert result.status == 422
    same_size = a_fork_of(log, common=3, size=5)
    assert witness.push(same_size, 5).status == 409
    evidence = list((tmp_path / "state" / "evidence").iterdir())
    assert len(evidence) == 2
    assert "the log has forked" in "".join(path.read_text() for path in evidence)


def test_it_never_cosigns_a_smaller_tree(witness, log):
    assert witness.push(log, 0).status == 200
    smaller = a_fork_of(log, common=3, size=3)
    result = witness.push(smaller, 3)
    assert (result.status, result.witness_size) == (409, 5)
    result = witness.push(smaller, 5)
    assert result.status == 400  # an old size larger than the checkpoint's


def test_it_refuses_logs_and_keys_it_does_not_know(witness, log):
    other = FakeLog([Signer.generate("other.example/log")], origin="other.example/log")
    assert witness.push(other, 0).status == 404
    impostor = FakeLog([Signer.generate("civitas.example/ledger")])
    impostor.append(2)
    assert witness.push(impostor, 0).status == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"old 0\n", "no blank line"),
        (b"old 00\n\nx\n", "without leading zeros"),
        (b"new 0\n\nx\n", "'old <size>'"),
        (b"old 3\nnot base64!\n\nx\n", "line 2: not a base64 hash"),
        (b"old 3\nAAAA\n\nx\n", "a proof hash is 32 bytes"),
        (b"old 0\n" + b"A" * 43 + b"=\n\nx\n", "from size 0 must be empty"),
        (b"old 3\n\nnot a note", "blank line before its signatures"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_it_answers_a_malformed_request_with_400_saying_why(witness, body, message):
    answer = witness.witness.add_checkpoint(body)
    assert answer.status == 400
    assert message in answer.body


def test_it_refuses_an_empty_tree_with_a_root_that_is_not_the_empty_root(witness):
    note = sign_note(format_checkpoint("civitas.example/ledger", 0, bytes(32)), LOG_KEY)
    answer = witness.witness.add_checkpoint(format_add_checkpoint(0, [], note))
    assert (answer.status, answer.body) == (
        400,
        "a tree of 0 entries has the empty root, not this one\n",
    )


def test_it_refuses_more_than_63_proof_lines(witness, log):
    body = format_add_checkpoint(5, [], log.checkpoint()).replace(
        b"old 5\n", b"old 5\n" + (b"A" * 43 + b"=\n") * 64
    )
    assert "more than 63" in witness.witness.add_checkpoint(body).body


def test_it_remembers_what_it_cosigned_across_restarts(tmp_path, log, witness_signer):
    store = StateStore(tmp_path / "state")
    first = Witness(witness_signer, [LOG_KEY.verifier()], store)
    assert first.add_checkpoint(format_add_checkpoint(0, [], log.checkpoint())).status == 200
    restarted = Witness(witness_signer, [LOG_KEY.verifier()], StateStore(tmp_path / "state"))
    smaller = a_fork_of(log, common=2, size=4)
    answer = restarted.add_checkpoint(format_add_checkpoint(0, [], smaller.checkpoint()))
    assert (answer.status, answer.body, answer.content_type) == (409, "5\n", SIZE_CONTENT_TYPE)
    (state_file,) = (tmp_path / "state").glob("log-*.json")
    assert json.loads(state_file.read_text())["size"] == 5


def test_a_corrupt_state_is_an_error_never_a_fresh_start(tmp_path, log, witness_signer):
    witness = Witness(witness_signer, [LOG_KEY.verifier()], StateStore(tmp_path / "state"))
    assert witness.add_checkpoint(format_add_checkpoint(0, [], log.checkpoint())).status == 200
    (state_file,) = (tmp_path / "state").glob("log-*.json")
    state_file.write_text('{"version": 1, "origin": ')
    with pytest.raises(WitnessConfigurationError, match="unreadable"):
        witness.add_checkpoint(format_add_checkpoint(0, [], log.checkpoint()))


def test_concurrent_requests_never_roll_the_state_back(tmp_path, log, witness_signer):
    witness = Witness(witness_signer, [LOG_KEY.verifier()], StateStore(tmp_path / "state"))
    assert witness.add_checkpoint(format_add_checkpoint(0, [], log.checkpoint())).status == 200
    small = log.checkpoint()
    log.append(10)
    large = format_add_checkpoint(5, log.tree.consistency_proof(5), log.checkpoint())
    answers: list[int] = []
    threads = [
        threading.Thread(
            target=lambda body=body: answers.append(witness.add_checkpoint(body).status)
        )
        for body in [large, format_add_checkpoint(5, [], small)] * 4
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (state_file,) = (tmp_path / "state").glob("log-*.json")
    assert json.loads(state_file.read_text())["size"] == 15
    assert answers.count(200) >= 1


@pytest.mark.slow
def test_two_witness_processes_cosign_and_a_fork_shown_to_one_client_is_caught(tmp_path, log):
    with running_witnesses(
        tmp_path, ["witness.example/w1", "witness.example/w2"], [LOG_KEY.verifier_key()]
    ) as (first, second):
        policy = WitnessPolicy.parse([first.key, second.key], "2 of 2")

        # The honest log is witnessed by both, and its cosigned checkpoint is served.
        lines = []
        for witness in (first, second):
            result = submit_checkpoint(witness.url, 0, [], log.checkpoint(), timeout=5)
            assert result.status == 200
            lines += result.cosignatures
        honest = LogServer(log)
        witnessed = log.checkpoint() + "".join(f"{line}\n" for line in lines)
        honest.patches["/checkpoint"] = lambda _: (200, "text/plain", witnessed.encode())

        # The same operator shows another client a fork, and tries to get it witnessed.
        fork = a_fork_of(log, common=3, size=8)
        for witness in (first, second):
            refused = submit_checkpoint(
                witness.url, 5, fork.tree.consistency_proof(5), fork.checkpoint(), timeout=5
            )
            assert refused.status == 422
            same_size = a_fork_of(log, common=3, size=5)
            refused = submit_checkpoint(witness.url, 5, [], same_size.checkpoint(), timeout=5)
            assert refused.status == 409
        forked = LogServer(fork)

        with honest.running(), forked.running():
            report = verify_log(
                honest.url, trusted_keys=[LOG_KEY.verifier_key()], witness_policy=policy
            )
            assert report.witnessed_by == ["witness.example/w1", "witness.example/w2"]
            # Without witnesses the fork looks like a good log to the client shown it...
            verify_log(forked.url, trusted_keys=[LOG_KEY.verifier_key()])
            # ...but a client that requires witnesses refuses it.
            with pytest.raises(VerificationError, match="not cosigned by 2 of 2 witnesses"):
                verify_log(forked.url, trusted_keys=[LOG_KEY.verifier_key()], witness_policy=policy)
        assert list((first.state / "evidence").iterdir())


def test_the_witness_command_refuses_a_missing_key_file_clearly(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "civitas.cli",
            "ledger",
            "witness",
            "--serve",
            "--key",
            str(tmp_path / "missing.key"),
            "--state",
            str(tmp_path / "state"),
            "--log-key",
            LOG_KEY.verifier_key(),
            "--listen",
            "127.0.0.1:0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot read witness key file" in result.stderr
    assert "Traceback" not in result.stderr


def serve_witnessed(server: LogServer, note: str) -> None:
    server.patches["/checkpoint/witnessed"] = lambda _: (200, "text/plain", note.encode())


def test_a_client_whose_state_is_ahead_of_the_witnesses_checks_the_witnessed_prefix(
    witness, log, tmp_path
):
    policy = WitnessPolicy.parse([witness.witness.signer.cosignature_verifier_key()], "1")
    (line,) = witness.push(log, 0).cosignatures
    witnessed = log.checkpoint() + line + "\n"
    state = tmp_path / "client.json"
    log.append(3)
    server = LogServer(log)
    serve_witnessed(server, witnessed)
    with server.running():
        verify_log(server.url, state_path=state, trusted_keys=[LOG_KEY.verifier_key()])
        report = verify_log(server.url, state_path=state, witness_policy=policy)
    assert report.size == 5
    assert json.loads(state.read_text())["size"] == 8  # never moved back

    fork = a_fork_of(log, common=2, size=8)
    forked = LogServer(fork)
    serve_witnessed(forked, witnessed)
    with forked.running(), pytest.raises(VerificationError, match="is not a prefix"):
        verify_log(forked.url, state_path=state, witness_policy=policy)


def test_the_witness_and_the_verifier_load_without_django():
    check = (
        "import sys, civitas.ledger.witness_server, civitas.ledger.client; "
        "sys.exit('django' in sys.modules)"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    assert subprocess.run([sys.executable, "-c", check], env=env, timeout=60).returncode == 0


def test_it_refuses_an_oversized_request_or_another_path_without_reading_it(witness):
    connection = http.client.HTTPConnection("127.0.0.1", witness.server.server_address[1])
    connection.request("POST", "/add-checkpoint", body=b"x" * 70_000)
    response = connection.getresponse()
    assert response.status == 413
    assert b"larger than 65536 bytes" in response.read()
    connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", witness.server.server_address[1])
    connection.request("POST", "/somewhere-else", body=b"old 0\n\n")
    assert connection.getresponse().status == 404
    connection.close()
