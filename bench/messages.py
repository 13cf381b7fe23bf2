"""Messages a second through the whole path: GOV.UK Notify's API to a local SMTP sink.

Floor: a bare loop sending the same emails over one persistent smtplib connection to the
same sink, in the same run. The platform: gunicorn serving POST /v2/notifications/email
(driven by wrk, each request signed with a JWT as Notify's clients sign them), and 1, then
2, `civitas worker` processes delivering, started (each has beaten its first heartbeat)
before the first request, as workers in service are. A run's rate is the messages the
sink accepted divided by the time from the first request to the last message's arrival;
its ratio is that over the floor's rate.

Then a paced run: about 80 messages a second for `--paced-seconds`, with 2 workers; each
message's latency is from its creation (the API call) to its arrival at the sink.
"""

import json
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import jwt

from bench.load import REPO, Server, free_port, lua_string, run_wrk

FLOOR_MESSAGES = 3000
BODY = "Hello ((name)),\n\nYour reference is ((reference)).\n\n" + "We will be in touch. " * 20

SETUP = """
import django, uuid
django.setup()
from civitas.identity.public import ensure_organisation
from civitas.notify.sending_services import ensure_sending_service
from civitas.notify.templates import Words, save_template
from civitas.notify.api_keys import create_notify_key
organisation = ensure_organisation(slug="example-borough", name="Example Borough Council")
service = ensure_sending_service(
    organisation_id=organisation.id, catalogue_slug="bench", name="Bench",
    reply_to_email="team@example-borough.gov.uk")
# Notify's default rate, 3,000 requests a minute, is below the 80 a second measured here.
service.rate_limit_per_minute = 1_000_000
service.save(update_fields=["rate_limit_per_minute"])
template = save_template(service, name="Bench", template_type="email",
    words=Words(subject="Your reference ((reference))", body=BODY), created_by="bench")
key = create_notify_key(sending_service=service, name="bench", key_type="normal",
    created_by="bench")
print("SETUP", template.id, key)
"""


class Sink:
    """The counting SMTP sink (bench/smtp_sink.py) in a process of its own."""

    def __init__(self) -> None:
        self.port = free_port()
        self.out = Path(tempfile.mkdtemp()) / "sink.json"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.smtp_sink", str(self.port), str(self.out)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def arrivals(self) -> list[tuple[str, float]]:
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        before = self.out.stat().st_mtime_ns if self.out.exists() else 0
        while time.monotonic() < deadline:
            if self.out.exists() and self.out.stat().st_mtime_ns != before:
                break
            time.sleep(0.02)
        return [tuple(item) for item in json.loads(self.out.read_text())["arrivals"]]

    def wait_for(self, count: int, timeout: float) -> list[tuple[str, float]]:
        deadline = time.monotonic() + timeout
        arrivals = self.arrivals()
        while len(arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.5)
            arrivals = self.arrivals()
        return arrivals

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


def floor_rate(port: int) -> float:
    """Emails a second a bare smtplib loop sends over one connection to the sink."""
    message = EmailMessage()
    message["Subject"] = "Your reference ABC-DEF-GHJ"
    message["From"] = "noreply@example.gov.uk"
    message["To"] = "resident@example.com"
    body = BODY.replace("((name))", "Ann").replace("((reference))", "ABC-DEF-GHJ")
    message.set_content(body)
    message.add_alternative(f"<p>{body}</p>", subtype="html")
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as relay:
        for _ in range(FLOOR_MESSAGES):
            del message["Message-ID"]
            message["Message-ID"] = f"<{uuid.uuid4()}@floor>"
            relay.send_message(message)
    return FLOOR_MESSAGES / (time.perf_counter() - started)


TOKEN_STEP_SECONDS = 20


def _token(key: str, issued_at: int) -> str:
    service_id, secret = key[-73:-37], key[-36:]
    return jwt.encode({"iss": service_id, "iat": issued_at}, secret, algorithm="HS256")


def _send_lua(key: str, template_id: str, seconds: int) -> str:
    """wrk's `request` for POST /v2/notifications/email: a token issued every 20 s, each
    used from 10 s before its `iat` to 10 s after (Notify takes up to 30 s either way), so
    a run of any length is signed as Notify's clients sign, with a fresh token."""
    start = int(time.time())
    issued = [start + step * TOKEN_STEP_SECONDS for step in range(seconds // 20 + 3)]
    tokens = ", ".join(f"{{{at - 10}, {lua_string(_token(key, at))}}}" for at in issued)
    bodies = ", ".join(
        lua_string(
            json.dumps(
                {
                    "email_address": f"resident{n}@example.com",
                    "template_id": template_id,
                    "personalisation": {"name": "Ann", "reference": f"REF-{n}"},
                }
            )
        )
        for n in range(50)
    )
    return f"""
local tokens = {{{tokens}}}
local bodies = {{{bodies}}}
local counter = 0
request = function()
  counter = counter % #bodies + 1
  local now = os.time()
  local token = tokens[1][2]
  for i = 1, #tokens do
    if tokens[i][1] <= now then token = tokens[i][2] end
  end
  return wrk.format("POST", "/v2/notifications/email",
    {{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}},
    bodies[counter])
end
"""


def _workers(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "civitas.cli", "worker"],
            env={**os.environ, **env},
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


WAIT_FOR_HEARTBEATS = """
import django, sys, time, datetime
django.setup()
from civitas.platform.models import WorkerHeartbeat
since = datetime.datetime.fromtimestamp(float(sys.argv[1]), datetime.timezone.utc)
deadline = time.monotonic() + 60
while WorkerHeartbeat.objects.filter(started_at__gte=since).count() < int(sys.argv[2]):
    if time.monotonic() > deadline:
        sys.exit("the workers did not start within 60 s")
    time.sleep(0.05)
"""


def _started_workers(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    """`count` workers, once each has started (its first heartbeat): workers in service are
    running before the messages come, so their start-up (Django, imports) is not timed."""
    since = time.time()
    workers = _workers(env, count)
    try:
        subprocess.run(
            [sys.executable, "-c", WAIT_FOR_HEARTBEATS, str(since), str(count)],
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "civitas.settings"},
            cwd=REPO,
            check=True,
        )
    except BaseException:
        _stop_all(workers)
        raise
    return workers


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def _created_at(env: dict[str, str], ids: list[str]) -> dict[str, float]:
    code = (
        "import django, json, sys; django.setup()\n"
        "from civitas.notify.models import Message\n"
        "ids = json.load(sys.stdin)\n"
        "rows = Message.objects.filter(id__in=ids).values_list('id', 'created_at')\n"
        "print(json.dumps({str(i): c.timestamp() for i, c in rows}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(ids),
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "civitas.settings"},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def run(label: str, env: dict[str, str], *, seconds: int, paced_seconds: int) -> list[dict]:
    sink = Sink()
    rows = []
    try:
        env = {**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port)}
        floor = statistics.median(floor_rate(sink.port) for _ in range(3))
        made = subprocess.run(
            [sys.executable, "-c", SETUP.replace("BODY", repr(BODY))],
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "civitas.settings"},
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        template_id, key = made.stdout.split("SETUP ", 1)[1].split()
        rows.append(_row(label, "SMTP sink, bare smtplib loop (floor)", floor, floor, "floor"))
        app = Server("civitas.wsgi:application", env, ready_path="/healthz")
        try:
            for count in (1, 2):
                before = len(sink.arrivals())
                workers = _started_workers(env, count)
                try:
                    started = time.time()
                    sample = run_wrk(
                        app.url,
                        [],
                        request_lua=_send_lua(key, template_id, seconds),
                        seconds=seconds,
                        connections=16,
                    )
                    sent = round(sample.requests_per_second * seconds)
                    arrivals = sink.wait_for(before + sent, timeout=180)[before:]
                finally:
                    _stop_all(workers)
                last = max((at for _, at in arrivals), default=time.time())
                rate = len(arrivals) / (last - started)
                rows.append(
                    _row(
                        label,
                        f"messages, API to SMTP sink ({count} worker{'s' * (count > 1)})",
                        rate,
                        floor,
                        ">= 0.50 of floor",
                        api_per_second=round(sample.requests_per_second),
                        api_errors=sample.errors,
                    )
                )
            for count in (1, 2):
                rows.append(_drain(label, env, app, sink, key, template_id, seconds, count, floor))
            rows.append(_paced(label, env, app, sink, key, template_id, paced_seconds))
        finally:
            app.stop()
    finally:
        sink.stop()
    return rows


def _drain(
    label: str,
    env: dict[str, str],
    app: Server,
    sink: Sink,
    key: str,
    template_id: str,
    seconds: int,
    count: int,
    floor: float,
) -> dict:
    """Delivery alone: messages accepted through the API while no worker runs, then
    `count` workers started; their rate from the start to the last message's arrival.
    On a machine of few cores, the API and the workers share them in the runs above; this
    is what the workers do when the cores are theirs."""
    before = len(sink.arrivals())
    sample = run_wrk(
        app.url,
        [],
        request_lua=_send_lua(key, template_id, seconds),
        seconds=seconds,
        connections=16,
    )
    sent = round(sample.requests_per_second * seconds)
    started = time.time()
    workers = _workers(env, count)
    try:
        arrivals = sink.wait_for(before + sent, timeout=180)[before:]
    finally:
        _stop_all(workers)
    # From the first arrival: a worker's own start-up (Django, migrations check) is not
    # delivery.
    first = min((at for _, at in arrivals), default=started)
    last = max((at for _, at in arrivals), default=time.time())
    rate = len(arrivals) / max(last - first, 1e-3)
    return _row(
        label,
        f"delivery alone, queued messages ({count} worker{'s' * (count > 1)})",
        rate,
        floor,
        "reported: does a second worker add",
        delivered=len(arrivals),
    )


def _paced(
    label: str,
    env: dict[str, str],
    app: Server,
    sink: Sink,
    key: str,
    template_id: str,
    seconds: int,
) -> dict:
    """About 80 messages a second for `seconds`: how long each took to reach the sink."""
    before = len(sink.arrivals())
    workers = _started_workers(env, 2)
    try:
        # 16 connections, each waiting 195 ms after each answer: about 80 a second.
        sample = run_wrk(
            app.url,
            [],
            request_lua=_send_lua(key, template_id, seconds),
            seconds=seconds,
            connections=16,
            delay_ms=195,
        )
        sent = round(sample.requests_per_second * seconds)
        arrivals = sink.wait_for(before + sent, timeout=120)[before:]
    finally:
        _stop_all(workers)
    created = _created_at(env, [message_id for message_id, _ in arrivals])
    latencies = sorted(at - created[i] for i, at in arrivals if i in created)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("inf")
    within = sum(1 for latency in latencies if latency <= 10) / max(len(latencies), 1)
    return {
        "database": label,
        "name": "messages at ~80/s: seconds to the sink, p95",
        "value": round(p95, 2),
        "unit": "s",
        "ratio": round(within, 3),
        "goal": "95% within 10 s (ratio: share within 10 s)",
        "sent_per_second": round(sample.requests_per_second, 1),
        "delivered": len(arrivals),
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
    }


def _row(label: str, name: str, rate: float, floor: float, goal: str, **extra: object) -> dict:
    return {
        "database": label,
        "name": name,
        "value": round(rate, 1),
        "unit": "msg/s",
        "ratio": round(rate / floor, 3),
        "goal": goal,
        **extra,
    }
