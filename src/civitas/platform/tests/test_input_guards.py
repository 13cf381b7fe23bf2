"""The checks on text and JSON from outside, without a database."""

import json
import time

import pytest

from civitas.platform.input_guards import (
    JSONTooDeep,
    has_unsafe_characters,
    is_only_invisible,
    parse_json,
)


@pytest.mark.parametrize(
    "text",
    [
        "a\x00b",
        "\x1b[2J",
        "tab\there",
        "new\nline",
        "\x7f",
        "\x85",
        "\ud800@example.com",
        "\ufffd",
        "\uffff",
        "abc\u202egnp.exe",
    ],
)
def test_it_finds_characters_nobody_types(text):
    assert has_unsafe_characters(text)


@pytest.mark.parametrize(
    "text", ["12 Station Road", "Tŷ Ŵyn, Ffordd yr Orsaf", "Zoë O'Brien-Łukasz", "東京", "👩‍👩‍👧"]
)
def test_it_leaves_what_people_write_alone(text):
    assert not has_unsafe_characters(text)
    assert not is_only_invisible(text)


@pytest.mark.parametrize(
    "text", ["", "   ", "\u200b", "\u200c\u200d\u2060", "\ufeff\u3164 ", "\u00ad"]
)
def test_it_knows_text_that_shows_nothing(text):
    assert is_only_invisible(text)


def test_it_reads_json_nested_within_the_limit():
    document = {"a": [[{"b": "[[[[ {{{{"}]]}
    assert parse_json(json.dumps(document).encode(), max_depth=4) == document


def test_it_refuses_json_nested_past_the_limit_before_parsing_it():
    with pytest.raises(JSONTooDeep):
        parse_json("[" * 100_000 + "]" * 100_000)


def test_brackets_inside_strings_do_not_count_towards_the_depth():
    assert parse_json('["\\"[[[[[[[[[[", "\\\\", "]]]]"]', max_depth=1) == [
        '"[[[[[[[[[[',
        "\\",
        "]]]]",
    ]


def test_malformed_json_is_a_value_error():
    with pytest.raises(ValueError):  # noqa: PT011 - json.JSONDecodeError is a ValueError
        parse_json(b"{not json")


def test_the_depth_scan_takes_one_pass_over_unclosed_strings():
    # An unclosed string full of escaped quotes: scanning it again from each quote would
    # take minutes on a 64 KiB body.
    started = time.perf_counter()
    with pytest.raises(ValueError):  # noqa: PT011
        parse_json('"' + '\\"' * 30_000)
    assert time.perf_counter() - started < 2
