"""`civitas demo setup` makes the teams the example services route to, and a demo person
in every role."""

from django.core.management import call_command

from civitas.catalogue.public import get_live_service
from civitas.identity.models import Membership, Team


def test_the_demo_has_a_person_in_every_role_and_the_teams_reports_go_to(db):
    call_command("demo", "setup", stdout=None)
    roles = set(
        Membership.objects.filter(organisation__slug="example-borough").values_list(
            "role", flat=True
        )
    )
    assert roles == set(Membership.Role.values)
    teams = {team.slug: team for team in Team.objects.filter(organisation__slug="example-borough")}
    assert {"highways", "environment", "street-scene"} <= set(teams)
    assert (
        teams["highways"]
        .teammembership_set.filter(user__email="caseworker@example-borough.gov.uk")
        .exists()
    )
    assert get_live_service("example-borough", "report-a-problem").model.routing is not None
