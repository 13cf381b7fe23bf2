"""`civitas insights import-history FILE.csv [--dry-run] [--as NAME]`: a service's daily
counts from the system it moved off (insights/history.py, docs/insights.md).

`civitas insights recount-cases --from YYYY-MM-DD`: the cases' counts made again from the
month of that day on, at the rollup's next run (after cases were imported with earlier
dates, or a decision in an earlier month was undone)."""

import datetime
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from civitas.insights.case_rollup import recount_cases_from
from civitas.insights.history import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    HistoryInvalid,
    import_history,
    read_history_csv,
)

PROBLEMS_SHOWN = 200


class Command(BaseCommand):
    help = "Import performance history from before Civitas."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        history = sub.add_parser(
            "import-history",
            help="import daily counts (organisation,service,date,channel,measure,key,count)",
        )
        history.add_argument("file", help="a UTF-8 CSV file")
        history.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and say what it holds; write nothing",
        )
        history.add_argument("--as", dest="actor", default="cli", help="who is importing")
        recount = sub.add_parser(
            "recount-cases",
            help="count the cases again from the month of a day on, at the rollup's next run",
        )
        recount.add_argument("--from", dest="day", required=True, help="a date, YYYY-MM-DD")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "recount-cases":
            self._recount_cases(options["day"])
            return
        name = options["file"]
        try:
            if os.path.getsize(name) > MAX_FILE_BYTES:
                raise CommandError(
                    f"{name}: larger than {MAX_FILE_BYTES // 2**20} MiB: split the file"
                )
            with open(name, "rb") as stream:
                rows = read_history_csv(stream, max_rows=MAX_ROWS)
            summary = import_history(rows, by=options["actor"], dry_run=options["dry_run"])
        except OSError as error:
            raise CommandError(f"{name}: cannot read: {error.strerror}") from None
        except HistoryInvalid as invalid:
            for problem in invalid.problems[:PROBLEMS_SHOWN]:
                self.stderr.write(f"{name}:{problem.line}: {problem.message}")
            more = len(invalid.problems) - PROBLEMS_SHOWN
            if more > 0:
                self.stderr.write(f"{name}: and {more} more problem(s)")
            raise CommandError(f"{name}: nothing imported") from None
        verb = "would set" if summary.dry_run else "set"
        span = f" from {summary.first_day} to {summary.last_day}" if summary.first_day else ""
        self.stdout.write(
            f"{name}: {summary.rows} rows, {verb} {summary.counts_written} daily counts{span}"
        )
        for service, counts in sorted(summary.by_service.items()):
            self.stdout.write(f"  {service}: {counts}")

    def _recount_cases(self, text: str) -> None:
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--from {text[:40]!r} is not a date (YYYY-MM-DD)") from None
        if day > timezone.localdate():
            raise CommandError(f"--from {day} is in the future: there is nothing to count")
        recount_cases_from(day)
        self.stdout.write(
            f"the cases will be counted again from {day.replace(day=1)} at the rollup's next run"
        )
