"""`python -m bench`: every benchmark, on SQLite and on PostgreSQL, as ratios to floors.

Web paths run under gunicorn (sync workers, one per core, persistent database
connections) and are driven by wrk over loopback in interleaved rounds; each path's
ratio is the median over rounds of its requests/s divided by the floor's in the same
round. In-process benchmarks (ledger, rules) report their own floors. The case-management
benchmark (bench/cases.py) seeds its own databases, civitas_bench_cases and
var/bench_cases.sqlite3, which are dropped after it. The messaging benchmark
(bench/messages.py) sends through GOV.UK Notify's API to a local SMTP sink, against a bare
smtplib loop to the same sink.
"""

import argparse
import datetime
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

from bench.load import REPO, Server, run_wrk
from bench.web import citizen_paths

RESULTS = REPO / "bench" / "results"
GOALS = {
    "service start page": 0.30,
    "question page (GET)": 0.30,
    "answer (POST)": 0.20,
    "submission (API POST, respond-async)": 0.15,
}
P99_GOAL = 3.0
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
IN_PROCESS = ["bench.ledger", "bench.rules", "bench.payments"]
# Seeds a million cases: in databases of its own, dropped after it.
CASES_MODULE = "bench.cases"
# Seeds ten million journey events and a million cases: likewise.
INSIGHTS_MODULE = "bench.insights"


def _databases(selected: list[str], name: str = "bench") -> dict[str, str]:
    urls = {}
    if "sqlite" in selected:
        path = REPO / "var" / f"{name}.sqlite3"
        _drop_sqlite(path)
        urls["sqlite"] = f"sqlite:///{path}"
    if "postgresql" in selected:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS civitas_{name} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE civitas_{name}")
        urls["postgresql"] = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/civitas_{name}"
    return urls


def _drop_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _drop(label: str, url: str) -> None:
    if label == "sqlite":
        _drop_sqlite(Path(url.removeprefix("sqlite:///")))
    else:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _prepare(database_url: str) -> tuple[dict[str, str], str]:
    """The environment of the measured server, and an API key to submit with."""
    # The bench measures submitting, not refusing: one key makes every API call.
    env = {"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", "API_KEY_RATE": "1000000/minute"}
    # Each database is made afresh, so its log starts empty: it must not meet the saved
    # checkpoint of the log another database of this run signed.
    env["LEDGER_STATE_DIR"] = tempfile.mkdtemp(prefix="bench-ledger-state-")
    if database_url.startswith("postgres"):
        # The production path: PostgreSQL with Redis for the queue and session reads.
        import redis

        redis.Redis.from_url(BENCH_REDIS_URL).flushdb()
        env["REDIS_URL"] = BENCH_REDIS_URL
    civitas = [sys.executable, "-m", "civitas.cli"]
    subprocess.run([*civitas, "migrate", "-v0"], env={**os.environ, **env}, check=True)
    subprocess.run(
        [*civitas, "demo", "setup"],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    made = subprocess.run(
        [*civitas, "keys", "create", "--organisation", "example-borough", "--name", "Bench"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    [api_key] = [line for line in made.stdout.splitlines() if line.startswith("civitas_")]
    _settle(database_url)
    return env, api_key


def _settle(database_url: str) -> None:
    """Writes out and analyses what the demo loaded, so that no round is measured while
    the database's own background work on it (autovacuum, a checkpoint) takes the CPU."""
    if database_url.startswith("postgres"):
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("VACUUM (ANALYZE)")
            connection.execute("CHECKPOINT")
    else:
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            connection.execute("ANALYZE")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def bench_web(
    label: str, env: dict[str, str], api_key: str, *, rounds: int, seconds: int
) -> list[dict]:
    floor = Server("bench.wsgi_floor:application", {"DJANGO_SETTINGS_MODULE": "bench.floor"})
    app = Server("civitas.wsgi:application", env, ready_path="/healthz")
    try:
        paths = citizen_paths(app.url, api_key=api_key)
        samples: dict[str, list] = {"floor": [], **{name: [] for name in paths}}
        for _ in range(rounds):
            samples["floor"].append(
                run_wrk(floor.url, [{"path": "/"}], seconds=seconds, connections=16)
            )
            for name, requests in paths.items():
                samples[name].append(run_wrk(app.url, requests, seconds=seconds, connections=16))
    finally:
        app.stop()
        floor.stop()
    rows = []
    for name, runs in samples.items():
        ratios = [
            s.requests_per_second / f.requests_per_second
            for s, f in zip(runs, samples["floor"], strict=True)
        ]
        p99_ratios = [s.p99_ms / f.p99_ms for s, f in zip(runs, samples["floor"], strict=True)]
        rows.append(
            {
                "database": label,
                "name": name,
                "value": round(statistics.median(s.requests_per_second for s in runs)),
                "unit": "req/s",
                "p50_ms": round(statistics.median(s.p50_ms for s in runs), 2),
                "p99_ms": round(statistics.median(s.p99_ms for s in runs), 2),
                "errors": sum(s.errors for s in runs),
                "floor": "bare Django view, same server, same round",
                "ratio": round(statistics.median(ratios), 3),
                "p99_ratio": round(statistics.median(p99_ratios), 2),
                "goal": (
                    f">= {GOALS[name]:.2f} of floor, p99 <= {P99_GOAL:.0f}x"
                    if name in GOALS
                    else "floor"
                    if name == "floor"
                    else "reported"
                ),
            }
        )
    return rows


def bench_in_process(module: str, label: str, env: dict[str, str]) -> list[dict]:
    code = (
        "import json, django, importlib; django.setup(); "
        f"rows = importlib.import_module({module!r}).run({label!r}); "
        "print('ROWS ' + json.dumps(rows))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "civitas.settings"},
    )
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{module} failed on {label}")
    rows = json.loads(result.stdout.split("ROWS ", 1)[1])
    return [{"database": label, **row} for row in rows]


def print_table(rows: list[dict]) -> None:
    header = f"{'database':<11} {'benchmark':<44} {'value':>12} {'unit':<10} {'ratio':>7}  goal"
    print(header)
    print("-" * len(header))
    for row in rows:
        extra = ""
        if "p99_ms" in row:
            extra = f" p50 {row['p50_ms']}ms p99 {row['p99_ms']}ms"
            if "p99_ratio" in row:
                extra += f" ({row['p99_ratio']}x)"
        elif "growth" in row:
            small = next(k for k in row if k.startswith("ratio_at_")).removeprefix("ratio_at_")
            extra = (
                f" p95 {row['p95_ms']}ms ({row['p95_ratio']}x); at {int(small):,}: "
                f"p50 {row[f'p50_ms_at_{small}']}ms p95 {row[f'p95_ms_at_{small}']}ms, "
                f"ratio {row[f'ratio_at_{small}']} ({row[f'p95_ratio_at_{small}']}x p95); "
                f"growth {row['growth']} (p95 {row['p95_growth']})"
            )
        elif "rolled_up_in_s" in row:
            extra = (
                f" p95 {row['p95_ms']}ms; floor {row['floor_ms']}ms; {row['events']:,} events "
                f"and {row['cases']:,} cases; rollup {row['rolled_up_per_s']:,} events/s"
            )
        elif "floor_value" in row:
            extra = f" without: {row['floor_value']:,} req/s"
        elif "seeded_in_s" in row:
            extra = (
                f" p95 {row['p95_ms']}ms; seeded {row['seeded_cases']:,} cases in "
                f"{row['seeded_in_s']}s ({row['seeded_per_s']:,}/s)"
            )
        value = row["value"]
        shown = f"{value:,.0f}" if isinstance(value, int | float) and value >= 100 else f"{value}"
        print(
            f"{row['database']:<11} {row['name']:<44} {shown:>12} {row['unit']:<10} "
            f"{row.get('ratio', ''):>7}  {row.get('goal', '')}{extra}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument(
        "--only",
        choices=["web", "in-process", "cases", "messages", "payments", "insights"],
        default=None,
    )
    parser.add_argument(
        "--paced-seconds",
        type=int,
        default=60,
        help="how long the messaging benchmark keeps up about 80 messages a second",
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=1_000_000,
        help="the larger number of cases the case benchmark measures at (the smaller is "
        "10,000, or a tenth of this when that is less)",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=10_000_000,
        help="the journey events the insights benchmark seeds",
    )
    parser.add_argument(
        "--insight-cases",
        type=int,
        default=1_000_000,
        help="the cases the insights benchmark seeds",
    )
    args = parser.parse_args()

    rows: list[dict] = []
    if args.only not in ("cases", "insights"):
        for label, url in _databases(args.databases).items():
            env, api_key = _prepare(url)
            if args.only in (None, "web"):
                rows += bench_web(label, env, api_key, rounds=args.rounds, seconds=args.seconds)
            if args.only in (None, "messages"):
                from bench import messages

                rows += messages.run(
                    label, env, seconds=max(args.seconds, 5), paced_seconds=args.paced_seconds
                )
            if args.only in (None, "in-process", "payments"):
                for module in IN_PROCESS if args.only != "payments" else ["bench.payments"]:
                    if (REPO / (module.replace(".", "/") + ".py")).exists():
                        rows += bench_in_process(module, label, env)
    if args.only in (None, "cases"):
        for label, url in _databases(args.databases, name="bench_cases").items():
            env, _ = _prepare(url)
            try:
                rows += bench_in_process(
                    CASES_MODULE, label, {**env, "BENCH_CASES": str(args.cases)}
                )
            finally:
                _drop(label, url)
    if args.only in (None, "insights"):
        for label, url in _databases(args.databases, name="bench_insights").items():
            env, _ = _prepare(url)
            try:
                rows += bench_in_process(
                    INSIGHTS_MODULE,
                    label,
                    {
                        **env,
                        "BENCH_EVENTS": str(args.events),
                        "BENCH_INSIGHT_CASES": str(args.insight_cases),
                    },
                )
            finally:
                _drop(label, url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "cores": os.cpu_count(),
        "rows": rows,
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    print_table(rows)
    print(f"\nresults: {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
