"""Entries are paged by the tree the client names, never by what one process last saw;
and HEAD answers wherever GET does, with GET's status and headers and no body."""

import http.client
import urllib.parse

import pytest

from civitas.ledger.guard import guard
from civitas.ledger.models import Entry
from civitas.ledger.services import integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/ledger"


@pytest.fixture
def log():
    LedgerEntryFactory.create_batch(8)
    integrate_pending()


def indexes(response) -> list[int]:
    return [entry["index"] for entry in response.json()["entries"]]


def test_a_page_is_not_cut_to_the_size_this_process_last_saw(client):
    LedgerEntryFactory.create_batch(3)
    integrate_pending()
    assert indexes(client.get(f"{API}/entries", {"start": 0, "end": 1000})) == [0, 1, 2]
    LedgerEntryFactory.create_batch(5)
    integrate_pending()
    guard.largest_size = 3  # this worker last saw 3 entries; another integrated the rest
    response = client.get(f"{API}/entries", {"start": 0, "end": 1000})
    assert indexes(response) == list(range(8))
    assert response.json()["tree_size"] == 8
    assert response["Cache-Control"] == "no-cache"


def test_a_page_of_a_named_tree_is_exactly_that_tree_and_never_changes(client, log):
    guard.largest_size = 2
    response = client.get(f"{API}/entries", {"start": 2, "end": 1000, "tree_size": 6})
    assert indexes(response) == [2, 3, 4, 5]
    assert response.json()["tree_size"] == 6
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    LedgerEntryFactory.create_batch(4)
    integrate_pending()
    again = client.get(f"{API}/entries", {"start": 2, "end": 1000, "tree_size": 6})
    assert again.content == response.content


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"start": 0, "end": 5, "tree_size": 9}, "tree_size 9 is beyond the log, which has 8"),
        ({"start": 0, "end": 5, "tree_size": 0}, "tree_size must be at least 1"),
        ({"start": 6, "end": 9, "tree_size": 6}, "start 6 is beyond the log, which has 6"),
        ({"start": 0, "end": 5, "tree_size": "-1"}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": ""}, "'tree_size' is required"),
        ({"start": 0, "end": 5, "tree_size": 2**63 - 1}, "is beyond the log, which has 8"),
        ({"start": 0, "end": 5, "tree_size": 2**63}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": "1" * 1000}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": "x"}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": "3.0"}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": "\x00"}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": "٣"}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": "+3"}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": "03"}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 5, "tree_size": ["3", "x"]}, "'tree_size' must be a whole number"),
        ({"start": 0, "end": 2**63}, "'end' must be a whole number"),
    ],
)
def test_a_tree_size_the_log_cannot_page_by_is_a_clear_400(client, log, query, detail):
    response = client.get(f"{API}/entries", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_every_entry_is_read_in_full_pages_while_the_log_grows(client):
    LedgerEntryFactory.create_batch(2500)
    integrate_pending()
    seen: list[int] = []
    while len(seen) < 2500:
        response = client.get(
            f"{API}/entries", {"start": len(seen), "end": len(seen) + 1000, "tree_size": 2500}
        )
        seen += indexes(response)
        LedgerEntryFactory.create_batch(7)  # the log grows between pages
        integrate_pending()
    assert seen == list(range(2500))


LEDGER_GETS = [
    f"{API}/checkpoint",
    f"{API}/key",
    f"{API}/status",
    f"{API}/entries?start=0&end=5",
    f"{API}/entries?start=0&end=5&tree_size=8",
    f"{API}/entries/3",
    f"{API}/proofs/inclusion?index=3&tree_size=8",
    f"{API}/proofs/consistency?first=3&second=8",
    f"{API}/entries/99",  # a 400 problem: the same for HEAD
    "/ledger/entries/3/",
    "/ledger/entries/99/",  # a 404 page
]
# Headers that differ between any two answers, GET or not: a page's Expires is the time
# it was answered, as Date is, so two answers a second apart differ in it.
PER_ANSWER = {"date", "expires", "content-security-policy", "set-cookie", "vary"}


def over_http(live_server, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    address = urllib.parse.urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, body
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", LEDGER_GETS)
def test_head_answers_like_get_without_a_body(live_server, log, path):
    get_status, get_headers, get_body = over_http(live_server, "GET", path)
    head_status, head_headers, head_body = over_http(live_server, "HEAD", path)
    assert head_status == get_status != 405
    assert head_body == b""
    assert get_body
    same = {name: value for name, value in get_headers.items() if name not in PER_ANSWER}
    if path.startswith("/ledger/"):
        # A page carries a fresh nonce and token in each answer: its length may differ.
        same.pop("content-length", None)
        head_headers.pop("content-length", None)
    assert {name: head_headers.get(name) for name in same} == same


def test_other_methods_are_still_refused(client, log):
    assert client.post(f"{API}/checkpoint").status_code == 405
    assert client.delete("/ledger/entries/3/").status_code == 405


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize(
    "path",
    [
        *LEDGER_GETS,
        f"{API}/checkpoint/witnessed",
        f"{API}/promises/check?promise=x",
        f"{API}/tile/0/000.p/8",
        f"{API}/tile/entries/000.p/8",
    ],
)
def test_no_route_of_the_log_takes_another_method_or_writes(client, log, method, path):
    before = Entry.objects.count()
    response = getattr(client, method)(path, data=b'{"index": 0}', content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert Entry.objects.count() == before
