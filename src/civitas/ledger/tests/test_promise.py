"""The signed promise format: made, encoded, read back and judged, without a database."""

import base64
import re

import pytest

from civitas.ledger.note import MalformedNoteError, Signer, sign_note
from civitas.ledger.promise import (
    PROMISE_BYTES,
    PromiseError,
    decode_promise,
    judge_promise,
    make_promise,
    promise_message,
    verify_promise,
)

ORIGIN = "civitas.example/ledger"
LEAF = bytes(range(32))
T = 1_796_155_680_000  # 1 December 2026, 8:08pm in London (UTC in winter)


@pytest.fixture(scope="module")
def log_key() -> Signer:
    return Signer.generate(ORIGIN)


def promise_for(signer: Signer, *, index: int = 41, leaf: bytes = LEAF, mmd: int = 300):
    return make_promise(
        signer, origin=ORIGIN, index=index, timestamp_ms=T, max_merge_delay_s=mmd, leaf_hash=leaf
    )


def test_a_promise_is_short_enough_for_an_email_and_a_link(log_key):
    text = promise_for(log_key).encode()
    assert len(text) == 162
    assert re.fullmatch(r"[A-Za-z0-9_-]+", text)


def test_a_promise_reads_back_as_it_was_made(log_key):
    made = promise_for(log_key)
    read = decode_promise(made.encode())
    assert read == made
    assert (read.index, read.timestamp_ms, read.max_merge_delay_s, read.leaf_hash) == (
        41,
        T,
        300,
        LEAF,
    )
    assert read.promised_at.isoformat() == "2026-12-01T20:08:00+00:00"
    assert decode_promise(made.to_bytes()) == made


def test_line_breaks_an_email_client_adds_are_ignored(log_key):
    text = promise_for(log_key).encode()
    assert decode_promise(f" {text[:70]}\r\n{text[70:]} \n") == promise_for(log_key)


def test_a_promise_by_the_log_key_verifies(log_key):
    verifier = verify_promise(promise_for(log_key), ORIGIN, [log_key.verifier()])
    assert verifier == log_key.verifier()


def test_a_promise_by_another_key_of_the_same_name_is_not_trusted(log_key):
    forger = Signer.generate(ORIGIN)
    with pytest.raises(PromiseError, match=r"not a trusted key of log civitas\.example/ledger"):
        verify_promise(promise_for(forger), ORIGIN, [log_key.verifier()])


@pytest.mark.parametrize(
    "change",
    [
        {"index": 42},
        {"leaf_hash": b"\x01" * 32},
        {"timestamp_ms": T + 1},
        {"max_merge_delay_s": 86_400},
    ],
    ids=["index", "leaf hash", "time", "merge delay"],
)
def test_a_promise_with_any_field_altered_has_a_bad_signature(log_key, change):
    made = promise_for(log_key)
    altered = type(made)(**{**made.__dict__, **change})
    with pytest.raises(PromiseError, match="has a bad signature"):
        verify_promise(decode_promise(altered.encode()), ORIGIN, [log_key.verifier()])


def test_a_promise_for_another_log_does_not_verify(log_key):
    with pytest.raises(PromiseError, match="bad signature"):
        verify_promise(promise_for(log_key), "other.example/log", [log_key.verifier()])


def test_the_promise_message_can_never_pass_for_a_signed_note(log_key):
    # A promise signature must not be usable as a checkpoint signature: the message has
    # NUL bytes, which no note text may hold.
    message = promise_message(ORIGIN, 41, T, 300, LEAF)
    assert message.startswith(b"civitas-entry-promise/v1\x00")
    with pytest.raises(MalformedNoteError, match="control character"):
        sign_note(message.decode("latin-1") + "\n", log_key)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the promise is empty"),
        ("not a promise!", "should be letters, digits"),
        ("AAAA", "is 3 bytes long, not 121"),
        ("A" * 10_000, "should be letters, digits"),
        (base64.urlsafe_b64encode(b"\x02" + bytes(120)).decode().rstrip("="), "of version 2"),
        ("<script>", "should be letters, digits"),
    ],
)
def test_what_is_not_a_promise_is_refused_saying_why(text, problem):
    assert PROMISE_BYTES == 121
    with pytest.raises(PromiseError, match=problem):
        decode_promise(text)


def test_a_promise_cut_short_in_an_email_is_refused(log_key):
    with pytest.raises(PromiseError, match="cut short"):
        decode_promise(promise_for(log_key).encode()[:-10])


def test_a_promise_is_kept_when_its_entry_is_in_the_signed_tree_unchanged(log_key):
    verdict = judge_promise(promise_for(log_key), tree_size=42, leaf_hash=LEAF, now_ms=T)
    assert (verdict.state, verdict.is_broken) == ("kept", False)


def test_a_promise_is_pending_until_the_merge_delay_has_passed(log_key):
    promise = promise_for(log_key)
    assert judge_promise(promise, tree_size=41, leaf_hash=None, now_ms=T + 300_000).state == (
        "pending"
    )
    late = judge_promise(promise, tree_size=41, leaf_hash=None, now_ms=T + 300_001)
    assert (late.state, late.is_broken) == ("late", True)
    assert "within 300 seconds" in late.detail
    assert "covers only 41 entries: the promise was broken" in late.detail


def test_a_promise_whose_entry_was_changed_is_broken(log_key):
    verdict = judge_promise(promise_for(log_key), tree_size=42, leaf_hash=b"\x09" * 32, now_ms=T)
    assert (verdict.state, verdict.is_broken) == ("changed", True)
    assert "entry 41 is not the entry the log promised" in verdict.detail
    pending = judge_promise(promise_for(log_key), tree_size=0, leaf_hash=b"\x09" * 32, now_ms=T)
    assert pending.state == "changed"  # seen before it is even integrated
