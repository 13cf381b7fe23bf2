"""The case page offers the transitions the workflow allows this person now, shows the
email the applicant will get before anything is sent, and refuses a stale form."""

from civitas.cases.models import Case
from civitas.cases.tests.factories import CaseFactory
from civitas.notify.models import Message


def _page(client, case):
    return client.get(f"/staff/cases/{case.reference}/").content.decode()


def _post(client, case, **fields):
    return client.post(f"/staff/cases/{case.reference}/", fields)


def test_the_page_offers_the_transitions_of_the_workflow_from_the_current_state(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    page = _page(client, case)
    for label in ("Approve", "Refuse", "Ask for more information"):
        assert label in page
    assert "Information received" not in page
    assert "I have checked the vehicle&#39;s registration" in page
    assert 'name="version" value="0"' in page
    # The status is the state's label, not its id.
    assert "more_information_requested" not in page
    assert "Submitted" in page


def test_choosing_a_transition_shows_the_email_before_anything_is_sent(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    response = _post(client, case, transition="approve", version=case.version)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Check before you confirm" in page
    assert f"Your parking permit {case.reference} has been approved" in page
    assert "[filled in when sent]" in page
    assert Case.objects.get().status == "submitted"
    assert not Message.objects.filter(template="approved").exists()

    response = _post(client, case, transition="approve", version=case.version, step="confirm")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/cases/{case.reference}/?done=approve"
    assert Case.objects.get().status == "approved"
    page = client.get(response.headers["Location"]).content.decode()
    assert "govuk-notification-banner--success" in page
    assert "Approved" in page


def test_a_transition_that_sends_no_email_says_so_in_the_preview(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory(status="more_information_requested", status_kind="waiting-for-citizen")
    response = _post(client, case, transition="information_received", version=case.version)
    page = response.content.decode()
    assert "The applicant will not be sent an email." in page
    assert "Submitted" in page


def test_asking_for_more_information_previews_the_request_the_applicant_will_get(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    response = _post(
        client,
        case,
        transition="request_information",
        **{"reason-request_information": "Send a photo of your V5C"},
        version=case.version,
    )
    page = response.content.decode()
    assert f"We need more information about your application ({case.reference})" in page
    assert "Send a photo of your V5C" in page
    assert "If we have not heard from you in 14 days, we will close your application." in page
    assert "More information requested" in page


def test_a_missing_reason_or_confirmation_is_shown_at_its_field(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    response = _post(client, case, transition="refuse", version=case.version)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#reason-refuse"' in page
    assert "Enter the reason: it is sent to the applicant" in page
    response = _post(
        client, case, transition="refuse", version=case.version, **{"reason-refuse": "No"}
    )
    assert 'href="#confirm-refuse"' in response.content.decode()
    assert Case.objects.get().status == "submitted"


def test_a_stale_form_is_refused_with_a_clear_message_and_nothing_changes(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    _post(client, case, transition="approve", version=case.version, step="confirm")
    # The same form, posted again from another tab drawn before the approval.
    response = _post(
        client,
        case,
        transition="refuse",
        version=case.version,
        step="confirm",
        **{"reason-refuse": "No", "confirm-refuse": "yes"},
    )
    assert response.status_code == 409
    assert "This case changed while you were looking at it" in response.content.decode()
    assert Case.objects.get().status == "approved"
    assert Message.objects.filter(template="refused").count() == 0


def test_a_forged_transition_from_the_wrong_state_is_refused(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    response = _post(
        client, case, transition="information_received", version=case.version, step="confirm"
    )
    assert response.status_code == 400
    assert "cannot be done to a case that is submitted" in response.content.decode()
    assert Case.objects.get().version == case.version


def test_the_case_list_shows_each_state_by_its_label(client, parking_permit, caseworker, signed_in):
    signed_in(caseworker)
    CaseFactory(status="more_information_requested")
    CaseFactory(refused=True)
    page = client.get("/staff/cases/").content.decode()
    assert "More information requested" in page
    assert "govuk-tag--yellow" in page
    assert "Refused" in page
    # The parking permit's own states are among those the list can be filtered by.
    assert 'href="?status=more_information_requested"' in page


def test_a_form_with_a_missing_or_garbled_version_is_treated_as_stale(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    for version in ("", "abc", "-1", "99999999999999999999"):
        response = _post(client, case, transition="approve", version=version, step="confirm")
        assert response.status_code == 409
    assert Case.objects.get().status == "submitted"


def test_the_reason_of_an_anonymous_report_is_said_to_be_kept_not_sent(
    client, caseworker, signed_in, organisations
):
    from civitas.cases.services import submit_application
    from civitas.cases.tests.test_queues import REPORT, report
    from conftest import publish_example

    service = publish_example(REPORT)
    case = submit_application(service=service, answers=report("pothole"), fee_pence=None)
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "kept with the case: the applicant gave no email address" in page
    assert "(sent to the applicant)" not in page
