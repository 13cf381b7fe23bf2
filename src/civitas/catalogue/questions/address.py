"""The address question: find an address by postcode in the service's address table, or
enter it by hand, as the GOV.UK address pattern does, on one page that works without
JavaScript.

The page goes through steps, each a post of the same form (see docs/decisions/0017):

- find: a postcode and an optional building name or number, and "Find address";
- select: the addresses for that postcode, to choose one of, with "I cannot find the
  address in the list";
- manual: address line 1, line 2 (optional), town or city, and postcode.

A post that moves between steps is not an answer: `clean` returns `Cleaned.pending` with
the fields to draw the page with, and nothing is stored. Which step the page showed
travels in a hidden field (`<id>-step`), which button was pressed in `<id>-action`.

The answer is stored as one string, its lines joined by newlines with the postcode last
(an address shows as one row of check answers, with its line breaks). The API sends the
same string, which is checked as manual entry is: `fields_for` turns it back into the
manual-entry fields. The storage form lives only in `_stored` and `_lines_of`.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

from civitas.catalogue.definition import POSTCODE_MAX_LENGTH, normalise_postcode, parse_postcode
from civitas.catalogue.questions.base import (
    Cleaned,
    FieldError,
    JSONSchema,
    QuestionType,
    Refusal,
    Widget,
    register,
)
from civitas.catalogue.questions.welsh import in_both_languages
from civitas.platform.input_guards import has_unsafe_characters, is_only_invisible

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

ADDRESS_TEMPLATE = "catalogue/address.html"
LINE_MAX_LENGTH = 100
"""The most characters in one line of an address (and in the building filter)."""
"""Longer than any postcode, however spaced: longer input is not looked at further."""
RADIOS_AT_MOST = 6
"""Up to this many addresses are radios; more are a select, as GOV.UK advises for long lists."""
COLUMNS = ("uprn", "line_1", "line_2", "town", "postcode")
"""The columns of an address table, in this order in the embedded rows."""
UPRN = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_SPACES = re.compile(r"\s+")

STEPS = ("find", "select", "manual")

ERRORS: Mapping[str, str] = {
    "required": "Enter a postcode",
    "postcode_invalid": "Enter a real postcode",
    "building_too_long": f"Building name or number must be {LINE_MAX_LENGTH} characters or fewer",
    "address_required": "Select an address",
    "line_1_required": "Enter address line 1, typically the building and street",
    "line_1_too_long": f"Address line 1 must be {LINE_MAX_LENGTH} characters or fewer",
    "line_2_too_long": f"Address line 2 must be {LINE_MAX_LENGTH} characters or fewer",
    "town_required": "Enter town or city",
    "town_too_long": f"Town or city must be {LINE_MAX_LENGTH} characters or fewer",
    "unsafe_characters": (
        "Your answer includes characters that cannot be used. Try typing it rather than pasting it"
    ),
    "not_lines": (
        "Enter the address as 3 or 4 lines: address line 1, address line 2 (if there is one), "
        "town or city, and postcode"
    ),
}

NOT_AN_ADDRESS = Refusal(
    title=in_both_languages("That address is not one of the addresses found"),
    detail=in_both_languages(
        "Choose one of the addresses found for the postcode. Nothing was saved."
    ),
)


@dataclass(frozen=True)
class Address:
    """One row of an address table."""

    uprn: str
    line_1: str
    line_2: str
    town: str
    postcode: str

    @property
    def label(self) -> str:
        """How the address is offered in the list (every one shares the postcode)."""
        return ", ".join(part for part in (self.line_1, self.line_2, self.town) if part)

    @property
    def value(self) -> str:
        """The value of its radio or option: what the page posts when it is chosen."""
        return self.uprn


def _no_addresses() -> Mapping[str, tuple[Address, ...]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class AddressBook:
    """An address table, by normalised postcode."""

    by_postcode: Mapping[str, tuple[Address, ...]] = field(default_factory=_no_addresses)

    @classmethod
    def from_rows(cls, rows: Mapping[str, Iterable[Iterable[str]]]) -> AddressBook:
        """The book from the rows a published version embeds: postcode to [COLUMNS...]."""
        return cls(
            MappingProxyType(
                {
                    postcode: tuple(Address(*row) for row in addresses)
                    for postcode, addresses in rows.items()
                }
            )
        )

    def find(self, postcode: str) -> tuple[Address, ...]:
        return self.by_postcode.get(postcode, ())


AddressRows = dict[str, list[list[str]]]
"""An address table as a published version embeds it: postcode to rows of COLUMNS."""
FileProblems = list[tuple[int | None, str]]
"""What is wrong with a file: (its line, or None for the file as a whole, problem)."""


def read_address_table(path: Path, shown_as: str) -> tuple[AddressRows, FileProblems]:
    """The rows of an address table file, by normalised postcode, as a published version
    embeds them; and what is wrong with the file, as (line of the file or None, problem).

    Every row must be an address the question could store: the same checks as manual
    entry, so that what is chosen from the list is always an answer the API would take.
    """
    rows: AddressRows = {}
    problems: FileProblems = []
    seen: set[str] = set()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
            if missing:
                return {}, [
                    (
                        None,
                        f"address file '{shown_as}' has no column {', '.join(missing)} (an "
                        f"address table has the columns {', '.join(COLUMNS)})",
                    )
                ]
            for row in reader:
                values = [(row.get(column) or "").strip() for column in COLUMNS]
                problem = _row_problem(*values, seen=seen)
                if problem:
                    problems.append((reader.line_num, problem))
                    continue
                uprn, line_1, line_2, town, postcode = values
                seen.add(uprn)
                postcode = normalise_postcode(postcode)
                rows.setdefault(postcode, []).append([uprn, line_1, line_2, town, postcode])
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return {}, [(None, f"cannot read address file '{shown_as}': {error}")]
    if not rows and not problems:
        problems.append((None, f"address file '{shown_as}' has no addresses"))
    return rows, problems


def _row_problem(
    uprn: str, line_1: str, line_2: str, town: str, postcode: str, *, seen: set[str]
) -> str | None:
    if not UPRN.match(uprn):
        return f"uprn '{uprn}' must be 1 to 20 letters, digits, '-' or '_'"
    if uprn in seen:
        return f"uprn '{uprn}' is used twice"
    if not line_1 or not town:
        return "an address needs line_1 and town"
    for name, text in (("line_1", line_1), ("line_2", line_2), ("town", town)):
        if len(text) > LINE_MAX_LENGTH or has_unsafe_characters(text):
            return (
                f"{name} must be {LINE_MAX_LENGTH} characters or fewer, with no control characters"
            )
    if parse_postcode(postcode) is None:
        return f"postcode '{postcode}' is not a real postcode"
    return None


def _error(kind: str, field_name: str, refusal: Refusal | None = None) -> Cleaned:
    return Cleaned(None, FieldError(in_both_languages(ERRORS[kind]), field_name, refusal=refusal))


def _text(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def _stored(lines: Iterable[str]) -> str:
    """The stored answer: the address's lines that are not empty, the postcode last."""
    return "\n".join(line for line in lines if line)


def _lines_of(value: str) -> list[str] | None:
    """The lines (line 1, line 2, town, postcode) of a stored or API answer; None when it
    has not 3 or 4 lines."""
    lines = [line.strip() for line in value.replace("\r\n", "\n").split("\n")]
    if len(lines) == 3:
        return [lines[0], "", lines[1], lines[2]]
    if len(lines) == 4:
        return lines
    return None


@register
class AddressQuestion(QuestionType):
    """An address: found by postcode in the service's address table (`addresses`), or
    entered by hand. Stored as its lines joined by newlines, the postcode last."""

    name = "address"
    own_keys: ClassVar[frozenset[str]] = frozenset({"addresses"})
    default_errors: ClassVar[Mapping[str, str]] = ERRORS

    @staticmethod
    def names(question: Question) -> dict[str, str]:
        """The names of the page's fields for this question."""
        qid = question.id
        return {
            "step": f"{qid}-step",
            "action": f"{qid}-action",
            "postcode": f"{qid}-postcode",
            "building": f"{qid}-building",
            "uprn": f"{qid}-uprn",
            "line_1": f"{qid}-line-1",
            "line_2": f"{qid}-line-2",
            "town": f"{qid}-town",
            "lines": f"{qid}-lines",
        }

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        names = self.names(question)
        step = fields.get(names["step"])
        step = step if step in STEPS else "find"
        action = fields.get(names["action"]) or "continue"
        postcode_text = _text(fields, names["postcode"])
        building = _text(fields, names["building"])
        carried = {names["postcode"]: postcode_text[:POSTCODE_MAX_LENGTH]}

        if action == "manual":
            # "Enter the address manually" (or "I cannot find the address in the list"):
            # the postcode already given, if it is one, fills in the postcode field.
            postcode = parse_postcode(postcode_text)
            return Cleaned(
                None,
                pending={names["step"]: "manual", names["postcode"]: postcode or ""},
            )
        if action == "change":
            return Cleaned(None, pending={names["step"]: "find", **carried})
        if step == "find":
            return self._find(question, names, postcode_text, building)
        if step == "select":
            return self._select(question, names, fields, postcode_text)
        return self._manual(question, names, fields, postcode_text)

    def _find(
        self, question: Question, names: dict[str, str], postcode_text: str, building: str
    ) -> Cleaned:
        if is_only_invisible(postcode_text):
            return _error("required", names["postcode"])
        postcode = parse_postcode(postcode_text)
        if postcode is None:
            return _error("postcode_invalid", names["postcode"])
        if len(building) > LINE_MAX_LENGTH:
            return _error("building_too_long", names["building"])
        if has_unsafe_characters(building):
            return _error("unsafe_characters", names["building"])
        # Found or not, the next step is drawn from the postcode: the list, or the find
        # step again saying nothing was found, with manual entry offered either way.
        found = bool(question.address_book.find(postcode))
        return Cleaned(
            None,
            pending={
                names["step"]: "select" if found else "find",
                names["postcode"]: postcode,
                names["building"]: building,
            },
        )

    def _select(
        self,
        question: Question,
        names: dict[str, str],
        fields: Mapping[str, str],
        postcode_text: str,
    ) -> Cleaned:
        postcode = parse_postcode(postcode_text)
        addresses = question.address_book.find(postcode) if postcode else ()
        if not addresses:
            # The list step carries its postcode in a hidden field: only a forged post
            # gets here with one that finds nothing.
            return _error("address_required", names["uprn"], refusal=NOT_AN_ADDRESS)
        chosen = fields.get(names["uprn"])
        if not chosen:
            return _error("address_required", names["uprn"])
        for address in addresses:
            if address.uprn == chosen:
                return Cleaned(
                    _stored((address.line_1, address.line_2, address.town, address.postcode))
                )
        return _error("address_required", names["uprn"], refusal=NOT_AN_ADDRESS)

    def _manual(
        self,
        question: Question,
        names: dict[str, str],
        fields: Mapping[str, str],
        postcode_text: str,
    ) -> Cleaned:
        if fields.get(names["lines"]):
            return _error("not_lines", names["line_1"])
        parts = {part: _text(fields, names[part]) for part in ("line_1", "line_2", "town")}
        for part in ("line_1", "line_2", "town"):
            text = parts[part]
            if part != "line_2" and is_only_invisible(text):
                return _error(f"{part}_required", names[part])
            if len(text) > LINE_MAX_LENGTH:
                return _error(f"{part}_too_long", names[part])
            if has_unsafe_characters(text):
                return _error("unsafe_characters", names[part])
        if is_only_invisible(postcode_text):
            return _error("required", names["postcode"])
        postcode = parse_postcode(postcode_text)
        if postcode is None:
            return _error("postcode_invalid", names["postcode"])
        line_2 = "" if is_only_invisible(parts["line_2"]) else parts["line_2"]
        return Cleaned(_stored((parts["line_1"], line_2, parts["town"], postcode)))

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        names = self.names(question)
        if not isinstance(value, str):
            # Nothing yet (the page starts at finding the address), or not an answer.
            return {}
        fields = {names["step"]: "manual"}
        lines = _lines_of(value)
        if lines is None:
            return {**fields, names["lines"]: "wrong"}
        line_1, line_2, town, postcode = lines
        return {
            **fields,
            names["line_1"]: line_1,
            names["line_2"]: line_2,
            names["town"]: town,
            names["postcode"]: postcode,
        }

    def display(self, question: Question, value: str) -> str:
        return value

    def lookup_key(self, question: Question, stored: str) -> str:
        # The postcode is the last line, normalised as a `normalise: postcode` table's keys.
        return stored.rsplit("\n", 1)[-1]

    def error_field(self, question: Question) -> str:
        return self.names(question)["postcode"]

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        names = self.names(question)
        step = fields.get(names["step"])
        step = step if step in STEPS else "find"
        postcode_text = _text(fields, names["postcode"])[:POSTCODE_MAX_LENGTH]
        building = _text(fields, names["building"])[:LINE_MAX_LENGTH]
        postcode = parse_postcode(postcode_text)
        addresses = question.address_book.find(postcode) if postcode else ()
        if step == "select" and not addresses:
            step = "find"
        shown, unmatched = addresses, False
        if step == "select" and building:
            shown = tuple(a for a in addresses if _matches(a, building))
            if not shown:
                shown, unmatched = addresses, True
        values = {
            name: fields.get(key, "")
            for name, key in names.items()
            if isinstance(fields.get(key, ""), str)
        }
        values["postcode"] = postcode or postcode_text
        return Widget(
            ADDRESS_TEMPLATE,
            "address",
            {
                "step": step,
                "names": names,
                "label": question.label,
                "hint": question.hint,
                "values": values,
                "error": error,
                "addresses": shown,
                "as_radios": len(shown) <= RADIOS_AT_MOST,
                # The find step after a search that found nothing says so.
                "none_found": step == "find"
                and postcode is not None
                and not addresses
                and error is None
                and bool(postcode_text),
                "building": building,
                "unmatched": unmatched,
            },
            has_own_buttons=True,
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        return {
            "type": "string",
            "maxLength": 3 * LINE_MAX_LENGTH + POSTCODE_MAX_LENGTH + 3,
            "description": (
                "The address as lines joined by a newline: address line 1, address line 2 "
                "(left out when there is none), town or city, and postcode last. Checked as "
                "an address entered by hand is."
            ),
            "examples": ["12 High Street\nEastbury\nEB1 1AA"],
        }

    def definition_problems(self, question: Mapping[str, object]) -> list[tuple[str, str]]:
        problems = []
        if "addresses" not in question:
            problems.append(
                (
                    "type",
                    "an address question needs 'addresses': the name of an address table "
                    "in 'data' (kind: addresses)",
                )
            )
        if "error_messages" in question:
            problems.append(
                (
                    "error_messages",
                    "an address question's error messages are GOV.UK's own, one for each "
                    "part of the address: they cannot be changed",
                )
            )
        return problems


def _matches(address: Address, building: str) -> bool:
    """Whether the building name or number filter is found at the start of a word of the
    address's first two lines, a number as a whole ("12" matches "12 High Street" and
    "Flat 2, 12 High Street", not "112 High Street" or "123 High Street"; "rose" matches
    "Rose Cottage")."""
    wanted = re.escape(_SPACES.sub(" ", building.casefold()))
    end = r"(?![0-9])" if building[-1:].isdigit() else ""
    text = f"{address.line_1}, {address.line_2}".casefold()
    return re.search(rf"(?<![^\s,]){wanted}{end}", text) is not None
