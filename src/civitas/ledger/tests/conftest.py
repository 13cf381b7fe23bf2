"""What the tests of `verify` share: a log's key, and a server in front of the test's own
`log` (each test module makes its log the size it needs)."""

import pytest

from civitas.ledger.note import Signer
from civitas.ledger.tests.logserver import ORIGIN, LogServer


@pytest.fixture
def log_key() -> Signer:
    return Signer.generate(ORIGIN)


@pytest.fixture
def server(log):
    with LogServer(log).running() as server:
        yield server
