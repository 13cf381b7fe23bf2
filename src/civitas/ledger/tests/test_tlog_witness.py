"""The witness protocol's request format and witness policies, without a network."""

import pytest

from civitas.ledger.merkle import InMemoryTree
from civitas.ledger.note import (
    Signer,
    append_signatures,
    cosign,
    format_checkpoint,
    parse_note,
    sign_note,
)
from civitas.ledger.tlog_witness import (
    PolicyError,
    ProtocolError,
    WitnessPolicy,
    format_add_checkpoint,
    parse_add_checkpoint,
    parse_quorum,
    submit_checkpoint,
)

LOG = Signer.generate("civitas.example/ledger")
WITNESSES = [Signer.generate(f"witness.example/w{n}") for n in range(1, 4)]


def checkpoint(size: int = 7) -> str:
    tree = InMemoryTree()
    tree.extend([b"entry %d" % n for n in range(size)])
    return sign_note(format_checkpoint("civitas.example/ledger", size, tree.root()), LOG)


def cosigned_by(note: str, *signers: Signer, time: int = 1_700_000_000) -> str:
    body = parse_note(note).body
    return append_signatures(note, [cosign(body, signer, time) for signer in signers])


def test_a_request_reads_back_as_it_was_written():
    proof = [bytes([n]) * 32 for n in range(3)]
    body = format_add_checkpoint(4, proof, checkpoint())
    assert body.startswith(b"old 4\n")
    request = parse_add_checkpoint(body)
    assert (request.old_size, list(request.proof), request.checkpoint) == (4, proof, checkpoint())


def test_a_request_from_size_zero_has_no_proof_lines():
    assert format_add_checkpoint(0, [], checkpoint()) == b"old 0\n\n" + checkpoint().encode()


def test_a_request_with_more_than_63_proof_hashes_is_never_written():
    with pytest.raises(ProtocolError, match="at most 63"):
        format_add_checkpoint(5, [bytes(32)] * 64, checkpoint())
    with pytest.raises(ProtocolError, match="non-negative"):
        format_add_checkpoint(-1, [], checkpoint())


def test_an_oversized_request_is_refused_before_it_is_read():
    with pytest.raises(ProtocolError, match="larger than"):
        parse_add_checkpoint(b"old 0\n\n" + b"x" * 70_000)


def test_a_policy_counts_only_its_witnesses_valid_cosignatures():
    policy = WitnessPolicy.parse([w.cosignature_verifier_key() for w in WITNESSES[:2]], "2")
    note = checkpoint()
    assert not policy.is_met_by(note)
    assert not policy.is_met_by(cosigned_by(note, WITNESSES[0], WITNESSES[2]))
    assert policy.is_met_by(cosigned_by(note, WITNESSES[0], WITNESSES[1]))
    # A cosignature copied from another checkpoint counts for nothing.
    other = cosigned_by(checkpoint(8), WITNESSES[1])
    copied = append_signatures(
        cosigned_by(note, WITNESSES[0]), [parse_note(other).signatures[-1].line]
    )
    assert [w.name for w, _, _ in policy.cosigners(copied)] == ["witness.example/w1"]
    assert not policy.is_met_by(copied)
    assert not policy.is_met_by("not a note")


def test_a_log_key_is_not_a_witness_key():
    with pytest.raises(PolicyError, match="signature type 0x01"):
        WitnessPolicy.parse([LOG.verifier_key()], "1")


@pytest.mark.parametrize(
    ("text", "count", "quorum"),
    [(None, 3, 2), ("", 4, 3), ("", 0, 0), ("1", 3, 1), ("2 of 3", 3, 2), (" 3 of 3 ", 3, 3)],
)
def test_a_quorum_is_a_number_k_of_n_or_a_majority(text, count, quorum):
    assert parse_quorum(text, count) == quorum


@pytest.mark.parametrize(
    ("text", "message"),
    [("4", "cannot be met"), ("2 of 4", "names 4"), ("two", "'k of n'"), ("-1", "'k of n'")],
)
def test_a_quorum_that_cannot_be_met_or_read_is_refused(text, message):
    with pytest.raises(PolicyError, match=message):
        parse_quorum(text, 3)


def test_a_policy_listing_a_witness_twice_is_refused():
    key = WITNESSES[0].cosignature_verifier_key()
    with pytest.raises(PolicyError, match="listed twice"):
        WitnessPolicy.parse([key, key], "1")


def test_submitting_to_a_url_that_is_not_http_is_refused():
    with pytest.raises(ProtocolError, match="not an http"):
        submit_checkpoint("ftp://witness.example", 0, [], checkpoint(), timeout=1)
