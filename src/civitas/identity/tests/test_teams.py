"""Teams: `civitas teams` and the rules about who may be in one."""

import io

import pytest
from django.core.management import CommandError, call_command

from civitas.identity.models import Team, TeamMembership
from civitas.identity.public import TeamInvalid, add_team_member, ensure_team
from conftest import make_staff


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("teams", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def borough(db):
    make_staff("casey@example.gov.uk", "caseworker")
    make_staff("dana@sample-district.gov.uk", "caseworker", "sample-district")


def test_a_team_is_added_renamed_and_listed(borough):
    assert run("add", "example-borough", "highways", "--name", "Roads") == "highways\tRoads\n"
    run("add", "example-borough", "highways", "--name", "Highways")
    run("add", "example-borough", "environment", "--name", "Environment")
    assert run("list", "example-borough") == "environment\tEnvironment\nhighways\tHighways\n"
    assert Team.objects.count() == 2


def test_members_are_added_listed_and_removed(borough):
    run("add", "example-borough", "highways", "--name", "Highways")
    listed = run("members", "example-borough", "highways", "--add", "Casey@Example.gov.uk")
    assert listed == "casey@example.gov.uk\tCasey\n"
    assert run("members", "example-borough", "highways", "--add", "casey@example.gov.uk")
    assert TeamMembership.objects.count() == 1
    assert run("members", "example-borough", "highways", "--remove", "casey@example.gov.uk") == ""


def test_someone_of_another_organisation_cannot_join_its_team(borough):
    run("add", "example-borough", "highways", "--name", "Highways")
    with pytest.raises(CommandError, match="holds no role in example-borough"):
        run("members", "example-borough", "highways", "--add", "dana@sample-district.gov.uk")
    assert not TeamMembership.objects.exists()


@pytest.mark.parametrize("slug", ["Highways", "high--ways", "roads-", "a" * 51, "roads;drop"])
def test_a_team_slug_must_be_a_slug(borough, slug):
    with pytest.raises(CommandError, match="is not a team slug"):
        run("add", "example-borough", slug, "--name", "Roads")
    assert not Team.objects.exists()


def test_unknown_organisations_and_teams_are_refused(borough):
    with pytest.raises(CommandError, match="no organisation 'nowhere'"):
        run("add", "nowhere", "highways", "--name", "Highways")
    with pytest.raises(CommandError, match="has no team 'parks'"):
        run("members", "example-borough", "parks")
    with pytest.raises(TeamInvalid):
        add_team_member(organisation="example-borough", team="parks", email="casey@example.gov.uk")


def test_teams_of_two_organisations_may_share_a_slug(borough):
    ensure_team(organisation="example-borough", slug="highways", name="Highways")
    ensure_team(organisation="sample-district", slug="highways", name="Highways")
    assert Team.objects.filter(slug="highways").count() == 2


def test_making_a_team_and_changing_who_is_in_it_is_audited_without_email_addresses(
    organisations,
):
    from civitas.platform.models import AuditEvent

    person = make_staff("river@example.gov.uk", "caseworker")
    call_command("teams", "add", "example-borough", "licensing", "--name", "Licensing")
    call_command("teams", "add", "example-borough", "licensing", "--name", "Licensing")
    call_command("teams", "add", "example-borough", "licensing", "--name", "Licences")
    call_command("teams", "members", "example-borough", "licensing", "--add", person.email)
    call_command("teams", "members", "example-borough", "licensing", "--add", person.email)
    call_command("teams", "members", "example-borough", "licensing", "--remove", person.email)
    events = AuditEvent.objects.filter(object_type="team", object_id="licensing").order_by(
        "occurred_at"
    )
    assert [(event.action, event.actor_id, event.details) for event in events] == [
        ("team.created", "command-line", {}),
        ("team.renamed", "command-line", {}),
        ("team.member_added", "command-line", {"member": str(person.pk)}),
        ("team.member_removed", "command-line", {"member": str(person.pk)}),
    ]
    assert "river@" not in str(list(events.values()))
