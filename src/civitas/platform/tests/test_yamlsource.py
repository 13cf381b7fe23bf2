"""The one YAML loader: what it refuses, each as file:line, and the lines it keeps."""

import time
from pathlib import Path

import pytest

from civitas.platform.yamlsource import (
    Document,
    Problem,
    read_document,
    read_yaml,
    schema_problems,
    sorted_problems,
)


def _read(text: str) -> tuple[Document | None, list[str]]:
    document, problems = read_yaml("f.yaml", text=text)
    return document, [str(problem) for problem in problems]


def _data(text: str) -> object:
    document, problems = _read(text)
    assert problems == []
    assert document is not None
    return document.data


def test_a_duplicate_key_is_reported_at_the_second_naming_the_first() -> None:
    _document, problems = _read("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 4\n")
    assert problems == [
        "f.yaml:5: duplicate key 'c' (first on line 3)",
        "f.yaml:6: duplicate key 'a' (first on line 1)",
    ]


def test_keys_written_differently_but_read_the_same_are_duplicates() -> None:
    _document, problems = _read("on: 1\n'on': 2\n")
    assert problems == ["f.yaml:2: duplicate key 'on' (first on line 1)"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a:\n\tb: 1\n", 2),
        ("a:\n  \tb: 1\n", 2),
        ("\ta: 1\n", 1),
        ("a:\n  - x\n\t- y\n", 3),
        ("a: |\n\ttext\n", 2),
        ("a: 1\n\t\nb: 2\n", 2),
    ],
)
def test_tabs_used_to_indent_are_named_as_such(text: str, line: int) -> None:
    _document, problems = _read(text)
    assert problems == [f"f.yaml:{line}: tabs cannot indent YAML; use spaces"]


@pytest.mark.parametrize("text", ["a:\tb\n", "a: 1\t# note\n", "a: x\ty\n"])
def test_a_tab_inside_a_line_is_named_as_such(text: str) -> None:
    _document, problems = _read(text)
    assert len(problems) == 1
    assert problems[0].startswith("f.yaml:1: tabs cannot separate the parts of a YAML line")


def test_a_tab_is_kept_inside_quoted_text_and_block_text() -> None:
    assert _data('a: "x\\ty"\nb: |\n  line\n  \tindented\n') == {
        "a": "x\ty",
        "b": "line\n\tindented\n",
    }


@pytest.mark.parametrize(
    "word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "Y", "N", "yEs"]
)
def test_an_unquoted_yaml_1_1_boolean_value_is_refused(word: str) -> None:
    _document, problems = _read(f"a: 1\nb: {word}\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"f.yaml:2: unquoted '{word}' is read as true or false")
    assert "write true or false, or quote it" in problems[0]


def test_a_yaml_1_1_boolean_is_refused_in_lists_and_flow_mappings_too() -> None:
    _document, problems = _read("a: [true, yes]\nb:\n  - off\nc: {d: N}\n")
    assert [p.split(": unquoted")[0] for p in problems] == ["f.yaml:1", "f.yaml:3", "f.yaml:4"]


def test_quoted_boolean_words_are_text_and_true_and_false_are_booleans() -> None:
    assert _data("a: 'yes'\nb: \"no\"\nc: true\nd: false\ne: True\nf: >-\n  on\n") == {
        "a": "yes",
        "b": "no",
        "c": True,
        "d": False,
        "e": True,
        "f": "on",
    }


def test_keys_are_the_text_written() -> None:
    assert _data("on: 2026-04-01\nyes: 1\nno: 2\n6: a\ntrue: b\nnull: c\n1.5: d\n") == {
        "on": "2026-04-01",
        "yes": 1,
        "no": 2,
        "6": "a",
        "true": "b",
        "null": "c",
        "1.5": "d",
    }


def test_dates_are_iso_text_and_numbers_stay_numbers() -> None:
    assert _data("a: 2026-04-01\nb: 12\nc: 0.5\nd: ~\ne: '12'\n") == {
        "a": "2026-04-01",
        "b": 12,
        "c": 0.5,
        "d": None,
        "e": "12",
    }


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system ''",
        "!!int twelve",
        "!!float nothing",
        "!!timestamp yesterday",
        "!!binary aGVsbG8=",
        "!!set {x, y}",
        "!!omap [{x: 1}]",
        "!custom text",
        ".inf",
        "-.Inf",
        ".nan",
    ],
)
def test_values_with_no_json_form_are_problems_not_tracebacks(value: str) -> None:
    _document, problems = _read(f"a: 1\nb: {value}\n")
    assert len(problems) == 1
    assert problems[0].startswith("f.yaml:2: ")


def test_a_mapping_used_as_a_key_is_refused() -> None:
    _document, problems = _read("? [a, b]\n: 1\n")
    assert problems == ["f.yaml:1: mapping keys must be plain text"]


def test_aliases_that_expand_enormously_are_refused_quickly() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    started = time.monotonic()
    _document, problems = _read("\n".join(lines) + "\n")
    assert time.monotonic() - started < 5
    assert problems == [
        "f.yaml:1: aliases expand the file by more than 100,000 characters and values; write "
        "the values out instead"
    ]


def test_aliases_of_long_text_are_counted_by_characters_before_expanding() -> None:
    # Few values, but 100 MB of text once expanded: the schema's message used to quote it.
    lines = [f'a0: &a0 "{"x" * 100_000}"']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 4)]
    started = time.monotonic()
    _document, problems = _read("\n".join(lines) + "\n")
    assert time.monotonic() - started < 2
    assert problems == [
        "f.yaml:1: aliases expand the file by more than 100,000 characters and values; write "
        "the values out instead"
    ]


def test_an_alias_inside_the_value_it_names_is_refused() -> None:
    _document, problems = _read("a: &loop [1, *loop]\n")
    assert problems == ["f.yaml:1: an alias refers to the value that contains it"]


@pytest.mark.parametrize("date", ["2026-02-30", "2025-13-01"])
def test_an_impossible_date_is_reported_at_its_line(date: str) -> None:
    _document, problems = _read(f"a: 1\nfrom: {date}\n")
    assert problems == [f"f.yaml:2: '{date}' is not a real date"]


def test_a_long_schema_message_is_cut_short() -> None:
    document, problems = read_yaml("f.yaml", text=f"a: [{', '.join(['1'] * 5000)}]\n")
    assert document is not None
    assert problems == []
    schema = {"type": "object", "properties": {"a": {"type": "array", "maxItems": 1}}}
    (problem,) = schema_problems(document, schema)
    assert len(problem.message) <= 300
    assert problem.message.endswith("is too long")


def test_a_few_aliases_are_fine() -> None:
    assert _data("base: &base {a: 1}\nother: *base\n") == {"base": {"a": 1}, "other": {"a": 1}}


def test_a_syntax_error_is_reported_at_its_line_with_a_hint_about_colons() -> None:
    _document, problems = _read("a: 1\nb: Note: this\n")
    assert len(problems) == 1
    assert problems[0].startswith("f.yaml:2: YAML syntax error: mapping values are not allowed")
    assert "must be quoted" in problems[0]


def test_an_empty_or_missing_file_is_one_problem(tmp_path: Path) -> None:
    assert _read("# only a comment\n") == (None, ["f.yaml:1: the file is empty"])
    missing = tmp_path / "missing.yaml"
    assert read_yaml(missing) == (None, [Problem(str(missing), None, "file not found")])
    undecodable = tmp_path / "latin1.yaml"
    undecodable.write_bytes(b"a: 1\nb: caf\xe9\n")
    assert read_yaml(undecodable) == (
        None,
        [Problem(str(undecodable), 2, "not UTF-8 text (byte 0xe9); save the file as UTF-8")],
    )


def test_lines_of_values_and_keys() -> None:
    document, _problems = _read("a:\n  b:\n    - x\n    -\n      c: 1\nd: >-\n  text\n")
    assert document is not None
    assert document.line("a", "b", 1, "c") == 5
    assert document.line("a", "b", 0) == 3
    assert document.line("a", "missing", "deeper") == 2  # the deepest existing parent
    assert document.key_line("a", "b") == 2
    assert document.line("d") == 6
    assert document.problem("here", "a", "b", 1) == Problem("f.yaml", 5, "here")


SCHEMA: dict[str, object] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "items"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "starts": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "items": {"type": "array", "items": {"type": "integer"}},
    },
}


def test_any_schema_reports_at_the_line_to_edit() -> None:
    text = "name: Bad Name\nstarts: soon\nitems:\n  - 1\n  - two\nnmae: x\n"
    document, problems = read_document("f.yaml", SCHEMA, text=text)
    assert document is not None
    assert [str(p) for p in problems] == [
        "f.yaml:1: name: the name 'Bad Name' must start with a lower-case letter and contain "
        "only lower-case letters, digits and underscores",
        "f.yaml:2: starts: 'soon' is not a date written YYYY-MM-DD",
        "f.yaml:5: items[1]: 'two' is not of type 'integer'",
        "f.yaml:6: unknown key 'nmae' in the file; did you mean 'name'? "
        "(allowed: items, name, starts)",
    ]
    assert schema_problems(document, {"type": "array"}) == [
        Problem(
            "f.yaml",
            1,
            "the file: {'name': 'Bad Name', 'starts': 'soon', 'items': [1, "
            "'two'], 'nmae': 'x'} is not of type 'array'",
        )
    ]


def test_the_schema_is_not_checked_when_the_file_itself_has_problems() -> None:
    _document, problems = read_document("f.yaml", SCHEMA, text="name: a\nname: b\n")
    assert [str(p) for p in problems] == ["f.yaml:2: duplicate key 'name' (first on line 1)"]


def test_problems_sort_by_file_then_line_and_drop_repeats() -> None:
    problems = [Problem("b", 1, "x"), Problem("a", 3, "y"), Problem("a", None, "z")]
    assert sorted_problems([*problems, Problem("b", 1, "x")]) == [
        Problem("a", None, "z"),
        Problem("a", 3, "y"),
        Problem("b", 1, "x"),
    ]
