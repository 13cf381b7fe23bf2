"""Appending: indexes in the caller's transaction, then batches integrated and signed."""

import threading

import pytest
from django.db import connection, transaction

from civitas.ledger import merkle
from civitas.ledger.integrity import check_whole_log
from civitas.ledger.keys import log_keys
from civitas.ledger.leaf import LeafFormatError
from civitas.ledger.models import Checkpoint, Entry, Node
from civitas.ledger.note import open_note, parse_checkpoint
from civitas.ledger.services import (
    NewEntry,
    integrate_batch,
    integrate_pending,
    ledger_health,
    person_reference,
    record_entries,
    record_entry,
)
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = pytest.mark.django_db


def stored_leaves() -> list[bytes]:
    return [
        bytes(data) for data in Entry.objects.order_by("index").values_list("leaf_data", flat=True)
    ]


def test_indexes_are_given_in_order_from_zero():
    receipts = LedgerEntryFactory.create_batch(3)
    assert [receipt.index for receipt in receipts] == [0, 1, 2]
    assert receipts[2].url == "http://127.0.0.1:8000/ledger/entries/2/"


def test_entries_appended_together_get_consecutive_indexes(django_assert_max_num_queries):
    LedgerEntryFactory()
    batch = [
        NewEntry(kind="test.bulk", organisation="Org", role="r", payload={"n": n})
        for n in range(1200)
    ]
    with transaction.atomic(), django_assert_max_num_queries(4):  # count, 3 inserts of 500
        receipts = record_entries(batch)
    assert [receipt.index for receipt in receipts] == list(range(1, 1201))
    assert integrate_pending() == 1201
    assert check_whole_log().problem is None


def test_an_entry_rolled_back_with_its_change_gives_its_index_back():
    LedgerEntryFactory()

    def a_change_that_fails() -> None:
        with transaction.atomic():
            record_entry(kind="test.recorded", organisation="Org", role="r", payload={})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        a_change_that_fails()
    assert LedgerEntryFactory().index == 1
    assert Entry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_entry_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_entry(kind="test.recorded", organisation="Org", role="r", payload={})


def test_an_entry_naming_a_person_directly_is_refused_without_using_an_index():
    with pytest.raises(LeafFormatError, match="keyed reference"), transaction.atomic():
        record_entry(
            kind="test.recorded",
            organisation="Org",
            role="r",
            subject="resident@example.com",
            payload={},
        )
    assert LedgerEntryFactory(about_a_resident=True).index == 0


def test_a_subject_is_a_keyed_reference_that_is_the_same_each_time():
    first = person_reference("Resident@Example.com ")
    assert first == person_reference("resident@example.com")
    assert first.startswith("hmac-sha256:")
    assert "resident" not in first


def test_the_first_run_on_an_empty_log_publishes_a_signed_empty_checkpoint():
    assert integrate_pending() == 0
    checkpoint = Checkpoint.objects.get()
    body, _ = open_note(checkpoint.note, log_keys().verifiers)
    assert parse_checkpoint(body).size == 0
    assert parse_checkpoint(body).root == merkle.EMPTY_ROOT
    integrate_pending()
    assert Checkpoint.objects.count() == 1, "an idle log publishes nothing new"


def test_committed_entries_are_integrated_in_batches_each_with_a_checkpoint():
    LedgerEntryFactory.create_batch(25)
    assert integrate_pending(batch_size=10) == 25
    checkpoints = list(Checkpoint.objects.order_by("id"))
    assert [checkpoint.size for checkpoint in checkpoints] == [10, 20, 25]
    leaves = stored_leaves()
    for checkpoint in checkpoints:
        body, signed_by = open_note(checkpoint.note, log_keys().all_verifiers)
        assert parse_checkpoint(body).root == merkle.root_from_leaves(leaves[: checkpoint.size])
        # One Ed25519 note signature, one timestamped cosignature/v1, by the same key.
        assert signed_by == [log_keys().origin, log_keys().origin]


def test_the_stored_tree_holds_every_perfect_node_once():
    LedgerEntryFactory.create_batch(13)
    integrate_pending(batch_size=5)
    tree = merkle.InMemoryTree()
    tree.extend(stored_leaves())
    assert Node.objects.count() == len(tree.nodes)
    assert check_whole_log().problem is None


def test_a_batch_reads_a_fixed_number_of_rows_whatever_the_size_of_the_log(
    django_assert_max_num_queries,
):
    LedgerEntryFactory.create_batch(300)
    integrate_pending()
    LedgerEntryFactory.create_batch(5)
    # Lock, head check (checkpoint, state, sequencer, nodes, entries, largest index),
    # the batch, the nodes, the checkpoint, the state.
    with django_assert_max_num_queries(16):
        assert integrate_batch(limit=100).integrated == 5


def test_a_log_that_is_whole_reports_ok():
    LedgerEntryFactory.create_batch(3)
    integrate_pending()
    assert ledger_health() == "ok"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_commit_indexes_without_gaps():
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            for attempt in range(8):
                try:
                    with transaction.atomic():
                        record_entry(
                            kind="test.recorded",
                            organisation="Org",
                            role="r",
                            payload={"writer": number, "attempt": attempt},
                        )
                        if attempt % 3 == 0:
                            raise ValueError("abandoned")  # rolled back: its index is reused
                except ValueError:
                    pass
        except BaseException as error:  # reported by the test thread
            errors.append(error)
        finally:
            connection.close()

    LedgerEntryFactory()  # the sequencer row exists before the race
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    indexes = list(Entry.objects.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(1 + 4 * 5))
    assert integrate_pending() == len(indexes)
    assert check_whole_log().problem is None
