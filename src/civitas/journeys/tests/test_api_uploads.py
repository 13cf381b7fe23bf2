"""Submitting an application with its files through the API: multipart/form-data, the
application's JSON in the part `application` and each file in a part named by its
question's id, every file checked as a page's upload is (test_uploads)."""

import json
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from civitas.cases.models import Case, CaseFile
from civitas.cases.tests.test_transparency_log import break_the_log
from civitas.journeys.models import IdempotentSubmission, Upload
from civitas.platform.audit import AuditEvent
from civitas.platform.files.store import sealed_file_path
from civitas.platform.tests.clamd_sandbox import EICAR
from conftest import SERVICES, problem_errors, publish_example
from tests.browser import PDF, PNG

URL = "/api/v1/services/example-borough/blue-badge/applications"


@pytest.fixture
def blue_badge(organisations):
    return publish_example(SERVICES / "blue-badge" / "service.yaml")


def application(**answers) -> dict:
    """A Blue Badge application for someone who gets a benefit that qualifies: its file
    questions are the benefit letter, the photo and the proof of identity."""
    return {
        "version": 1,
        "declaration": True,
        "answers": {
            "applying_for": "myself",
            "holder_name": "Jane Doe",
            "date_of_birth": "1960-03-27",
            "address": "1 Station Road\nEastbury\nEB1 1AA",
            "email": "jane@example.com",
            "benefit": "dla_higher_mobility",
            **answers,
        },
    }


def files(**replaced) -> dict:
    sent = {
        "benefit_letter": SimpleUploadedFile("award letter.pdf", PDF, "application/pdf"),
        "photo": SimpleUploadedFile("jane.png", PNG, "image/png"),
        "proof_of_identity": SimpleUploadedFile("passport.pdf", PDF, "application/pdf"),
    }
    sent.update(replaced)
    return {name: file for name, file in sent.items() if file is not None}


def send(client, headers, body=None, sent=None, **extra):
    data = {"application": json.dumps(application() if body is None else body)}
    data.update(files() if sent is None else sent)
    return client.post(URL, data, headers=headers, **extra)  # multipart, as a form posts


def stored_files(settings) -> list[Path]:
    return sorted(path for path in Path(settings.UPLOAD_ROOT).rglob("*") if path.is_file())


def assert_nothing_stored(settings) -> None:
    assert not Case.objects.exists()
    assert not Upload.objects.exists()
    assert not IdempotentSubmission.objects.exists()
    assert stored_files(settings) == []


def test_an_application_with_its_files_makes_one_case_holding_them(
    client, blue_badge, api_headers, settings
):
    response = send(client, api_headers)

    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.reference == response.json()["reference"]
    assert case.channel == "api"
    held = {file.answer_id: file for file in CaseFile.objects.filter(case=case)}
    assert {answer: (file.file_name, file.content_type) for answer, file in held.items()} == {
        "benefit_letter": ("award letter.pdf", "application/pdf"),
        "photo": ("jane.png", "image/png"),
        "proof_of_identity": ("passport.pdf", "application/pdf"),
    }
    assert {answer: case.answers[answer] for answer in held} == {
        answer: file.token for answer, file in held.items()
    }
    # Only the case's sealed copies are left: the request's own are gone.
    assert not Upload.objects.exists()
    assert stored_files(settings) == sorted(
        sealed_file_path("cases", file.token) for file in held.values()
    )
    assert PNG not in sealed_file_path("cases", held["photo"].token).read_bytes()


def test_staff_read_a_file_sent_through_the_api_as_one_uploaded_on_a_page(
    client, blue_badge, api_headers, caseworker, signed_in
):
    reference = send(client, api_headers).json()["reference"]
    photo = CaseFile.objects.get(answer_id="photo")
    signed_in(caseworker)

    page = client.get(f"/staff/cases/{reference}/").content.decode()
    assert f'href="/staff/cases/{reference}/files/{photo.token}/"' in page
    assert "jane.png, " in page
    response = client.get(f"/staff/cases/{reference}/files/{photo.token}/")
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="jane.png"'
    assert AuditEvent.objects.filter(action="case.file_downloaded").count() == 1


def test_the_submissions_audit_record_names_the_api_key_that_sent_it_never_its_secret(
    client, blue_badge, api_headers
):
    secret = api_headers["Authorization"].removeprefix("Bearer ")
    public_id = secret.split("_")[1]
    reference = send(client, api_headers).json()["reference"]

    event = AuditEvent.objects.get(action="case.submitted", object_id=reference)
    assert event.details == {"service": "blue-badge@1", "channel": "api", "api_key": public_id}
    assert secret not in json.dumps(event.details)


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (("jane.pdf", PDF), "The selected file must be a JPG or PNG"),  # a kind not taken
        (("jane.jpg", PNG), "The selected file must be a JPG or PNG"),  # a PNG called .jpg
        (("jane.png", b"MZ\x90\x00" + b"\x00" * 64), "The selected file must be a JPG or PNG"),
        (("jane.png", b""), "The selected file is empty"),
    ],
    ids=["pdf", "misnamed", "program", "empty"],
)
def test_a_file_the_pages_would_refuse_is_a_422_at_its_answer_and_nothing_is_kept(
    client, blue_badge, api_headers, settings, photo, message
):
    name, content = photo
    response = send(client, api_headers, sent=files(photo=SimpleUploadedFile(name, content)))

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"detail": message, "pointer": "#/answers/photo"}]
    assert_nothing_stored(settings)


def test_a_file_larger_than_its_question_takes_is_a_422_and_nothing_is_kept(
    client, blue_badge, api_headers, settings
):
    settings.UPLOAD_MAX_BYTES = 1024  # below the questions' 10MB, so the platform's rules
    big = SimpleUploadedFile("jane.png", PNG + b"\x00" * 1024)

    response = send(client, api_headers, sent=files(photo=big))

    assert response.status_code == 422
    assert problem_errors(response) == {"photo": "The selected file must be smaller than 1KB"}
    assert_nothing_stored(settings)


def test_every_refused_file_is_named_and_none_of_the_good_ones_is_kept(
    client, blue_badge, api_headers, settings
):
    sent = files(
        photo=SimpleUploadedFile("jane.pdf", PDF),
        proof_of_identity=SimpleUploadedFile("passport.pdf", b""),
    )
    response = send(client, api_headers, sent=sent)

    assert response.status_code == 422
    assert problem_errors(response) == {
        "photo": "The selected file must be a JPG or PNG",
        "proof_of_identity": "The selected file is empty",
    }
    assert_nothing_stored(settings)


def test_a_file_with_a_virus_is_refused_as_on_the_pages(
    client, blue_badge, api_headers, settings, clamd
):
    infected = SimpleUploadedFile("passport.pdf", b"%PDF-1.4\n" + EICAR + b"\n%%EOF")
    response = send(client, api_headers, sent=files(proof_of_identity=infected))

    assert response.status_code == 422
    assert problem_errors(response) == {"proof_of_identity": "The selected file contains a virus"}
    assert clamd.scanned == 3
    assert_nothing_stored(settings)


def test_a_missing_file_part_is_the_required_answer_missing(
    client, blue_badge, api_headers, settings
):
    response = send(client, api_headers, sent=files(photo=None))

    assert response.status_code == 422
    assert problem_errors(response) == {"photo": "Select a file"}
    assert_nothing_stored(settings)


def test_a_part_for_a_question_the_route_does_not_reach_is_an_error(
    client, blue_badge, api_headers, settings
):
    # Without a benefit the route asks about walking, never for a benefit letter.
    body = application(
        benefit="none",
        walking_distance="cannot_walk",
        walking_problems=["pain"],
        walking_description="It hurts.",
    )
    response = send(client, api_headers, body=body)

    assert response.status_code == 422
    assert "benefit_letter" in problem_errors(response)
    assert_nothing_stored(settings)


def test_an_unknown_part_is_a_400_naming_it(client, blue_badge, api_headers, settings):
    extra = SimpleUploadedFile("notes.pdf", PDF)
    response = send(client, api_headers, sent={**files(), "notes": extra})

    assert response.status_code == 400
    assert response.json()["title"] == "Unknown part"
    assert "'notes'" in response.json()["detail"]
    assert_nothing_stored(settings)


def test_two_files_for_one_question_are_refused(client, blue_badge, api_headers, settings):
    two = [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)]
    response = send(client, api_headers, sent=files(photo=two))

    assert response.status_code == 422
    assert problem_errors(response) == {"photo": "Send one file for this question"}
    assert_nothing_stored(settings)


def test_a_file_questions_part_sent_as_text_is_refused(client, blue_badge, api_headers, settings):
    response = send(client, api_headers, sent=files(photo="not a file"))

    assert response.status_code == 422
    assert problem_errors(response) == {
        "photo": "Send a file for this question, as a part with a file name"
    }
    assert_nothing_stored(settings)


def test_a_file_id_in_the_answers_is_refused_even_beside_the_file(
    client, blue_badge, api_headers, settings
):
    body = application(photo="Zc1mJkI1Lx2m3PpJ8bTd7WqYv0aB_-9Q")
    response = send(client, api_headers, body=body)

    assert response.status_code == 422
    assert problem_errors(response) == {
        "photo": "Send the file as the multipart part named 'photo', not in the answers"
    }
    assert_nothing_stored(settings)


@pytest.mark.parametrize("part", [None, "twice"])
def test_the_application_is_one_part_named_application(
    client, blue_badge, api_headers, settings, part
):
    data = files()
    if part == "twice":
        data["application"] = [json.dumps(application())] * 2
    response = client.post(URL, data, headers=api_headers)

    assert response.status_code == 400
    assert response.json()["title"] == "Missing application"
    assert_nothing_stored(settings)


def test_the_application_may_come_as_a_file_part(client, blue_badge, api_headers):
    body = SimpleUploadedFile("application.json", json.dumps(application()).encode())
    response = client.post(URL, {"application": body, **files()}, headers=api_headers)

    assert response.status_code == 201, response.content


def multipart(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart/form-data body as any client writes it, with its own boundary."""
    body = b""
    for name, file_name, content in parts:
        disposition = f'form-data; name="{name}"'
        if file_name is not None:
            disposition += f'; filename="{file_name}"'
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def send_raw(client, headers, boundary, parts, **extra):
    return client.post(
        URL,
        data=multipart(boundary, parts),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
        **extra,
    )


PARTS = [
    ("application", None, json.dumps(application()).encode()),
    ("benefit_letter", "letter.pdf", PDF),
    ("photo", "jane.png", PNG),
    ("proof_of_identity", "passport.pdf", PDF),
]


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer_and_stores_nothing_more(
    client, blue_badge, api_headers, settings
):
    headers = {**api_headers, "Idempotency-Key": "retry-1"}
    first = send_raw(client, headers, "first-boundary", PARTS)
    kept = stored_files(settings)

    # A client sending again draws a new boundary, and may order the parts otherwise.
    again = send_raw(client, headers, "another-boundary-42", list(reversed(PARTS)))

    assert first.status_code == again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Case.objects.count() == 1
    assert CaseFile.objects.count() == 3
    assert stored_files(settings) == kept
    assert not Upload.objects.exists()


@pytest.mark.parametrize(
    "changed",
    [
        ("photo", "jane.png", PNG + b"\x00"),  # other content
        ("photo", "someone.png", PNG),  # another name
    ],
    ids=["content", "file-name"],
)
def test_the_same_idempotency_key_with_another_file_is_refused(
    client, blue_badge, api_headers, settings, changed
):
    headers = {**api_headers, "Idempotency-Key": "retry-2"}
    assert send_raw(client, headers, "b1", PARTS).status_code == 201
    kept = stored_files(settings)

    parts = [changed if part[0] == changed[0] else part for part in PARTS]
    response = send_raw(client, headers, "b1", parts)

    assert response.status_code == 422
    assert response.json()["type"].endswith("idempotency-key-reused")
    assert Case.objects.count() == 1
    assert stored_files(settings) == kept


def test_a_submission_the_log_cannot_record_leaves_no_file_behind(
    client, blue_badge, api_headers, settings
):
    break_the_log()

    response = send(client, api_headers)

    assert response.status_code == 503
    assert_nothing_stored(settings)


def test_a_body_larger_than_one_page_takes_is_accepted_when_the_service_takes_its_files(
    client, blue_badge, api_headers, settings
):
    # Three files together are more than the platform lets any one page post.
    settings.UPLOAD_MAX_BYTES = 4096
    settings.UPLOAD_MAX_REQUEST_BYTES = 4096
    padded = [
        (name, file_name, content + b"\x00" * 3000 if file_name else content)
        for name, file_name, content in PARTS
    ]
    response = send_raw(client, api_headers, "b", padded)

    assert len(multipart("b", padded)) > settings.UPLOAD_MAX_REQUEST_BYTES
    assert response.status_code == 201, response.content


def test_a_body_declared_larger_than_the_service_takes_is_refused_unread(
    client, blue_badge, api_headers, settings
):
    settings.UPLOAD_MAX_BYTES = 4096
    limit = 64 * 1024 + 3 * 4096 + 4 * 4096  # the JSON, each file, each part's headers
    response = send_raw(client, api_headers, "b", PARTS, CONTENT_LENGTH=str(limit + 1))

    assert response.status_code == 413
    assert response.json()["detail"] == ("A submission to this service must be smaller than 92KB.")
    assert_nothing_stored(settings)


def test_without_a_key_no_body_is_read_however_large_it_says_it_is(client, blue_badge, settings):
    response = send_raw(client, {}, "b", PARTS, CONTENT_LENGTH=str(10**12))

    assert response.status_code == 401
    assert_nothing_stored(settings)


def test_a_page_still_cannot_post_more_than_the_platform_allows(client, blue_badge, settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 1024
    response = client.post(
        "/services/example-borough/blue-badge/photo/",
        {"version": "1", "photo": SimpleUploadedFile("jane.png", PNG + b"\x00" * 2048)},
    )
    assert response.status_code == 413


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_make_one_case_and_leave_no_file_behind(
    blue_badge, api_key, settings
):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs two connections writing")
    headers = {**api_key(), "Idempotency-Key": "at-once"}
    results = []
    start = threading.Barrier(2)

    def post() -> None:
        start.wait()
        results.append(send_raw(Client(), headers, "b", PARTS))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(response.status_code for response in results) == [201, 201]
    assert results[0].json() == results[1].json()
    case = Case.objects.get()
    # The loser's case rolled back, and the files written for it went with it.
    assert stored_files(settings) == sorted(
        sealed_file_path("cases", file.token) for file in CaseFile.objects.filter(case=case)
    )
    assert CaseFile.objects.count() == 3
    assert not Upload.objects.exists()
