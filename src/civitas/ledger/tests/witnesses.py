"""Witnesses for tests: real `civitas ledger witness --serve` processes on free ports."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from civitas.ledger.note import Signer


@dataclass
class RunningWitness:
    name: str
    url: str
    key: str
    """Its cosignature verifier key, as a log or relying party configures it."""
    state: Path
    process: subprocess.Popen[str]

    @property
    def configuration(self) -> str:
        """Its entry in LEDGER_WITNESSES."""
        return f"{self.key} {self.url}"


def _start(directory: Path, name: str, log_keys: Sequence[str]) -> tuple[Signer, subprocess.Popen]:
    directory.mkdir(parents=True, exist_ok=True)
    signer = Signer.generate(name)
    key_file = directory / "witness.key"
    key_file.write_text(signer.key_string())
    key_file.chmod(0o600)
    command = [
        sys.executable,
        "-m",
        "civitas.cli",
        "ledger",
        "witness",
        "--serve",
        "--key",
        str(key_file),
        "--state",
        str(directory / "state"),
        "--listen",
        "127.0.0.1:0",
    ]
    for key in log_keys:
        command += ["--log-key", key]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    return signer, process


def _ready(directory: Path, name: str, signer: Signer, process: subprocess.Popen) -> RunningWitness:
    assert process.stdout is not None
    key_line = process.stdout.readline()
    url_line = process.stdout.readline()
    if not url_line.startswith("listening on "):
        process.kill()
        _, errors = process.communicate(timeout=10)
        raise RuntimeError(f"witness {name} did not start: {key_line}{url_line}{errors}")
    assert key_line.split() == ["witness", signer.cosignature_verifier_key()]
    return RunningWitness(
        name=name,
        url=url_line.removeprefix("listening on ").strip(),
        key=signer.cosignature_verifier_key(),
        state=directory / "state",
        process=process,
    )


@contextmanager
def running_witnesses(
    directory: Path, names: Sequence[str], log_keys: Sequence[str]
) -> Iterator[list[RunningWitness]]:
    """Starts one witness process per name (all at once), and stops them afterwards."""
    with ExitStack() as stack:
        started = []
        for name in names:
            signer, process = _start(directory / name.replace("/", "_"), name, log_keys)
            stack.callback(_stop, process)
            started.append((name, signer, process))
        yield [
            _ready(directory / name.replace("/", "_"), name, signer, process)
            for name, signer, process in started
        ]


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
