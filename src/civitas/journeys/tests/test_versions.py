"""A journey finishes on the version it began with, whatever is published meanwhile."""

import pytest
from django.core.management import call_command

from civitas.cases.models import Case
from civitas.catalogue.public import publish_service_file, withdraw_version
from civitas.catalogue.queries import forget_live_versions
from civitas.journeys.tests.test_pages import URL, answer, complete_questions
from civitas.journeys.tests.versions import NEW_LABEL, OLD_LABEL, changed_permit
from conftest import pay_from_check_answers, permit_address

KEY = "journey:example-borough/resident-parking-permit"


def publish_version_2(tmp_path):
    result = publish_service_file(changed_permit(tmp_path), published_by="test")
    assert result.version == 2
    # What the after-commit handler does; a test's transaction never commits.
    forget_live_versions()
    return result


def test_a_journey_begun_before_a_new_version_finishes_on_its_own(
    client, parking_permit, payments, tmp_path
):
    answer(client, "address", permit_address())
    answer(client, "vehicle", {"registration": "CU57 ABC"})
    publish_version_2(tmp_path)

    page = client.get(f"{URL}/vehicle/")
    assert page.status_code == 200
    assert OLD_LABEL.replace("'", "&#39;") in page.content.decode()
    assert 'name="version" value="1"' in page.content.decode()
    complete_questions(client)
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    # Its fee is paid, and it is submitted, on the version it was begun on.
    back = pay_from_check_answers(client, response)
    case = Case.objects.get()
    assert back.headers["Location"] == f"{URL}/confirmation/{case.reference}/"
    assert (case.service_version, case.status) == (1, "submitted")


def test_a_journey_begun_after_a_new_version_runs_on_it(client, parking_permit, tmp_path):
    publish_version_2(tmp_path)
    complete_questions(client, version=2)
    client.post(f"{URL}/declaration/", {"version": "2", "confirm": "yes"})
    assert Case.objects.get().service_version == 2


def test_a_new_journey_is_shown_the_new_version(client, parking_permit, tmp_path):
    publish_version_2(tmp_path)
    answer(client, "address", permit_address(), version=2)
    answer(client, "vehicle", {"registration": "CU57 ABC"}, version=2)
    assert NEW_LABEL in client.get(f"{URL}/vehicle/").content.decode()


def test_a_forged_version_number_is_refused_and_nothing_is_stored(client, parking_permit, tmp_path):
    answer(client, "address", permit_address())
    publish_version_2(tmp_path)
    before = client.session[KEY]
    # The journey runs on version 1: a form claiming version 2 cannot move it there.
    response = answer(client, "address", {"registration": "AB12 CDE"}, version=2)
    assert response.status_code == 409
    assert client.session[KEY] == before
    assert client.session[KEY]["version"] == 1


@pytest.mark.parametrize("version", ["", "0", "-1", "1.0", "99999999999999999999", "x"])
def test_a_declaration_posted_with_a_wrong_version_stores_no_case(client, parking_permit, version):
    complete_questions(client)
    response = client.post(f"{URL}/declaration/", {"version": version, "confirm": "yes"})
    assert response.status_code == 409
    assert not Case.objects.exists()


def test_a_journey_on_a_withdrawn_version_starts_again_on_the_live_one(
    client, parking_permit, tmp_path
):
    answer(client, "address", permit_address())
    publish_version_2(tmp_path)
    withdraw_version(organisation="example-borough", slug="resident-parking-permit", version=1)

    response = client.get(f"{URL}/address/")
    assert response.status_code == 409
    assert "has been withdrawn" in response.content.decode()
    assert client.session.get(KEY) is None
    # Starting again runs on the live version.
    assert answer(client, "address", permit_address(), version=2).status_code == 302
    assert client.session[KEY]["version"] == 2


def test_the_live_version_cannot_be_withdrawn(parking_permit):
    from civitas.catalogue.public import VersionNotFound

    with pytest.raises(VersionNotFound):
        withdraw_version(organisation="example-borough", slug="resident-parking-permit", version=1)


def test_withdraw_command_names_the_version(parking_permit, tmp_path, capsys):
    publish_version_2(tmp_path)
    call_command("services", "withdraw", "example-borough/resident-parking-permit", "1")
    assert "version 1 withdrawn" in capsys.readouterr().out
