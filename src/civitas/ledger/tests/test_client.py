"""The independent verifier, against a real HTTP server backed by an in-memory log."""

import base64
import json
import socket
from pathlib import Path

import pytest

from civitas.ledger.client import VerificationError, verify_log, witness_checkpoint
from civitas.ledger.merkle import leaf_hash, root_from_leaves
from civitas.ledger.note import (
    CosignatureVerifier,
    Signer,
    append_signatures,
    open_note,
    sign_note,
    verify_cosignature,
)
from civitas.ledger.tests.logserver import ORIGIN, FakeLog, LogServer


@pytest.fixture
def log(log_key) -> FakeLog:
    log = FakeLog([log_key])
    log.append(10)
    return log


@pytest.fixture
def state(tmp_path) -> Path:
    return tmp_path / "ledger-state.json"


def read_state(path: Path) -> dict:
    return json.loads(path.read_text())


# --- Happy paths ------------------------------------------------------------------------


def test_first_verification_trusts_the_published_key_and_records_the_state(server, log, state):
    report = verify_log(server.url, state_path=state, sample=4, now=1_700_000_000)
    assert (report.origin, report.size, report.root) == (ORIGIN, 10, log.tree.root())
    assert report.trust == "first use"
    assert report.signed_by == [ORIGIN]
    assert len(report.entries_checked) == 4
    assert 9 in report.entries_checked
    saved = read_state(state)
    assert saved["origin"] == ORIGIN
    assert saved["size"] == 10
    assert saved["root"] == log.tree.root().hex()
    assert saved["keys"] == [log.signers[0].verifier_key()]
    assert saved["checkpoint"] == report.checkpoint
    assert "10 entries" in report.summary()


def test_a_full_check_recomputes_the_root_from_every_entry_across_pages(server, log, state):
    log.append(2345)
    report = verify_log(server.url, state_path=state, full=True, sample=0)
    assert report.full_check
    assert root_from_leaves(log.leaves) == report.root
    assert sum("/entries?" in request for request in server.requests) == 3


def test_pinned_keys_are_used_instead_of_the_published_ones(server, log_key):
    report = verify_log(server.url, trusted_keys=[log_key.verifier_key()], sample=2)
    assert report.trust == "pinned"
    assert not any(request.endswith("/key") for request in server.requests)


def test_the_state_follows_the_log_as_it_grows(server, log, state):
    verify_log(server.url, state_path=state, sample=1)
    for added in (1, 5, 1000):
        log.append(added)
        report = verify_log(server.url, state_path=state, sample=3)
        assert report.trust == "state"
        assert report.consistency_checked
        assert report.previous_size == log.tree.size - added
        assert read_state(state)["size"] == log.tree.size
    report = verify_log(server.url, state_path=state, sample=0)
    assert not report.consistency_checked  # same size, same root: nothing to prove


def test_an_empty_log_can_be_verified_and_then_grow(log_key, state):
    empty = FakeLog([log_key])
    with LogServer(empty).running() as server:
        report = verify_log(server.url, state_path=state)
        assert report.size == 0
        assert report.entries_checked == []
        empty.append(3)
        assert verify_log(server.url, state_path=state).size == 3


def test_a_rotated_key_is_learned_when_the_old_key_countersigns_it(server, log, log_key, state):
    verify_log(server.url, state_path=state, sample=0)
    new_key = Signer.generate(ORIGIN)
    log.signers = [new_key, log_key]  # during rotation both keys sign
    log.append(1)
    report = verify_log(server.url, state_path=state, sample=0)
    assert report.keys_learned == [new_key.verifier_key()]
    log.signers = [new_key]  # the old key is retired
    log.append(1)
    report = verify_log(server.url, state_path=state, sample=0)
    assert report.signed_by == [ORIGIN]
    assert new_key.verifier_key() in read_state(state)["keys"]


def test_a_witness_cosigns_a_checkpoint_it_has_checked(server, log, state, tmp_path):
    witness = Signer.generate("witness.example/w1")
    key_file = tmp_path / "witness.key"
    key_file.write_text(witness.key_string() + "\n")
    line = witness_checkpoint(server.url, key_file, state, now=1_700_000_123)
    checkpoint = log.checkpoint()
    body = checkpoint.split("\n\n")[0] + "\n"
    verifier = CosignatureVerifier.from_key_string(witness.cosignature_verifier_key())
    assert verify_cosignature(body, line, verifier) == 1_700_000_123
    cosigned = append_signatures(checkpoint, [line])
    assert open_note(cosigned, [log.signers[0].verifier(), verifier])[1] == [
        ORIGIN,
        "witness.example/w1",
    ]
    assert read_state(state)["size"] == 10


# --- Detecting a misbehaving log --------------------------------------------------------------


def test_a_rewritten_log_is_detected_by_the_consistency_proof(server, log_key, state):
    verify_log(server.url, state_path=state, sample=0)
    rewritten = FakeLog([log_key])
    rewritten.append(3)
    rewritten.append(1, tag=" (altered)")  # a different entry at index 3
    rewritten.append(8)
    server.log = rewritten
    with pytest.raises(VerificationError) as failure:
        verify_log(server.url, state_path=state, sample=0)
    assert str(failure.value) == (
        "consistency proof from size 10 to 12 does not verify: the log was rewritten"
    )
    assert read_state(state)["size"] == 10, "a failed check must not move the state on"


def test_a_log_that_shrank_is_detected(server, log_key, state):
    verify_log(server.url, state_path=state, sample=0)
    shorter = FakeLog([log_key])
    shorter.append(7)
    server.log = shorter
    with pytest.raises(VerificationError, match="shrank from 10 to 7 entries"):
        verify_log(server.url, state_path=state)


def test_a_different_root_at_the_same_size_is_detected(server, log_key, state):
    verify_log(server.url, state_path=state, sample=0)
    fork = FakeLog([log_key])
    fork.append(10, tag=" (fork)")
    server.log = fork
    with pytest.raises(VerificationError, match="root at size 10 is not the one seen"):
        verify_log(server.url, state_path=state)


def test_a_checkpoint_signed_by_an_unknown_key_is_rejected(server, log, state):
    verify_log(server.url, state_path=state, sample=0)
    log.signers = [Signer.generate(ORIGIN)]
    with pytest.raises(VerificationError, match="not signed by any trusted key"):
        verify_log(server.url, state_path=state)


def test_a_checkpoint_with_an_altered_body_is_rejected(server, log_key):
    server.patches["/checkpoint"] = lambda r: (r[0], r[1], r[2].replace(b"\n10\n", b"\n11\n"))
    with pytest.raises(VerificationError, match="bad signature"):
        verify_log(server.url, trusted_keys=[log_key.verifier_key()])


def test_an_entry_whose_data_was_altered_fails_its_inclusion_check(server, log, log_key):
    def tamper(entry: dict) -> None:
        entry["leaf_data"] = "dGFtcGVyZWQ="  # base64 of "tampered"
        entry["leaf_hash"] = "00" * 32

    for index in range(10):
        server.patch_json(f"/entries/{index}", tamper)
    with pytest.raises(VerificationError, match="leaf_hash the log reports is not the hash"):
        verify_log(server.url, trusted_keys=[log_key.verifier_key()], sample=1)


def test_an_entry_not_in_the_signed_tree_fails_its_inclusion_proof(server, log, log_key):
    forged = b'{"event":"never-logged"}'
    forged_hash = leaf_hash(forged).hex()

    def forge(entry: dict) -> None:
        entry.update(leaf_data=base64.b64encode(forged).decode(), leaf_hash=forged_hash)

    for index in range(10):
        server.patch_json(f"/entries/{index}", forge)
    server.patch_json("/proofs/inclusion", lambda proof: proof.update(leaf_hash=forged_hash))
    with pytest.raises(VerificationError, match="the entry is not in the signed log"):
        verify_log(server.url, trusted_keys=[log_key.verifier_key()], sample=1)


def test_a_full_check_catches_entries_that_differ_from_what_was_signed(server, log, log_key):
    trusted = [log_key.verifier_key()]
    server.patch_json(
        "/entries",
        lambda page: page["entries"][2].update(leaf_data="dGFtcGVyZWQ=", leaf_hash="ab" * 32),
    )
    with pytest.raises(VerificationError, match="entry 2: the leaf_hash"):
        verify_log(server.url, trusted_keys=trusted, sample=0, full=True)

    def replace_consistently(page: dict) -> None:
        page["entries"][2]["leaf_data"] = "dGFtcGVyZWQ="  # base64 of "tampered"
        page["entries"][2]["leaf_hash"] = leaf_hash(b"tampered").hex()

    server.patch_json("/entries", replace_consistently)
    with pytest.raises(VerificationError, match="root recomputed from all 10 entries"):
        verify_log(server.url, trusted_keys=trusted, sample=0, full=True)


def test_a_proof_for_other_sizes_than_asked_is_rejected(server, log, state):
    verify_log(server.url, state_path=state, sample=0)
    log.append(2)
    server.patch_json("/proofs/consistency", lambda proof: proof.update(first=1))
    with pytest.raises(VerificationError, match="asked for first=10 but the answer is for first=1"):
        verify_log(server.url, state_path=state, sample=0)


def test_a_state_file_for_another_log_is_refused(server, state, log_key):
    verify_log(server.url, state_path=state, sample=0)
    other = FakeLog([log_key], origin="other.example/log")
    other.append(12)
    server.log = other
    with pytest.raises(VerificationError, match=r"is for log 'civitas\.example/ledger'"):
        verify_log(server.url, state_path=state)


# --- Things that are not a log, and broken state ------------------------------------------------


def test_a_url_that_is_not_a_civitas_log_gives_a_clear_error(server):
    with pytest.raises(
        VerificationError, match=r"HTTP 404 .*is http://.* the address of a Civitas ledger\?"
    ):
        verify_log(server.root_url + "/somewhere-else")


def test_a_web_page_instead_of_a_log_gives_a_clear_error(server):
    server.html_everywhere = True
    with pytest.raises(VerificationError, match="returned a web page, not a signed checkpoint"):
        verify_log(server.url)


def test_malformed_json_from_the_log_gives_a_clear_error(server):
    server.patches["/key"] = lambda response: (200, "application/json", b"{not json")
    with pytest.raises(VerificationError, match=r"GET .*/key did not return valid JSON"):
        verify_log(server.url)


def test_json_missing_fields_gives_a_clear_error(server):
    server.patch_json("/key", lambda document: {"origin": ORIGIN})
    with pytest.raises(VerificationError, match="field 'keys' is missing or not a list"):
        verify_log(server.url)


def test_a_checkpoint_that_is_not_a_signed_note_gives_a_clear_error(server):
    server.patches["/checkpoint"] = lambda response: (200, "text/plain", b"hello\n")
    with pytest.raises(VerificationError, match="did not return a signed checkpoint"):
        verify_log(server.url)


def test_an_unreachable_server_gives_a_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(VerificationError, match="could not reach"):
        verify_log(f"http://127.0.0.1:{port}/ledger", timeout=5)


def test_a_redirect_away_from_http_is_not_followed(server):
    # The default urllib opener would follow this and speak FTP.
    server.redirects["/ledger/checkpoint"] = "ftp://127.0.0.1:1/checkpoint"
    with pytest.raises(VerificationError, match=r"could not reach .*unknown url type"):
        verify_log(server.url)


@pytest.mark.parametrize("url", ["ftp://example.org/log", "file:///etc/passwd", "not a url"])
def test_only_http_urls_are_accepted(url):
    with pytest.raises(VerificationError, match="not an http:// or https:// URL"):
        verify_log(url)


@pytest.mark.parametrize(
    ("contents", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"version": 99}', "unknown version"),
    ],
)
def test_a_corrupt_state_file_gives_a_clear_error(server, state, contents, reason):
    state.write_text(contents)
    with pytest.raises(VerificationError, match=f"state file .* is corrupt \\({reason}"):
        verify_log(server.url, state_path=state)


def test_a_hand_edited_state_file_is_detected(server, state):
    verify_log(server.url, state_path=state, sample=0)
    saved = read_state(state)
    saved["size"] = 5  # the stored checkpoint still says 10
    state.write_text(json.dumps(saved))
    with pytest.raises(VerificationError, match="does not match the stored origin, size and root"):
        verify_log(server.url, state_path=state)


def test_a_state_file_with_a_forged_checkpoint_is_detected(server, state):
    verify_log(server.url, state_path=state, sample=0)
    saved = read_state(state)
    saved["checkpoint"] = sign_note(
        saved["checkpoint"].split("\n\n")[0] + "\n", Signer.generate(ORIGIN)
    )
    state.write_text(json.dumps(saved))
    with pytest.raises(VerificationError, match="stored checkpoint does not verify"):
        verify_log(server.url, state_path=state)


def test_a_witness_key_file_that_is_not_a_key_gives_a_clear_error(server, state, tmp_path):
    key_file = tmp_path / "witness.key"
    key_file.write_text("PRIVATE+KEY+oops")
    with pytest.raises(VerificationError, match="does not hold a signer key"):
        witness_checkpoint(server.url, key_file, state)
    with pytest.raises(VerificationError, match="cannot read witness key file"):
        witness_checkpoint(server.url, tmp_path / "missing.key", state)
