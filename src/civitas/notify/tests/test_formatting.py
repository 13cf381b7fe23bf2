"""Emails in GOV.UK Notify's formatting: what a template may use becomes accessible HTML,
and nothing a template or a value holds becomes markup or a script."""

import re

import pytest

from civitas.notify.formatting import body_html, body_text, template_body_html


def _tags(html: str) -> list[str]:
    return re.findall(r"<(\w+)", html)


def test_notifys_formatting_becomes_headings_lists_inset_text_lines_and_links():
    html = body_html(
        "# Heading\n\n* one\n* two\n\n1. first\n2. second\n\n^ Inset\n\n---\n\n"
        "See https://example.gov.uk/a and [the form](https://example.gov.uk/f)."
    )
    assert _tags(html) == [
        "h2",
        "ul",
        "li",
        "li",
        "ol",
        "li",
        "li",
        "blockquote",
        "p",
        "hr",
        "p",
        "a",
        "a",
    ]
    assert 'href="https://example.gov.uk/a"' in html
    assert 'href="https://example.gov.uk/f"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "![image](https://example.com/x.png)",
    ],
)
def test_a_template_can_put_no_markup_or_script_in_an_email(hostile):
    html = body_html(f"Hello {hostile}")
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html


def test_the_plain_text_keeps_the_words_and_the_addresses_of_links():
    assert body_text("^ Note\n\n[the form](https://x.gov.uk/f)\n\n\n\nEnd") == (
        "Note\n\nthe form: https://x.gov.uk/f\n\nEnd\n"
    )


def test_values_are_text_never_formatting_and_a_whole_address_is_a_link():
    html = template_body_html(
        "# For ((name))\n\n((reason))\n\nRecord: ((url))\n\n((flag??Shown when yes))",
        {
            "name": "<b>Ann</b>",
            "reason": "* not a list\n# not a heading",
            "url": "https://civitas.example/ledger/entries/4/",
            "flag": "yes",
        },
    )
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    assert "* not a list<br />\n# not a heading" in html
    assert '<a href="https://civitas.example/ledger/entries/4/"' in html
    assert "Shown when yes" in html
    assert "<ul" not in html


def test_a_placeholder_left_empty_leaves_no_empty_paragraph():
    html = template_body_html("Hello\n\n((reason))\n\nBye", {"reason": ""})
    assert len(re.findall(r"<p", html)) == 2
