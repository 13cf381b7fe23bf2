"""The transparency log in-process: appends, proofs at a million entries, cost to a submission.

Each figure is divided by a floor measured in the same run on the same machine:

- appends and proofs by the pure hashing floor: the SHA-256 work alone (leaf and node
  hashes for appends, the hashes of verifying the same proofs for proofs), with no
  database, no Python beyond the hashing, nothing else;
- a submission with its log entry by the same submission without it.

Transactions commit as they would in service (on PostgreSQL a repeated update of one
row inside a single long transaction is pathologically slow, so nothing is faked with
one big rolled-back transaction). The log is therefore emptied before and after, and
the benchmark refuses any database whose name does not say it is for benchmarks.

`python -m bench` runs `run()` with DATABASE_URL selecting SQLite or PostgreSQL (its
throwaway var/bench.sqlite3 and civitas_bench); run this file directly to try it.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

LOG_SIZE = 1_000_000
APPENDS = 50_000
APPEND_BATCH = 500
SINGLE_APPENDS = 1_000
PROOFS = 5_000
SUBMISSION_ROUNDS = 16
SUBMISSIONS_PER_ROUND = 40
GOAL_APPENDS = 10_000
GOAL_PROOFS = 10_000
GOAL_TILE_RATIO = 0.5
HTTP_ROUNDS = 4
HTTP_SECONDS = 4
STATIC_PATH = "/static/bench-tile.bin"
GOAL_EXTRA = 0.05

# A typical leaf body: the benchmark's entries are as long as a case decision's.
_BODY = (
    b',"kind":"bench.appended","organisation":"Example Borough Council","payload":'
    b'{"number":%d,"outcome":"approve","reason_sha256":"'
    + b"ab" * 32
    + b'","service":"resident-parking-permit@1"},"role":"caseworker","subject":"hmac-sha256:'
    + b"cd" * 32
    + b'","time":"2026-01-01T00:00:00.000000Z","version":1}'
)
_ENTRY_COLUMNS = '"index", kind, occurred_at, organisation, role, subject, leaf_data, leaf_hash'


def _leaf(index: int) -> bytes:
    # The same bytes format_leaf writes for this entry, made without canonicalising
    # a million dicts (tested against format_leaf in run()).
    return b'{"index":%d' % index + _BODY % index


def _seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


_TABLES = [
    "ledger_entry",
    "ledger_entrylookup",
    "ledger_node",
    "ledger_checkpoint",
    "ledger_treestate",
    "ledger_sequencer",
]


def _refuse_unless_a_benchmark_database() -> None:
    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        raise SystemExit(
            f"bench.ledger empties the transparency log of the database it runs on; "
            f"{name!r} is not named as a benchmark database, so it was left alone"
        )


def _clear_the_log() -> None:
    from civitas.ledger.floor import reset_saved_checkpoint
    from civitas.ledger.guard import guard

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(_TABLES)}")
        else:
            for table in _TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    guard.reset()  # a fresh log, as far as this process knows
    reset_saved_checkpoint()  # and as far as its saved checkpoint goes: emptied on purpose


# --- Floors ----------------------------------------------------------------------------


def hashing_floor(count: int) -> tuple[float, float]:
    """(entries/s, hashes/s) for only the SHA-256 work of appending ``count`` entries."""
    from civitas.ledger import merkle

    leaves = [_leaf(index) for index in range(count)]
    sha256 = hashlib.sha256
    started = time.perf_counter()
    hashes = [sha256(b"\x00" + data).digest() for data in leaves]
    # The node hashes of the same batch, paired level by level as append_batch does.
    level = hashes
    node_count = 0
    while len(level) > 1:
        level = [
            sha256(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)
        ]
        node_count += len(level)
    seconds = time.perf_counter() - started
    assert len(hashes[0]) == merkle.HASH_SIZE
    return count / seconds, (count + node_count) / seconds


# --- Appends ---------------------------------------------------------------------------


def _entry(number: int) -> dict[str, Any]:
    return {
        "kind": "bench.appended",
        "organisation": "Example Borough Council",
        "role": "caseworker",
        "subject": "hmac-sha256:" + "cd" * 32,
        "payload": {"number": number, "outcome": "approve", "reason_sha256": "ab" * 32},
    }


def single_appends(count: int) -> float:
    """Entries/s appended one per transaction, each committed: a decision's own cost."""
    from civitas.ledger.services import record_entry

    def record() -> None:
        for number in range(count):
            with transaction.atomic():
                record_entry(**_entry(number))

    return count / _seconds(record)


def batched_appends(count: int) -> tuple[float, float]:
    """(entries/s recorded in batches and integrated, entries/s integrated alone)."""
    from civitas.ledger.services import NewEntry, integrate_pending, record_entries

    def record() -> None:
        for start in range(0, count, APPEND_BATCH):
            with transaction.atomic():
                record_entries([NewEntry(**_entry(n)) for n in range(start, start + APPEND_BATCH)])

    recording = _seconds(record)
    integrated = 0

    def integrate() -> None:
        nonlocal integrated
        integrated = integrate_pending(batch_size=10_000)

    integrating = _seconds(integrate)
    assert integrated == count, integrated
    return count / (recording + integrating), count / integrating


# --- A log of a million entries --------------------------------------------------------


def _insert(table: str, columns: str, rows: Iterator[tuple], width: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: COPY is the fast bulk path
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ",".join(["%s"] * width)
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


@transaction.atomic
def build_log(size: int) -> tuple[bytes, float]:
    """Writes a signed log of ``size`` entries straight into the tables; (root, seconds)."""
    from civitas.ledger import merkle
    from civitas.ledger.keys import log_keys
    from civitas.ledger.models import Checkpoint, Sequencer, TreeState, node_id
    from civitas.ledger.services import sign_checkpoint

    started = time.perf_counter()
    sha256 = hashlib.sha256
    leaves = [_leaf(index) for index in range(size)]
    hashes = [sha256(b"\x00" + data).digest() for data in leaves]
    when = timezone.now()
    subject = "hmac-sha256:" + "cd" * 32
    _insert(
        "ledger_entry",
        _ENTRY_COLUMNS,
        (
            (
                index,
                "bench.appended",
                when,
                "Example Borough Council",
                "caseworker",
                subject,
                data,
                digest,
            )
            for index, (data, digest) in enumerate(zip(leaves, hashes, strict=True))
        ),
        8,
    )
    del leaves
    _insert(
        "ledger_entrylookup",
        '"index", subject, leaf_hash',
        ((index, subject, digest) for index, digest in enumerate(hashes)),
        3,
    )
    nodes = merkle.append_batch(0, hashes, {})
    _insert("ledger_node", "id, hash", ((node_id(lvl, idx), value) for lvl, idx, value in nodes), 2)
    edge = set(merkle.root_node_ids(size))
    root = merkle.root_hash(size, {(lvl, idx): h for lvl, idx, h in nodes if (lvl, idx) in edge})
    keys = log_keys()
    note = sign_checkpoint(size, root, keys, int(time.time()))
    Checkpoint.objects.create(size=size, root=root, note=note, published_at=timezone.now())
    TreeState.objects.create(id=1, size=size, root=root)
    Sequencer.objects.create(id=1, next_index=size)
    return root, time.perf_counter() - started


def round_trips(count: int) -> float:
    """`SELECT 1`s per second on this connection: the floor of anything that asks the
    database once, as every proof does."""

    def ask() -> None:
        with connection.cursor() as cursor:
            for _ in range(count):
                cursor.execute("SELECT 1")
                cursor.fetchone()

    return count / _seconds(ask)


def proofs_at(size: int, root: bytes, count: int) -> tuple[float, float, float]:
    """(proofs/s made from tiles and verified, the same with the tile store empty at the
    start, proofs/s verified alone).

    Made by the API's own function, which reads tiles through the tile store: the first
    pass starts from an empty store, as a process that has just started; the second
    finds the tiles the first read, as a serving process does.
    """
    from civitas.ledger import merkle
    from civitas.ledger.guard import guard
    from civitas.ledger.queries import get_inclusion_proof

    chooser = random.Random(9162)
    indexes = [chooser.randrange(size) for _ in range(count)]

    def make() -> tuple[float, list]:
        proofs = []
        started = time.perf_counter()
        for index in indexes:
            proof = get_inclusion_proof(index, size)
            assert merkle.verify_inclusion(proof.leaf_hash, index, size, proof.path, root)
            proofs.append(proof)
        return count / (time.perf_counter() - started), proofs

    guard.tiles.clear()
    cold, _ = make()
    warm, proofs = make()
    started = time.perf_counter()
    for proof in proofs:
        merkle.verify_inclusion(proof.leaf_hash, proof.index, size, proof.path, root)
    verified = count / (time.perf_counter() - started)
    return warm, cold, verified


def tiles_over_http(size: int, *, rounds: int, seconds: int) -> tuple[float, float, float]:
    """(tiles/s, the static file's requests/s, median ratio): full level-0 tiles at random
    through the log's API, against a static file of the same 8,192 bytes served by the
    same server (gunicorn, WhiteNoise), in interleaved rounds."""
    from django.conf import settings

    from bench.load import Server, run_wrk
    from civitas.ledger.tiles import TileId

    static = Path(settings.STATIC_ROOT) / STATIC_PATH.removeprefix("/static/")
    static.write_bytes(random.Random(8).randbytes(8192))
    chooser = random.Random(6962)
    tiles = [
        {"path": "/api/v1/ledger/" + TileId(0, chooser.randrange(size // 256), 256).path}
        for _ in range(2000)
    ]
    server = Server("civitas.wsgi:application", {"LOG_LEVEL": "WARNING"}, ready_path="/healthz")
    try:
        run_wrk(server.url, tiles, seconds=seconds, connections=8)  # warm, as a server is
        served, floors, ratios = [], [], []
        for number in range(rounds):
            # Taking turns to go first, so the shared machine's drift falls on both alike.
            order = [tiles, [{"path": STATIC_PATH}]]
            if number % 2:
                order.reverse()
            first, second = (run_wrk(server.url, r, seconds=seconds, connections=8) for r in order)
            tile, floor = (second, first) if number % 2 else (first, second)
            assert tile.errors == 0, tile
            assert floor.errors == 0, floor
            served.append(tile.requests_per_second)
            floors.append(floor.requests_per_second)
            ratios.append(tile.requests_per_second / floor.requests_per_second)
    finally:
        server.stop()
        static.unlink(missing_ok=True)
    return statistics.median(served), statistics.median(floors), statistics.median(ratios)


# --- A submission with and without its entry -------------------------------------------

ANSWERS = {
    "address": "12 Station Road\nEastbury\nEB1 1AA",
    "zone": "A",
    "registration": "CU57ABC",
    "co2_band": "B",
    "permit_months": "12",
    "start_date": "2026-12-01",
    "email": "resident@example.com",
}


@contextmanager
def _without_log_entry() -> Iterator[None]:
    """The submission exactly as it is, less all it does for its log entry: asking whether
    the log takes entries, and the entry it leaves in its confirmation's outbox row for
    the worker to append (decision 0065)."""
    import civitas.cases.handlers as cases

    originals = (cases.ledger_seen_open, cases._submitted_entry)
    cases.ledger_seen_open = lambda: True
    cases._submitted_entry = lambda *args, **kwargs: None
    try:
        yield
    finally:
        cases.ledger_seen_open, cases._submitted_entry = originals


def submission_cost(rounds: int, per_round: int) -> tuple[float, float, float]:
    """(submissions/s with the entry, without it, median ratio with/without)."""
    from django.conf import settings

    from civitas.cases.public import submit_application
    from civitas.catalogue.public import ServiceNotFound, get_live_service, publish_service_file
    from civitas.identity.public import ensure_organisation

    try:
        service = get_live_service("example-borough", "resident-parking-permit")
    except ServiceNotFound:
        ensure_organisation(slug="example-borough", name="Example Borough Council")
        publish_service_file(
            settings.SERVICES_DIR / "resident-parking-permit" / "service.yaml",
            published_by="bench",
        )
        service = get_live_service("example-borough", "resident-parking-permit")

    def submit(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            # No fee: the case is submitted (and logged) at once, not when it is paid.
            submit_application(service=service, answers=dict(ANSWERS), fee_pence=None)
        return count / (time.perf_counter() - started)

    submit(20)  # warm: the log's start-up check, caches, connections
    with _without_log_entry():
        submit(20)
    with_entry, without_entry, ratios = [], [], []
    for number in range(rounds):
        # Interleaved, and taking turns to go first, so that the machine's drift (other
        # work on a shared host) falls on both sides alike.
        if number % 2:
            a = submit(per_round)
            with _without_log_entry():
                b = submit(per_round)
        else:
            with _without_log_entry():
                b = submit(per_round)
            a = submit(per_round)
        with_entry.append(a)
        without_entry.append(b)
        ratios.append(a / b)
    return (
        statistics.median(with_entry),
        statistics.median(without_entry),
        statistics.median(ratios),
    )


# --- The run ---------------------------------------------------------------------------


def run(database_label: str) -> list[dict]:
    """Every figure for the configured database, each with its floor and ratio."""
    from civitas.ledger.leaf import format_leaf

    _refuse_unless_a_benchmark_database()
    example = format_leaf(
        index=5, time=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        **{**_entry(5), "payload": {"number": 5, "outcome": "approve", "reason_sha256": "ab" * 32,
                                    "service": "resident-parking-permit@1"}},
    )  # fmt: skip
    assert example == _leaf(5), "the benchmark's leaves must be real entries"

    floor_entries, floor_hashes = hashing_floor(APPENDS)
    _clear_the_log()
    single = single_appends(SINGLE_APPENDS)
    _clear_the_log()
    appends, integration = batched_appends(APPENDS)
    _clear_the_log()
    root, build_seconds = build_log(LOG_SIZE)
    made, made_cold, verified = proofs_at(LOG_SIZE, root, PROOFS)
    asked = round_trips(PROOFS)
    tiles, static, tile_ratio = tiles_over_http(LOG_SIZE, rounds=HTTP_ROUNDS, seconds=HTTP_SECONDS)
    with_entry, without_entry, ratio = submission_cost(SUBMISSION_ROUNDS, SUBMISSIONS_PER_ROUND)
    _clear_the_log()  # leave an empty, consistent log behind

    return [
        {
            "name": "ledger: hashing floor (leaf + node SHA-256)",
            "value": round(floor_hashes),
            "unit": "hashes/s",
            "floor": "itself",
            "ratio": 1.0,
            "goal": "floor",
        },
        {
            "name": f"ledger: batched appends ({APPEND_BATCH} a transaction) + integrate",
            "value": round(appends),
            "unit": "entries/s",
            "floor": f"hashing the same entries: {floor_entries:,.0f} entries/s",
            "ratio": round(appends / floor_entries, 4),
            "goal": f">= {GOAL_APPENDS:,} entries/s",
            "integration_only": round(integration),
        },
        {
            "name": "ledger: single appends, each committed",
            "value": round(single),
            "unit": "entries/s",
            "floor": f"hashing the same entries: {floor_entries:,.0f} entries/s",
            "ratio": round(single / floor_entries, 4),
            "goal": "information (each rides in its decision's transaction)",
        },
        {
            "name": f"ledger: inclusion proof at {LOG_SIZE:,} from tiles (make + verify)",
            "value": round(made),
            "unit": "proofs/s",
            "floor": f"verifying the same proofs, hashing only: {verified:,.0f} proofs/s",
            "ratio": round(made / verified, 4),
            "goal": f">= {GOAL_PROOFS:,} proofs/s",
            "tile_store_empty_at_start": round(made_cold),
            "round_trip_floor": f"SELECT 1: {asked:,.0f}/s",
            "log_built_in_s": round(build_seconds, 1),
        },
        {
            "name": "ledger: full tiles over HTTP",
            "value": round(tiles),
            "unit": "req/s",
            "floor": f"a static file of 8,192 bytes, same server: {static:,.0f} req/s",
            "ratio": round(tile_ratio, 3),
            "goal": f">= {GOAL_TILE_RATIO} of the static file",
        },
        {
            "name": "ledger: submission with its log entry",
            "value": round(with_entry),
            "unit": "subm./s",
            "floor": f"the same submission without the entry: {without_entry:,.0f}/s",
            "ratio": round(ratio, 3),
            "goal": f">= {1 - GOAL_EXTRA:.2f} (the entry adds <= {GOAL_EXTRA:.0%})",
            "extra_percent": round((1 / ratio - 1) * 100, 1),
        },
    ]


if __name__ == "__main__":
    import json
    import os
    import sys

    import django

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civitas.settings")
    django.setup()
    label = connection.vendor
    for row in run(label):
        print(json.dumps(row))
