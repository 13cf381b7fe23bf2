"""What one process remembers about the log between requests.

The database is the log's only durable memory, so a process keeps facts of its own:
whether it has checked the stored log against its signed checkpoint since it started,
the largest tree it has seen (a log that later appears smaller was rolled back, which the
rows alone could not reveal), and when it last saw the log taking entries. It also caches
the log's tiles (tiles.py), which every proof it serves is built from: a full tile never
changes once written. Pure: no Django, so tests can reset it.
"""

import threading

from civitas.ledger.tiles import TileCache


class ProcessGuard:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything, as a new process would (tests start each on a new database)."""
        self.startup_checked = False
        self.largest_size = 0
        # time.monotonic() when this process last saw the log taking entries; 0: never.
        self.seen_open_at = 0.0
        self.tiles = TileCache()

    def saw_size(self, size: int) -> None:
        if size > self.largest_size:
            self.largest_size = size


guard = ProcessGuard()
