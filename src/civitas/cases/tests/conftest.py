"""Fixtures the cases tests share."""

import pytest

from civitas.identity.models import Team
from conftest import SERVICES, publish_example


@pytest.fixture
def teams(db):
    """Example Borough's teams, with the report-a-problem service (which routes to them and
    declares labels) published."""
    publish_example(SERVICES / "report-a-problem" / "service.yaml")
    return {team.slug: team for team in Team.objects.filter(organisation__slug="example-borough")}
