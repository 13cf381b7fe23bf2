"""The file question: what is refused and why, how a file is kept, shown, replaced,
handed to its case and downloaded, and what hostile files and names cannot do."""

import datetime
import json
import textwrap
from pathlib import Path

import hypothesis
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import strategies as st

from civitas.cases.models import Case, CaseFile
from civitas.cases.tests.test_transparency_log import break_the_log
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from civitas.journeys.models import Upload
from civitas.journeys.uploads import delete_abandoned_uploads, read_upload
from civitas.platform.audit import AuditEvent
from civitas.platform.crypto import DecryptionError
from civitas.platform.files.store import sealed_file_path
from civitas.platform.tests.clamd_sandbox import EICAR
from conftest import problem_errors

URL = "/services/example-borough/small"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64

PAGES = """\
      - id: evidence
        question:
          id: evidence
          type: file
          label: Upload proof of your address
          summary_label: Proof of address
          accept: [pdf, jpeg, png]
          max_size: 1MB
      - id: email
"""


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", PAGES, 1)))
    publish_service_file(path, published_by="test")


def _upload(client, name: str, content: bytes, **extra):
    data = {"version": "1", **extra}
    if name is not None:
        data["evidence"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(f"{URL}/evidence/", data)


def _to_the_file_page(client):
    assert client.post(f"{URL}/colour/", {"version": "1", "colour": "blue"}).status_code == 302


def _stored_files(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def _answer_email(client) -> None:
    assert client.post(f"{URL}/email/", {"version": "1", "email": "a@example.com"}).status_code


def _submit(client) -> Case:
    _answer_email(client)
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert response.status_code == 302, response.content
    return Case.objects.get()


def test_only_a_page_with_a_file_question_posts_multipart(client, service):
    _to_the_file_page(client)
    page = client.get(f"{URL}/evidence/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in page
    assert "enctype" not in client.get(f"{URL}/colour/").content.decode()


def test_a_pdf_is_kept_sealed_shown_by_name_and_size_and_handed_to_the_case(
    client, service, settings
):
    _to_the_file_page(client)
    assert _upload(client, "proof of address.pdf", PDF).status_code == 302
    upload = Upload.objects.get()
    sealed = sealed_file_path("journeys", upload.token).read_bytes()
    assert PDF not in sealed
    assert b"%PDF" not in sealed
    assert read_upload(upload.token) == PDF
    _answer_email(client)
    summary = client.get(f"{URL}/check-answers/").content.decode()
    assert "proof of address.pdf, " in summary
    assert f"{len(PDF)} bytes" in summary
    assert upload.token not in summary

    case = _submit(client)
    assert case.answers["evidence"] == upload.token
    case_file = CaseFile.objects.get(case=case)
    assert (case_file.file_name, case_file.content_type) == (
        "proof of address.pdf",
        "application/pdf",
    )
    # The journey's copy is gone; the case has its own, sealed for the case.
    assert not Upload.objects.exists()
    assert _stored_files(settings.UPLOAD_ROOT) == [sealed_file_path("cases", upload.token)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (None, b"", "Select a file"),
        ("empty.pdf", b"", "The selected file is empty"),
        ("big.pdf", PDF + b"0" * (1024 * 1024), "The selected file must be smaller than 1MB"),
        ("notes.txt", b"just some text", "The selected file must be a PDF, JPG or PNG"),
        # Files that lie about what they are.
        ("photo.pdf", PNG, "The selected file must be a PDF, JPG or PNG"),
        ("holiday.jpg", EXE, "The selected file must be a PDF, JPG or PNG"),
        ("scan.png", JPEG, "The selected file must be a PDF, JPG or PNG"),
        ("no-extension", PDF, "The selected file must be a PDF, JPG or PNG"),
    ],
)
def test_a_file_that_is_refused_gets_a_field_error_and_nothing_is_kept(
    client, service, settings, name, content, message
):
    _to_the_file_page(client)
    response = _upload(client, name, content)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'href="#evidence"' in page  # the error summary links to the input
    assert not Upload.objects.exists()
    assert _stored_files(settings.UPLOAD_ROOT) == []


def test_a_posted_text_field_cannot_name_a_file_as_the_answer(client, service):
    _to_the_file_page(client)
    assert _upload(client, "mine.pdf", PDF).status_code == 302
    token = Upload.objects.get().token
    client.cookies.clear()
    _to_the_file_page(client)
    response = client.post(f"{URL}/evidence/", {"version": "1", "evidence": token})
    assert response.status_code == 400
    assert "Select a file" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "kept_as"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.pdf", "system.pdf"),
        ("a\x00b\x07c.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),
        ("\u2066hidden\u2069 name.pdf", "hidden name.pdf"),
        ("x" * 10_000 + ".pdf", "x" * 96 + ".pdf"),
        # The / makes everything before it a folder, dropped like any other.
        ('<script>alert("x")</script>.pdf', "script.pdf"),
        ('<img src=x onerror="alert(1)">.pdf', "img src=x onerror=alert(1).pdf"),
    ],
)
def test_a_hostile_file_name_is_kept_only_in_a_safe_form(client, service, settings, name, kept_as):
    _to_the_file_page(client)
    assert _upload(client, name, PDF).status_code == 302
    upload = Upload.objects.get()
    assert upload.file_name == kept_as
    # Stored under the token, inside the upload folder, whatever the name said.
    assert _stored_files(settings.UPLOAD_ROOT) == [sealed_file_path("journeys", upload.token)]
    _answer_email(client)
    summary = client.get(f"{URL}/check-answers/").content.decode()
    assert "<script>" not in summary
    assert "<img" not in summary
    assert kept_as.replace("=", "") in summary.replace("&#34;", "").replace("=", "")


def test_continuing_without_a_new_file_keeps_the_one_uploaded_and_a_new_one_replaces_it(
    client, service, settings
):
    _to_the_file_page(client)
    assert _upload(client, "first.pdf", PDF).status_code == 302
    first = Upload.objects.get().token
    page = client.get(f"{URL}/evidence/?change=1").content.decode()
    assert "You have uploaded first.pdf" in page
    assert _upload(client, None, b"").status_code == 302
    assert Upload.objects.get().token == first
    assert _upload(client, "second.png", PNG).status_code == 302
    second = Upload.objects.get()
    assert second.token != first
    assert second.file_name == "second.png"
    assert _stored_files(settings.UPLOAD_ROOT) == [sealed_file_path("journeys", second.token)]
    # A refused replacement keeps the file already there.
    refused = _upload(client, "bad.pdf", PNG)
    assert refused.status_code == 400
    assert "You have uploaded second.png" in refused.content.decode()
    assert Upload.objects.get().token == second.token


def test_a_file_with_a_virus_is_refused_and_never_stored(client, service, clamd, settings):
    _to_the_file_page(client)
    response = _upload(client, "infected.pdf", b"%PDF-1.4\n" + EICAR + b"\n%%EOF")
    assert response.status_code == 400
    assert "The selected file contains a virus" in response.content.decode()
    assert clamd.scanned == 1
    assert not Upload.objects.exists()
    assert _stored_files(settings.UPLOAD_ROOT) == []
    assert _upload(client, "clean.pdf", PDF).status_code == 302
    assert clamd.scanned == 2


def test_a_file_is_refused_while_the_scanner_is_down(client, service, clamd, settings):
    clamd.stop()
    _to_the_file_page(client)
    response = _upload(client, "proof.pdf", PDF)
    assert response.status_code == 400
    assert "The file could not be checked. Try again later" in response.content.decode()
    assert not Upload.objects.exists()
    assert _stored_files(settings.UPLOAD_ROOT) == []


def test_healthz_reports_the_scanner(client, service, clamd):
    assert client.get("/healthz").json()["virus_scanner"] == {"status": "ok", "scanning": "on"}
    clamd.stop()
    assert client.get("/healthz").json()["virus_scanner"]["status"] == "down"


def test_a_submission_the_log_cannot_record_leaves_the_case_no_file(client, service, settings):
    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    token = Upload.objects.get().token
    _answer_email(client)
    break_the_log()

    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})

    assert response.status_code == 503
    assert not Case.objects.exists()
    # The journey keeps its file, to send again; the case's copy, written before the log
    # refused the entry, is gone with the case.
    assert _stored_files(settings.UPLOAD_ROOT) == [sealed_file_path("journeys", token)]


def test_a_sealed_file_altered_or_swapped_on_disk_does_not_open(client, service):
    _to_the_file_page(client)
    assert _upload(client, "one.pdf", PDF).status_code == 302
    one = Upload.objects.get().token
    assert _upload(client, "two.png", PNG).status_code == 302  # replaces, so keep a copy
    two = Upload.objects.get().token
    path = sealed_file_path("journeys", two)
    sealed = bytearray(path.read_bytes())
    sealed[-1] ^= 1
    path.write_bytes(bytes(sealed))
    with pytest.raises(DecryptionError):
        read_upload(two)
    # Another upload's sealed file moved under this one's name.
    other = sealed_file_path("journeys", "A" * 32)
    other.write_bytes(bytes(sealed))
    assert one != two
    with pytest.raises(DecryptionError):
        read_upload("A" * 32)


def test_a_request_larger_than_the_platform_allows_is_refused_before_it_is_read(
    client, service, settings
):
    settings.UPLOAD_MAX_BYTES = 1024
    settings.UPLOAD_MAX_REQUEST_BYTES = 2048
    _to_the_file_page(client)
    response = _upload(client, "huge.pdf", PDF + b"0" * 4096)
    assert response.status_code == 413
    assert "The selected file must be smaller than 1KB" in response.content.decode()
    assert not Upload.objects.exists()


def test_uploads_of_journeys_nobody_submitted_are_swept(client, service, settings):
    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    assert delete_abandoned_uploads() == 0
    later = timezone.now() + datetime.timedelta(seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS + 1)
    assert delete_abandoned_uploads(now=later) == 1
    assert not Upload.objects.exists()
    assert _stored_files(settings.UPLOAD_ROOT) == []
    # The answer now names a file that is gone: the application asks for it again.
    client.post(f"{URL}/email/", {"version": "1", "email": "a@example.com"})
    assert client.get(f"{URL}/check-answers/")["Location"] == f"{URL}/evidence/"
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}/evidence/"
    assert not Case.objects.exists()
    assert _upload(client, "again.pdf", PDF).status_code == 302
    assert client.get(f"{URL}/check-answers/").status_code == 200


@pytest.fixture
def case_with_file(client, service):
    _to_the_file_page(client)
    assert _upload(client, "Jane's proof.pdf", PDF).status_code == 302
    case = _submit(client)
    client.cookies.clear()
    return case


def test_staff_of_the_cases_organisation_download_the_file_and_it_is_audited(
    client, case_with_file, caseworker, signed_in
):
    signed_in(caseworker)
    token = case_with_file.answers["evidence"]
    page = client.get(f"/staff/cases/{case_with_file.reference}/").content.decode()
    assert f'href="/staff/cases/{case_with_file.reference}/files/{token}/"' in page
    assert "Jane&#39;s proof.pdf, " in page
    response = client.get(f"/staff/cases/{case_with_file.reference}/files/{token}/")
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Jane\'s proof.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="case.file_downloaded")
    assert (event.object_id, event.actor_id) == (case_with_file.reference, str(caseworker.pk))


def test_another_organisations_staff_cannot_download_the_file(
    client, case_with_file, other_council_caseworker, signed_in
):
    signed_in(other_council_caseworker)
    token = case_with_file.answers["evidence"]
    response = client.get(f"/staff/cases/{case_with_file.reference}/files/{token}/")
    assert response.status_code == 404
    assert PDF not in response.content
    assert not AuditEvent.objects.filter(action="case.file_downloaded").exists()


def test_a_file_token_of_another_case_or_none_at_all_is_not_found(
    client, case_with_file, caseworker, signed_in
):
    signed_in(caseworker)
    for token in ["B" * 32, "../../etc/passwd", "x" * 500]:
        response = client.get(f"/staff/cases/{case_with_file.reference}/files/{token}/")
        assert response.status_code == 404


def test_the_api_takes_no_file_id_in_the_answers_even_naming_a_real_upload(
    client, service, api_headers
):
    # The API takes a file only as a part of its request (test_api_uploads): an id sent
    # as the answer is refused, even a real one, so a leaked id submits nobody's file.
    _to_the_file_page(client)
    assert _upload(client, "mine.pdf", PDF).status_code == 302
    token = Upload.objects.get().token
    for answer in ["Zc1mJkI1Lx2m3PpJ8bTd7WqYv0aB_-9Q", token]:
        answers = {"colour": "blue", "evidence": answer, "email": "a@example.com"}
        response = client.post(
            "/api/v1/services/example-borough/small/applications",
            data=json.dumps({"version": 1, "declaration": True, "answers": answers}),
            content_type="application/json",
            headers=api_headers,
        )
        assert response.status_code == 422, response.content
        assert problem_errors(response) == {
            "evidence": "Send the file as the multipart part named 'evidence', not in the answers"
        }
    assert not Case.objects.exists()
    assert Upload.objects.get().token == token


KNOWN_HEADS = [PDF, PNG, JPEG, EXE, b"", b"GIF89a", b"PK\x03\x04", b"\x00" * 16]


@hypothesis.settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    head=st.sampled_from(KNOWN_HEADS),
    tail=st.binary(max_size=2048),
    name=st.text(max_size=300),
    extension=st.sampled_from(["pdf", "jpg", "jpeg", "png", "PDF", "exe", "", "pdf.exe"]),
)
def test_any_file_under_any_name_is_a_field_error_or_kept_as_the_kind_it_is(
    client, service, settings, head, tail, name, extension
):
    """Random and lying files: never a server error; refused with nothing kept, or kept
    as what its content is, under a safe name with a matching extension."""
    Upload.objects.all().delete()
    client.cookies.clear()
    _to_the_file_page(client)
    # The body is written by hand, so any name reaches the server as a client could send
    # it (the test client's own files refuse some); a quote or line break cannot be in a
    # quoted header value at all.
    filename = f"{name}.{extension}".replace("\r", "").replace("\n", "").replace('"', "")
    boundary = "hypothesis-boundary-7f3a9c"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="version"\r\n\r\n1\r\n'
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="evidence"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode("utf-8", "surrogatepass")
        + head
        + tail
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.generic(
        "POST",
        f"{URL}/evidence/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code in (302, 400)
    hypothesis.event(f"answered {response.status_code}")
    if response.status_code == 400:
        assert not Upload.objects.exists()
        return
    upload = Upload.objects.get()
    assert read_upload(upload.token) == head + tail
    assert upload.kind in {"pdf", "png", "jpeg"}
    assert (
        extension.lower() in {"pdf": ["pdf"], "png": ["png"], "jpeg": ["jpg", "jpeg"]}[upload.kind]
    )
    assert "/" not in upload.file_name
    assert len(upload.file_name) <= 100


GROUPED = """\
      - id: proof
        title: Your proof of address
        questions:
          - {id: bill_kind, type: text, label: 'What kind of bill is it?'}
          - {id: bill, type: file, label: Upload the bill}
      - id: email
"""


@pytest.fixture
def grouped_service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", GROUPED, 1)))
    publish_service_file(path, published_by="test")


def test_a_file_question_on_a_page_with_others_is_answered_with_them(client, grouped_service):
    _to_the_file_page(client)
    page = client.get(f"{URL}/proof/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<label class="govuk-label govuk-label--m" for="bill">' in page
    refused = client.post(
        f"{URL}/proof/",
        {"version": "1", "bill_kind": "Gas", "bill": SimpleUploadedFile("gas.pdf", PNG)},
    )
    assert refused.status_code == 400
    assert "The selected file must be a PDF, JPG or PNG" in refused.content.decode()
    assert not Upload.objects.exists()
    missing_text = client.post(
        f"{URL}/proof/", {"version": "1", "bill": SimpleUploadedFile("gas.pdf", PDF)}
    )
    assert missing_text.status_code == 400
    assert not Upload.objects.exists()  # nothing of a page is kept unless all of it is valid
    answered = client.post(
        f"{URL}/proof/",
        {"version": "1", "bill_kind": "Gas", "bill": SimpleUploadedFile("gas.pdf", PDF)},
    )
    assert answered.status_code == 302
    upload = Upload.objects.get()
    assert upload.question_id == "bill"
    _answer_email(client)
    case = _submit(client)
    assert case.answers["bill_kind"] == "Gas"
    assert CaseFile.objects.get(case=case).token == case.answers["bill"]


@pytest.fixture
def optional_file_service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    pages = PAGES.replace("max_size: 1MB\n", "max_size: 1MB\n          optional: true\n")
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", pages, 1)))
    publish_service_file(path, published_by="test")


def test_an_optional_file_question_left_blank_moves_on_and_shows_not_given(
    client, optional_file_service
):
    _to_the_file_page(client)
    response = _upload(client, None, b"")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith("/email/")
    _answer_email(client)
    page = client.get(f"{URL}/check-answers/").content.decode()
    assert "Proof of address" in page
    assert "Not given" in page
    case = _submit(client)
    assert case.answers["evidence"] is None
    assert not CaseFile.objects.exists()


def _save_and_follow_the_link(client, smtp_inbox):
    """Saves the journey, and returns a new browser that has followed the emailed link."""
    from django.test import Client

    from civitas.journeys.tests.test_save_and_return import emailed_link

    response = client.post(f"{URL}/save/", {"email": "resident@example.com"})
    assert response.status_code == 200, response.content.decode()[:2000]
    return emailed_link(smtp_inbox), Client()


def test_the_file_of_a_saved_journey_is_kept_past_the_sweep_until_the_citizen_returns(
    client, service, settings, smtp_inbox
):
    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    link, elsewhere = _save_and_follow_the_link(client, smtp_inbox)
    upload = Upload.objects.get()
    assert upload.saved_journey is not None
    assert upload.held_until == upload.saved_journey.expires_at
    swept_at = timezone.now() + datetime.timedelta(
        seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS + 1
    )
    assert delete_abandoned_uploads(now=swept_at) == 0
    assert read_upload(upload.token) == PDF

    response = elsewhere.post(link)
    assert response.status_code == 302
    assert response["Location"] == f"{URL}/email/"
    # The journey has its file back, swept as its own uploads are from now on.
    upload.refresh_from_db()
    assert upload.saved_journey is None
    assert upload.held_until is not None
    assert upload.held_until > timezone.now() + datetime.timedelta(
        seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS - 60
    )
    _answer_email(elsewhere)
    summary = elsewhere.get(f"{URL}/check-answers/")
    assert summary.status_code == 200
    assert "proof.pdf, " in summary.content.decode()
    case = _submit(elsewhere)
    assert CaseFile.objects.get(case=case).token == upload.token
    assert not Upload.objects.exists()


def test_the_file_of_a_restored_journey_is_swept_when_the_restored_journey_is_abandoned(
    client, service, settings, smtp_inbox
):
    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    link, elsewhere = _save_and_follow_the_link(client, smtp_inbox)
    assert elsewhere.post(link).status_code == 302
    later = timezone.now() + datetime.timedelta(seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS + 1)
    assert delete_abandoned_uploads(now=later) == 1
    assert _stored_files(settings.UPLOAD_ROOT) == []


def test_the_files_of_an_expired_saved_journey_are_deleted(client, service, settings, smtp_inbox):
    from civitas.journeys.models import SavedJourney
    from civitas.journeys.saving import delete_expired_saved_journeys

    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    link, elsewhere = _save_and_follow_the_link(client, smtp_inbox)
    saved = SavedJourney.objects.get()
    # The sweep of uploads alone lets it go once the saved journey has expired...
    assert delete_abandoned_uploads(now=saved.expires_at - datetime.timedelta(seconds=1)) == 0
    assert delete_abandoned_uploads(now=saved.expires_at) == 1
    assert _stored_files(settings.UPLOAD_ROOT) == []

    # ...and deleting an expired saved journey deletes the files it holds.
    assert _upload(client, "again.pdf", PDF).status_code == 302
    _save_and_follow_the_link(client, smtp_inbox)
    assert Upload.objects.get().saved_journey is not None
    SavedJourney.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert delete_expired_saved_journeys() == 2
    assert not Upload.objects.exists()
    assert _stored_files(settings.UPLOAD_ROOT) == []
    assert elsewhere.post(link).status_code == 404


def test_an_optional_file_can_be_removed_leaving_the_answer_not_given(
    client, optional_file_service, settings
):
    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    page = client.get(f"{URL}/evidence/").content.decode()
    assert "You have uploaded proof.pdf" in page
    assert 'name="evidence-remove" value="remove"' in page
    assert "Remove file" in page

    response = client.post(f"{URL}/evidence/", {"version": "1", "evidence-remove": "remove"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}/evidence/"
    assert not Upload.objects.exists()
    assert _stored_files(settings.UPLOAD_ROOT) == []
    page = client.get(f"{URL}/evidence/").content.decode()
    assert "You have uploaded" not in page
    assert "Remove file" not in page
    _answer_email(client)
    summary = client.get(f"{URL}/check-answers/").content.decode()
    assert "Not given" in summary
    assert "proof.pdf" not in summary
    case = _submit(client)
    assert case.answers["evidence"] is None
    assert not CaseFile.objects.exists()


def test_removing_from_check_answers_goes_back_to_the_page_to_change_it(
    client, optional_file_service
):
    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    _answer_email(client)
    response = client.post(
        f"{URL}/evidence/?change=1", {"version": "1", "evidence-remove": "remove"}
    )
    assert response["Location"] == f"{URL}/evidence/?change=1"
    assert "Not given" in client.get(f"{URL}/check-answers/").content.decode()


def test_a_forged_remove_on_a_required_file_question_changes_nothing(client, service):
    _to_the_file_page(client)
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    token = Upload.objects.get().token
    assert "Remove file" not in client.get(f"{URL}/evidence/").content.decode()
    client.post(f"{URL}/evidence/", {"version": "1", "evidence-remove": "remove"})
    assert Upload.objects.get().token == token
    _answer_email(client)
    assert "proof.pdf, " in client.get(f"{URL}/check-answers/").content.decode()
    assert _submit(client).answers["evidence"] == token


def test_a_remove_naming_another_journeys_file_changes_nothing(client, optional_file_service):
    from django.test import Client

    other = Client()
    _to_the_file_page(other)
    assert _upload(other, "theirs.pdf", PDF).status_code == 302
    theirs = Upload.objects.get().token
    _to_the_file_page(client)
    assert _upload(client, "mine.pdf", PDF).status_code == 302
    mine = Upload.objects.exclude(token=theirs).get().token

    client.post(f"{URL}/evidence/", {"version": "1", "evidence-remove": theirs})
    assert set(Upload.objects.values_list("token", flat=True)) == {theirs, mine}
    assert read_upload(theirs) == PDF
    _answer_email(client)
    assert "mine.pdf, " in client.get(f"{URL}/check-answers/").content.decode()
    # The other journey still has its file.
    _answer_email(other)
    assert "theirs.pdf, " in other.get(f"{URL}/check-answers/").content.decode()


def test_enter_in_a_page_offering_remove_file_still_continues(client, optional_file_service):
    _to_the_file_page(client)
    assert 'tabindex="-1" aria-hidden' not in client.get(f"{URL}/evidence/").content.decode()
    assert _upload(client, "proof.pdf", PDF).status_code == 302
    page = client.get(f"{URL}/evidence/").content.decode()
    # The form's first button, the one Enter presses, is a Continue with no name.
    form = page[page.index("<form") :]
    first_button = form[form.index("<button") : form.index("</button>")]
    assert "Continue" in first_button
    assert "name=" not in first_button
    assert form.index("Continue") < form.index("Remove file")
