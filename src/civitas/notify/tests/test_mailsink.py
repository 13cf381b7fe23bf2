"""The demo's mail sink listens where the platform sends: EMAIL_PORT."""

import os
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import wait_until


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        time.sleep(0.2)
        return False


def test_two_demos_each_have_a_mail_sink_on_their_own_email_port(tmp_path: Path):
    sinks = []
    try:
        for name in ("one", "two"):
            port = _free_port()
            environment = {
                **os.environ,
                "EMAIL_PORT": str(port),
                "CIVITAS_VAR_DIR": str(tmp_path / name),
                "DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3",
            }
            process = subprocess.Popen(
                [sys.executable, "-m", "civitas.cli", "mailsink"],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            sinks.append((name, port, process))
        for name, port, _ in sinks:
            assert wait_until(lambda port=port: _accepting(port), timeout=30)
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as relay:
                relay.sendmail("a@example.com", ["b@example.com"], f"Subject: {name}\r\n\r\nhi")
        for name, _, _ in sinks:
            saved = list((tmp_path / name / "mail").glob("*.eml"))
            assert [path.read_bytes().split(b"\r\n")[0] for path in saved] == [
                f"Subject: {name}".encode()
            ]
    finally:
        for _, _, process in sinks:
            process.terminate()
            process.wait(timeout=10)
