"""A question page served from its kept skeleton is the page rendered whole: every
question page of every example service, in English and Welsh, with and without errors,
opened to answer and to change, as a repeating group's item; and a page of choices kept
for each choice is the page rendered whole for that choice."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import QueryDict
from django.template import engines
from django.test import RequestFactory
from django.utils import translation
from markupsafe import Markup

from civitas.catalogue.public import QuestionPage
from civitas.journeys import flow, web
from civitas.journeys.web import render_question_page, today
from civitas.platform import skeletons
from conftest import publish_example

EXAMPLES = sorted(Path(settings.SERVICES_DIR).glob("*/service.yaml"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _both_ways(request_path: str, draw) -> tuple[str, str]:
    """The page drawn from its skeleton, then rendered whole (as while DEBUG)."""
    pages = []
    for debug in (False, True):
        request = RequestFactory().get(request_path)
        request.csp_nonce = "a-nonce"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "DEBUG", debug)
            html = draw(request).content.decode()
        pages.append(TOKEN.sub('name="csrfmiddlewaretoken" value="token"', html))
    return pages[0], pages[1]


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.parent.name for path in EXAMPLES])
@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_question_page_from_its_skeleton_is_the_page_rendered_whole(db, path, language):
    service = publish_example(path)
    question_pages = [page for page in service.model.pages if isinstance(page, QuestionPage)]
    assert question_pages
    with translation.override(language):
        for page in question_pages:
            refused = flow.clean_answer(service, page, {}, today=today(), answers={})
            for errors in ({}, refused.errors):
                for is_change in (False, True):

                    def draw(request, page=page, errors=errors, is_change=is_change):
                        return render_question_page(
                            request,
                            service,
                            page,
                            fields={},
                            errors=errors,
                            is_change=is_change,
                            back=f"{service.url}back?to=<earlier>&x=1",
                            caption="Neighbour 2" if page.repeat else "",
                        )

                    kept, whole = _both_ways(f"{service.url}{page.id}/?change=1&é", draw)
                    assert kept == whole, (page.id, bool(errors), is_change)
                    assert "a-nonce" in kept
                    assert "&lt;earlier&gt;" in kept


@pytest.mark.parametrize(
    "source", ["{{ back | upper }}", "{{ back[:3] }}", "{{ back | urlencode }}"]
)
def test_a_template_that_changes_a_slot_cannot_be_kept_as_a_skeleton(source):
    template = engines["jinja2"].env.from_string(source)
    with pytest.raises(skeletons.SkeletonError):
        skeletons.build_skeleton(template, {}, ["back"])


def test_a_skeleton_escapes_what_fills_its_slots():
    template = engines["jinja2"].env.from_string('<a href="{{ back }}">{{ html }}</a>')
    skeleton = skeletons.build_skeleton(template, {}, ["back", "html"])
    filled = skeleton.fill({"back": '"><script>', "html": Markup("<b>kept</b>")})
    assert filled == '<a href="&#34;&gt;&lt;script&gt;"><b>kept</b></a>'


def _offered(question) -> list[str]:
    options = question.kind.options(question) if hasattr(question.kind, "options") else ()
    return [option.value for option in options or question.options]


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.parent.name for path in EXAMPLES])
def test_a_choice_page_kept_for_each_choice_is_the_page_rendered_whole(db, path):
    service = publish_example(path)
    choice_pages = [
        page
        for page in service.model.pages
        if isinstance(page, QuestionPage) and all(_offered(q) for q in page.questions)
    ]
    for page in choice_pages:
        first = page.questions[0]
        # Each choice of the first question, the others unanswered, twice over: the
        # second time from what was kept the first.
        for value in [*_offered(first), "", *_offered(first)]:
            fields = QueryDict(mutable=True)
            if value:
                fields[first.id] = value

            def draw(request, page=page, fields=fields):
                return render_question_page(
                    request, service, page, fields=fields, errors={}, is_change=False, back="/"
                )

            kept, whole = _both_ways(f"{service.url}{page.id}/", draw)
            assert kept == whole, (page.id, value)
            assert (
                (f'value="{value}" checked' in kept)
                or (f'value="{value}" selected' in kept)
                or not value
            )


def test_a_choice_not_among_the_options_is_drawn_and_not_kept(db, parking_permit):
    page = parking_permit.page("emissions")
    before = dict(web._kept_form_fields)
    request = RequestFactory().get("/")
    response = render_question_page(
        request,
        parking_permit,
        page,
        fields={"co2_band": "<made up>"},
        errors={},
        is_change=False,
        back="/",
    )
    assert response.status_code == 200
    assert "&lt;made up&gt;" not in response.content.decode()  # never echoed as a choice
    assert web._kept_form_fields.keys() == before.keys()
