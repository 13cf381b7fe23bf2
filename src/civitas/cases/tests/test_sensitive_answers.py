"""Sensitive answers (health, money, identity documents): hidden on the case page, kept
out of the search index, shown only on a deliberate POST to roles that need them, and
each show audited and logged by question, never by what the answer said."""

import json
import shutil

import pytest

from civitas.cases.models import Case, CaseSearchTerm
from civitas.cases.services import submit_application
from civitas.ledger.models import Entry
from civitas.platform.models import AuditEvent
from conftest import SERVICES, make_staff, publish_example

NI_NUMBER = "JH482913B"
NI_SHOWN = "JH 48 29 13 B"
SEARCH = "/staff/cases/search/"
WALKING = "I cannot walk more than a few steps without my frame"


@pytest.fixture
def blue_badge(organisations):
    return publish_example(SERVICES / "blue-badge" / "service.yaml")


def _badge(service, **answers) -> Case:
    return submit_application(
        service=service,
        answers={
            "applying_for": "myself",
            "holder_name": "Siân Jones",
            "date_of_birth": "1960-03-27",
            "national_insurance_number": NI_NUMBER,
            "address": "1 Station Road\nEastbury\nEB1 1AA",
            "email": "holder@example.com",
            "benefit": "none",
            "walking_distance": "under_50m",
            "walking_description": WALKING,
            **answers,
        },
        fee_pence=1000,
    )


def _shows(case: Case) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="case.sensitive_answers_shown", object_id=case.reference)
    )


def test_the_case_page_hides_sensitive_answers_behind_a_show_button(
    client, blue_badge, caseworker, signed_in
):
    case = _badge(blue_badge)
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Siân Jones" in page  # not sensitive
    assert NI_NUMBER not in page
    assert NI_SHOWN not in page
    assert "frame" not in page
    assert "Sensitive: hidden" in page
    assert f'action="/staff/cases/{case.reference}/sensitive"' in page
    assert "Show sensitive answers" in page
    assert _shows(case) == []


def test_showing_them_is_audited_and_logged_by_question_never_by_answer(
    client, blue_badge, caseworker, signed_in
):
    case = _badge(blue_badge)
    signed_in(caseworker)
    response = client.post(f"/staff/cases/{case.reference}/sensitive")
    assert response.status_code == 200
    page = response.content.decode()
    assert WALKING in page
    assert NI_SHOWN in page
    assert "no-store" in response["Cache-Control"]
    (shown,) = _shows(case)
    assert shown.actor_id == str(caseworker.pk)
    assert set(shown.details["questions"]) == {
        "national_insurance_number",
        "benefit",
        "walking_distance",
        "walking_description",
    }
    assert NI_NUMBER not in json.dumps(shown.details)
    assert "frame" not in json.dumps(shown.details)
    entries = [
        json.loads(bytes(data))
        for data in Entry.objects.filter(kind="personal_data.viewed").values_list(
            "leaf_data", flat=True
        )
    ]
    sensitive = [e for e in entries if e["payload"].get("data") == "sensitive answers"]
    assert len(sensitive) == 1
    assert "walking_description" in sensitive[0]["payload"]["questions"]
    assert NI_NUMBER not in json.dumps(sensitive[0])
    assert "frame" not in json.dumps(sensitive[0])


def test_one_question_can_be_shown_on_its_own(client, blue_badge, caseworker, signed_in):
    case = _badge(blue_badge)
    signed_in(caseworker)
    response = client.post(
        f"/staff/cases/{case.reference}/sensitive", {"question": "walking_description"}
    )
    assert response.status_code == 200
    assert WALKING in response.content.decode()
    assert NI_NUMBER not in response.content.decode()
    assert _shows(case)[0].details["questions"] == ["walking_description"]
    history = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Caseworker showed the sensitive answers" in history


def test_a_get_shows_nothing(client, blue_badge, caseworker, signed_in):
    case = _badge(blue_badge)
    signed_in(caseworker)
    response = client.get(f"/staff/cases/{case.reference}/sensitive")
    assert response.status_code == 405
    assert WALKING not in response.content.decode()
    assert _shows(case) == []


@pytest.mark.parametrize("role", ["auditor", "finance", "service_owner"])
def test_a_role_that_does_not_need_them_cannot_show_them(client, blue_badge, signed_in, role):
    case = _badge(blue_badge)
    signed_in(make_staff(f"{role}@example.gov.uk", role))
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "your role cannot see them" in page
    assert "Show sensitive answers" not in page
    response = client.post(f"/staff/cases/{case.reference}/sensitive")
    assert response.status_code == 403
    assert WALKING not in response.content.decode()
    assert _shows(case) == []


def test_another_organisations_caseworker_finds_no_such_case(
    client, blue_badge, other_council_caseworker, signed_in
):
    case = _badge(blue_badge)
    signed_in(other_council_caseworker)
    response = client.post(f"/staff/cases/{case.reference}/sensitive")
    assert response.status_code == 404
    assert _shows(case) == []


@pytest.mark.parametrize("question", ["holder_name", "no_such_question", "x" * 500, "\x00"])
def test_a_question_that_is_not_sensitive_or_not_there_is_refused(
    client, blue_badge, caseworker, signed_in, question
):
    case = _badge(blue_badge)
    signed_in(caseworker)
    response = client.post(f"/staff/cases/{case.reference}/sensitive", {"question": question})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Siân" not in page
    assert WALKING not in page
    assert _shows(case) == []


def test_a_post_without_its_csrf_token_is_refused(blue_badge, caseworker):
    from django.test import Client

    from conftest import current_code

    case = _badge(blue_badge)
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = client.post(f"/staff/cases/{case.reference}/sensitive")
    assert response.status_code in (302, 403)
    assert current_code()  # the code page would be next: nothing shown either way
    assert _shows(case) == []


def test_a_sensitive_answer_gives_no_search_digest(
    client, organisations, caseworker, signed_in, tmp_path
):
    folder = tmp_path / "blue-badge"
    shutil.copytree(SERVICES / "blue-badge", folder)
    source = (folder / "service.yaml").read_text()
    marked = source.replace(
        "      - id: applicant_name\n        type: text\n",
        "      - id: applicant_name\n        type: text\n        sensitive: true\n",
    )
    assert marked != source
    (folder / "service.yaml").write_text(marked)
    service = publish_example(folder / "service.yaml")
    case = _badge(service, applying_for="someone_else", applicant_name="Gwenllian Pryce")
    signed_in(caseworker)
    assert case.reference not in client.get(SEARCH, {"q": "Gwenllian Pryce"}).content.decode()
    assert case.reference not in client.get(SEARCH, {"q": "Pryce"}).content.decode()
    # The name that is not sensitive still finds it: the index is there, without the other.
    assert case.reference in client.get(SEARCH, {"q": "Siân Jones"}).content.decode()
    assert CaseSearchTerm.objects.filter(case=case, kind="name").count() == 2


def test_a_value_worked_out_from_a_sensitive_answer_is_hidden_with_it(
    client, organisations, caseworker, signed_in
):
    service = publish_example(SERVICES / "council-tax-reduction" / "service.yaml")
    case = submit_application(
        service=service,
        answers={
            "full_name": "Rhys Evans",
            "date_of_birth": "1980-05-01",
            "national_insurance_number": NI_NUMBER,
            "address": "1 Station Road\nEastbury\nEB1 1AA",
            "email": "rhys@example.com",
            "council_tax_band": "C",
            "household": [
                {
                    "member_name": "Ceri Evans",
                    "relationship": "partner",
                    "member_date_of_birth": "1982-01-01",
                    "member_earnings": 12345,
                    "member_hours": 10,
                    "member_other_income": 0,
                    "member_savings": 0,
                    "member_support": ["none"],
                    "member_student": "no",
                }
            ],
            "benefit": "none",
            "earnings": 31000,
            "hours_worked": 30,
            "other_income": 0,
            "savings": 150000,
            "support": ["none"],
        },
        fee_pence=None,
    )
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Weekly income of the applicant and partner" not in page
    assert "Age of the applicant" in page  # from the date of birth, which is not sensitive
    assert "£433.45" not in page
    assert "£310" not in page
    assert "123.45" not in page
    shown = client.post(f"/staff/cases/{case.reference}/sensitive").content.decode()
    assert "Weekly income of the applicant and partner" in shown
    assert "£433.45" in shown


def test_an_estimate_from_sensitive_answers_is_hidden_with_them(
    client, organisations, caseworker, signed_in
):
    service = publish_example(SERVICES / "council-tax-reduction" / "service.yaml")
    assert service.model.rules_read_sensitive
    case = submit_application(
        service=service,
        answers={"email": "rhys@example.com", "household": [], "earnings": 1000},
        fee_pence=None,
        estimate={"variable": "annual_reduction_pence", "pence": 98765},
    )
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Estimated Council Tax Reduction for a year" not in page
    assert "£987.65" not in page
    shown = client.post(f"/staff/cases/{case.reference}/sensitive").content.decode()
    assert "Estimated Council Tax Reduction for a year" in shown
    assert "£987.65" in shown


def test_the_file_of_a_sensitive_question_downloads_only_for_roles_that_may_see_it(
    client, blue_badge, caseworker, signed_in
):
    from civitas.cases.files import SubmittedFile, store_case_files
    from civitas.platform.files.store import new_file_token

    token = new_file_token()
    case = _badge(blue_badge, proof_of_identity=token)
    store_case_files(
        case,
        [SubmittedFile(token, "proof_of_identity", "passport.pdf", "application/pdf", b"%PDF-1")],
    )
    url = f"/staff/cases/{case.reference}/files/{token}/"
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "passport.pdf" not in page  # not even its name before "Show"
    shown = client.post(f"/staff/cases/{case.reference}/sensitive").content.decode()
    assert f'href="{url}"' in shown
    assert client.get(url).status_code == 200
    client.logout()
    signed_in(make_staff("auditor@example.gov.uk", "auditor"))
    response = client.get(url)
    assert response.status_code == 403
    assert b"%PDF" not in response.content


def test_nothing_is_shown_when_the_show_cannot_be_logged(client, blue_badge, caseworker, signed_in):
    from civitas.cases.tests.test_transparency_log import break_the_log

    case = _badge(blue_badge)
    signed_in(caseworker)
    break_the_log()
    response = client.post(f"/staff/cases/{case.reference}/sensitive")
    assert response.status_code == 503
    assert WALKING not in response.content.decode()
    assert _shows(case) == []


def test_retention_leaves_a_case_with_no_sensitive_answers_to_show(
    client, blue_badge, caseworker, signed_in
):
    import datetime

    from django.utils import timezone

    from civitas.cases.retention import apply_retention

    case = _badge(blue_badge)
    case.status, case.status_kind, case.status_since = "approved", "closed-approved", timezone.now()
    case.save()
    apply_retention(now=timezone.now() + datetime.timedelta(days=4 * 365))
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Show sensitive answers" not in page
    assert "JH 48" not in page


def test_after_a_show_no_table_holds_a_sensitive_answer_in_clear(
    client, blue_badge, caseworker, signed_in
):
    """Every text column of every table, read raw: the answers, the search digests, the
    audit trail, the log, the outbox and the sessions hold none of it readably."""
    from django.db import connection

    case = _badge(blue_badge)
    signed_in(caseworker)
    assert WALKING in client.post(f"/staff/cases/{case.reference}/sensitive").content.decode()
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(
                    bytes(value).decode("latin-1")
                    if isinstance(value, (bytes, memoryview))
                    else str(value)
                    for value in row
                )
                for secret in (NI_NUMBER, NI_SHOWN, "without my frame"):
                    if secret in text:
                        found.append((table, secret))
    assert found == []
