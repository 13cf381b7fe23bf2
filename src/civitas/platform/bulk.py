"""Many rows written in as few statements as the database allows.

On PostgreSQL by COPY, which the driver formats in C. A multi-row VALUES with a
placeholder per value had the driver parse a statement of thousands of placeholders in
Python on every call: most of the time a batch took, and its most variable part. SQLite
takes multi-row VALUES, in chunks within its limit on placeholders (32,766).
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection

ROWS_PER_INSERT = 500
"""Rows per multi-row INSERT on SQLite: many times faster than one at a time, within its
limit on placeholders for rows of up to 65 columns."""


def insert_rows(table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
    """Inserts `rows` into `table` (`columns`: names as SQL, in the rows' order), in the
    caller's transaction. `table` and `columns` are names of ours, never input."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's own cursor, so its errors are turned into Django's here.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - names of ours
                + ",".join([marks] * len(chunk)),
                [value for row in chunk for value in row],
            )
