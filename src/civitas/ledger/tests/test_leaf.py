"""The bytes of an entry: canonical, self-locating, and free of raw identifiers."""

import datetime

import pytest

from civitas.ledger.canonical import canonical_json, subject_reference
from civitas.ledger.leaf import LeafFormatError, format_leaf, leaf_prefix, parse_leaf

WHEN = datetime.datetime(2026, 11, 24, 10, 40, 38, 123456, tzinfo=datetime.UTC)
SUBJECT = subject_reference(b"key", "case:K7M-2QH-4XP")


def leaf(**changes):
    fields = {
        "index": 7,
        "kind": "case.decided",
        "time": WHEN,
        "organisation": "Example Borough Council",
        "role": "caseworker",
        "subject": SUBJECT,
        "payload": {"outcome": "approve", "reason_sha256": None},
    }
    return format_leaf(**{**fields, **changes})


def test_a_leaf_is_the_rfc_8785_form_of_the_whole_entry():
    assert leaf() == canonical_json(
        {
            "index": 7,
            "kind": "case.decided",
            "organisation": "Example Borough Council",
            "payload": {"outcome": "approve", "reason_sha256": None},
            "role": "caseworker",
            "subject": SUBJECT,
            "time": "2026-11-24T10:40:38.123456Z",
            "version": 1,
        }
    )


def test_a_leaf_starts_with_its_own_index_so_a_moved_row_shows():
    assert leaf(index=12345).startswith(leaf_prefix(12345))
    assert not leaf(index=12345).startswith(leaf_prefix(1234))


def test_the_time_is_written_in_utc_whatever_zone_it_was_given_in():
    london_summer = datetime.datetime(
        2026, 7, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert parse_leaf(leaf(time=london_summer)).time == "2026-07-01T11:00:00.000000Z"


def test_a_leaf_reads_back_as_it_was_written():
    parsed = parse_leaf(leaf())
    assert (parsed.index, parsed.kind, parsed.subject) == (7, "case.decided", SUBJECT)
    assert parsed.payload == {"outcome": "approve", "reason_sha256": None}


@pytest.mark.parametrize("subject", ["resident@example.com", "Jane Smith", "hmac-sha256:abc", ""])
def test_a_raw_identifier_is_refused_as_a_subject(subject):
    with pytest.raises(LeafFormatError, match="keyed reference"):
        leaf(subject=subject)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "Decided"}, "dotted lower-case"),
        ({"index": -1}, "non-negative"),
        ({"organisation": ""}, "organisation"),
        ({"role": "case\nworker"}, "role"),
        ({"payload": ["not", "an", "object"]}, "JSON object"),
        ({"payload": {"big": 2**60}}, "canonical JSON"),
        ({"payload": {"text": "x" * 20000}}, "bytes; the most is"),
        ({"time": datetime.datetime(2026, 1, 1)}, "timezone-aware"),
    ],
)
def test_an_entry_that_cannot_be_written_is_refused_with_a_reason(changes, message):
    with pytest.raises(LeafFormatError, match=message):
        leaf(**changes)


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"index":1}',
        leaf().replace(b'"version":1', b'"version": 1'),  # valid JSON, not canonical
        "é".encode("latin-1"),
    ],
)
def test_stored_bytes_that_are_not_a_canonical_entry_are_rejected(data):
    with pytest.raises(LeafFormatError):
        parse_leaf(data)
