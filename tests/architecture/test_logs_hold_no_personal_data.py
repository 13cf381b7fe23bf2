"""The scan that fails a test run whose logs hold a test applicant's personal data
(tests/log_scan.py, run by conftest.py when the run ends) catches what it should.

The scan itself runs once, over the whole run's records, after the last test: these
tests show that it finds data planted in a record file, in any form and at any level,
and that this run's records really are being written for it to read.
"""

import logging
import os
import uuid
from pathlib import Path

import pytest

from conftest import TEST_LOG_FOLDER_VARIABLE
from tests.log_scan import RecordFile, find_personal_data, keep_recording


@pytest.fixture
def planted(tmp_path):
    """A logger whose records go to a record file of its own, not to this run's."""
    path = tmp_path / "planted.jsonl"
    handler = RecordFile(path)
    logger = logging.getLogger(f"civitas.planted.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, path
    logger.removeHandler(handler)
    handler.close()


def _found(path: Path) -> list[str]:
    return [finding.value for finding in find_personal_data([path])]


def test_an_email_address_logged_at_debug_is_caught(planted):
    logger, path = planted
    logger.debug("sending the confirmation to %s", "resident@example.com")
    assert _found(path) == ["resident@example.com"]


def test_a_postcode_is_caught_however_it_is_written(planted):
    logger, path = planted
    logger.info("address looked up: eb11aa")
    logger.warning("address looked up: Eb1  1aa")
    assert _found(path) == ["EB1 1AA", "EB1 1AA"]


def test_a_name_in_an_exceptions_message_is_caught(planted):
    logger, path = planted
    try:
        raise ValueError("no permit for Ada Lovelace")
    except ValueError:
        logger.exception("submission failed")
    assert "Ada Lovelace" in _found(path)


def test_records_without_personal_data_pass(planted):
    logger, path = planted
    logger.info("case %s submitted for %s", "EB-2026-ABCD", "example-borough")
    logger.info("postcode district EB1, domain example.com")
    assert _found(path) == []


def test_the_test_mailboxs_own_log_is_not_the_platforms(tmp_path):
    path = tmp_path / "harness.jsonl"
    handler = RecordFile(path)
    mailbox = logging.getLogger("mail.log")
    mailbox.addHandler(handler)
    try:
        mailbox.warning("recip: resident@example.com")
    finally:
        mailbox.removeHandler(handler)
        handler.close()
    assert _found(path) == []


def test_this_run_records_every_level_of_every_logger_to_its_own_file():
    marker = uuid.uuid4().hex
    logging.getLogger(f"civitas.anything.{marker}").debug("marker %s", marker)
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, RecordFile)]
    handler.flush()
    folder = Path(os.environ[TEST_LOG_FOLDER_VARIABLE])
    own_file = folder / f"{os.environ.get('PYTEST_XDIST_WORKER', 'controller')}.jsonl"
    assert Path(handler.baseFilename) == own_file
    assert marker in own_file.read_text(encoding="utf-8")


def test_recording_goes_on_after_django_sets_its_logging_up_again(request):
    from django.conf import settings
    from django.utils.log import configure_logging

    handler = request.config.civitas_record_file
    # What a test that runs a `civitas` command in-process does to the root's handlers:
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    assert handler not in logging.getLogger().handlers
    keep_recording(handler)  # what conftest does before every test
    marker = uuid.uuid4().hex
    logging.getLogger("civitas.anything").debug("marker %s", marker)
    handler.flush()
    assert marker in Path(handler.baseFilename).read_text(encoding="utf-8")
