"""`verify` reads the log's own status, checks a small log entry by entry, and says what
it sampled: two swapped entries no longer pass as OK."""

import pytest

from civitas.ledger.client import VerificationError, verify_log
from civitas.ledger.tests.logserver import FakeLog


@pytest.fixture
def log(log_key) -> FakeLog:
    log = FakeLog([log_key])
    log.append(40)
    return log


def swap_entries_2_and_5(page: dict) -> None:
    entries = {entry["index"]: entry for entry in page["entries"]}
    two, five = dict(entries[2]), dict(entries[5])
    for entry, other in ((entries[2], five), (entries[5], two)):
        entry.update(leaf_data=other["leaf_data"], leaf_hash=other["leaf_hash"])


def test_a_log_that_says_it_is_broken_fails_verification_with_its_reason(server, log):
    log.broken_reason = "entry 2 holds the data of another position (rows were reordered)"
    with pytest.raises(VerificationError) as error:
        verify_log(server.url, sample=0, full_up_to=0)
    assert str(error.value) == (
        "the log reports that it is broken: entry 2 holds the data of another position "
        "(rows were reordered)"
    )


def test_a_whole_log_reports_its_status_as_checked(server):
    report = verify_log(server.url, sample=2)
    assert "the log's own status: ok (its audits found nothing wrong)" in report.summary()


def test_a_small_log_is_checked_entry_by_entry_by_default(server):
    server.patch_json("/entries", swap_entries_2_and_5)
    with pytest.raises(VerificationError, match="root recomputed from all 40 entries"):
        verify_log(server.url, sample=0)


def test_a_full_check_pages_through_the_checkpoint_it_verifies(server, log):
    log.append(2100)
    report = verify_log(server.url, sample=0, full=True)
    pages = [request for request in server.requests if request.startswith("/ledger/entries?")]
    assert len(pages) == 3
    assert all("tree_size=2140" in request for request in pages)
    assert report.full_check


def test_a_large_log_is_sampled_and_says_so(server, log):
    report = verify_log(server.url, sample=16, full_up_to=39)
    assert not report.full_check
    assert len(report.entries_checked) == 16
    assert "inclusion proofs verified for 16 entries (the newest, others chosen at random" in (
        report.summary()
    )
    assert "not every entry was read: --full recomputes the root from all 40" in report.summary()


def test_a_status_that_is_not_json_is_a_clear_error(server):
    server.patches["/status"] = lambda response: (200, "text/plain", b"fine, thanks")
    with pytest.raises(VerificationError, match="did not return the log's status as JSON"):
        verify_log(server.url, sample=0)


def test_a_state_directory_keeps_one_file_per_log(server, tmp_path):
    verify_log(server.url, state_path=tmp_path, sample=0)
    (saved,) = tmp_path.iterdir()
    assert saved.name.startswith("civitas.example-ledger.")
    assert saved.name.endswith(".json")
