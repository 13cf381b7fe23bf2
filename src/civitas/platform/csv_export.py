"""CSV downloads written as they are read: never the whole list in memory, and never a
cell a spreadsheet would run as a formula.

A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before looking) is a formula to Excel, LibreOffice and Google Sheets:
"CSV injection" (OWASP). Such a cell is written with a `'` in front, which spreadsheets
show as text; the value is otherwise unchanged.
"""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """A file-like object whose `write` hands back what it was given: csv.writer then makes
    one line at a time, which the response streams."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The header, then each row, as CSV lines, every cell guarded (safe_cell)."""
    writer = csv.writer(_Line())
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
