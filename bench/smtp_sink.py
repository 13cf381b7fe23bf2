"""A counting SMTP sink for the messaging benchmark: accepts every message, remembers when
each arrived by its Message-ID, and writes what it saw to a JSON file when stopped.

    python -m bench.smtp_sink PORT OUT.json
"""

import json
import os
import signal
import sys
import threading
import time
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller


class CountingSink:
    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []
        self._headers = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = self._headers.parsebytes(envelope.content).get("Message-ID", "")
        self.arrivals.append((message_id.strip("<>").split("@", 1)[0], time.time()))
        return "250 Message accepted for delivery"


def main() -> None:
    port, out = int(sys.argv[1]), sys.argv[2]
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: _write(out, sink))
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    _write(out, sink)


def _write(out: str, sink: CountingSink) -> None:
    with open(out + ".tmp", "w") as file:
        json.dump({"arrivals": list(sink.arrivals)}, file)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
