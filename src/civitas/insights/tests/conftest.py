import uuid

import pytest

from civitas.insights import views


@pytest.fixture(autouse=True)
def fresh_published_years(monkeypatch):
    """Each test its own cache of published years: tests serve figures of their own."""
    monkeypatch.setattr(views, "PUBLISHED_YEAR_CACHE_PREFIX", f"test-{uuid.uuid4()}")
