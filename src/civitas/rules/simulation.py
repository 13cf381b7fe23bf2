"""Policy simulation: a rule set over a whole population, before and after a reform.

``simulate`` reads a population CSV (one row per case, one column per input), evaluates the
rule set's outputs for every row with NumPy under the parameters in force on a date
(the baseline) and again with some parameters overridden (the reform), and reports what
changes: rows that gain or lose eligibility, gainers and losers, the distribution of the
changes and the change in totals.

Population files: a header row naming the columns, then one row per line. Every input
needs a column, except inputs with a default, whose column may be left out. Cells hold
text in the forms ``values.parse_text`` documents, except that money is whole pence only and
booleans are true/false, yes/no or 1/0. A bad file is reported as one ``PopulationError``
naming the column and the first bad line.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from civitas.rules import datatypes as dt
from civitas.rules import vectorised
from civitas.rules.evaluate import DateNotCovered, InputError
from civitas.rules.model import InputSpec, ParameterSpec, RuleSet
from civitas.rules.scales import Scale, make_scale, parse_scale
from civitas.rules.values import (
    WHOLE_LIMIT,
    check,
    format_date,
    format_money,
    format_number,
    format_value,
    parse_text,
)


class PopulationError(ValueError):
    """The population file cannot be used; the message names the column and line."""


class OverrideError(ValueError):
    """A ``--set PARAMETER=VALUE`` override names an unknown parameter or a bad value."""


class SimulationError(ArithmeticError):
    """A rule could not be applied to a row of the population (division by zero)."""


@dataclass(frozen=True)
class Population:
    """Input columns in array representation (see ``civitas.rules.vectorised``)."""

    path: str
    rows: int
    columns: Mapping[str, np.ndarray]
    members: vectorised.Members | None = None


# --- reading the population --------------------------------------------------------------

_TRUE_CELLS = ("true", "True", "TRUE", "yes", "Yes", "YES", "1")
_FALSE_CELLS = ("false", "False", "FALSE", "no", "No", "NO", "0")


MAX_LINE_BYTES = 65_536
"""The longest line a population file may have: rows are a few dozen short cells, and the
cap keeps a hostile file from being read into memory whole."""

_CHUNK_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class _Shape:
    """What one streaming pass over a population file found."""

    rows: int
    quoted: bool


def _scan(shown: str) -> _Shape:
    """Check a population file's shape in one pass, in bounded memory, before any of it is
    parsed: every line is valid UTF-8 and at most ``MAX_LINE_BYTES`` long, and (unless a
    cell is quoted, which ``_check_quoted_rows`` then checks) every row has as many values
    as the header. Raises ``PopulationError`` naming the first bad line."""
    try:
        handle = open(shown, "rb")  # noqa: SIM115 (closed below; read in chunks)
    except FileNotFoundError:
        raise PopulationError(f"{shown}: file not found") from None
    except OSError as error:
        raise PopulationError(f"{shown}: cannot read the file: {error.strerror}") from None
    with handle:
        scanner = _Scanner(shown)
        carry = b""
        first = True
        while True:
            try:
                chunk = handle.read(_CHUNK_BYTES)
            except OSError as error:
                raise PopulationError(f"{shown}: cannot read the file: {error.strerror}") from None
            if first:
                chunk = chunk.removeprefix(_BOM)
                first = False
            if not chunk:
                break
            end = chunk.rfind(b"\n")
            if end < 0:
                carry += chunk
                scanner.check_length(len(carry))
                continue
            scanner.lines(carry + chunk[: end + 1])
            carry = chunk[end + 1 :]
            scanner.check_length(len(carry))
        if carry:
            scanner.lines(carry + b"\n")
    return scanner.shape()


class _Scanner:
    """The state of ``_scan``: complete lines are fed in blocks, in file order."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.line = 0  # lines seen so far
        self.rows = 0
        self.commas: int | None = None  # in the header
        self.quoted = False

    def check_length(self, pending: int) -> None:
        """Refuse a line that is already too long before its end has been read."""
        if pending > MAX_LINE_BYTES:
            raise PopulationError(
                f"{self.shown}: line {self.line + 1}: the line is longer than "
                f"{MAX_LINE_BYTES:,} bytes; a population file has one short row per line"
            )

    def lines(self, block: bytes) -> None:
        """Check a block of complete lines (ending with a newline)."""
        try:
            if not block.isascii():  # (most population files are: a fast test)
                block.decode("utf-8")
        except UnicodeDecodeError as error:
            line = self.line + block.count(b"\n", 0, error.start) + 1
            raise PopulationError(
                f"{self.shown}: line {line}: not UTF-8 text (byte "
                f"0x{block[error.start]:02x}); save the file as UTF-8"
            ) from None
        data = np.frombuffer(block, dtype=np.uint8)
        ends = np.flatnonzero(data == 10)
        starts = np.concatenate(([0], ends[:-1] + 1))
        lengths = ends - starts
        if lengths.max() > MAX_LINE_BYTES:
            line = self.line + int(np.argmax(lengths > MAX_LINE_BYTES)) + 1
            raise PopulationError(
                f"{self.shown}: line {line}: the line is longer than {MAX_LINE_BYTES:,} "
                "bytes; a population file has one short row per line"
            )
        blank = (lengths == 0) | ((lengths == 1) & (data[np.maximum(ends - 1, 0)] == 13))
        if self.commas is None:
            self.commas = block.count(b",", 0, int(ends[0]))
            self.quoted = b'"' in block[: int(ends[0])]
            blank[0] = True  # the header is not a row
        if not self.quoted and b'"' in block:
            self.quoted = True
        self.rows += int(len(ends) - blank.sum())
        if not self.quoted:
            commas = np.searchsorted(np.flatnonzero(data == 44), ends)
            counts = np.diff(commas, prepend=0)
            wrong = (counts != self.commas) & ~blank
            if wrong.any():
                index = int(np.argmax(wrong))
                raise PopulationError(
                    f"{self.shown}: line {self.line + index + 1}: {int(counts[index]) + 1} "
                    f"values, but the header has {self.commas + 1} columns"
                )
        self.line += len(ends)

    def shape(self) -> _Shape:
        if self.commas is None:
            raise PopulationError(f"{self.shown}: the file is empty; it needs a header row")
        return _Shape(self.rows, self.quoted)


def read_population(rule_set: RuleSet, path: str | Path) -> Population:
    """Read and check a population CSV for ``rule_set``; raises ``PopulationError``."""
    shown = str(path)
    header, rows = _opened(shown, "case")
    # The members' inputs come from the members file (``read_members``).
    columns, _raw = _input_columns(rule_set, shown, header, per_member=False)
    lengths = {len(column) for column in columns.values()}
    if len(lengths) > 1:
        # Only possible when a row is short; the slow scan finds and names it.
        raise _locate(shown, header, next(iter(columns)), lambda _text: None)
    rows = lengths.pop() if lengths else rows
    _fill_defaults(rule_set, columns, rows, per_member=False)
    return Population(shown, rows, columns)


def _opened(shown: str, each: str) -> tuple[list[str], int]:
    """The header and the number of rows of a population file that passed the bounded
    scan (line lengths, UTF-8, values per row); ``each`` names what one row is."""
    shape = _scan(shown)
    header = _header(shown)
    if shape.quoted:
        _check_quoted_rows(shown, header)
    if shape.rows == 0:
        raise PopulationError(
            f"{shown}: the file has a header row but no rows; add one row per {each}"
        )
    return header, shape.rows


def _input_columns(
    rule_set: RuleSet,
    shown: str,
    header: list[str],
    *,
    per_member: bool,
    extra: Mapping[str, Any] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The group's input columns (or the members'), read in one pass with the ``extra``
    columns (name to dtype), which come back as read. An input without a column or a
    default is refused, all of them in one message."""
    specs = {n: s for n, s in rule_set.inputs.items() if s.per_member == per_member}
    missing = [n for n, s in specs.items() if n not in header and not s.has_default]
    if missing:
        whose = "member input" if per_member else "input"
        raise PopulationError(
            f"{shown}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} (one is needed for each {whose} without a "
            f"default; the header has: {', '.join(header)})"
        )
    present = {n: s for n, s in specs.items() if n in header}
    dtypes = {n: _column_dtype(s, "S") for n, s in present.items()}
    raw = _load_columns(shown, header, {**dtypes, **(extra or {})}) or {}
    columns = {
        name: _read_column(rule_set, shown, header, spec, raw.get(name))
        for name, spec in present.items()
    }
    return columns, raw


def _fill_defaults(
    rule_set: RuleSet, columns: dict[str, np.ndarray], rows: int, *, per_member: bool
) -> None:
    """A column of its default for each input the file left out."""
    for name, spec in rule_set.inputs.items():
        if spec.per_member == per_member and name not in columns:
            columns[name] = np.full(
                rows, vectorised.encode(rule_set, spec.vtype.kind, spec.default)
            )


MEMBER_OF = "household"
"""The members file's column naming each member's group, by the groups file's ``id``."""
GROUP_ID = "id"
_ID_WIDTH = 40


def read_members(
    rule_set: RuleSet, path: str | Path, groups: Population, groups_ids: np.ndarray
) -> vectorised.Members:
    """Read a members CSV (one row per member: ``household``, ``role`` and the per-member
    inputs) for the groups already read; raises ``PopulationError`` naming the line."""
    shown = str(path)
    header, _rows = _opened(shown, "member")
    if MEMBER_OF not in header:
        raise PopulationError(
            f"{shown}: missing column '{MEMBER_OF}' (the {GROUP_ID} of each member's "
            f"{rule_set.group.name if rule_set.group else 'group'} in {groups.path})"
        )
    columns, raw = _input_columns(
        rule_set, shown, header, per_member=True, extra={MEMBER_OF: f"S{_ID_WIDTH}"}
    )
    refs = raw.get(MEMBER_OF)
    if refs is None:
        refs = _id_column(shown, header.index(MEMBER_OF))
    if refs.dtype.kind != groups_ids.dtype.kind:
        refs, groups_ids = _as_text(refs), _as_text(groups_ids)
    order = np.argsort(groups_ids, kind="stable")
    sorted_ids = groups_ids[order]
    position = np.minimum(np.searchsorted(sorted_ids, refs), len(sorted_ids) - 1)
    unknown = sorted_ids[position] != refs
    if unknown.any():
        row = int(np.argmax(unknown))
        raise PopulationError(
            f"{shown}: line {_line_of_row(shown, row)}, column '{MEMBER_OF}': "
            f"{_text(refs[row])!r} is not the {GROUP_ID} of a row of {groups.path}"
        )
    _fill_defaults(rule_set, columns, len(refs), per_member=True)
    try:
        return vectorised.Members.from_owner(columns, order[position], groups.rows)
    except ValueError as error:
        row = int(str(error).split()[1])
        raise PopulationError(
            f"{groups.path}: line {_line_of_row(groups.path, row)}: no member of this row is in "
            f"{shown}"
        ) from None


def read_group_ids(path: str) -> np.ndarray:
    """The ``id`` column of a groups file, checked to be unique."""
    header = _header(path)
    if GROUP_ID not in header:
        raise PopulationError(
            f"{path}: missing column '{GROUP_ID}' (members refer to their group by it)"
        )
    ids = _id_column(path, header.index(GROUP_ID))
    too_long = np.char.str_len(ids) >= _ID_WIDTH
    if too_long.any():
        row = int(np.argmax(too_long))
        raise PopulationError(
            f"{path}: line {_line_of_row(path, row)}, column '{GROUP_ID}': longer than "
            f"{_ID_WIDTH - 1} characters"
        )
    ordered = np.sort(ids)
    repeated = ordered[1:] == ordered[:-1]
    if repeated.any():
        value = ordered[1:][repeated][0]
        first, second = (int(row) for row in np.flatnonzero(ids == value)[:2])
        raise PopulationError(
            f"{path}: line {_line_of_row(path, second)}, column '{GROUP_ID}': {_text(value)!r} is "
            f"already the id of line {_line_of_row(path, first)}"
        )
    return ids


def _id_column(path: str, index: int) -> np.ndarray:
    """Ids as bytes (compact), or as text when a cell has a character Latin-1 lacks."""
    try:
        return _loadtxt(path, index, f"S{_ID_WIDTH}")
    except ValueError:
        return _loadtxt(path, index, f"U{_ID_WIDTH}")


def _as_text(ids: np.ndarray) -> np.ndarray:
    return np.char.decode(ids, "latin-1") if ids.dtype.kind == "S" else ids


def _text(cell: Any) -> str:
    return cell.decode("latin-1") if isinstance(cell, bytes) else str(cell)


def read_grouped_population(
    rule_set: RuleSet, path: str | Path, members_path: str | Path | None
) -> Population:
    """The population for ``rule_set``: with its members when the rules have a group."""
    population = read_population(rule_set, path)
    if rule_set.group is None:
        if members_path is not None:
            raise PopulationError(
                f"{members_path}: {rule_set.name} has no group, so it takes no members file"
            )
        return population
    if members_path is None:
        raise PopulationError(
            f"{rule_set.name} decides for a {rule_set.group.name} of {rule_set.group.member}s: "
            f"give the members file too (--members FILE.csv)"
        )
    ids = read_group_ids(population.path)
    members = read_members(rule_set, members_path, population, ids)
    return Population(population.path, population.rows, population.columns, members)


def _header(shown: str) -> list[str]:
    # utf-8-sig: spreadsheet programs often start a CSV with a byte-order mark.
    try:
        with open(shown, newline="", encoding="utf-8-sig") as handle:
            first = next(csv.reader(handle), None)
    except FileNotFoundError:
        raise PopulationError(f"{shown}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PopulationError(f"{shown}: cannot read the file: {error}") from None
    if not first:
        raise PopulationError(f"{shown}: the file is empty; it needs a header row")
    header = [cell.strip() for cell in first]
    for index, name in enumerate(header):
        if name in header[:index]:
            raise PopulationError(f"{shown}: line 1: column '{name}' appears twice")
    return header


def _check_quoted_rows(shown: str, header: list[str]) -> None:
    """Every row has as many values as the header (the exact, slower check for files with
    quoted cells, where a comma may be part of a value)."""
    with open(shown, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            if row and len(row) != len(header):
                raise PopulationError(
                    f"{shown}: line {reader.line_num}: {len(row)} values, but the header has "
                    f"{len(header)} columns"
                )


def _loadtxt(shown: str, column: int, dtype: Any) -> np.ndarray:
    return np.loadtxt(
        shown,
        dtype=dtype,
        delimiter=",",
        skiprows=1,
        usecols=column,
        comments=None,
        quotechar='"',
        ndmin=1,
        encoding="utf-8",
    )


def _load_columns(
    shown: str, header: list[str], dtypes: Mapping[str, Any]
) -> dict[str, np.ndarray] | None:
    """Several columns in one pass over the file (a members file is hundreds of MB: one
    pass per column would read it a dozen times). None if any cell does not parse as its
    column's type, for the per-column reading to find and name."""
    if not dtypes:
        return {}
    names = list(dtypes)
    try:
        table = np.loadtxt(
            shown,
            dtype=[(f"c{i}", dtypes[name]) for i, name in enumerate(names)],
            delimiter=",",
            skiprows=1,
            usecols=[header.index(name) for name in names],
            comments=None,
            quotechar='"',
            ndmin=1,
            encoding="utf-8",
        )
    except ValueError:
        return None
    return {name: np.ascontiguousarray(table[f"c{i}"]) for i, name in enumerate(names)}


def _cells(values: Sequence[str], like: np.ndarray) -> Any:
    """``values`` in the representation of the text column ``like`` (bytes or text).

    NumPy stores a cell read as bytes in Latin-1; a cell it cannot store so fails the
    one-pass read, and the column is read as text instead."""
    if like.dtype.kind != "S":
        return list(values)
    return [value.encode("latin-1", "replace") for value in values]


def _column_dtype(spec: InputSpec, text: str = "U") -> Any:
    """How a column is first read: whole numbers as int64, anything else as text one
    character wider than any valid cell, so a longer cell cannot be truncated into a
    valid one. ``text`` "S" reads text as bytes: a quarter of the memory of "U", which
    matters in a one-pass table of millions of rows."""
    kind = spec.vtype.kind
    if kind in (dt.INTEGER, dt.MONEY):
        return np.int64
    width = max(
        [len(str(v).encode()) for v in (*_TRUE_CELLS, *_FALSE_CELLS)]
        if kind == dt.BOOLEAN
        else [len(str(v).encode()) for v in spec.allowed or ()] or [10]
    )
    return f"{text}{width + 1}"


def _read_column(
    rule_set: RuleSet,
    shown: str,
    header: list[str],
    spec: InputSpec,
    raw: np.ndarray | None = None,
) -> np.ndarray:
    """One input column, fast path with NumPy; any doubt goes to the exact slow scan.

    ``raw`` is the column as ``_load_columns`` read it, when it did."""
    index = header.index(spec.name)
    kind = spec.vtype.kind
    cell_problem = _cell_checker(spec)
    try:
        if kind in (dt.INTEGER, dt.MONEY):
            values = raw if raw is not None else _loadtxt(shown, index, np.int64)
            if len(values) and (values.min() < -WHOLE_LIMIT or values.max() > WHOLE_LIMIT):
                raise ValueError("beyond the whole numbers the rules hold")
            bad = np.zeros(len(values), dtype=np.bool_)
            if spec.minimum is not None:
                bad |= values < spec.minimum
            if spec.maximum is not None:
                bad |= values > spec.maximum
            if spec.allowed is not None:
                bad |= ~np.isin(values, np.array(spec.allowed, dtype=np.int64))
            if bad.any():
                raise ValueError("out of range")
            return values
        text = raw if raw is not None else _loadtxt(shown, index, _column_dtype(spec))
        if kind == dt.BOOLEAN:
            truth = np.isin(text, _cells(_TRUE_CELLS, text))
            if not (truth | np.isin(text, _cells(_FALSE_CELLS, text))).all():
                raise ValueError("not a boolean")
            return truth
        if kind == dt.ENUMERATION:
            codes = np.full(len(text), -1, dtype=np.int32)
            for value in spec.allowed or ():
                (cell,) = _cells([str(value)], text)
                codes[text == cell] = rule_set.programs["codes"][value]
            if (codes < 0).any():
                raise ValueError("not an allowed value")
            return codes
        if (np.char.str_len(text) != 10).any():
            raise ValueError("not a date")  # YYYY-MM-DD only; NumPy would accept "2026"
        return text.astype("datetime64[D]").astype(np.int64)
    except ValueError:
        raise _locate(shown, header, spec.name, cell_problem) from None


def _cell_checker(spec: InputSpec) -> Callable[[str], str | None]:
    """What is wrong with one cell of ``spec``'s column, as the fast path judges it."""

    def problem(text: str) -> str | None:
        kind = spec.vtype.kind
        if kind == dt.BOOLEAN:
            if text in _TRUE_CELLS or text in _FALSE_CELLS:
                return None
            return f"{text!r} is not true or false"
        try:
            if kind in (dt.INTEGER, dt.MONEY):
                try:
                    value: Any = int(text)
                except ValueError:
                    what = "a whole number of pence" if kind == dt.MONEY else "a whole number"
                    return f"{text!r} is not {what}"
            elif kind == dt.DATE:
                value = check(kind, text)
            else:
                value = text
            spec.check(value)
        except ValueError as error:
            return f"{text!r}: {spec.name} {error}"
        return None

    return problem


def _locate(
    shown: str, header: list[str], name: str, problem: Callable[[str], str | None]
) -> PopulationError:
    """The first bad line of column ``name`` (1-based, counting the header as line 1)."""
    index = header.index(name)
    with open(shown, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                return PopulationError(
                    f"{shown}: line {reader.line_num}: {len(row)} values, but the header has "
                    f"{len(header)} columns"
                )
            found = problem(row[index])
            if found is not None:
                return PopulationError(f"{shown}: line {reader.line_num}, column '{name}': {found}")
    return PopulationError(f"{shown}: column '{name}' could not be read")


def _line_of_row(shown: str, row: int) -> int:
    with open(shown, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        seen = -1
        for record in reader:
            if record:
                seen += 1
                if seen == row:
                    return reader.line_num
    return row + 2


# --- overrides ---------------------------------------------------------------------------

_OVERRIDE_KEY = re.compile(r"^([a-z][a-z0-9_]*)(?:\[\s*[\"']?([^\"'\]]+?)[\"']?\s*\])?$")


def parse_override(text: str) -> tuple[str, str]:
    """``"PARAMETER=VALUE"`` → ``("PARAMETER", "VALUE")``; ``PARAMETER`` may be ``table[key]``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise OverrideError(f"{text!r}: expected PARAMETER=VALUE, like taper_rate=0.65")
    return name.strip(), value.strip()


def parameter_values(rule_set: RuleSet, on: datetime.date) -> dict[str, Any]:
    """Every parameter's value in force on ``on``; raises ``DateNotCovered``."""
    values: dict[str, Any] = {}
    for name, spec in rule_set.parameters.items():
        period = spec.period_on(on)
        if period is None:
            raise DateNotCovered(f"is {format_date(on)}, when {name} has no value")
        values[name] = period.value
    return values


def apply_overrides(
    rule_set: RuleSet, values: Mapping[str, Any], overrides: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Parameter values with ``overrides`` applied, and a description of each change.

    Keys are parameter names or ``table[key]``; values are Python values of the parameter's
    type or text (as given on the command line), checked against the type. Raises
    ``OverrideError`` naming the parameter.
    """
    changed = dict(values)
    described: list[str] = []
    for target, raw in overrides.items():
        match = _OVERRIDE_KEY.match(target.strip())
        if not match:
            raise OverrideError(f"{target!r} is not a parameter name or name[key]")
        name, key = match.groups()
        spec = rule_set.parameters.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, list(rule_set.parameters), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise OverrideError(f"'{name}' is not a parameter of {rule_set.name}{hint}")
        if spec.vtype.kind == dt.SCALE:
            if key is not None:
                raise OverrideError(
                    f"{name} is a scale; set all its brackets with {name}=FROM:RATE,FROM:RATE "
                    "(like 0:20%,£37700:40%)"
                )
            scale = _override_scale(name, spec, raw)
            described.append(f"{name} = {scale.describe()} (was {changed[name].describe()})")
            changed[name] = scale
            continue
        kind = spec.value_kind
        is_table = spec.vtype.kind == dt.TABLE
        keys = sorted(spec.vtype.values or ())
        if is_table and key is None and not isinstance(raw, Mapping):
            raise OverrideError(
                f"{name} is a table keyed by {spec.keyed_by}; set one entry "
                f"with {name}[KEY]=VALUE (keys: {', '.join(keys)})"
            )
        if not is_table and key is not None:
            raise OverrideError(f"{name} is a single value, not a table; use {name}=VALUE")
        entries = dict(raw) if is_table and key is None else {key: raw}
        table = dict(changed[name]) if is_table else None
        for entry_key, entry_raw in entries.items():
            if is_table and entry_key not in keys:
                raise OverrideError(f"{name} has no entry '{entry_key}' (keys: {', '.join(keys)})")
            try:
                value = (
                    parse_text(kind, entry_raw)
                    if isinstance(entry_raw, str)
                    else check(kind, entry_raw)
                )
            except ValueError as error:
                label = f"{name}[{entry_key}]" if is_table else name
                raise OverrideError(f"{label} {error}") from None
            outside = spec.range_problem(value)
            if outside is not None:
                label = f"{name}[{entry_key}]" if is_table else name
                raise OverrideError(f"{label} {outside}")
            old = table[entry_key] if table is not None else changed[name]
            if table is not None:
                table[entry_key] = value
                label = f"{name}[{entry_key}]"
            else:
                changed[name] = value
                label = name
            described.append(
                f"{label} = {format_value(kind, value)} (was {format_value(kind, old)})"
            )
        if table is not None:
            changed[name] = table
    return changed, described


def _override_scale(name: str, spec: ParameterSpec, raw: Any) -> Scale:
    """A scale override: text (``0:20%,£37700:40%``) or a list of brackets as in YAML."""
    assert spec.vtype.scale is not None
    amounts = spec.vtype.element is not None and spec.vtype.element.kind == dt.MONEY
    try:
        if isinstance(raw, str):
            return parse_scale(spec.vtype.scale, raw, amounts=amounts)
        scale = make_scale(spec.vtype.scale, raw)
    except ValueError as error:
        raise OverrideError(f"{name} {error}") from None
    if (scale.amounts is not None) != amounts:
        raise OverrideError(f"{name} gives {'amounts' if amounts else 'rates'}; so must its reform")
    return scale


# --- the report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """Rows whose change was at least ``lower`` and below ``upper`` (the last: up to)."""

    lower: float
    upper: float
    count: int


@dataclass(frozen=True)
class OutputChange:
    """How one output variable changes between baseline and reform.

    Booleans fill the ``*_true`` and ``became_*`` counts; amounts and numbers fill the
    totals, counts of increases and decreases, quantiles and histogram of the change among
    rows that changed. ``gainers`` and ``losers`` count citizens better or worse off: for
    an amount that depends on ``gain_when`` (a fee gains when it decreases); for a boolean,
    becoming true is a gain.
    """

    name: str
    label: str
    kind: str
    gain_when: str
    changed: int
    gainers: int
    losers: int
    changed_lines_sample: tuple[int, ...]
    baseline_true: int | None = None
    reform_true: int | None = None
    became_true: int | None = None
    became_false: int | None = None
    baseline_total: float | None = None
    reform_total: float | None = None
    total_change: float | None = None
    increased: int | None = None
    decreased: int | None = None
    quantiles: tuple[tuple[str, float], ...] = ()
    histogram: tuple[Bucket, ...] = ()

    def show(self, value: float) -> str:
        if self.kind == dt.MONEY:
            return format_money(value)
        return format_number(value)

    def show_change(self, value: float) -> str:
        return ("+" if value > 0 else "") + self.show(value)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.kind,
            "gain_when": self.gain_when,
            "changed": self.changed,
            "gainers": self.gainers,
            "losers": self.losers,
            "changed_lines_sample": list(self.changed_lines_sample),
        }
        if self.kind == dt.BOOLEAN:
            data.update(
                baseline_true=self.baseline_true,
                reform_true=self.reform_true,
                became_true=self.became_true,
                became_false=self.became_false,
            )
        elif self.baseline_total is not None:
            data.update(
                baseline_total=self.baseline_total,
                reform_total=self.reform_total,
                total_change=self.total_change,
                increased=self.increased,
                decreased=self.decreased,
                quantiles={label: value for label, value in self.quantiles},
                histogram=[
                    {"from": b.lower, "to": b.upper, "count": b.count} for b in self.histogram
                ],
            )
        return data


@dataclass(frozen=True)
class SimulationReport:
    """Baseline against reform over a population; ``render_text`` and ``to_json`` show it.

    ``baseline`` and ``reform`` hold each output's values per row (array representation),
    for callers that want to look further; they are not part of the JSON.
    """

    rule_set_name: str
    rule_set_title: str
    rule_set_version: str
    rule_set_hash: str
    population: str
    rows: int
    on: datetime.date
    changes: tuple[str, ...]
    outputs: tuple[OutputChange, ...]
    rows_changed: int
    baseline: Mapping[str, np.ndarray] = field(repr=False)
    reform: Mapping[str, np.ndarray] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": {
                "name": self.rule_set_name,
                "title": self.rule_set_title,
                "version": self.rule_set_version,
                "hash": self.rule_set_hash,
            },
            "population": self.population,
            "rows": self.rows,
            "on": self.on.isoformat(),
            "changes": list(self.changes),
            "rows_changed": self.rows_changed,
            "outputs": [output.to_dict() for output in self.outputs],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def render_text(self) -> str:
        lines = [
            f"{self.rule_set_title} ({self.rule_set_name}, version {self.rule_set_version})",
            f"rules sha256 {self.rule_set_hash}",
            f"population {self.population}: {self.rows:,} rows, as on {format_date(self.on)}",
            "reform: " + ("; ".join(self.changes) if self.changes else "none (baseline only)"),
            f"rows with any output changed: {self.rows_changed:,}",
        ]
        for output in self.outputs:
            lines.append("")
            lines.extend(_render_output(output))
        return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def _render_output(output: OutputChange) -> list[str]:
    better = (
        ""
        if output.kind == dt.BOOLEAN
        else (" (lower is better for the citizen)" if output.gain_when == "decreases" else "")
    )
    lines = [f"{output.name}: {output.label}{better}"]
    if output.kind == dt.BOOLEAN:
        lines += _table(
            [
                ("", "rows"),
                ("true in baseline", f"{output.baseline_true:,}"),
                ("true in reform", f"{output.reform_true:,}"),
                ("became true", f"{output.became_true:,}"),
                ("became false", f"{output.became_false:,}"),
            ]
        )
    elif output.baseline_total is not None:
        assert output.reform_total is not None
        assert output.total_change is not None
        lines += _table(
            [
                ("", "baseline", "reform", "change"),
                (
                    "total",
                    output.show(output.baseline_total),
                    output.show(output.reform_total),
                    output.show_change(output.total_change),
                ),
            ]
        )
        lines += _table(
            [
                ("rows", "increased", "decreased", "gainers", "losers"),
                (
                    "",
                    f"{output.increased:,}",
                    f"{output.decreased:,}",
                    f"{output.gainers:,}",
                    f"{output.losers:,}",
                ),
            ]
        )
        if output.quantiles:
            lines.append("  change among rows that changed:")
            lines += _table(
                [
                    tuple(label for label, _ in output.quantiles),
                    tuple(output.show_change(v) for _, v in output.quantiles),
                ]
            )
        if output.histogram:
            lines.append("  distribution of the change:")
            most = max(bucket.count for bucket in output.histogram) or 1
            rows = [
                (
                    f"{output.show_change(b.lower)} to {output.show_change(b.upper)}",
                    f"{b.count:,}",
                    "#" * math.ceil(30 * b.count / most) if b.count else "",
                )
                for b in output.histogram
            ]
            lines += _table(rows)
    else:
        lines.append(f"  rows changed: {output.changed:,}")
    if output.changed_lines_sample:
        lines.append(
            "  first changed lines: " + ", ".join(str(n) for n in output.changed_lines_sample)
        )
    return lines


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k (at least 1) that is at least ``raw``."""
    if raw <= 1:
        return 1.0
    exponent = math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        step = factor * 10.0**exponent
        if step >= raw:
            return step
    return 10.0 ** (exponent + 1)


def _histogram(change: np.ndarray, buckets: int = 10) -> tuple[Bucket, ...]:
    low, high = float(change.min()), float(change.max())
    if low == high:
        return (Bucket(low, high, len(change)),)
    step = _nice_step((high - low) / buckets)
    start = math.floor(low / step) * step
    count = math.floor((high - start) / step) + 1
    edges = start + step * np.arange(count + 1)
    counts, _ = np.histogram(change, bins=edges)
    return tuple(
        Bucket(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(len(counts))
    )


_QUANTILES = (
    ("min", 0),
    ("p10", 10),
    ("p25", 25),
    ("median", 50),
    ("p75", 75),
    ("p90", 90),
    ("max", 100),
)


def _compare(
    rule_set: RuleSet,
    name: str,
    before: np.ndarray,
    after: np.ndarray,
    lines: Callable[[np.ndarray], tuple[int, ...]],
) -> OutputChange:
    spec = rule_set.variables[name]
    kind = spec.vtype.kind
    differs = before != after
    changed = int(differs.sum())
    common: dict[str, Any] = {
        "name": name,
        "label": spec.label,
        "kind": kind,
        "gain_when": spec.gain_when,
        "changed": changed,
        "changed_lines_sample": lines(differs),
    }
    if kind == dt.BOOLEAN:
        became_true = int((after & ~before).sum())
        became_false = int((before & ~after).sum())
        return OutputChange(
            gainers=became_true,
            losers=became_false,
            baseline_true=int(before.sum()),
            reform_true=int(after.sum()),
            became_true=became_true,
            became_false=became_false,
            **common,
        )
    if kind not in dt.NUMERIC_KINDS:
        return OutputChange(gainers=0, losers=0, **common)
    delta = after[differs] - before[differs]
    increased = int((delta > 0).sum())
    decreased = int((delta < 0).sum())
    gainers, losers = (
        (increased, decreased) if spec.gain_when == "increases" else (decreased, increased)
    )
    as_number: Callable[[Any], float] = (lambda v: int(v)) if kind != dt.NUMBER else float
    quantiles: tuple[tuple[str, float], ...] = ()
    histogram: tuple[Bucket, ...] = ()
    if changed:
        points = np.percentile(delta, [q for _, q in _QUANTILES], method="lower")
        quantiles = tuple(
            (label, as_number(v)) for (label, _), v in zip(_QUANTILES, points, strict=True)
        )
        histogram = _histogram(delta)
    baseline_total = as_number(before.sum())
    reform_total = as_number(after.sum())
    return OutputChange(
        gainers=gainers,
        losers=losers,
        baseline_total=baseline_total,
        reform_total=reform_total,
        total_change=reform_total - baseline_total,
        increased=increased,
        decreased=decreased,
        quantiles=quantiles,
        histogram=histogram,
        **common,
    )


def simulate(
    rule_set: RuleSet,
    population_csv_path: str | Path,
    on: datetime.date,
    overrides: Mapping[str, Any] | None = None,
    members_csv_path: str | Path | None = None,
) -> SimulationReport:
    """Evaluate ``rule_set``'s outputs for every row of the population, vectorised, under
    the parameters in force on ``on`` and again with ``overrides``; report the differences.

    Raises ``PopulationError`` for a bad file, ``OverrideError`` for a bad override,
    ``DateNotCovered`` for a date outside the rules, ``SimulationError`` if a rule divides
    by zero for some row.
    """
    if not isinstance(on, datetime.date) or isinstance(on, datetime.datetime):
        raise InputError("on", f"must be a date, not {on!r}")
    baseline_values = parameter_values(rule_set, on)
    reform_values, changes = apply_overrides(rule_set, baseline_values, overrides or {})
    population = read_grouped_population(rule_set, population_csv_path, members_csv_path)
    outputs = list(rule_set.outputs)

    def run(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
        vector_run = vectorised.VectorRun(
            population.columns,
            population.rows,
            vectorised.vector_parameters(rule_set, values),
            on,
            population.members,
        )
        try:
            return vectorised.evaluate(rule_set, vector_run, outputs)
        except vectorised.VectorEvaluationError as error:
            line = _line_of_row(population.path, error.row)
            raise SimulationError(
                f"{population.path}: line {line}: variable '{error.variable}': {error.message}"
            ) from None

    baseline = run(baseline_values)
    reform = run(reform_values) if changes else baseline

    def sample_lines(differs: np.ndarray) -> tuple[int, ...]:
        rows = np.flatnonzero(differs)[:10]
        # Line numbers assume one row per line after the header (no blank lines).
        return tuple(int(r) + 2 for r in rows)

    compared = tuple(
        _compare(rule_set, name, baseline[name], reform[name], sample_lines) for name in outputs
    )
    any_change = np.zeros(population.rows, dtype=np.bool_)
    for name in outputs:
        any_change |= baseline[name] != reform[name]
    return SimulationReport(
        rule_set_name=rule_set.name,
        rule_set_title=rule_set.title,
        rule_set_version=rule_set.version,
        rule_set_hash=rule_set.content_hash,
        population=population.path,
        rows=population.rows,
        on=on,
        changes=tuple(changes),
        outputs=compared,
        rows_changed=int(any_change.sum()),
        baseline=baseline,
        reform=reform,
    )
