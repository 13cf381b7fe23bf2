"""Where an API submission's time goes, in process:

    python -m bench.submission_profile <API key> [submissions] [cProfile sort] [accepted]

Runs against the database (and Redis) the environment names, migrated, with the demo
loaded (`civitas demo setup`) and the key made (`civitas keys create`), as `python -m
bench` prepares them. Posts the bench's own submission through Django's handler: prints
the statements of one submission, the mean time of each part (timers only), then a
cProfile of as many again. With `accepted`, the submission is sent with `Prefer:
respond-async` and answered 202 (decision 0037).
"""

import cProfile
import io
import os
import pstats
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civitas.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.web import SERVICE_PATH, citizen_paths

    api_key = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    sort = sys.argv[3] if len(sys.argv) > 3 else "cumulative"
    accepted = len(sys.argv) > 4 and sys.argv[4] == "accepted"

    # The submission exactly as the bench sends it; no citizen's pages are fetched.
    import bench.web as web

    web._session_through = lambda *a, **k: {"cookie": "", "token": ""}  # type: ignore[assignment]
    name = (
        "submission (API POST, respond-async)"
        if accepted
        else "submission, case made at once (API POST)"
    )
    [request] = citizen_paths("", api_key=api_key, sessions=0)[name]
    headers = {"HTTP_AUTHORIZATION": request["headers"]["Authorization"]}
    if accepted:
        headers["HTTP_PREFER"] = "respond-async"
    client = Client(**headers)
    path = f"/api/v1/services/{SERVICE_PATH}/applications"

    def post() -> None:
        response = client.post(path, data=request["body"], content_type="application/json")
        assert response.status_code == (202 if accepted else 201), response.content

    for _ in range(20):
        post()
    timings = _instrument()
    with CaptureQueriesContext(connection) as queries:
        post()
    print(f"{len(queries)} queries in one submission:")
    for query in queries.captured_queries:
        print("  ", query["time"], query["sql"][:160])
    started = time.perf_counter()
    for _ in range(count):
        post()
    elapsed = time.perf_counter() - started
    print(f"\n{count} submissions: {elapsed / count * 1000:.2f} ms each (timers only)")
    for name, spent in timings.items():
        print(f"  {spent / count * 1000:7.3f} ms  {name}")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        post()
    profile.disable()
    out = io.StringIO()
    lines = int(os.environ.get("PROFILE_LINES", "60"))
    pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(lines)
    print(out.getvalue())


def _instrument() -> dict[str, float]:
    """Wraps the parts of a submission in timers; returns the running totals by name."""
    import dataclasses
    import functools

    from civitas.cases import messages
    from civitas.cases import services as case_services
    from civitas.identity import api_auth
    from civitas.journeys import api, flow, submission
    from civitas.notify import services as notify_services
    from civitas.notify import tasks as notify_tasks
    from civitas.platform import events, ratelimit

    totals: dict[str, float] = {}

    def timed(name, function):
        totals[name] = 0.0

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - started

        return wrapper

    def patch(module, attribute, name):
        if not hasattr(module, attribute):
            raise SystemExit(f"{module.__name__}.{attribute} is gone: update this profile")
        setattr(module, attribute, timed(name, getattr(module, attribute)))

    patch(api, "submit", "view: whole submit()")
    patch(api_auth, "authenticate_api_key", "api key look-up")
    patch(ratelimit, "hit", "rate limit hit")
    patch(api, "_live_service", "live service")
    patch(api, "_read_application", "read body")
    patch(api, "parse_json", "parse JSON")
    patch(api, "_store", "store (transaction, commit, after-commit)")
    patch(api, "accept_answers", "accept_answers (check, insert, queue)")
    patch(submission, "_nudge_recorder", "accepted: nudge the workers")
    patch(flow, "check_submission", "check answers")
    patch(flow, "fee_for", "fee rules")
    patch(flow, "estimate_for", "estimate rules")
    patch(submission, "submit_application", "submit_application (case, handlers)")
    patch(case_services, "_team_id", "routing team")
    patch(case_services, "index_case", "search index insert")
    patch(case_services, "publish", "publish: all handlers")
    patch(messages, "send_case_message", "email: compose, outbox insert, enqueue")
    patch(messages, "send_from_template", "email: outbox insert + enqueue")
    patch(notify_services, "queue_deliveries", "email: enqueue")
    patch(notify_tasks, "wake_dispatchers", "email: Redis wake-up after commit")
    patch(messages, "parse_template", "email: parse template")
    table = events._table()
    for event, entry in list(table.items()):
        if event.__name__ == "ApplicationSubmitted":
            table[event] = dataclasses.replace(  # type: ignore[index]
                entry,
                in_transaction=tuple(
                    timed(f"handler {h.__name__}", h) for h in entry.in_transaction
                ),
            )
    return totals


if __name__ == "__main__":
    main()
