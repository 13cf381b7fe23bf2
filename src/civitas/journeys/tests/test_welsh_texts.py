"""A definition may write its texts in English and Welsh: a page in Welsh shows the Welsh
(title, label, hint, options, error messages, Markdown), a page in English the English."""

import datetime
import textwrap

import pytest
from django.utils import translation

from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from conftest import permit_address

URL = "/services/example-borough/small"

WELSH = (
    SMALL.replace("title: A small service", "title: {en: A small service, cy: Gwasanaeth bach}")
    .replace(
        "label: Which colour?\n",
        "label: {en: 'Which colour?', cy: 'Pa liw?'}\n"
        "          hint: {en: Pick the one you like, cy: Dewiswch yr un rydych yn ei hoffi}\n"
        "          error_messages: {required: {en: Choose a colour, cy: Dewiswch liw}}\n",
    )
    .replace("{value: red, label: Red}", "{value: red, label: {en: Red, cy: Coch}}")
    .replace(
        "{value: blue, label: Blue, hint: Like the sky}",
        "{value: blue, label: {en: Blue, cy: Glas}, hint: {en: Like the sky, cy: Fel yr awyr}}",
    )
    .replace("title: We have no red", "title: {en: We have no red, cy: Does dim coch gennym}")
    .replace(
        "      - id: email\n",
        "      - id: age\n"
        "        question:\n"
        "          id: age\n"
        "          type: number\n"
        "          label: {en: How old are you, cy: Beth yw eich oed}\n"
        "          optional: true\n"
        "          checks:\n"
        "            - expression: age >= 18\n"
        "              message:\n"
        "                en: You must be 18 or over\n"
        "                cy: Rhaid i chi fod yn 18 oed neu'n hŷn\n"
        "      - id: email\n",
        1,
    )
    .replace(
        "body: [Choose another colour.]",
        "body: {en: 'Choose **another** colour.', cy: 'Dewiswch liw **arall**.'}",
    )
)


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A Welsh request leaves Welsh active in the thread: tests after these expect English."""
    yield
    translation.activate("en")


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(WELSH))
    publish_service_file(path, published_by="test")


def _welsh(client):
    assert client.get("/language/cy/?next=/").status_code == 302


def test_a_welsh_page_shows_the_welsh_label_hint_options_and_title(client, service):
    _welsh(client)
    html = client.get(f"{URL}/colour/").content.decode()
    assert 'lang="cy"' in html
    for welsh in ("Pa liw?", "Dewiswch yr un rydych yn ei hoffi", "Coch", "Glas", "Fel yr awyr"):
        assert welsh in html, welsh
    assert "Gwasanaeth bach" in html
    for english in ("Which colour?", "Pick the one you like", "Like the sky", "A small service"):
        assert english not in html, english


def test_an_english_page_shows_the_english(client, service):
    html = client.get(f"{URL}/colour/").content.decode()
    for english in ("Which colour?", "Pick the one you like", "Red", "Blue", "Like the sky"):
        assert english in html, english
    for welsh in ("Pa liw?", "Dewiswch yr un", "Coch", "Fel yr awyr", "Gwasanaeth bach"):
        assert welsh not in html, welsh


def test_a_welsh_page_shows_the_welsh_error_message(client, service):
    _welsh(client)
    refused = client.post(f"{URL}/colour/", {"version": "1"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert html.count("Dewiswch liw") == 2  # the summary and the field
    assert "Choose a colour" not in html


def test_the_welsh_is_chosen_by_the_browsers_language_too(client, service):
    html = client.get(f"{URL}/colour/", headers={"Accept-Language": "cy"}).content.decode()
    assert "Pa liw?" in html


def test_an_english_error_message_stays_english(client, service):
    html = client.post(f"{URL}/colour/", {"version": "1"}).content.decode()
    assert html.count("Choose a colour") == 2
    assert "Dewiswch liw" not in html


def test_an_exit_pages_title_and_markdown_are_shown_in_welsh(client, service):
    _welsh(client)
    assert client.post(f"{URL}/colour/", {"version": "1", "colour": "red"}).status_code == 302
    html = client.get(f"{URL}/no-red/").content.decode()
    assert "Does dim coch gennym" in html
    assert "Dewiswch liw <strong>arall</strong>." in html
    assert "We have no red" not in html
    assert "another" not in html


def test_a_welsh_page_shows_a_checks_welsh_message_and_the_welsh_optional_label(client, service):
    _welsh(client)
    assert client.post(f"{URL}/colour/", {"version": "1", "colour": "blue"}).status_code == 302
    html = client.get(f"{URL}/age/").content.decode()
    assert "Beth yw eich oed (dewisol)" in html
    refused = client.post(f"{URL}/age/", {"version": "1", "age": "12"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert html.count("Rhaid i chi fod yn 18 oed neu&#39;n hŷn") == 2
    assert "You must be 18 or over" not in html


def test_a_rules_explanation_worked_out_for_a_welsh_page_is_not_shown_on_an_english_one(
    parking_permit,
):
    from civitas.journeys import decisions
    from civitas.journeys.tests.test_api import valid_answers

    answers = {**valid_answers(), "zone": "A"}
    today = datetime.date(2026, 12, 1)
    with translation.override("cy"):
        welsh = decisions.rules_outcome(parking_permit, answers, today=today)
    english = decisions.rules_outcome(parking_permit, answers, today=today)

    assert any("Ebrill" in sentence for sentence in welsh.decision.explanation)
    assert not any("Ebrill" in sentence for sentence in english.decision.explanation)


def test_a_refused_request_is_explained_in_welsh_on_a_welsh_page(client, parking_permit):
    _welsh(client)
    too_soon = client.post(
        "/services/example-borough/resident-parking-permit/vehicle/",
        {"version": "1", "registration": "CU57 ABC"},
    )
    assert too_soon.status_code == 400
    assert "Ni allwch ateb y cwestiwn hwn eto" in too_soon.content.decode()

    client.post(
        "/services/example-borough/resident-parking-permit/address/",
        {"version": "1", **permit_address()},
    )
    client.post(
        "/services/example-borough/resident-parking-permit/vehicle/",
        {"version": "1", "registration": "CU57 ABC"},
    )
    not_an_option = client.post(
        "/services/example-borough/resident-parking-permit/emissions/",
        {"version": "1", "co2_band": "Z"},
    )
    html = not_an_option.content.decode()
    assert "Nid yw&#39;r ateb hwnnw yn un o&#39;r opsiynau" in html
    assert "That answer is not one of the options" not in html


def test_the_check_answers_page_explains_the_fee_in_welsh_on_a_welsh_journey(
    client, parking_permit
):
    from civitas.journeys.tests.test_pages import complete_questions

    _welsh(client)
    complete_questions(client)
    html = client.get("/services/example-borough/resident-parking-permit/check-answers/")
    page = html.content.decode()

    explanation = page.split('id="fee-explanation"')[1].split("</div>")[0]
    assert "Sut y gwnaethom gyfrifo'r ffi" in explanation
    assert "Gallwch gael trwydded barcio preswylydd." in explanation
    assert "Gan mai hon fyddai&#39;r drwydded gyntaf yn eich aelwyd, nid oes gordal." in explanation
    assert "Ffi i&#39;w thalu:" in explanation
    assert "Fee to pay" not in explanation
    assert "You can have a resident parking permit." not in explanation


def test_the_check_answers_page_explains_the_fee_in_english_on_an_english_journey(
    client, parking_permit
):
    from civitas.journeys.tests.test_pages import complete_questions

    complete_questions(client)
    page = client.get(
        "/services/example-borough/resident-parking-permit/check-answers/"
    ).content.decode()

    explanation = page.split('id="fee-explanation"')[1].split("</div>")[0]
    assert "You can have a resident parking permit." in explanation
    assert "Ffi i&#39;w thalu" not in explanation


def test_a_decision_worked_out_on_a_welsh_page_records_its_language(parking_permit):
    from civitas.journeys import decisions
    from civitas.journeys.tests.test_api import valid_answers

    answers = {**valid_answers(), "zone": "A"}
    today = datetime.date(2026, 12, 1)
    with translation.override("cy"):
        welsh = decisions.rules_outcome(parking_permit, answers, today=today)
    english = decisions.rules_outcome(parking_permit, answers, today=today)

    assert welsh.record()["language"] == "cy"
    assert english.record()["language"] == "en"
    assert welsh.decision.values == english.decision.values
