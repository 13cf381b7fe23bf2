"""The public API: what the verifier reads, and a problem document for every bad request."""

import base64

import pytest

from civitas.ledger import merkle
from civitas.ledger.guard import guard
from civitas.ledger.keys import log_keys
from civitas.ledger.models import Entry
from civitas.ledger.note import open_note, parse_checkpoint
from civitas.ledger.services import integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/ledger"


@pytest.fixture
def log():
    """A log of 20 integrated entries and 2 written but not yet integrated."""
    LedgerEntryFactory.create_batch(20, about_a_resident=True)
    integrate_pending()
    LedgerEntryFactory.create_batch(2)
    return [
        bytes(data) for data in Entry.objects.order_by("index").values_list("leaf_data", flat=True)
    ]


def signed_tree(client) -> tuple[int, bytes]:
    response = client.get(f"{API}/checkpoint")
    body, _ = open_note(response.content.decode(), log_keys().verifiers)
    checkpoint = parse_checkpoint(body)
    return checkpoint.size, checkpoint.root


def test_the_checkpoint_is_the_signed_note_as_text(client, log):
    response = client.get(f"{API}/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    size, root = signed_tree(client)
    assert size == 20, "entries not yet integrated are not in the checkpoint"
    assert root == merkle.root_from_leaves(log[:20])


def test_before_the_first_checkpoint_the_log_says_so(client):
    response = client.get(f"{API}/checkpoint")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert "first checkpoint" in response.json()["detail"]


def test_the_key_document_names_the_origin_and_the_keys_newest_first(client, log):
    document = client.get(f"{API}/key").json()
    assert document["origin"] == "civitas.example/ledger"
    assert document["keys"] == [verifier.key_string() for verifier in log_keys().verifiers]
    assert len(document["timestamp_keys"]) == len(document["keys"])


def test_an_entry_is_served_as_the_exact_bytes_the_tree_committed_to(client, log):
    document = client.get(f"{API}/entries/3").json()
    data = base64.b64decode(document["leaf_data"])
    assert data == log[3]
    assert document["leaf_hash"] == merkle.leaf_hash(data).hex()
    assert document["entry"]["index"] == 3
    assert document["entry"]["subject"].startswith("hmac-sha256:")


def test_entries_come_in_pages_clipped_to_the_signed_tree(client, log):
    page = client.get(f"{API}/entries", {"start": 15, "end": 40}).json()["entries"]
    assert [entry["index"] for entry in page] == [15, 16, 17, 18, 19]


def test_an_inclusion_proof_verifies_against_the_checkpoint(client, log):
    size, root = signed_tree(client)
    proof = client.get(f"{API}/proofs/inclusion", {"index": 7, "tree_size": size}).json()
    path = [bytes.fromhex(item) for item in proof["path"]]
    leaf = bytes.fromhex(proof["leaf_hash"])
    assert leaf == merkle.leaf_hash(log[7])
    assert merkle.verify_inclusion(leaf, 7, size, path, root)


def test_an_inclusion_proof_can_be_asked_for_by_leaf_hash(client, log):
    leaf = merkle.leaf_hash(log[11]).hex()
    proof = client.get(f"{API}/proofs/inclusion", {"leaf_hash": leaf, "tree_size": 20}).json()
    assert proof["index"] == 11


def test_a_consistency_proof_verifies_between_two_checkpoints(client, log):
    old_size, old_root = signed_tree(client)
    integrate_pending()
    new_size, new_root = signed_tree(client)
    proof = client.get(f"{API}/proofs/consistency", {"first": old_size, "second": new_size})
    path = [bytes.fromhex(item) for item in proof.json()["path"]]
    assert merkle.verify_consistency(old_size, new_size, old_root, new_root, path)


def test_a_proof_reads_its_tile_once_and_then_costs_no_query(
    client, log, django_assert_num_queries
):
    signed_tree(client)  # this process has now seen the tree of 20
    with django_assert_num_queries(1):  # the one tile of a tree of 20
        assert (
            client.get(f"{API}/proofs/inclusion", {"index": 0, "tree_size": 20}).status_code == 200
        )
    with django_assert_num_queries(0):
        response = client.get(f"{API}/proofs/consistency", {"first": 3, "second": 20})
        assert response.status_code == 200
        assert (
            client.get(f"{API}/proofs/inclusion", {"index": 7, "tree_size": 20}).status_code == 200
        )
    guard.reset()  # a fresh process first reads the size of the log, then the tile
    with django_assert_num_queries(2):
        assert (
            client.get(f"{API}/proofs/inclusion", {"index": 5, "tree_size": 20}).status_code == 200
        )


def test_the_status_says_how_big_the_log_is(client, log):
    assert client.get(f"{API}/status").json() == {
        "origin": "civitas.example/ledger",
        "size": 20,
        "sequenced": 22,
        "state": "ok",
        "reason": None,
    }


@pytest.mark.parametrize(
    ("path", "query", "status", "detail"),
    [
        ("entries/20", {}, 400, "entry 20 is not in the log, which has 20 entries"),
        ("entries/-1", {}, 400, "'index' must be a whole number"),
        ("entries/1e3", {}, 400, "'index' must be a whole number"),
        ("entries", {"start": 5, "end": 5}, 400, "end must be larger than start"),
        ("entries", {"start": 25, "end": 30}, 400, "start 25 is beyond the log"),
        ("entries", {"start": "x", "end": 30}, 400, "'start' must be a whole number"),
        ("proofs/inclusion", {"index": 20, "tree_size": 20}, 400, "leaf index 20 is outside"),
        ("proofs/inclusion", {"index": 1, "tree_size": 21}, 400, "tree size 21 is larger than"),
        ("proofs/inclusion", {"index": 1, "tree_size": 0}, 400, "size 0 is empty"),
        ("proofs/inclusion", {"index": 1}, 400, "'tree_size' is required"),
        ("proofs/inclusion", {"tree_size": 20}, 400, "'index' is required"),
        ("proofs/inclusion", {"index": "٣", "tree_size": 20}, 400, "whole number"),
        ("proofs/inclusion", {"index": 2**63, "tree_size": 20}, 400, "whole number"),
        ("proofs/inclusion", {"leaf_hash": "abc", "tree_size": 20}, 400, "64 hexadecimal"),
        ("proofs/inclusion", {"leaf_hash": "g" * 64, "tree_size": 20}, 400, "64 hexadecimal"),
        ("proofs/inclusion", {"leaf_hash": "00" * 32, "tree_size": 20}, 404, "no entry"),
        ("proofs/consistency", {"first": 10, "second": 5}, 400, "smaller than the first"),
        ("proofs/consistency", {"first": 0, "second": 5}, 400, "at least 1"),
        ("proofs/consistency", {"first": 5, "second": 21}, 400, "larger than the log"),
        ("proofs/consistency", {"first": " 5", "second": 20}, 400, "whole number"),
    ],
)
def test_a_bad_request_is_a_problem_document_saying_what_is_wrong(
    client, log, path, query, status, detail
):
    response = client.get(f"{API}/{path}", query)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert detail.lower() in problem["detail"].lower()


def test_the_api_is_read_only(client, log):
    assert client.post(f"{API}/checkpoint").status_code == 405
