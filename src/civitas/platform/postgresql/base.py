"""Django's PostgreSQL backend, with a health check that costs no round trip.

Connections persist across requests (CONN_MAX_AGE), so one may have died between two
requests: PostgreSQL restarted, or an administrator or an idle timeout ended it. Django's
health check (CONN_HEALTH_CHECKS) runs `SELECT 1` before the first query of every
request to find out, a round trip as long as the query it guards; on an API submission it
was one of two.

A server that ends a connection says so first (a FATAL message, then the socket
closes), so an idle connection with something to read has most likely been ended. This
backend looks at the socket without waiting, and asks the server with `SELECT 1` only when
something arrived. A connection cut without a word (a network that drops packets) is not
caught here, nor was it by `SELECT 1`, which waits as long as any query would.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        # A goodbye, or a notice: the query tells which, and reads it.
        return bool(super().is_usable())
