"""The header, service navigation, phase banner and footer are rendered once and kept: kept
per language and per service, escaped like the rest of the page, never one citizen's."""

import pytest
from django.template import engines
from django.test import override_settings
from markupsafe import Markup

from civitas.journeys.tests.test_pages import URL
from civitas.platform import templating

pytestmark = pytest.mark.django_db


def _render(template: str, **context: object) -> str:
    return engines["jinja2"].from_string(template).render(context)


def test_the_footer_follows_the_language_of_each_page(client):
    client.get("/language/cy/?next=/")
    welsh = client.get("/").content.decode()
    client.get("/language/en/?next=/")
    english = client.get("/").content.decode()

    assert "Mewngofnodi staff" in welsh
    assert "Staff sign in" not in welsh
    assert "Staff sign in" in english
    assert "Mewngofnodi staff" not in english


def test_each_service_has_its_own_header_and_navigation(client, parking_permit):
    start = client.get(f"{URL}/").content.decode()
    home = client.get("/").content.decode()

    assert "Example Borough Council" in start
    assert f'href="{URL}/" class="govuk-service-navigation__link"' in start
    assert "govuk-service-navigation__service-name" not in home


def test_a_name_with_markup_is_escaped_every_time_it_is_written():
    page = '{% from "platform/chrome.html" import header %}{{ cached_chrome(header, name) }}'
    hostile = 'Council <script>alert("x")</script> & Co'

    first = _render(page, name=hostile)
    second = _render(page, name=hostile)

    assert first == second
    assert "<script>" not in second
    assert "Council &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in second


def test_markup_passed_in_is_written_as_markup_and_not_kept():
    page = '{% from "platform/chrome.html" import header %}{{ cached_chrome(header, name) }}'
    templating._chrome.clear()

    html = _render(page, name=Markup("<em>Council</em>"))

    assert "<em>Council</em>" in html
    assert templating._chrome == {}


def test_the_kept_chrome_is_bounded():
    page = '{% from "platform/chrome.html" import header %}{{ cached_chrome(header, name) }}'
    for number in range(templating.CHROME_CACHE_SIZE + 10):
        assert f"Council {number}<" in _render(page, name=f"Council {number}")

    assert len(templating._chrome) <= templating.CHROME_CACHE_SIZE


@override_settings(DEBUG=True)
def test_nothing_is_kept_while_templates_reload():
    page = '{% from "platform/chrome.html" import phase_banner %}{{ cached_chrome(phase_banner) }}'
    templating._chrome.clear()

    assert "govuk-phase-banner" in _render(page)
    assert templating._chrome == {}
