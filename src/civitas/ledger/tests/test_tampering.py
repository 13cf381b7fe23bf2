"""Rows edited, deleted, reordered or inserted behind the platform's back, with plain SQL.

For each: the independent verifier, talking HTTP to a live server, fails and names what;
the platform stops taking entries; the health check turns to 503 "broken"; the status
says why; and a security event is logged.
"""

import logging
import re

import pytest
from django.db import connection, transaction

from civitas.ledger import merkle
from civitas.ledger.client import VerificationError, verify_log
from civitas.ledger.guard import guard
from civitas.ledger.keys import log_keys
from civitas.ledger.models import node_id
from civitas.ledger.services import (
    LedgerUnavailable,
    find_broken_reason,
    integrate_pending,
    record_entry,
)
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
SIZE = 20


def sql(statement: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def leaf_data(index: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute('SELECT leaf_data FROM ledger_entry WHERE "index" = %s', [index])
        return bytes(cursor.fetchone()[0])


def node(level: int, index: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM ledger_node WHERE id = %s", [node_id(level, index)])
        return bytes(cursor.fetchone()[0])


@pytest.fixture
def log():
    LedgerEntryFactory.create_batch(SIZE)
    integrate_pending()


@pytest.fixture
def api(live_server) -> str:
    return f"{live_server.url}/api/v1/ledger"


def verify_everything(api: str, *, check_status: bool = True) -> None:
    """The strictest outside check: every entry proved, and the root recomputed."""
    verify_log(
        api,
        trusted_keys=[v.key_string() for v in log_keys().verifiers],
        sample=SIZE,
        full=True,
        check_status=check_status,
    )


def signed_history_is_whole_but_the_log_says_it_stopped(api: str) -> None:
    verify_everything(api, check_status=False)  # nothing forged got into the signed log
    with pytest.raises(VerificationError, match="the log reports that it is broken: "):
        verify_everything(api)


# --- How rows are changed --------------------------------------------------------------


def forged(data: bytes) -> bytes:
    return re.sub(rb'"number":\d+', b'"number":999999', data)


def edit_entry() -> None:
    data = forged(leaf_data(3))
    sql('UPDATE ledger_entry SET leaf_data = %s WHERE "index" = 3', [data])


def edit_entry_and_its_hash() -> None:
    data = forged(leaf_data(3))
    sql(
        'UPDATE ledger_entry SET leaf_data = %s, leaf_hash = %s WHERE "index" = 3',
        [data, merkle.leaf_hash(data)],
    )


def delete_entry() -> None:
    sql('DELETE FROM ledger_entry WHERE "index" = 3')


def reorder_entries() -> None:
    two, five = leaf_data(2), leaf_data(5)
    for index, data in ((2, five), (5, two)):
        sql(
            'UPDATE ledger_entry SET leaf_data = %s, leaf_hash = %s WHERE "index" = %s',
            [data, merkle.leaf_hash(data), index],
        )


def insert_entry() -> None:
    # Make room at 3 by moving the later rows up one, as a forger inserting history would.
    sql('UPDATE ledger_entry SET "index" = "index" + 1000 WHERE "index" >= 3')
    sql('UPDATE ledger_entry SET "index" = "index" - 999 WHERE "index" >= 1003')
    data = forged(leaf_data(4))  # entry 3's old row, now at 4, says it is entry 3
    sql(
        "INSERT INTO ledger_entry "
        '("index", kind, occurred_at, organisation, role, subject, leaf_data, leaf_hash) '
        "SELECT 3, kind, occurred_at, organisation, role, subject, %s, %s "
        'FROM ledger_entry WHERE "index" = 4',
        [data, merkle.leaf_hash(data)],
    )


# Proofs are built from tiles, which hold the nodes at levels 0, 8, 16...; the nodes in
# between are recomputed from them, and only the platform's own audit reads those.
def edit_node() -> None:
    sql("UPDATE ledger_node SET hash = %s WHERE id = %s", [b"\x07" * 32, node_id(0, 2)])


def delete_node() -> None:
    sql("DELETE FROM ledger_node WHERE id = %s", [node_id(0, 6)])


def reorder_nodes() -> None:
    first, second = node(0, 8), node(0, 9)
    sql("UPDATE ledger_node SET hash = %s WHERE id = %s", [second, node_id(0, 8)])
    sql("UPDATE ledger_node SET hash = %s WHERE id = %s", [first, node_id(0, 9)])


TAMPERING = {
    "edit an entry": (edit_entry, "entry 3: the leaf_hash the log reports is not the hash"),
    "edit an entry and its hash": (edit_entry_and_its_hash, "entry 3: the inclusion proof is for"),
    "delete an entry": (delete_entry, "entry 3 is missing"),
    "reorder entries": (reorder_entries, "entry 2: the inclusion proof is for a different leaf"),
    "insert an entry": (insert_entry, "entry 3: the inclusion proof is for a different leaf"),
    "edit a node": (edit_node, "does not verify: the entry is not in the signed log"),
    "delete a node": (delete_node, "tree node (level 0, index 6) is missing"),
    "reorder nodes": (reorder_nodes, "does not verify: the entry is not in the signed log"),
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_the_verifier_fails_naming_what_was_changed(log, api, tamper):
    change, failure = tamper
    verify_everything(api)  # whole before
    change()
    # A process that read the tiles before the change keeps serving what was signed (and
    # its rolling audit finds the change); a process that reads them afresh serves this.
    guard.tiles.clear()
    with pytest.raises(VerificationError) as error:
        verify_everything(api)
    assert failure in str(error.value)


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_the_platform_fails_closed_and_the_health_check_says_why(log, client, tamper, caplog):
    change, _ = tamper
    change()
    with caplog.at_level(logging.CRITICAL, logger="civitas.security"):
        integrate_pending()  # the worker's next run: head check, then the rolling audit
    reason = find_broken_reason()
    assert reason
    assert any("appends stopped" in record.getMessage() for record in caplog.records)
    with pytest.raises(LedgerUnavailable, match="failed an integrity check"), transaction.atomic():
        record_entry(kind="test.recorded", organisation="Org", role="r", payload={})
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["ledger"]["status"] == "broken"
    status = client.get("/api/v1/ledger/status")
    assert status.status_code == 503
    assert status.json()["reason"] == reason


def test_a_new_process_refuses_to_append_to_a_log_changed_while_it_was_down(log):
    # The left half of the tree: part of every root, so the start-up check always reads it.
    sql("UPDATE ledger_node SET hash = %s WHERE id = %s", [b"\x07" * 32, node_id(4, 0)])
    guard.reset()  # as if the web server had just started
    with (
        pytest.raises(LedgerUnavailable, match="do not hash to the signed root"),
        transaction.atomic(),
    ):
        record_entry(kind="test.recorded", organisation="Org", role="r", payload={})
    assert integrate_pending() == 0
    assert find_broken_reason() == "the stored tree nodes do not hash to the signed root"


def test_a_lookup_row_deleted_to_hide_an_entry_stops_the_log(log, client):
    sql('DELETE FROM ledger_entrylookup WHERE "index" = 7')
    integrate_pending()
    assert find_broken_reason() == "the lookup row of entry 7 is missing or differs from the entry"


def test_a_new_process_reports_a_changed_log_on_its_first_health_check(log, client):
    sql("UPDATE ledger_node SET hash = %s WHERE id = %s", [b"\x07" * 32, node_id(4, 0)])
    guard.reset()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ledger"]["status"] == "broken"
    assert find_broken_reason() == "the stored tree nodes do not hash to the signed root"


def test_a_row_added_beyond_the_log_is_never_integrated(log, api):
    LedgerEntryFactory()  # entry 20, written properly but not yet integrated
    data = leaf_data(20).replace(b'{"index":20,', b'{"index":21,')
    sql(
        "INSERT INTO ledger_entry "
        '("index", kind, occurred_at, organisation, role, subject, leaf_data, leaf_hash) '
        "SELECT 21, kind, occurred_at, organisation, role, subject, %s, %s "
        'FROM ledger_entry WHERE "index" = 20',
        [data, merkle.leaf_hash(data)],
    )
    assert integrate_pending() == 0
    assert "entry 21 was not written by the log" in find_broken_reason()
    signed_history_is_whole_but_the_log_says_it_stopped(api)


def test_a_node_planted_ahead_of_the_tree_stops_the_next_batch(log, api):
    sql("INSERT INTO ledger_node (id, hash) VALUES (%s, %s)", [node_id(0, SIZE), b"\x01" * 32])
    LedgerEntryFactory()
    assert integrate_pending() == 0
    assert "already exists" in find_broken_reason()
    signed_history_is_whole_but_the_log_says_it_stopped(api)


def test_a_database_rolled_back_under_a_running_process_is_caught(log):
    LedgerEntryFactory.create_batch(5)
    integrate_pending()  # this process has seen the tree of 25
    # Put every table back exactly as it was at 20 entries, consistently.
    earlier = merkle.InMemoryTree()
    earlier.extend([leaf_data(index) for index in range(SIZE)])
    kept = ",".join(str(node_id(level, index)) for level, index in earlier.nodes)
    sql(f"DELETE FROM ledger_node WHERE id NOT IN ({kept})")  # noqa: S608 - test data
    sql('DELETE FROM ledger_entry WHERE "index" >= %s', [SIZE])
    sql("DELETE FROM ledger_checkpoint WHERE size > %s", [SIZE])
    sql("UPDATE ledger_treestate SET size = %s, root = %s", [SIZE, earlier.root()])
    sql("UPDATE ledger_sequencer SET next_index = %s", [SIZE])
    integrate_pending()
    assert (
        find_broken_reason()
        == "the log shrank from 25 to 20 entries (the database was rolled back)"
    )


def test_the_public_page_of_an_altered_entry_says_the_check_failed(log, client):
    edit_entry_and_its_hash()
    response = client.get("/ledger/entries/3/")
    assert b"Check failed" in response.content
    assert find_broken_reason() == "entry 3 is not in the signed tree (its proof does not verify)"
