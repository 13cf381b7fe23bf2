"""The file question in a definition and as a type: its keys, their checks, its widget."""

import datetime
import textwrap

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.files import accepted_kinds, file_error, max_size_bytes
from civitas.catalogue.model import Question
from civitas.catalogue.tests.test_model import SMALL
from civitas.catalogue.tests.test_question_types import render_widget

TODAY = datetime.date(2026, 11, 24)


def problems(*extra: str, kind: str = "file") -> list[str]:
    """What validating SMALL with one more question, of these extra lines, reports."""
    page = (
        "      - id: proof\n"
        "        question:\n"
        "          id: proof\n"
        f"          type: {kind}\n"
        "          label: Upload proof of your address\n"
        + "".join(f"          {line}\n" for line in extra)
        + "      - id: email\n"
    )
    source = textwrap.dedent(SMALL.replace("      - id: email\n", page, 1))
    return [str(p) for p in parse_definition(source, filename="svc.yaml").problems]


def test_a_definition_with_file_keys_is_accepted():
    assert problems() == []
    assert problems("accept: [pdf, jpeg, png, heic, docx, odt]", "max_size: 5MB") == []
    assert problems("max_size: 500KB") == []


def test_a_max_size_above_the_platforms_largest_upload_is_refused_at_its_line(settings):
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    [found] = problems("max_size: 50MB")
    assert found.endswith(
        "max_size 50MB is more than the platform's largest upload, 20MB (UPLOAD_MAX_BYTES)"
    )
    line = int(found.split(":")[1])
    assert line == textwrap.dedent(SMALL).splitlines().index("  - id: email") + 6


def test_file_keys_that_are_not_sizes_or_kinds_are_refused():
    assert problems("max_size: 10 MB")
    assert problems("max_size: 10GB")
    assert problems("max_size: 0MB")
    assert problems("accept: [exe]")
    assert problems("accept: []")
    assert problems("accept: [pdf, pdf]")


def test_file_keys_on_another_type_are_refused():
    assert [p.split(": ", 1)[1] for p in problems("max_size: 5MB", kind="text")] == [
        "a text question has no max_size"
    ]
    assert [p.split(": ", 1)[1] for p in problems("accept: [pdf]", kind="text")] == [
        "a text question has no accept"
    ]


def _question(**extra: object) -> Question:
    return Question(id="proof", type="file", label="Upload proof", **extra)


def test_a_file_question_takes_pdf_jpeg_and_png_up_to_10mb_unless_it_says(settings):
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    assert accepted_kinds(_question()) == ("pdf", "jpeg", "png")
    assert max_size_bytes(_question()) == 10 * 1024 * 1024
    assert max_size_bytes(_question(max_size_bytes=2048)) == 2048
    settings.UPLOAD_MAX_BYTES = 1024
    assert max_size_bytes(_question(max_size_bytes=2048)) == 1024


def test_the_errors_are_govuks_unless_the_definition_gives_its_own():
    q = _question(accept=("pdf", "odt"), max_size_bytes=5 * 1024 * 1024)
    assert file_error(q, "required").message == "Select a file"
    assert file_error(q, "empty").message == "The selected file is empty"
    assert file_error(q, "too_large").message == "The selected file must be smaller than 5MB"
    assert file_error(q, "wrong_type").message == "The selected file must be a PDF or ODT"
    assert file_error(q, "infected").message == "The selected file contains a virus"
    assert file_error(q, "not_checked").message == "The file could not be checked. Try again later"
    own = _question(error_messages={"wrong_type": "Upload {kinds} only"})
    assert file_error(own, "wrong_type").message == "Upload a PDF, JPG or PNG only"
    assert file_error(q, "required").field == "proof"


def test_an_answer_is_only_ever_the_form_of_an_upload_id():
    q = _question()
    token = "Zc1mJkI1Lx2m3PpJ8bTd7WqYv0aB_-9Q"
    assert q.clean({"proof": token}, today=TODAY).value == token
    for posted in ["", "../../etc/passwd", token + "x", token[:-1] + "/", "x" * 10_000]:
        assert q.clean({"proof": posted}, today=TODAY).error.message == "Select a file"
    assert q.display(token) == "File uploaded"


def test_the_widget_is_govuks_file_upload_as_the_page_heading():
    q = _question(accept=("pdf", "docx"))
    html = render_widget(q, {"proof-current": "Jane's bill.pdf, 1.2MB"})
    assert '<h1 class="govuk-label-wrapper">' in html
    assert 'class="govuk-file-upload"' in html
    assert 'type="file"' in html
    assert 'name="proof"' in html
    assert (
        'accept=".pdf,.docx,application/pdf,'
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document"' in html
    )
    assert "The file must be a PDF or Word document (DOCX), smaller than 10MB" in html
    assert "You have uploaded Jane&#39;s bill.pdf, 1.2MB" in html


def test_a_file_question_in_a_repeating_group_is_refused_at_its_line():
    page = (
        "      - id: members\n"
        "        kind: repeat\n"
        "        title: Tell us about a household member\n"
        "        item: household member\n"
        "        max: 3\n"
        "        questions:\n"
        "          - {id: member_name, type: text, label: Full name}\n"
        "          - {id: member_proof, type: file, label: Proof of identity}\n"
        "      - id: email\n"
    )
    source = textwrap.dedent(SMALL.replace("      - id: email\n", page, 1))
    found = [str(p) for p in parse_definition(source, filename="svc.yaml").problems]
    assert [problem.split(": ", 1)[1] for problem in found] == [
        "a repeating group cannot ask for a file yet"
    ]


def test_a_file_question_can_share_a_page_with_others():
    page = (
        "      - id: proof\n"
        "        title: Your proof of address\n"
        "        questions:\n"
        "          - {id: bill_kind, type: text, label: 'What kind of bill is it?'}\n"
        "          - {id: bill, type: file, label: Upload the bill}\n"
        "      - id: email\n"
    )
    source = textwrap.dedent(SMALL.replace("      - id: email\n", page, 1))
    assert parse_definition(source, filename="svc.yaml").problems == []
