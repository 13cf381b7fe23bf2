"""A definition's Markdown is shown with GOV.UK classes, and nothing in it can put markup of
its own on a citizen's page: hostile text is escaped when rendered and refused, with its
line, when checked."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civitas.platform.markdown import (
    MAX_MARKDOWN_CHARACTERS,
    is_safe_link,
    markdown_problems,
    render_markdown,
    render_paragraphs,
    render_prose,
)


def test_it_gives_each_element_its_govuk_class():
    html = render_markdown(
        "## Who can apply\n\nYou can apply if:\n\n- you live here\n- you own a car\n\n"
        "1. first\n2. second\n\n### Fees\n\nSee [the fees](https://example.org/fees).\n\n"
        "> Blue Badge holders pay less."
    )
    assert '<h2 class="govuk-heading-m">Who can apply</h2>' in html
    assert '<h3 class="govuk-heading-s">Fees</h3>' in html
    assert '<p class="govuk-body">You can apply if:</p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<ol class="govuk-list govuk-list--number">' in html
    assert '<a href="https://example.org/fees" class="govuk-link">the fees</a>' in html
    assert '<blockquote class="govuk-inset-text">' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hello <img src=x onerror=alert(1)>",
        '<div onclick="alert(1)">click</div>',
        "<!-- a comment --><iframe src=//evil.example>",
    ],
)
def test_raw_html_is_escaped_when_rendered_and_refused_when_checked(text):
    html = render_markdown(text)
    for tag in ("<script", "<img", "<div", "<iframe", "<!--"):
        assert tag not in html
    assert "&lt;" in html
    assert any("raw HTML is not allowed" in reason for _, reason in markdown_problems(text))


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "javascript&#58;alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
    ],
)
def test_a_link_that_is_not_to_the_web_email_or_this_site_is_never_a_link(link):
    text = f"Read [this]({link}).\n\n[ref]: {link}\n\nOr [that][ref]."
    html = render_markdown(text)
    assert "href" not in html
    problems = markdown_problems(text)
    assert [line for line, reason in problems if "is not allowed" in reason] == [1, 5]


@pytest.mark.parametrize(
    "link", ["https://www.gov.uk/", "http://example.org", "mailto:a@b.example", "/help/", "#fees"]
)
def test_web_email_and_relative_links_are_allowed(link):
    assert is_safe_link(link)
    assert f'href="{link}"' in render_markdown(f"[here]({link})")
    assert markdown_problems(f"[here]({link})") == []


def test_an_image_is_refused_and_shown_as_its_alternative_text():
    assert "<img" not in render_markdown("![A map](https://example.org/map.png)")
    assert markdown_problems("Text\n\n![A map](https://example.org/map.png)") == [
        (3, "images are not allowed")
    ]


def test_headings_are_h2_and_h3_only_under_the_pages_own_title():
    assert '<h2 class="govuk-heading-m">Title</h2>' in render_markdown("# Title")
    assert markdown_problems("# Title\n\n#### Deep") == [
        (1, "use ## or ### for a heading, not #"),
        (3, "use ## or ### for a heading, not ####"),
    ]


def test_lists_nested_too_deep_are_refused_at_their_line():
    text = "- a\n  - b\n    - c\n      - d\n"
    assert markdown_problems(text) == [(4, "lists can be nested at most 3 deep")]


def test_a_megabyte_of_nested_lists_is_refused_quickly_and_rendered_escaped():
    text = "- " * 500_000
    assert markdown_problems(text) == [
        (1, f"the text is longer than {MAX_MARKDOWN_CHARACTERS:,} characters")
    ]
    html = render_markdown(text)
    assert html.startswith('<p class="govuk-body">- - ')
    assert "<ul" not in html


def test_deep_nesting_within_the_limit_does_not_break_the_renderer():
    text = ("> " * 2000 + "quote\n") + ("- " * 3000)
    assert len(text) < MAX_MARKDOWN_CHARACTERS
    assert markdown_problems(text)
    assert render_markdown(text)


def test_the_list_form_is_plain_paragraphs_with_nothing_interpreted():
    html = render_paragraphs(["One *two*", "<b>three</b>"])
    assert html == (
        '<p class="govuk-body">One *two*</p>\n<p class="govuk-body">&lt;b&gt;three&lt;/b&gt;</p>\n'
    )
    assert render_prose(["a"]) == render_paragraphs(["a"])
    assert render_prose("*a*") == '<p class="govuk-body"><em>a</em></p>\n'
    assert render_prose(None) == ""


@given(st.text(max_size=300))
def test_no_text_renders_a_tag_that_markdown_does_not_write(text):
    html = render_markdown(text)
    allowed = {"p", "h2", "h3", "ul", "ol", "li", "a", "em", "strong", "code", "pre"}
    allowed |= {"blockquote", "hr", "br"}
    tags = {tag.lower() for tag in re.findall(r"</?([A-Za-z][A-Za-z0-9]*)", html)}
    assert tags <= allowed, (text, html)
    assert "javascript:" not in html.lower() or "href" not in html
