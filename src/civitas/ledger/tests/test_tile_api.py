"""The log served as C2SP tlog-tiles, and the JSON proofs built on the same tiles."""

import random

import pytest
from django.db import transaction

from civitas.ledger import merkle
from civitas.ledger.guard import guard
from civitas.ledger.models import Entry
from civitas.ledger.services import NewEntry, integrate_pending, record_entries
from civitas.ledger.tiles import decode_entry_bundle

pytestmark = pytest.mark.django_db
API = "/api/v1/ledger"
SIZE = 600  # two full tiles of entries, a partial one of 88, and a level-1 tile of 2


def write_log(count: int) -> list[bytes]:
    with transaction.atomic():
        record_entries(
            [
                NewEntry(
                    kind="test.recorded",
                    organisation="Example Borough Council",
                    role="caseworker",
                    payload={"number": number},
                )
                for number in range(count)
            ]
        )
    integrate_pending()
    return [
        bytes(data) for data in Entry.objects.order_by("index").values_list("leaf_data", flat=True)
    ]


@pytest.fixture
def log() -> merkle.InMemoryTree:
    tree = merkle.InMemoryTree()
    tree.extend(write_log(SIZE))
    return tree


def leaf_hashes(tree: merkle.InMemoryTree, start: int, end: int) -> bytes:
    return b"".join(tree.nodes[(0, index)] for index in range(start, end))


def test_a_full_tile_is_256_leaf_hashes_served_as_immutable(client, log):
    response = client.get(f"{API}/tile/0/001")
    assert response.status_code == 200
    assert response.content == leaf_hashes(log, 256, 512)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_tile_is_served_like_a_static_file_with_no_session_or_cookie(client, log):
    client.get("/")  # a visitor with a session already
    response = client.get(f"{API}/tile/0/000", HTTP_COOKIE="sessionid=abc")
    assert response.status_code == 200
    assert "Set-Cookie" not in response
    assert "Cookie" not in response.get("Vary", "")
    assert response["X-Content-Type-Options"] == "nosniff"  # the outer headers still apply


def test_a_partial_tile_is_cached_only_briefly(client, log):
    response = client.get(f"{API}/tile/0/002.p/88")
    assert response.content == leaf_hashes(log, 512, 600)
    assert response["Cache-Control"] == "public, max-age=60"
    # A narrower copy, as a client that saw an older checkpoint asks for, is its prefix.
    assert client.get(f"{API}/tile/0/002.p/10").content == leaf_hashes(log, 512, 522)


def test_a_tile_above_level_0_holds_the_hashes_of_full_tiles_below(client, log):
    response = client.get(f"{API}/tile/1/000.p/2")
    assert response.content == log.nodes[(8, 0)] + log.nodes[(8, 1)]


def test_an_entry_bundle_holds_the_entries_that_hash_to_the_tile(client, log):
    bundle = client.get(f"{API}/tile/entries/001").content
    entries = decode_entry_bundle(bundle)
    assert len(entries) == 256
    assert b"".join(merkle.leaf_hash(entry) for entry in entries) == leaf_hashes(log, 256, 512)
    partial = decode_entry_bundle(client.get(f"{API}/tile/entries/002.p/88").content)
    assert [merkle.leaf_hash(entry) for entry in partial] == [
        log.nodes[(0, index)] for index in range(512, 600)
    ]


def test_head_answers_the_length_without_the_body(client, log):
    response = client.head(f"{API}/tile/0/000")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Length"] == "8192"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/003",  # no such tile yet
        "tile/0/002",  # not full yet
        "tile/0/002.p/89",  # wider than the signed tree
        "tile/1/000",
        "tile/2/000.p/1",
        "tile/entries/003.p/1",
        "tile/0/x000/001",  # not canonical
        "tile/0/1",
        "tile/0/001.p/256",
        "tile/64/000",
        "tile/0",
        # Hostile: numbers past any database integer, widths out of range, other paths.
        "tile/0/x999/x999/x999/x999/x999/x999/999",
        "tile/entries/x999/x999/x999/x999/x999/x999/999.p/255",
        "tile/63/x999/x999/x999/x999/x999/x999/999",
        "tile/0/x001/x000/x000/x000/x000/x000/x000/000",  # eight groups: too large
        "tile/99/000",
        "tile/0/000.p/0",
        "tile/0/000.p/-1",
        "tile/0/000.p/999",
        "tile/0/000.p/1000000000000000000000",
        "tile/0/-001",
        "tile/entries/002.p/89",
        "tile/../checkpoint",
        "tile/0/../../checkpoint",
        "tile/0/000%00",
        "tile/0/000.p/5%00",
        "tile/0/000/",
        "tile/" + "x" * 10_000,
    ],
)
def test_a_tile_the_signed_log_does_not_have_is_a_404_problem(client, log, path):
    response = client.get(f"{API}/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-cache"
    assert response.json()["title"] == "No such tile"


def test_entries_written_but_not_integrated_are_in_no_tile(client, log):
    with transaction.atomic():
        record_entries([NewEntry(kind="test.recorded", organisation="O", role="r", payload={})])
    assert client.get(f"{API}/tile/0/002.p/89").status_code == 404
    assert client.get(f"{API}/tile/entries/002.p/89").status_code == 404


def test_tiles_may_not_be_written_to(client, log):
    assert client.post(f"{API}/tile/0/000").status_code == 405
    assert client.delete(f"{API}/tile/0/000").status_code == 405


def test_the_json_proofs_built_from_tiles_match_the_reference_tree(client, log):
    chooser = random.Random(6962)
    for _ in range(40):
        size = chooser.randrange(1, SIZE + 1)
        index = chooser.randrange(size)
        response = client.get(f"{API}/proofs/inclusion", {"index": index, "tree_size": size})
        path = [bytes.fromhex(item) for item in response.json()["path"]]
        assert path == log.inclusion_proof(index, size)
        first = chooser.randrange(1, size + 1)
        response = client.get(f"{API}/proofs/consistency", {"first": first, "second": size})
        path = [bytes.fromhex(item) for item in response.json()["path"]]
        assert path == log.consistency_proof(first, size)


def test_proofs_read_each_tile_once(client, log, django_assert_num_queries):
    client.get(f"{API}/checkpoint")
    with django_assert_num_queries(3):  # tile 1/000.p/2, tile 0/000 and tile 0/002.p/88
        client.get(f"{API}/proofs/inclusion", {"index": 3, "tree_size": SIZE})
        client.get(f"{API}/proofs/inclusion", {"index": 599, "tree_size": SIZE})
    with django_assert_num_queries(0):
        for index in (0, 100, 255, 520, 599):
            client.get(f"{API}/proofs/inclusion", {"index": index, "tree_size": SIZE})
        client.get(f"{API}/proofs/consistency", {"first": 77, "second": SIZE})


def test_a_tile_with_a_node_missing_stops_the_log(client, log):
    from civitas.ledger.models import Node, node_id
    from civitas.ledger.services import find_broken_reason

    guard.tiles.clear()
    Node.objects.filter(id=node_id(0, 300)).delete()
    response = client.get(f"{API}/tile/0/001")
    assert response.status_code == 500
    assert "tree node (level 0, index 300) is missing" in response.json()["detail"]
    assert find_broken_reason() == "tree node (level 0, index 300) is missing"
    assert response["Cache-Control"] == "no-store"
