"""Email bodies in GOV.UK Notify's formatting, as accessible HTML and as plain text.

What a template may use, as Notify's guidance lists it:

- `# ` a heading; `* `, `- ` or `• ` a bulleted list; `1. ` a numbered list;
- `^ ` inset text (a paragraph set off with a bar);
- `---` a horizontal line;
- a web address is a link, and so is `[words](https://...)`.

Anything else is text. Raw HTML is never passed through (markdown-it with HTML off), and a
link goes only to `http(s):` or `mailto:`, so neither a template nor a value filled into
one can put markup or a `javascript:` link in an email. The HTML is one column of
paragraphs with inline styles (email clients drop style sheets), in the message's
language, with the subject as its title.
"""

import functools
import re
from collections.abc import Mapping

from django.utils.html import escape
from markdown_it import MarkdownIt
from markdown_it.token import Token

from civitas.platform.message_templates import (
    Placeholder,
    is_yes,
    parse_template,
    placeholder_key,
)

_LINK = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<![(<\w])(https?://[^\s<>()\"]+[^\s<>()\".,;:!?'])")
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)")
_INSET = re.compile(r"^\^ ?", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)•\s", re.MULTILINE)

FONT = "font-family: Helvetica, Arial, sans-serif; font-size: 19px; line-height: 1.32;"
_STYLES = {
    "paragraph_open": "margin: 0 0 20px 0; " + FONT,
    "heading_open": "margin: 0 0 15px 0; font-size: 27px; font-weight: 700; line-height: 1.1;",
    "bullet_list_open": "margin: 0 0 20px 0; padding-left: 20px; " + FONT,
    "ordered_list_open": "margin: 0 0 20px 0; padding-left: 20px; " + FONT,
    "blockquote_open": "margin: 0 0 20px 0; padding: 0 0 0 15px; border-left: 10px solid #b1b4b6;",
    "hr": "border: 0; height: 1px; background: #b1b4b6; margin: 30px 0;",
    "link_open": "color: #1d70b8; text-decoration: underline;",
}


@functools.cache
def _parser() -> MarkdownIt:
    # `breaks`: a single line break is a line break, as in Notify's emails.
    parser = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
    )
    parser.disable(["image", "code", "fence", "html_block", "html_inline", "table"], True)
    parser.validateLink = lambda url: bool(_LINK.match(url.strip()))  # type: ignore[method-assign]
    return parser


def _as_markdown(body: str) -> str:
    # Notify's `^` inset is a block quote, its `•` a bullet, and a bare address a link.
    body = _INSET.sub("> ", body)
    body = _BULLET.sub(r"\1* ", body)
    return _BARE_URL.sub(lambda found: f"<{found.group(1)}>", body)


def _style(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h2"  # the email's one heading level: its subject is the title
        style = _STYLES.get(token.type)
        if style:
            token.attrSet("style", style)
        if token.children:
            _style(token.children)


def body_html(body: str) -> str:
    """The body's HTML, without the page around it."""
    parser = _parser()
    tokens = parser.parse(_as_markdown(body))
    _style(tokens)
    return str(parser.renderer.render(tokens, parser.options, {}))


def body_text(body: str) -> str:
    """The plain-text part: the body as written, with `[words](address)` as
    "words: address" and the `^` of inset text taken off."""
    text = _MARKDOWN_LINK.sub(lambda found: f"{found.group(1)}: {found.group(2)}", body)
    text = _INSET.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text.strip()) + "\n"


def render_email(body: str, *, subject: str, language: str = "en") -> tuple[str, str]:
    """(plain text, HTML document) for an email whose filled-in template is `body`."""
    return body_text(body), _document(body_html(body), subject=subject, language=language)


def _document(html_body: str, *, subject: str, language: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(subject)}</title></head>"
        f'<body style="margin: 0; padding: 20px; color: #0b0c0c; {FONT}">'
        f'<div style="max-width: 580px;">{html_body}</div></body></html>'
    )


# A template's body is formatted once, with each placeholder standing in as a token that
# Markdown leaves alone; each message then puts its escaped values in the tokens' places.
# Formatting is most of the cost of writing a message, and a template's words are the
# same for every message sent from it. A value is text, never formatting: a reason a
# caseworker typed with `*` or `#` in it shows them as typed, and a value that is a whole
# web address (a link to the public record) is a link.
_SLOT = "zqplaceholder{}zq"
_TOKENS = re.compile(r"zqplaceholder(\d+)zq")
_EMPTY_PARAGRAPH = re.compile(r"<p[^>]*>\s*</p>\n?")
_WHOLE_URL = re.compile(r"https?://[^\s<>\"']+")


@functools.lru_cache(maxsize=512)
def _skeleton(template_text: str) -> tuple[str, tuple[Placeholder, ...]]:
    """The body's HTML with a token where each placeholder goes, and the placeholders."""
    parts = parse_template(template_text).parts
    placeholders = tuple(part for part in parts if isinstance(part, Placeholder))
    tokens, index = [], 0
    for part in parts:
        if isinstance(part, str):
            tokens.append(part)
        else:
            tokens.append(_SLOT.format(index))
            index += 1
    return body_html("".join(tokens).strip()), placeholders


def _value_html(value: object) -> str:
    text = (
        ""
        if value is None
        else ("yes" if value is True else "no" if value is False else str(value))
    )
    text = text.strip()
    if _WHOLE_URL.fullmatch(text):
        return f'<a href="{escape(text)}" style="{_STYLES["link_open"]}">{escape(text)}</a>'
    return escape(text).replace("\n", "<br />\n")


def template_body_html(template_text: str, values: Mapping[str, object]) -> str:
    """The body's HTML for these values (every placeholder must have one: `MessageTemplate.
    render` on the same text is called first and says which are missing)."""
    html, placeholders = _skeleton(template_text)
    by_key = {placeholder_key(name): value for name, value in values.items()}
    filled = []
    for placeholder in placeholders:
        value = by_key.get(placeholder.key)
        if placeholder.optional_text is None:
            filled.append(_value_html(value))
        else:
            filled.append(escape(placeholder.optional_text) if is_yes(value) else "")
    html = _TOKENS.sub(lambda found: filled[int(found.group(1))], html)
    return _EMPTY_PARAGRAPH.sub("", html)


def render_template_email(
    template_text: str,
    filled_text: str,
    values: Mapping[str, object],
    *,
    subject: str,
    language: str = "en",
) -> tuple[str, str]:
    """(plain text, HTML document) for an email from a template: `filled_text` is the
    template's text with the values in (`MessageTemplate.render`)."""
    return body_text(filled_text), _document(
        template_body_html(template_text, values), subject=subject, language=language
    )
