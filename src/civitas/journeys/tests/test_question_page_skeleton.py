"""A question page served from its kept skeleton is the page rendered whole: every
question page of every example service, in English and Welsh, with and without errors,
opened to answer and to change, as a repeating group's item."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory
from django.utils import translation
from markupsafe import Markup

from civitas.catalogue.public import QuestionPage
from civitas.journeys import flow
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
