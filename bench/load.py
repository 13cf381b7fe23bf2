"""Running servers and the wrk load generator."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Sample:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with sync workers, one per core, as production runs it."""

    def __init__(self, app: str, env: dict[str, str], ready_path: str = "/") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        workers = str(os.cpu_count() or 2)
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                workers,
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            env={**os.environ, **env},
            cwd=REPO,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + ready_path, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it serves: /healthz answers 503 here, as no worker runs in a bench
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{app} did not start on {self.url}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


LUA_REQUESTS = """
local items = {ITEMS}
local counter = 0
request = function()
  counter = counter % #items + 1
  local item = items[counter]
  return wrk.format(item[1], item[2], item[3], item[4])
end
"""
LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def lua_string(text: str) -> str:
    """A Lua string literal: printable ASCII as is, every other byte as a decimal escape."""
    return (
        '"'
        + "".join(
            chr(byte) if 32 <= byte < 127 and chr(byte) not in '"\\' else f"\\{byte:03d}"
            for byte in text.encode()
        )
        + '"'
    )


def _lua_items(requests: list[dict]) -> str:
    rows = []
    for request in requests:
        headers = ", ".join(
            f"[{lua_string(k)}] = {lua_string(v)}" for k, v in request.get("headers", {}).items()
        )
        body = lua_string(request["body"]) if request.get("body") else "nil"
        rows.append(
            f"{{{lua_string(request.get('method', 'GET'))}, {lua_string(request['path'])}, "
            f"{{{headers}}}, {body}}}"
        )
    return "{" + ",\n".join(rows) + "}"


def run_wrk(
    base_url: str,
    requests: list[dict],
    *,
    seconds: int,
    connections: int,
    delay_ms: int = 0,
    request_lua: str = "",
) -> Sample:
    """Drives the requests round-robin over keep-alive connections; returns one sample.
    `delay_ms`: each connection waits so long between its requests (a paced load).
    `request_lua`: a Lua `request` function of the caller's instead of `requests`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(request_lua or LUA_REQUESTS.replace("{ITEMS}", _lua_items(requests)))
        script.write(LUA_DONE)
        if delay_ms:
            script.write(f"\ndelay = function() return {int(delay_ms)} end\n")
    try:
        completed = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, base_url],
            capture_output=True,
            text=True,
            check=True,
        )
        output = completed.stdout + completed.stderr
    finally:
        os.unlink(script.name)
    if "RESULT " not in output:
        raise RuntimeError(f"wrk gave no result:\n{output[-2000:]}")
    result = json.loads(output.split("RESULT ", 1)[1])
    return Sample(
        requests_per_second=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        errors=result["errors"],
    )
