"""Personal data never goes into logs: the test run's logs are kept and searched for it.

Every process of a test run (each xdist worker, and the controller) writes every log
record, at every level, to a file of its own in one folder per run, as one JSON object a
line (`RecordFile`). When the run ends, the controlling process reads all of them and
fails the run if a record holds any of the personal data the tests give applicants
(`TEST_APPLICANTS_DATA`): a leak anywhere in the run, from any test, at any level, is
caught, not only in the tests that look for one (conftest.py: pytest_sessionfinish).
"""

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# The names, email addresses and postcodes the tests' applicants give (conftest.py, the
# factories, the services' example answers). Matched without regard to case, and
# postcodes with or without their space.
TEST_APPLICANTS_DATA = (
    # names
    "Ada Lovelace",
    "Lovelace",
    "Sam Jones",
    # email addresses
    "resident@example.com",
    "someone@example.com",
    "someone.else@example.com",
    "sam@example.com",
    "alice@example.org",
    "jane@example.com",
    "alun@example.com",
    "sian@example.com",
    "pat@example.com",
    "preswylydd@example.com",
    "secret.person@example.com",
    "private.person@example.com",
    "victim@example.com",
    # postcodes
    "EB1 1AA",
    "EB1 1BD",
    "EB1 1DJ",
    "EB1 1ZZ",
    "EB2 2BB",
    "EB9 9ZZ",
    "SD2 4FG",
)

# The test SMTP server (aiosmtpd) logs each address it is sent mail for: that is the
# test's own mailbox talking, not the platform writing a log.
TEST_HARNESS_LOGGERS = frozenset({"mail.log"})

_POSTCODE = re.compile(r"^([A-Z]{1,2}\d{1,2}[A-Z]?) (\d[A-Z]{2})$")


def _pattern(value: str) -> re.Pattern[str]:
    postcode = _POSTCODE.match(value)
    if postcode:
        return re.compile(rf"{postcode[1]}\s*{postcode[2]}", re.IGNORECASE)
    return re.compile(re.escape(value), re.IGNORECASE)


_PATTERNS = tuple((value, _pattern(value)) for value in TEST_APPLICANTS_DATA)


class RecordFile(logging.FileHandler):
    """Writes every record it is given as one JSON line: logger, level, message, and the
    exception with its traceback, as any handler of ours would show them."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, mode="a", encoding="utf-8")
        self.setLevel(logging.DEBUG)

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception as error:  # a record whose arguments do not fit its format
            message = f"{record.msg!r} {record.args!r} ({type(error).__name__})"
        exception = ""
        if record.exc_info:
            exception = logging.Formatter().formatException(record.exc_info)
        return json.dumps(
            {
                "logger": record.name,
                "level": record.levelname,
                "message": message,
                "exception": exception,
            }
        )


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    logger: str
    value: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.logger} logged {self.value!r}"


def find_personal_data(paths: Iterable[Path]) -> Iterator[Finding]:
    """Each record, in these record files, that holds a test applicant's data."""
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    record = json.loads(line)
                except ValueError:
                    record = {"logger": "?", "message": line, "exception": ""}
                if record["logger"] in TEST_HARNESS_LOGGERS:
                    continue
                text = f"{record['message']}\n{record['exception']}"
                for value, pattern in _PATTERNS:
                    if pattern.search(text):
                        yield Finding(path, number, record["logger"], value)


def start_recording(folder: Path, process_name: str) -> RecordFile:
    """Sends every record of this process, at every level, to `folder/process_name.jsonl`,
    leaving what the other handlers show as it was."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = RecordFile(folder / f"{process_name}.jsonl")
    keep_recording(handler)
    return handler


def keep_recording(handler: RecordFile) -> None:
    """Puts the handler back on the root logger if something took it off: a test that
    runs a `civitas` command in-process sets Django up again, and Django's logging
    configuration replaces the root's handlers."""
    root = logging.getLogger()
    if handler in root.handlers and root.level == logging.DEBUG:
        return
    for existing in root.handlers:
        # The console keeps the level it had; only the record file sees everything.
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level)
    root.setLevel(logging.DEBUG)
    if handler not in root.handlers:
        root.addHandler(handler)
