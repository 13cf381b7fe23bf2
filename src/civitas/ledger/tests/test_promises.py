"""Each entry's signed promise: given and stored on append, checked by the integrator, by
the independent verifier (`civitas ledger verify --promise`), by the JSON endpoint and
by the entry page. A promised entry changed before it was integrated, or never
integrated at all, is caught."""

import base64
import datetime
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from civitas.ledger import merkle
from civitas.ledger.client import VerificationError, verify_log
from civitas.ledger.keys import log_keys
from civitas.ledger.models import Entry, Sequencer
from civitas.ledger.note import Signer
from civitas.ledger.promise import EntryPromise, decode_promise, make_promise, verify_promise
from civitas.ledger.services import (
    EntryReceipt,
    NewEntry,
    find_broken_reason,
    integrate_pending,
    record_entries,
    record_entry,
)
from civitas.ledger.tests.factories import LedgerEntryFactory


def sql(statement: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def leaf_data(index: int) -> bytes:
    return bytes(Entry.objects.get(index=index).leaf_data)


def change_consistently(index: int) -> None:
    """What an intruder with write access to the database does before the entry is
    integrated: new bytes, and the hash to match, so that nothing but the promise differs."""
    data = re.sub(rb'"number":\d+', b'"number":999999', leaf_data(index))
    sql(
        'UPDATE ledger_entry SET leaf_data = %s, leaf_hash = %s WHERE "index" = %s',
        [data, merkle.leaf_hash(data), index],
    )


def forged_promise(index: int) -> str:
    return make_promise(
        Signer.generate(log_keys().origin),
        origin=log_keys().origin,
        index=index,
        timestamp_ms=0,
        max_merge_delay_s=300,
        leaf_hash=bytes(32),
    ).encode()


def altered(promise: str) -> str:
    """The promise with one bit of its signature flipped."""
    raw = bytearray(decode_promise(promise).to_bytes())
    raw[-1] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def later(promise: str, seconds: int) -> float:
    """POSIX time ``seconds`` after the promise's own."""
    return decode_promise(promise).timestamp_ms / 1000 + seconds


# --- Given and stored ------------------------------------------------------------------


@pytest.mark.django_db
def test_each_appended_entry_is_given_the_logs_signed_promise(settings):
    receipt: EntryReceipt = LedgerEntryFactory()
    promise = decode_promise(receipt.promise)
    keys = log_keys()
    assert verify_promise(promise, keys.origin, keys.verifiers) == keys.verifiers[0]
    assert (promise.index, promise.leaf_hash) == (receipt.index, receipt.leaf_hash)
    assert promise.max_merge_delay_s == settings.LEDGER_MAX_MERGE_DELAY_SECONDS == 300
    entry = Entry.objects.get(index=receipt.index)
    assert promise.promised_at == entry.occurred_at.replace(
        microsecond=entry.occurred_at.microsecond // 1000 * 1000
    )
    assert bytes(entry.promise) == promise.to_bytes()
    assert receipt.promise_url.endswith(
        f"/ledger/entries/{receipt.index}/?promise={receipt.promise}"
    )


@pytest.mark.django_db
def test_entries_appended_together_each_get_their_own_promise():
    entries = [
        NewEntry(kind="test.recorded", organisation="Org", role="r", payload={"n": n})
        for n in range(3)
    ]
    with transaction.atomic():
        receipts = record_entries(entries)
    promises = [decode_promise(receipt.promise) for receipt in receipts]
    assert [promise.index for promise in promises] == [0, 1, 2]
    assert len({promise.signature for promise in promises}) == 3


@pytest.mark.django_db
def test_the_promise_costs_an_append_no_extra_statement(django_assert_num_queries):
    LedgerEntryFactory()  # the process's start-up check, once
    # Take the index, then insert the entry with its promise: the same two as without one.
    with transaction.atomic(), django_assert_num_queries(2):
        record_entry(kind="test.recorded", organisation="Org", role="r", payload={})


@pytest.mark.django_db
def test_the_api_serves_each_entrys_promise(client):
    receipt = LedgerEntryFactory()
    integrate_pending()
    document = client.get(f"/api/v1/ledger/entries/{receipt.index}").json()
    assert document["promise"] == receipt.promise


# --- The integrator --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_entry_changed_consistently_before_it_was_integrated_stops_the_log(client):
    LedgerEntryFactory.create_batch(3)
    integrate_pending()
    receipt = LedgerEntryFactory()
    change_consistently(receipt.index)
    assert integrate_pending() == 0
    assert find_broken_reason() == (
        "entry 3 does not match the promise the log signed when it was appended: it was "
        "changed before it was integrated"
    )
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["ledger"]["status"] == "broken"
    assert client.get("/api/v1/ledger/status").status_code == 503
    page = client.get(f"/ledger/entries/{receipt.index}/?promise={receipt.promise}")
    assert page.status_code == 200
    assert (
        "This record is not the one the log promised: it has been changed." in page.content.decode()
    )


@pytest.mark.django_db
def test_an_entry_whose_promise_was_removed_stops_the_log():
    LedgerEntryFactory()
    change_consistently(0)
    sql('UPDATE ledger_entry SET promise = NULL WHERE "index" = 0')
    integrate_pending()
    assert find_broken_reason() == (
        "entry 0 has lost the promise the log signed when it was appended"
    )


@pytest.mark.django_db
def test_an_entry_whose_promise_was_replaced_by_another_entrys_stops_the_log():
    first, _ = LedgerEntryFactory.create_batch(2)
    sql(
        'UPDATE ledger_entry SET promise = %s WHERE "index" = 1',
        [decode_promise(first.promise).to_bytes()],
    )
    integrate_pending()
    assert "entry 1 does not match the promise" in find_broken_reason()


@pytest.mark.django_db
def test_entries_appended_before_promises_were_given_are_integrated_without_one():
    LedgerEntryFactory.create_batch(2)
    # As a log upgraded with entries not yet integrated: no promise, and promises begin
    # after them.
    sql("UPDATE ledger_entry SET promise = NULL")
    Sequencer.objects.filter(id=1).update(promises_from=2)
    assert integrate_pending() == 2
    assert find_broken_reason() is None
    receipt = LedgerEntryFactory()
    assert receipt.index == 2
    assert integrate_pending() == 1
    assert Sequencer.objects.get(id=1).promises_from == 2


@pytest.mark.django_db
def test_the_first_append_records_where_promises_begin():
    LedgerEntryFactory()
    assert Sequencer.objects.get(id=1).promises_from == 0


# --- Seals: the integrator's cheap check of a promise (decision 0062) ------------------


def refuse_to_check_promises(monkeypatch) -> None:
    def checking(*args, **kwargs):
        raise AssertionError("the integrator checked a promise's signature: its seal held")

    monkeypatch.setattr("civitas.ledger.promises._signature_holds", checking)


@pytest.mark.django_db
def test_sealed_entries_are_integrated_without_checking_their_signatures(monkeypatch):
    LedgerEntryFactory.create_batch(5)
    assert all(seal is not None for seal in Entry.objects.values_list("seal", flat=True))
    refuse_to_check_promises(monkeypatch)
    assert integrate_pending() == 5
    assert find_broken_reason() is None


@pytest.mark.django_db
def test_an_entry_changed_consistently_with_its_seal_kept_stops_the_log():
    LedgerEntryFactory.create_batch(2)
    change_consistently(1)
    integrate_pending()
    assert "entry 1 does not match the promise" in find_broken_reason()


@pytest.mark.django_db
def test_a_seal_made_up_for_a_changed_entry_does_not_vouch_for_it():
    LedgerEntryFactory.create_batch(2)
    change_consistently(1)
    sql('UPDATE ledger_entry SET seal = %s WHERE "index" = 1', [bytes(16)])
    integrate_pending()
    assert "entry 1 does not match the promise" in find_broken_reason()


@pytest.mark.django_db
def test_an_entry_without_a_seal_is_checked_by_its_promise():
    LedgerEntryFactory.create_batch(2)
    # As entries appended before seals were written, or a seal lost: the promise decides.
    sql("UPDATE ledger_entry SET seal = NULL")
    assert integrate_pending() == 2
    assert find_broken_reason() is None


@pytest.mark.django_db
def test_an_unsealed_changed_entry_still_stops_the_log():
    LedgerEntryFactory.create_batch(2)
    change_consistently(0)
    sql("UPDATE ledger_entry SET seal = NULL")
    integrate_pending()
    assert "entry 0 does not match the promise" in find_broken_reason()


# --- The independent verifier ----------------------------------------------------------


@pytest.fixture
def api(live_server) -> str:
    return f"{live_server.url}/api/v1/ledger"


def verify_promise_over_http(api: str, promise: str, *, now: float | None = None):
    keys = [v.key_string() for v in log_keys().verifiers]
    return verify_log(api, trusted_keys=keys, sample=0, promises=[promise], now=now)


@pytest.mark.django_db(transaction=True)
def test_the_verifier_accepts_a_kept_promise_and_proves_its_entry(api):
    LedgerEntryFactory.create_batch(4)
    receipt = LedgerEntryFactory()
    integrate_pending()
    report = verify_promise_over_http(api, receipt.promise)
    assert report.entries_checked == [receipt.index]  # its inclusion proof, verified
    assert "the promise (entry 4): kept" in report.summary()


@pytest.mark.django_db(transaction=True)
def test_the_verifier_accepts_a_promise_still_within_its_merge_delay(api):
    LedgerEntryFactory()
    integrate_pending()
    receipt = LedgerEntryFactory()  # not integrated yet
    report = verify_promise_over_http(api, receipt.promise, now=later(receipt.promise, 299))
    assert "the promise (entry 1): pending" in report.summary()


@pytest.mark.django_db(transaction=True)
def test_the_verifier_rejects_a_forged_promise(api):
    receipt = LedgerEntryFactory()
    integrate_pending()
    with pytest.raises(VerificationError, match="is not a trusted key of log"):
        verify_promise_over_http(api, forged_promise(receipt.index))
    with pytest.raises(VerificationError, match="has a bad signature"):
        verify_promise_over_http(api, altered(receipt.promise))
    with pytest.raises(VerificationError, match="the promise: the promise is not a log promise"):
        verify_promise_over_http(api, "not a promise!")
    with pytest.raises(VerificationError, match="it was cut short"):
        verify_promise_over_http(api, receipt.promise[:100])


@pytest.mark.django_db(transaction=True)
def test_the_verifier_reports_a_promised_entry_that_never_appeared(api):
    LedgerEntryFactory()
    integrate_pending()
    receipt = LedgerEntryFactory()
    # The operator drops the entry before it is integrated, and hands its index out again
    # later: nothing the platform stores shows it, but the applicant holds the promise.
    sql('DELETE FROM ledger_entry WHERE "index" = 1')
    sql("UPDATE ledger_sequencer SET next_index = 1")
    integrate_pending()
    assert find_broken_reason() is None
    verify_promise_over_http(api, receipt.promise, now=later(receipt.promise, 60))  # in time
    with pytest.raises(VerificationError) as error:
        verify_promise_over_http(api, receipt.promise, now=later(receipt.promise, 301))
    assert "entry 1 was promised at" in str(error.value)
    assert "within 300 seconds, but the log's latest checkpoint covers only 1 entries" in str(
        error.value
    )
    assert str(error.value).endswith("the promise was broken")


@pytest.mark.django_db(transaction=True)
def test_the_verifier_reports_an_entry_changed_before_integration_that_the_log_hid(api):
    LedgerEntryFactory()
    integrate_pending()
    receipt = LedgerEntryFactory()
    # An intruder who also removes the stored promise and where promises begin gets the
    # changed entry past the platform's own check; the applicant's promise still holds.
    change_consistently(1)
    sql('UPDATE ledger_entry SET promise = NULL WHERE "index" = 1')
    sql("UPDATE ledger_sequencer SET promises_from = NULL")
    assert integrate_pending() == 1
    with pytest.raises(VerificationError, match="entry 1 is not the entry the log promised"):
        verify_promise_over_http(api, receipt.promise)


@pytest.mark.django_db(transaction=True)
def test_the_verify_command_checks_a_promise(api, capsys):
    receipt = LedgerEntryFactory()
    integrate_pending()
    keys = [f"--key={v.key_string()}" for v in log_keys().verifiers]
    call_command("ledger", "verify", "--url", api, *keys, "--promise", receipt.promise)
    output = capsys.readouterr().out
    assert "the promise (entry 0): kept" in output
    assert output.rstrip().endswith("OK")
    with pytest.raises(CommandError, match=r"verification failed: the promise: .*bad signature"):
        call_command("ledger", "verify", "--url", api, *keys, "--promise", altered(receipt.promise))


# --- The JSON endpoint -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_endpoint_says_a_promise_was_kept(client):
    receipt = LedgerEntryFactory()
    integrate_pending()
    response = client.get("/api/v1/ledger/promises/check", {"promise": receipt.promise})
    assert response.status_code == 200
    answer = response.json()
    assert (answer["state"], answer["kept"], answer["broken"]) == ("kept", True, False)
    assert (answer["index"], answer["leaf_hash"]) == (0, receipt.leaf_hash.hex())
    assert answer["max_merge_delay"] == 300
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_the_endpoint_says_a_promise_is_pending_then_late(client, settings):
    receipt = LedgerEntryFactory()
    answer = client.get("/api/v1/ledger/promises/check", {"promise": receipt.promise}).json()
    assert answer["state"] == "pending"
    settings.LEDGER_MAX_MERGE_DELAY_SECONDS = 1  # only new promises: this one says 300
    promise = decode_promise(receipt.promise)
    late = EntryPromise(**{**promise.__dict__, "timestamp_ms": 0})
    answer = client.get("/api/v1/ledger/promises/check", {"promise": late.encode()}).json()
    assert answer["state"] == "forged"  # the time is signed too


@pytest.mark.django_db
def test_the_endpoint_says_a_forged_promise_is_not_the_logs(client):
    answer = client.get("/api/v1/ledger/promises/check", {"promise": forged_promise(0)}).json()
    assert (answer["state"], answer["kept"], answer["broken"]) == ("forged", False, True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"promise": ""},
        {"promise": "x" * 50},
        {"promise": "é"},
        {"promise": "x" * 100_000},
        {"promise": "\x00"},
        {"promise": "AAAA\x00AAAA"},
        {"promise": "AAAA\u202eAAAA"},
        {"promise": "=" * 8},
        {"promise": "A" * 217},  # base64 of a length no promise has
        {"promise": "AAA+/AAA"},  # standard base64, not the URL-safe kind promises use
        {"promise": " \n\t "},
    ],
)
def test_the_endpoint_answers_an_unreadable_promise_with_a_problem(client, query):
    response = client.get("/api/v1/ledger/promises/check", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "promise" in detail
    assert len(detail) < 200  # says what is wrong, without repeating what was sent
    assert find_broken_reason() is None


@pytest.mark.django_db
def test_the_endpoint_takes_a_promise_only_in_the_query(client):
    # Read-only: a body, of whatever type, is not read; the method is refused first.
    for content_type in ("application/json", "application/octet-stream", "text/plain"):
        response = client.post(
            "/api/v1/ledger/promises/check", data=b"x" * 100_000, content_type=content_type
        )
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_the_endpoint_stops_the_log_when_a_promised_entry_was_changed(client):
    receipt = LedgerEntryFactory()
    change_consistently(receipt.index)
    answer = client.get("/api/v1/ledger/promises/check", {"promise": receipt.promise}).json()
    assert (answer["state"], answer["broken"]) == ("changed", True)
    assert "entry 0 is not the entry the log promised" in find_broken_reason()


# --- The entry page --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_entry_page_says_the_promise_in_the_link_was_kept(client):
    receipt = LedgerEntryFactory()
    integrate_pending()
    page = client.get(f"/ledger/entries/0/?promise={receipt.promise}").content.decode()
    assert "Promise kept" in page
    assert "the log gave you a signed promise (it is in your email)" in page
    assert f"--promise {receipt.promise}" in page


@pytest.mark.django_db
def test_the_entry_page_shows_the_stored_promise_without_a_link(client):
    receipt = LedgerEntryFactory()
    page = client.get("/ledger/entries/0/").content.decode()
    assert "Waiting" in page
    assert "the log signed a promise to add it to its signed public log by" in page
    assert receipt.promise in page


@pytest.mark.django_db
def test_the_entry_page_says_a_forged_promise_was_not_signed_by_the_log(client):
    LedgerEntryFactory()
    integrate_pending()
    page = client.get(f"/ledger/entries/0/?promise={forged_promise(0)}").content.decode()
    assert "Not signed by this log" in page
    assert "Promise kept" not in page
    assert find_broken_reason() is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "promise",
    ["nonsense", "<script>alert(1)</script>", "A" * 5000, "\x00", "AAAA\u202eAAAA", "=" * 8],
)
def test_the_entry_page_says_a_promise_it_cannot_read_could_not_be_read(client, promise):
    LedgerEntryFactory()
    response = client.get("/ledger/entries/0/", {"promise": promise})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The promise in your link could not be read." in page
    assert "<script>alert" not in page


@pytest.mark.django_db
def test_a_promise_for_another_entry_links_to_it(client):
    _, second = LedgerEntryFactory.create_batch(2)
    page = client.get(f"/ledger/entries/0/?promise={second.promise}").content.decode()
    assert "The promise in your link is for another record." in page
    assert f'href="/ledger/entries/1/?promise={second.promise}"' in page


@pytest.mark.django_db
def test_the_entry_page_says_a_late_promise_was_broken(client, settings):
    receipt = LedgerEntryFactory()
    Entry.objects.filter(index=0).update(occurred_at=timezone.now() - datetime.timedelta(hours=1))
    # The promise's own time is what counts: a promise made an hour ago, unkept.
    keys = log_keys()
    old = make_promise(
        keys.signers[0],
        origin=keys.origin,
        index=0,
        timestamp_ms=decode_promise(receipt.promise).timestamp_ms - 3_600_000,
        max_merge_delay_s=300,
        leaf_hash=receipt.leaf_hash,
    )
    page = client.get(f"/ledger/entries/0/?promise={old.encode()}").content.decode()
    assert "Promise broken" in page
    assert "The record was not added to the signed log in time." in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stored",
    [b"garbage", "forged", "another entry's"],
)
def test_a_stored_promise_altered_after_integration_stops_the_log(client, stored):
    first, _ = LedgerEntryFactory.create_batch(2)
    integrate_pending()
    replacement = {
        b"garbage": b"garbage",
        "forged": decode_promise(forged_promise(1)).to_bytes(),
        "another entry's": decode_promise(first.promise).to_bytes(),
    }[stored]
    sql('UPDATE ledger_entry SET promise = %s WHERE "index" = 1', [replacement])
    response = client.get("/ledger/entries/1/")
    assert response.status_code == 200
    assert "The promise stored with this record has been changed." in response.content.decode()
    assert find_broken_reason().startswith("entry 1's stored promise was altered")
