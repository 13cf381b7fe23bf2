"""Case management at scale: the queues, "take the next case", search and the case page,
at 10,000 cases and again at 1,000,000, in the same database.

Cases are seeded straight into the tables (COPY on PostgreSQL, executemany in large
transactions on SQLite) across three services of two organisations, the routed one
spread over its teams, most of them closed, some open and waiting, some open and
assigned. Each row is real: its answers and reasons are sealed for its own reference by
the field encryption itself, and its search digests are made by the search index's own
function (checked against `search_terms` for the first rows of each service), so pages
decrypt and searches find. The smaller size is seeded and measured first; the rest is
then added to the same tables and everything measured again.

Each operation goes through the real path: the pages themselves, through Django's WSGI
handler in this process (the test client), signed in as a caseworker with their second
factor. The floor is a bare primary-key lookup of a random case through the ORM
(`Case.objects.filter(pk=...).first()`), timed in the same rounds. A row's `ratio` is the
operation's median time over the floor's median time (how many primary-key lookups one
operation costs); `p95_ratio` the same of the 95th percentiles. The goal: no list or search
grows with the number of cases, that is each ratio at the larger size is within 1.5x of
its ratio at the smaller (`growth`).

`python -m bench --only cases [--cases N]` runs it (BENCH_CASES=N here); the benchmark
refuses any database whose name does not say it is for benchmarks.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
ROUNDS = 10
PER_ROUND = 20
FLOOR_EACH = 15
GOAL_GROWTH = 1.5
CHUNK = 50_000
SEED = 20261202

# The caseworker measured: a member of two of the routed service's three teams.
CASEWORKER = "caseworker@example-borough.gov.uk"
CASEWORKER_PASSWORD = "demo-caseworker-password"
CASEWORKER_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ASSIGNEES = [
    CASEWORKER,
    "leader@example-borough.gov.uk",
    "environment@example-borough.gov.uk",
]

FIRST_NAMES = (  # noqa: SIM905 - easier to read as words
    "Amelia Olivia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Evie Alice "
    "Ella Sian Rhys Dafydd Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie "
    "Henry Theo Jack Charlie Freddie Alfie Thomas Finley Ethan Joshua Aled Megan "
    "Catrin Priya Aisha"
).split()
SURNAMES = (  # noqa: SIM905 - easier to read as words
    "Smith Jones Williams Taylor Davies Brown Evans Wilson Thomas Johnson Roberts "
    "Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris "
    "Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee "
    "King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
    "Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell "
    "Shaw Murphy Khan"
).split()
# Letters of a postcode's inward code (none of C I K M O V).
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def _postcode(number: int) -> str:
    district, rest = 1 + number % 20, number // 20
    return f"EB{district} {rest % 10}{_INWARD[rest // 10 % 20]}{_INWARD[rest // 200 % 20]}"


def _email(number: int) -> str:
    return f"resident{number}@example.com"


# --- What is seeded --------------------------------------------------------------------


@dataclass
class Service:
    organisation: str
    slug: str
    share: float
    organisation_id: int = 0
    version: int = 0
    model: Any = None
    teams: dict[str, int] = field(default_factory=dict)
    """The routed service's teams, by problem type."""


SERVICES = [
    Service("example-borough", "report-a-problem", 0.45),
    Service("example-borough", "resident-parking-permit", 0.35),
    Service("sample-district", "resident-parking-permit", 0.20),
]
PROBLEMS = {"pothole": "highways", "fly_tipping": "environment", "abandoned_vehicle": None}


def _answers(service: Service, rng: random.Random, postcode: str, email: str) -> dict:
    if service.slug == "report-a-problem":
        problem = rng.choice(list(PROBLEMS))
        return {
            "problem_type": problem,
            "location_method": "postcode",
            "postcode": postcode,
            "description": "A problem in the road outside the school",
            "wants_updates": "yes",
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            "email": email,
        }
    if service.organisation == "example-borough":
        return {
            "address": f"{rng.randrange(1, 200)} Station Road\nEastbury\n{postcode}",
            "registration": "CU57ABC",
            "co2_band": "B",
            "permit_months": "12",
            "start_date": "2026-12-01",
            "permits_in_household": "0",
            "has_blue_badge": "no",
            "email": email,
            "phone": None,
        }
    return {
        "postcode": postcode,
        "address_line": f"{rng.randrange(1, 200)} High Street",
        "registration": "CU57ABC",
        "co2_band": "B",
        "permit_months": "12",
        "start_date": "2026-12-01",
        "permits_in_household": "0",
        "has_blue_badge": "no",
        "email": email,
    }


def _reference(number: int) -> str:
    from civitas.platform.references import ALPHABET, PAYLOAD_LENGTH, reference_for

    # A bijection of 0..28^8: every case a different reference, in no visible order.
    mixed = (number * 2_654_435_761 + 97) % len(ALPHABET) ** PAYLOAD_LENGTH
    payload = ""
    for _ in range(PAYLOAD_LENGTH):
        mixed, digit = divmod(mixed, len(ALPHABET))
        payload += ALPHABET[digit]
    return reference_for(payload)


CASE_COLUMNS = (
    "id, reference, organisation_id, service_slug, service_version, status, status_kind, version, "
    "status_since, channel, language, answers, fee_pence, submitted_at, decided_at, "
    "decided_by_id, decision_reason, team_id, assigned_to_id, assigned_at"
)
KINDS = {"submitted": "open", "approved": "closed-approved", "refused": "closed-refused"}
TERM_COLUMNS = "case_id, organisation_id, kind, digest, submitted_at"


@dataclass
class Seeder:
    services: list[Service]
    staff: dict[str, int]
    now: datetime.datetime
    digests: dict[tuple[str, str], str] = field(default_factory=dict)
    key: bytes = b""
    smaller: int = 10_000
    """The smaller size measured, whose pools of postcodes and email addresses the
    searches look for."""
    step: datetime.timedelta = datetime.timedelta(minutes=1)
    """Between one case's submission and the next older one's."""
    checked: dict[str, int] = field(default_factory=dict)

    def digest(self, kind: str, text: str) -> str:
        from civitas.cases.search import _digest, _index_key

        found = self.digests.get((kind, text))
        if found is None:
            if not self.key:
                self.key = _index_key()
            found = self.digests[(kind, text)] = _digest(self.key, kind, text)
        return found

    def case(self, number: int, size: int) -> tuple[tuple, list[tuple]]:
        """Case `number` (its id is number + 1) of a database of `size` cases, and its
        search terms. Its postcode and email come from pools that grow with the size, so
        a postcode has about as many cases at each size, and at least a full page."""
        from civitas.cases.models import Case
        from civitas.cases.search import _name_words
        from civitas.platform.crypto import seal_bound

        rng = random.Random(SEED + number)
        pick = rng.random()
        service = self.services[-1]
        for candidate in self.services:
            if pick < candidate.share:
                service = candidate
                break
            pick -= candidate.share
        reference = _reference(number)
        postcode = _postcode(rng.randrange(max(1, size // 100)))
        email = _email(rng.randrange(max(1, size // 3)))
        answers = _answers(service, rng, postcode, email)
        team_id = None
        if service.teams:
            team_id = service.teams.get(answers["problem_type"])
        # Case 0 is the newest; each further one older (the largest size spans five years).
        submitted_at = self.now - number * self.step
        state = rng.random()
        status, decided_at, decided_by, reason, assigned_to, assigned_at = (
            "submitted", None, None, None, None, None,
        )  # fmt: skip
        if state < 0.70:
            status = "approved"
        elif state < 0.86:
            status = "refused"
            reason = "The address is not in a permit zone"
        elif state < 0.93 and service.organisation == "example-borough":
            assigned_to = self.staff[ASSIGNEES[number % len(ASSIGNEES)]]
            assigned_at = submitted_at + datetime.timedelta(hours=2)
        if status != "submitted":
            decided_at = submitted_at + datetime.timedelta(days=3)
            decided_by = self.staff[CASEWORKER]
        answers_field = Case._meta.get_field("answers")
        reason_field = Case._meta.get_field("decision_reason")
        sealed_answers = seal_bound(
            answers_field.encode(answers), binding=answers_field.binding_for(reference)
        )
        sealed_reason = (
            None
            if reason is None
            else seal_bound(
                reason_field.encode(reason), binding=reason_field.binding_for(reference)
            )
        )
        case_id = number + 1
        row = (
            case_id, reference, service.organisation_id, service.slug, service.version, status,
            KINDS[status], 0 if status == "submitted" else 1, decided_at or submitted_at,
            "online", "en", sealed_answers, 10500 if service.slug != "report-a-problem" else None,
            submitted_at, decided_at, decided_by, sealed_reason, team_id, assigned_to,
            assigned_at,
        )  # fmt: skip
        texts = {("email", email.casefold()), ("postcode", postcode)}
        if "name" in answers:
            texts |= {("name", word) for word in _name_words(answers["name"])}
        terms = [
            (case_id, service.organisation_id, kind, self.digest(kind, text), submitted_at)
            for kind, text in sorted(texts)
        ]
        key = f"{service.organisation}/{service.slug}"
        if self.checked.get(key, 0) < 50:
            self._check(service, answers, {(kind, digest) for _, _, kind, digest, _ in terms})
            self.checked[key] = self.checked.get(key, 0) + 1
        return row, terms

    def _check(self, service: Service, answers: dict, terms: set[tuple[str, str]]) -> None:
        """The seeded digests must be the ones a real submission gets, or searches would
        measure misses."""
        from civitas.cases.search import search_terms

        assert search_terms(service.model, answers) == terms, (service.slug, answers)


def _insert(table: str, columns: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        rows = [
            tuple(adapt(v) if isinstance(v, datetime.datetime) else v for v in row) for row in rows
        ]
        marks = ",".join(["%s"] * len(rows[0]))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def seed(seeder: Seeder, start: int, stop: int, size: int) -> float:
    """Adds cases start..stop-1 (of a database of `size`); the seconds it took."""
    started = time.perf_counter()
    for first in range(start, stop, CHUNK):
        cases, terms = [], []
        for number in range(first, min(stop, first + CHUNK)):
            row, its_terms = seeder.case(number, size)
            cases.append(row)
            terms += its_terms
        with transaction.atomic():
            _insert("cases_case", CASE_COLUMNS, cases)
            _insert("cases_casesearchterm", TERM_COLUMNS, terms)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                "(SELECT max(id) FROM cases_case))"
            )
            # What autovacuum would soon do after a load this size.
            cursor.execute("ANALYZE cases_case")
            cursor.execute("ANALYZE cases_casesearchterm")
        else:
            cursor.execute("ANALYZE")
            # As SQLite's own checkpoints soon would: a load this size leaves a long WAL
            # that every read would look through first.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def _services_and_staff() -> tuple[list[Service], dict[str, int]]:
    from civitas.catalogue.public import get_live_service
    from civitas.identity.models import StaffUser, Team

    for service in SERVICES:
        live = get_live_service(service.organisation, service.slug)
        service.organisation_id, service.version, service.model = (
            live.organisation_id, live.version, live,
        )  # fmt: skip
        if service.slug == "report-a-problem":
            teams = {
                t.slug: t.id for t in Team.objects.filter(organisation_id=live.organisation_id)
            }
            service.teams = {p: teams[t] for p, t in PROBLEMS.items() if t is not None}
            service.teams["abandoned_vehicle"] = teams["street-scene"]
    staff = dict(StaffUser.objects.filter(email__in=ASSIGNEES).values_list("email", "id"))
    return SERVICES, staff


# --- Measuring -------------------------------------------------------------------------


def _signed_in_client() -> Any:
    import pyotp
    from django.test import Client

    client = Client()
    response = client.post("/staff/sign-in", {"email": CASEWORKER, "password": CASEWORKER_PASSWORD})
    assert response.status_code == 302, response.status_code
    for _ in range(3):
        response = client.post("/staff/sign-in/code", {"code": pyotp.TOTP(CASEWORKER_TOTP).now()})
        if response.status_code == 302:
            return client
        time.sleep(31)  # the code of this half-minute was used already: the next one
    raise AssertionError(f"signing in refused: {response.status_code}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(size: int, seeder: Seeder) -> dict[str, list[float]]:
    """Times in ms of each operation and of the floor, interleaved in rounds."""
    from civitas.cases.models import Case

    client = _signed_in_client()
    rng = random.Random(SEED + size)
    borough = {s.organisation_id for s in SERVICES if s.organisation == "example-borough"}

    def a_borough_case() -> Case:
        while True:
            number = rng.randrange(size)
            row, _ = seeder.case(number, size)
            if row[2] in borough:
                return row

    def page(path: str, expect: int = 200, **params: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(path, params)
            assert response.status_code == expect, (path, response.status_code)

        return get

    def reference_search() -> tuple[Callable[[], None], None]:
        reference = a_borough_case()[1]
        return page("/staff/cases/search/", 302, q=reference.replace("-", "").lower()), None

    def postcode_search() -> tuple[Callable[[], None], None]:
        # A postcode of the smaller size's pool: in use at both sizes, by a full page of
        # cases or more at each.
        postcode = _postcode(rng.randrange(max(1, seeder.smaller // 100)))
        postcode = postcode.replace(" ", "").lower()
        return page("/staff/cases/search/", q=postcode), None

    def email_search() -> tuple[Callable[[], None], None]:
        # An address of the smaller size's pool: about three cases at each size.
        return page("/staff/cases/search/", q=_email(rng.randrange(seeder.smaller // 3))), None

    def name_search() -> tuple[Callable[[], None], None]:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        return page("/staff/cases/search/", q=name), None

    def case_page() -> tuple[Callable[[], None], None]:
        return page(f"/staff/cases/{a_borough_case()[1]}/"), None

    def take_next() -> tuple[Callable[[], None], Callable[[], None]]:
        taken: list[str] = []

        def post() -> None:
            response = client.post("/staff/cases/next")
            assert response.status_code == 302
            assert "none=1" not in response["Location"]
            taken.append(response["Location"].rstrip("/").rsplit("/", 1)[-1])

        def put_back() -> None:
            # The same queue for every try: the case taken goes back, untimed.
            Case.objects.filter(reference=taken.pop()).update(assigned_to=None, assigned_at=None)

        return post, put_back

    def fixed(work: Callable[[], None]) -> Callable[[], tuple[Callable[[], None], None]]:
        return lambda: (work, None)

    operations: dict[str, Callable[[], tuple[Callable[[], None], Any]]] = {
        "team queue (page)": fixed(page("/staff/cases/queues/team/")),
        "take the next case (POST)": take_next,
        "search by reference (page)": reference_search,
        "search by postcode (page)": postcode_search,
        "search by email (page)": email_search,
        "search by name (page)": name_search,
        "case list (page)": fixed(page("/staff/cases/")),
        "case page (decrypts the answers)": case_page,
    }
    ids = [rng.randrange(1, size + 1) for _ in range(ROUNDS * FLOOR_EACH * len(operations))]

    def floor(pk: int) -> None:
        found = Case.objects.filter(pk=pk).first()
        assert found is not None

    _check_case_page(client, seeder, size, borough)
    for prepare in operations.values():  # warm: caches, the session, compiled templates
        work, after = prepare()
        work()
        if after:
            after()
    clock = time.perf_counter_ns
    times: dict[str, list[float]] = {"floor": [], **{name: [] for name in operations}}
    floor_ids = iter(ids)
    for _ in range(ROUNDS):
        for name, prepare in operations.items():
            # The floor's lookups beside each operation's: a busy machine's drift falls on
            # both alike.
            for _ in range(FLOOR_EACH):
                pk = next(floor_ids)
                started = clock()
                floor(pk)
                times["floor"].append((clock() - started) / 1e6)
            for _ in range(PER_ROUND):
                work, after = prepare()
                started = clock()
                work()
                times[name].append((clock() - started) / 1e6)
                if after:
                    after()
    return times


def _check_case_page(client: Any, seeder: Seeder, size: int, borough: set[int]) -> None:
    """The case page shows the seeded answers, decrypted for their own reference."""
    for number in range(size):
        row, _ = seeder.case(number, size)
        if row[2] in borough:
            break
    response = client.get(f"/staff/cases/{row[1]}/")
    assert response.status_code == 200, response.status_code
    from civitas.cases.models import Case

    answers = Case.objects.get(reference=row[1]).answers
    assert answers["email"].encode() in response.content, "the case page did not decrypt"


# --- The run ---------------------------------------------------------------------------


def _refuse_unless_a_benchmark_database() -> None:
    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        raise SystemExit(
            f"bench.cases fills the cases tables of the database it runs on; "
            f"{name!r} is not named as a benchmark database, so it was left alone"
        )


def sizes(largest: int) -> tuple[int, int]:
    """The two sizes measured: 10,000 and the largest (a tenth of it when it is small)."""
    return min(10_000, largest // 10), largest


def run(database_label: str) -> list[dict]:
    from django.utils import timezone

    from civitas.cases.models import Case

    _refuse_unless_a_benchmark_database()
    if Case.objects.exists():
        raise SystemExit("bench.cases needs a database without cases")
    services, staff = _services_and_staff()
    small, large = sizes(CASES)
    # The small database holds the newest cases; the rest are older, as a history is.
    step = datetime.timedelta(days=5 * 365) / large
    seeder = Seeder(
        services, staff, timezone.now().replace(microsecond=0), step=step, smaller=small
    )
    seeded = {small: seed(seeder, 0, small, small)}
    measured = {small: measure(small, seeder)}
    seeded[large] = seed(seeder, small, large, large)
    measured[large] = measure(large, seeder)
    return _rows(measured, seeded, small, large)


def _stats(times: dict[str, list[float]]) -> dict[str, tuple[float, float]]:
    return {name: (statistics.median(t), _percentile(t, 0.95)) for name, t in times.items()}


def _rows(
    measured: dict[int, dict[str, list[float]]], seeded: dict[int, float], small: int, large: int
) -> list[dict]:
    stats = {size: _stats(times) for size, times in measured.items()}
    rows = []
    for size in (small, large):
        floor_median, floor_p95 = stats[size]["floor"]
        added = size if size == small else size - small
        rows.append(
            {
                "name": f"cases: primary-key lookup floor at {size:,}",
                "value": round(floor_median, 3),
                "unit": "ms",
                "floor": "itself",
                "ratio": 1.0,
                "goal": "floor",
                "p50_ms": round(floor_median, 3),
                "p95_ms": round(floor_p95, 3),
                "seeded_cases": added,
                "seeded_in_s": round(seeded[size], 1),
                "seeded_per_s": round(added / seeded[size]),
            }
        )
    for name in measured[small]:
        if name == "floor":
            continue
        ratios = {}
        for size in (small, large):
            (median, p95), (floor_median, floor_p95) = stats[size][name], stats[size]["floor"]
            ratios[size] = (median / floor_median, p95 / floor_p95)
        growth = ratios[large][0] / ratios[small][0]
        growth_p95 = ratios[large][1] / ratios[small][1]
        information = name.startswith("search by name")
        rows.append(
            {
                "name": f"cases: {name} at {large:,}",
                "value": round(stats[large][name][0], 2),
                "unit": "ms",
                "floor": "primary-key lookup of a random case, same run",
                "ratio": round(ratios[large][0], 1),
                "goal": (
                    "information"
                    if information
                    else f"ratio <= {GOAL_GROWTH:g}x its ratio at {small:,}"
                ),
                "p50_ms": round(stats[large][name][0], 2),
                "p95_ms": round(stats[large][name][1], 2),
                "p95_ratio": round(ratios[large][1], 1),
                f"p50_ms_at_{small}": round(stats[small][name][0], 2),
                f"p95_ms_at_{small}": round(stats[small][name][1], 2),
                f"ratio_at_{small}": round(ratios[small][0], 1),
                f"p95_ratio_at_{small}": round(ratios[small][1], 1),
                "growth": round(growth, 2),
                "p95_growth": round(growth_p95, 2),
                "met": growth <= GOAL_GROWTH,
            }
        )
    return rows


if __name__ == "__main__":
    import json

    for row in run(connection.vendor):
        print(json.dumps(row))
