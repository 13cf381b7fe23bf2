"""Markdown that a service definition writes, as GOV.UK-styled HTML.

A definition's prose (a start page's text, guidance, an exit page, "what happens next") is
written by a service owner, published, and shown to every citizen: it must never be able
to put markup of its own on a page. So it is read with markdown-it-py (CommonMark, a
maintained parser) with raw HTML off, and only these are written: paragraphs, `##` and
`###` headings, bulleted and numbered lists (nested at most `MAX_LIST_DEPTH` deep),
emphasis, inline code, block quotes (as inset text) and links to `http:`, `https:`,
`mailto:` or an address on this site. Each element carries its GOV.UK Frontend class.

`markdown_problems` says what a text does that rendering would drop or escape (raw HTML,
a `javascript:` link, an image, a level-1 heading, lists nested too deep), with the line
in the text, so a definition that relies on it is refused when it is published.
`render_markdown` is safe on any text, checked or not.
"""

import functools
import re
from collections.abc import Sequence

import markupsafe
from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_MARKDOWN_CHARACTERS = 20_000
"""The longest text a definition may write (the schema's maxLength for Markdown)."""
MAX_LIST_DEPTH = 3
MAX_NESTING = 10
"""How deep blocks may go, counting each list, item and quote (a list three deep is 6)."""
_SAFE_LINK = re.compile(r"^(?:https?://|mailto:|/(?!/)|#|\.{0,2}/|[^:/?#]*(?:[/?#]|$))", re.I)
_CLASSES = {
    "paragraph_open": "govuk-body",
    "bullet_list_open": "govuk-list govuk-list--bullet",
    "ordered_list_open": "govuk-list govuk-list--number",
    "link_open": "govuk-link",
    "blockquote_open": "govuk-inset-text",
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
}
_HEADING_CLASSES = {"h2": "govuk-heading-m", "h3": "govuk-heading-s"}


def is_safe_link(url: str) -> bool:
    """Whether a link goes somewhere a citizen may be sent: the web, an email address, or
    a page of this site. Anything with another scheme (`javascript:`, `data:`) is not."""
    return bool(_SAFE_LINK.match(url.strip()))


@functools.cache
def _parser(*, inspecting: bool = False) -> MarkdownIt:
    """The renderer's parser; or, `inspecting`, one that keeps raw HTML and every link as
    tokens, so that validation can point at them."""
    parser = MarkdownIt("commonmark", {"html": inspecting, "linkify": False, "typographer": False})
    # markdown-it's own check refuses javascript: and data: already; ours allows less.
    parser.validateLink = (  # type: ignore[method-assign]
        (lambda url: True) if inspecting else is_safe_link
    )
    return parser


def markdown_problems(text: str) -> list[tuple[int, str]]:
    """What in `text` rendering would not show as written, as (line in the text, problem);
    an empty list for a text that renders as written."""
    if len(text) > MAX_MARKDOWN_CHARACTERS:
        return [(1, f"the text is longer than {MAX_MARKDOWN_CHARACTERS:,} characters")]
    problems: list[tuple[int, str]] = []
    tokens = _parser(inspecting=True).parse(text)
    _check(tokens, problems, line=1, list_depth=0)
    # The parser stops nesting at a fixed depth and drops what is deeper: refused, so
    # that nothing written is silently lost.
    too_deep = next((token for token in tokens if token.level > MAX_NESTING), None)
    if too_deep is not None:
        at = too_deep.map[0] + 1 if too_deep.map else 1
        problems.append((at, "the text is nested too deeply (lists in quotes in lists...)"))
    return sorted(set(problems))


def _check(
    tokens: Sequence[Token], problems: list[tuple[int, str]], *, line: int, list_depth: int
) -> None:
    for token in tokens:
        at = token.map[0] + 1 if token.map else line
        if token.type in ("html_block", "html_inline"):
            problems.append((at, "raw HTML is not allowed: write Markdown"))
        elif token.type == "image":
            problems.append((at, "images are not allowed"))
        elif token.type == "link_open" and not is_safe_link(str(token.attrGet("href") or "")):
            url = str(token.attrGet("href"))[:40]
            problems.append(
                (at, f"link '{url}' is not allowed: use http(s), mailto or a relative link")
            )
        elif token.type == "heading_open" and token.tag not in _HEADING_CLASSES:
            problems.append((at, f"use ## or ### for a heading, not {'#' * int(token.tag[1])}"))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
            if list_depth == MAX_LIST_DEPTH + 1:
                problems.append((at, f"lists can be nested at most {MAX_LIST_DEPTH} deep"))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        if token.children:
            _check(token.children, problems, line=at, list_depth=list_depth)


def render_markdown(text: str) -> markupsafe.Markup:
    """`text` as HTML with GOV.UK classes; raw HTML in it is escaped, unsafe links are
    left as text, and a text over the length limit is shown as one escaped paragraph."""
    if len(text) > MAX_MARKDOWN_CHARACTERS:
        return render_paragraphs([text])
    parser = _parser()
    tokens = parser.parse(text)
    for token in tokens:
        _style(token)
    return markupsafe.Markup(parser.renderer.render(tokens, parser.options, {}))  # noqa: S704


def _style(token: Token) -> None:
    if token.type in ("heading_open", "heading_close") and token.tag not in _HEADING_CLASSES:
        # `#` (the page has its own h1) and headings below h3 become the nearest allowed.
        token.tag = "h2" if token.tag == "h1" else "h3"
    if token.type == "heading_open":
        token.attrSet("class", _HEADING_CLASSES[token.tag])
    elif token.type in _CLASSES:
        token.attrSet("class", _CLASSES[token.type])
    elif token.type == "image":
        # Never an <img>: its alternative text instead.
        token.type, token.tag, token.content = "text", "", token.content
    for child in token.children or ():
        _style(child)


def render_paragraphs(paragraphs: Sequence[str]) -> markupsafe.Markup:
    """Plain paragraphs (the list form of a definition's prose), escaped, one `<p>` each."""
    return markupsafe.Markup("").join(
        markupsafe.Markup('<p class="govuk-body">%s</p>\n') % paragraph for paragraph in paragraphs
    )


def render_prose(prose: str | Sequence[str] | None) -> markupsafe.Markup:
    """A definition's prose as HTML: a string is Markdown, a list is plain paragraphs."""
    if prose is None:
        return markupsafe.Markup("")
    if isinstance(prose, str):
        return render_markdown(prose)
    return render_paragraphs(prose)
