"""A whole log rolled back, or forked, behind the platform's back, then the platform
restarted: the largest checkpoint kept outside the database catches both.

The drill copies every ledger row at one size, lets the log grow, puts the copy back
(every table, consistently: an old backup restored) and starts afresh as a new process
would. Runs on SQLite and PostgreSQL alike.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from civitas.ledger.client import VerificationError, verify_log
from civitas.ledger.floor import forget_cached_floor, largest_trusted_checkpoint, state_file
from civitas.ledger.guard import guard
from civitas.ledger.keys import log_keys
from civitas.ledger.services import (
    LedgerUnavailable,
    find_broken_reason,
    integrate_pending,
    record_entry,
)
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TABLES = (
    "ledger_entry",
    "ledger_node",
    "ledger_checkpoint",
    "ledger_entrylookup",
    "ledger_sequencer",
    "ledger_treestate",
)
ROLLED_BACK = (
    "the log was rolled back: it holds 5 entries, but a checkpoint of 9 entries was signed "
    "before (kept in LEDGER_STATE_DIR); entry numbers already given out would be reused"
)

Copy = dict[str, tuple[list[str], list[tuple]]]


def copy_of_the_log() -> Copy:
    copy = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            columns = [column[0] for column in cursor.description]
            copy[table] = (columns, [tuple(row) for row in cursor.fetchall()])
    return copy


def restore(copy: Copy) -> None:
    """Every ledger table put back exactly as copied, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in copy.items():
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            names = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join(["%s"] * len(columns))
            for row in rows:
                cursor.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", row)  # noqa: S608


def restart() -> None:
    """What a new web or worker process knows: only the database and the state directory."""
    guard.reset()
    forget_cached_floor()


def append() -> None:
    with transaction.atomic():
        record_entry(kind="test.recorded", organisation="Org", role="r", payload={})


@pytest.fixture
def copy_at_5_grown_to_9() -> Copy:
    LedgerEntryFactory.create_batch(5)
    integrate_pending()
    copy = copy_of_the_log()
    LedgerEntryFactory.create_batch(4)
    integrate_pending()
    assert largest_trusted_checkpoint().size == 9
    return copy


def grow_another_history(settings, tmp_path, count: int) -> None:
    """Appends and signs ``count`` different entries where the saved checkpoint is not
    seen, as someone holding the database and the signing key could."""
    real = settings.LEDGER_STATE_DIR
    settings.LEDGER_STATE_DIR = str(tmp_path / "elsewhere")
    restart()
    LedgerEntryFactory.create_batch(count, payload={"other": "history"})
    integrate_pending()
    settings.LEDGER_STATE_DIR = real
    restart()


def test_a_rolled_back_log_is_refused_after_a_restart(copy_at_5_grown_to_9, client):
    restore(copy_at_5_grown_to_9)
    restart()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["ledger"] == {"status": "broken", "reason": ROLLED_BACK}
    with pytest.raises(LedgerUnavailable, match="the log was rolled back"):
        append()
    assert integrate_pending() == 0
    assert find_broken_reason() == ROLLED_BACK
    status = client.get("/api/v1/ledger/status")
    assert (status.status_code, status.json()["reason"]) == (503, ROLLED_BACK)


def test_a_rolled_back_log_still_answers_every_reader_without_an_error(
    copy_at_5_grown_to_9, client
):
    restore(copy_at_5_grown_to_9)
    restart()
    integrate_pending()
    answers = {
        path: client.get(path).status_code
        for path in [
            "/api/v1/ledger/checkpoint",
            "/api/v1/ledger/entries?start=0&end=1000",
            "/api/v1/ledger/entries/4",
            "/api/v1/ledger/entries/7",  # given out before the rollback
            "/api/v1/ledger/proofs/consistency?first=2&second=5",
            "/ledger/entries/4/",
            "/ledger/entries/7/",
        ]
    }
    assert answers == {
        "/api/v1/ledger/checkpoint": 200,
        "/api/v1/ledger/entries?start=0&end=1000": 200,
        "/api/v1/ledger/entries/4": 200,
        "/api/v1/ledger/entries/7": 400,
        "/api/v1/ledger/proofs/consistency?first=2&second=5": 200,
        "/ledger/entries/4/": 200,
        "/ledger/entries/7/": 404,
    }


def test_a_running_process_refuses_the_first_append_after_a_rollback(copy_at_5_grown_to_9):
    restore(copy_at_5_grown_to_9)  # no restart: this process checked the log long ago
    with pytest.raises(LedgerUnavailable, match="the sequence handed out entry 5"):
        append()
    assert integrate_pending() == 0
    # This process saw the tree of 9 itself, which it says first.
    assert find_broken_reason() == (
        "the log shrank from 9 to 5 entries (the database was rolled back)"
    )


def test_a_running_process_reports_a_rollback_on_its_next_health_check(
    copy_at_5_grown_to_9, client
):
    restore(copy_at_5_grown_to_9)  # no restart, and no worker has run since
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ledger"] == {"status": "broken", "reason": ROLLED_BACK}
    assert find_broken_reason() == ROLLED_BACK


def test_a_log_forked_at_the_same_size_is_refused(copy_at_5_grown_to_9, settings, tmp_path):
    restore(copy_at_5_grown_to_9)
    grow_another_history(settings, tmp_path, 4)  # 9 entries again, 4 of them different
    with pytest.raises(LedgerUnavailable, match="the log forked"):
        append()
    integrate_pending()
    assert find_broken_reason() == (
        "the log forked: its tree of 9 entries differs from the one signed before "
        "(kept in LEDGER_STATE_DIR)"
    )


def test_a_forked_log_that_grew_past_the_saved_checkpoint_is_refused(
    copy_at_5_grown_to_9, settings, tmp_path, client
):
    restore(copy_at_5_grown_to_9)
    grow_another_history(settings, tmp_path, 7)  # 12 entries, which do not extend the 9
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ledger"]["reason"] == (
        "the log forked: its tree of 12 entries does not extend the checkpoint of 9 entries "
        "signed before (kept in LEDGER_STATE_DIR)"
    )


def test_a_log_that_grew_on_from_the_saved_checkpoint_is_healthy(copy_at_5_grown_to_9, client):
    LedgerEntryFactory.create_batch(3)
    integrate_pending()
    restart()
    assert client.get("/healthz").json()["ledger"] == {"status": "ok"}
    assert largest_trusted_checkpoint().size == 12
    append()


def test_verify_with_state_catches_the_rollback_and_the_fork(
    copy_at_5_grown_to_9, live_server, tmp_path, settings
):
    api = f"{live_server.url}/api/v1/ledger"
    keys = [verifier.key_string() for verifier in log_keys().verifiers]
    state = tmp_path / "verifier"
    state.mkdir()  # a directory: one file per log in it
    verify_log(api, state_path=state, trusted_keys=keys)
    restore(copy_at_5_grown_to_9)
    restart()
    # Without the log's own status, which would say it at once: the state file alone.
    with pytest.raises(VerificationError, match="the log shrank from 9 to 5 entries"):
        verify_log(api, state_path=state, trusted_keys=keys, check_status=False)
    grow_another_history(settings, tmp_path, 4)
    with pytest.raises(VerificationError, match="root at size 9 is not the one seen"):
        verify_log(api, state_path=state, trusted_keys=keys, check_status=False)
    # Without a state file, the log's own status says it: it keeps one too.
    with pytest.raises(
        VerificationError, match="the log reports that it is broken: the log forked"
    ):
        verify_log(api, trusted_keys=keys)


def test_the_saved_checkpoint_is_reset_only_on_confirmation(copy_at_5_grown_to_9):
    restore(copy_at_5_grown_to_9)
    restart()
    integrate_pending()
    with pytest.raises(CommandError, match="confirm with --database-was-recreated"):
        call_command("ledger", "reset-state")
    assert largest_trusted_checkpoint().size == 9
    out = StringIO()
    call_command("ledger", "reset-state", "--database-was-recreated", stdout=out)
    assert "forgot the saved checkpoint of 9 entries of log civitas.example/ledger" in (
        out.getvalue()
    )
    assert "run `civitas ledger check --full --clear-broken`" in out.getvalue()
    assert not state_file().exists()
    call_command("ledger", "check", "--full", "--clear-broken", stdout=StringIO())
    append()
    integrate_pending()
    assert largest_trusted_checkpoint().size == 6


def test_a_recreated_empty_database_works_after_a_reset(copy_at_5_grown_to_9, client):
    restore({table: (["id"], []) for table in TABLES})  # every ledger row gone
    restart()
    assert (
        client.get("/healthz")
        .json()["ledger"]["reason"]
        .startswith("the log was rolled back: it holds 0 entries, but a checkpoint of 9 entries")
    )
    call_command("ledger", "reset-state", "--database-was-recreated", stdout=StringIO())
    call_command("ledger", "check", "--full", "--clear-broken", stdout=StringIO())
    restart()
    append()
    integrate_pending()
    assert client.get("/healthz").json()["ledger"] == {"status": "ok"}


def test_a_saved_checkpoint_that_does_not_verify_stops_the_log(copy_at_5_grown_to_9, client):
    path = state_file()
    path.write_text(
        path.read_text().replace("civitas.example/ledger\\n9", "civitas.example/ledger\\n99")
    )
    restart()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ledger"]["reason"] == (
        "the saved checkpoint is not trustworthy (its signature does not verify); if the "
        "database was deliberately recreated, run `civitas ledger reset-state` "
        "(LEDGER_STATE_DIR)"
    )


def test_the_saved_checkpoint_only_ever_grows(copy_at_5_grown_to_9):
    from civitas.ledger.floor import save_checkpoint
    from civitas.ledger.models import Checkpoint

    earlier = Checkpoint.objects.get(size=5)
    save_checkpoint(earlier.note)
    restart()
    assert largest_trusted_checkpoint().size == 9


def test_verify_reports_two_swapped_entries_that_the_log_found_itself(live_server):
    LedgerEntryFactory.create_batch(40)
    integrate_pending()
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "index", leaf_data, leaf_hash FROM ledger_entry WHERE "index" IN (2, 5)'
        )
        rows = {index: (data, digest) for index, data, digest in cursor.fetchall()}
        for index, other in ((2, 5), (5, 2)):
            cursor.execute(
                'UPDATE ledger_entry SET leaf_data = %s, leaf_hash = %s WHERE "index" = %s',
                [*rows[other], index],
            )
    integrate_pending()  # the rolling audit reads every entry once per pass
    # However few entries it samples itself, verify reads what the log's audit found
    # (which of the two it names first depends on the log's own random sample).
    found = r"the log reports that it is broken: entry [25] holds the data of another position"
    with pytest.raises(VerificationError, match=found):
        verify_log(f"{live_server.url}/api/v1/ledger", sample=0, full_up_to=0)
