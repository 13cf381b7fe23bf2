"""Input no citizen types, sent to the pages and the API: a 4xx or a field error, never a
500, and nothing stored."""

import datetime
import json

import pytest
from django.utils import timezone

from civitas.cases.models import Case
from civitas.journeys.tests.test_api import URL as API_URL
from civitas.journeys.tests.test_api import post, valid_answers
from civitas.journeys.tests.test_pages import URL, answer
from conftest import permit_address, problem_errors

STEPS_TO_THE_START_DATE = [
    ("address", permit_address()),
    ("vehicle", {"registration": "cu57 abc"}),
    ("emissions", {"co2_band": "B"}),
    ("permit-length", {"permit_months": "12"}),
]


def _start_date(year: str | None = None, **parts: str) -> dict[str, str]:
    start = timezone.localdate() + datetime.timedelta(days=7)
    return {
        "start_date-day": str(start.day),
        "start_date-month": str(start.month),
        "start_date-year": year or str(start.year),
        **{f"start_date-{part}": value for part, value in parts.items()},
    }


STEPS_TO_THE_EMAIL = [
    *STEPS_TO_THE_START_DATE,
    ("start-date", _start_date()),
    ("household-permits", {"permits_in_household": "0"}),
    ("blue-badge", {"has_blue_badge": "no"}),
]
CONTROL_CHARACTERS = ["12 Station\x00 Road", "12 Station\x1b[2J Road", "12\x7f Station Road"]
INVISIBLE_ONLY = ["\u200b\u200b\u200b", "\u200d \ufeff", "\u2060\u3164"]


def _answer_up_to(client, steps) -> None:
    for page, data in steps:
        response = answer(client, page, data)
        assert response.status_code == 302, (page, response.content[:2000])


def _submission(**answers) -> dict:
    return {"version": 1, "answers": {**valid_answers(), **answers}, "declaration": True}


def test_json_nested_20000_deep_is_a_400_problem(client, parking_permit, api_headers):
    response = post(client, api_headers, '{"answers": ' + "[" * 20000 + "]" * 20000 + "}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/json-too-deep")
    assert not Case.objects.exists()


def test_json_nested_a_little_is_still_read(client, parking_permit, api_headers):
    body = _submission()
    body["extra"] = [[[[{"a": [1, {"b": "]]]]"}]}]]]]
    response = post(client, api_headers, body)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("version", [True, 1.0, "1", None, [1]])
def test_a_version_that_is_not_a_whole_number_is_a_400_problem_naming_it(
    client, parking_permit, version, api_headers
):
    response = post(client, api_headers, {**_submission(), "version": version})
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-body")
    assert "version" in problem_errors(response)
    assert not Case.objects.exists()


def test_an_email_answer_with_a_lone_surrogate_is_a_422_problem(
    client, parking_permit, api_headers
):
    # json.dumps writes the lone surrogate as the escape "\ud800", which json.loads reads back.
    response = post(client, api_headers, _submission(email="\ud800@example.com"))
    assert response.status_code == 422
    assert "email" in problem_errors(response)
    assert not Case.objects.exists()


@pytest.mark.parametrize("text", CONTROL_CHARACTERS)
def test_a_text_answer_with_control_characters_is_a_422_problem(
    client, parking_permit, text, api_headers
):
    response = post(client, api_headers, _submission(address=f"{text}\nEastbury\nEB1 1AA"))
    assert response.status_code == 422
    assert "address" in problem_errors(response)


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_a_text_answer_of_only_invisible_characters_is_a_422_problem(
    client, parking_permit, text, api_headers
):
    response = post(client, api_headers, _submission(address=f"{text}\nEastbury\nEB1 1AA"))
    assert response.status_code == 422
    assert "address" in problem_errors(response)


@pytest.mark.parametrize("text", CONTROL_CHARACTERS)
def test_a_text_answer_with_control_characters_is_a_field_error(client, parking_permit, text):
    response = answer(client, "address", permit_address(line_1=text))
    assert response.status_code == 400
    assert 'href="#address-line-1"' in response.content.decode()


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_a_text_answer_of_only_invisible_characters_is_a_field_error(client, parking_permit, text):
    response = answer(client, "address", permit_address(line_1=text))
    assert response.status_code == 400
    assert "Enter address line 1, typically the building and street" in response.content.decode()


def test_a_text_answer_in_welsh_with_accents_is_accepted(client, parking_permit):
    response = answer(client, "address", permit_address(line_1="12 Ffordd yr Orsaf, Tŷ Ŵyn"))
    assert response.status_code == 302


def test_an_email_answer_from_bytes_that_are_not_utf8_is_a_field_error(client, parking_permit):
    _answer_up_to(client, STEPS_TO_THE_EMAIL)
    # %ED%A0%80 is a surrogate written as UTF-8, which UTF-8 forbids: the form decodes it
    # as replacement characters.
    response = client.post(
        f"{URL}/email/",
        data=b"version=1&email=%ED%A0%80%40example.com",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert 'href="#email"' in response.content.decode()


@pytest.mark.parametrize("charset", ["utf-7", "unicode_escape", "rot13", "iso-8859-1"])
def test_a_form_in_a_character_set_other_than_utf8_is_refused(client, parking_permit, charset):
    _answer_up_to(client, STEPS_TO_THE_EMAIL)
    # Django decodes multipart fields in the character set the request declares. In UTF-7
    # "+2AA-" is a lone surrogate, which no page can encode; rot13 is no character set.
    body = (
        '--BOUNDARY\r\nContent-Disposition: form-data; name="version"\r\n\r\n1\r\n'
        '--BOUNDARY\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
        "+2AA-@example.com\r\n--BOUNDARY--\r\n"
    )
    # client.generic sends the bytes as they are; client.post would re-encode them.
    response = client.generic(
        "POST",
        f"{URL}/email/",
        data=body.encode(),
        content_type=f"multipart/form-data; boundary=BOUNDARY; charset={charset}",
    )
    assert response.status_code == 415
    assert client.get(f"{URL}/check-answers/").headers["Location"] == f"{URL}/email/"


def test_a_json_body_declared_as_utf8_is_read(client, parking_permit, api_headers):
    response = client.post(
        API_URL,
        data=json.dumps(_submission()),
        content_type="application/json; charset=utf-8",
        headers=api_headers,
    )
    assert response.status_code == 201


ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "year",
    [
        "9999999999",
        "99999",
        "+2030",
        "0",
        # The right year in other digits, which int() reads but nobody means.
        str(timezone.localdate().year).translate(ARABIC_INDIC_DIGITS),
    ],
)
def test_a_start_date_year_that_is_not_four_digits_is_a_field_error(client, parking_permit, year):
    _answer_up_to(client, STEPS_TO_THE_START_DATE)
    response = answer(client, "start-date", _start_date(year=year))
    assert response.status_code == 400
    assert 'href="#start_date-year"' in response.content.decode()


@pytest.mark.parametrize("part", ["day", "month"])
def test_a_huge_day_or_month_is_a_field_error(client, parking_permit, part):
    _answer_up_to(client, STEPS_TO_THE_START_DATE)
    response = answer(client, "start-date", _start_date(**{part: "9999999999"}))
    assert response.status_code == 400
    assert f'href="#start_date-{part}"' in response.content.decode()
