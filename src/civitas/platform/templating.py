"""The Jinja2 environment every page is rendered with.

Pages are rendered with Jinja2 and the GOV.UK Frontend macros rather than Django forms'
widget rendering, which costs about ten times as much per field.
"""

import datetime
from typing import Any

import jinja2
import markupsafe
from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from civitas.platform.files.kinds import describe_size

# format_pence is read from here by older callers: the one way money is written.
from civitas.platform.formats import format_pence as format_pence
from civitas.platform.formats import written_date, written_datetime


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def format_date(value: Any) -> str:
    """4 June 2026, as GOV.UK writes dates (4 Mehefin 2026 on a Welsh page)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return written_date(value) if isinstance(value, datetime.date) else date_format(value, "j F Y")


def format_datetime(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return written_datetime(value)
    return date_format(value, "j F Y, g:ia")


def with_line_breaks(text: str) -> markupsafe.Markup:
    """Text over several lines (a long_text answer), escaped, with its line breaks kept."""
    # escape() asks a value for its own HTML first: a text written in several languages
    # gives the page's language.
    return markupsafe.Markup("<br>").join(markupsafe.escape(text).split("\n"))


# Chrome kept per process: a few entries per service and language, so the bound is only
# a guard against a caller whose arguments never repeat.
CHROME_CACHE_SIZE = 512
_chrome: dict[tuple[str, ...], str] = {}


def cached_chrome(macro: jinja2.runtime.Macro, *arguments: Any) -> str:
    """What `macro` (from platform/chrome.html) writes for these arguments in the active
    language, rendered once per process and kept.

    The header, phase banner and footer wrap every page and are the same for every
    citizen of a service; rendering them was a fifth of a question page's cost. Only plain
    strings are kept by value (Markup would be written unescaped, so it is rendered each
    time), and nothing is kept while DEBUG reloads templates.
    """
    if settings.DEBUG or any(type(argument) is not str for argument in arguments):
        return macro(*arguments)  # Markup, as the environment autoescapes
    key = (macro.name, translation.get_language() or "", *arguments)
    html = _chrome.get(key)
    if html is None:
        html = macro(*arguments)
        if len(_chrome) >= CHROME_CACHE_SIZE:
            _chrome.clear()
        _chrome[key] = html
    return html


def environment(**options: Any) -> jinja2.Environment:
    base_loader = options.pop("loader")
    options["loader"] = jinja2.ChoiceLoader(
        [
            base_loader,
            jinja2.PrefixLoader(
                {"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}
            ),
        ]
    )
    options.setdefault("extensions", []).extend(["jinja2.ext.i18n", "jinja2.ext.do"])
    env = jinja2.Environment(**options)  # noqa: S701 - Django's backend sets autoescape
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(static=static, url=url, cached_chrome=cached_chrome)
    env.filters.update(
        pence=format_pence,
        govuk_date=format_date,
        govuk_datetime=format_datetime,
        lines=with_line_breaks,
        file_size=describe_size,
    )
    return env


def language_context() -> dict[str, Any]:
    """What the GOV.UK page template reads on every page that depends only on the active
    language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "assetPath": "/static/govuk/assets",
        "htmlLang": language,
        "current_language": language,
        "languages": settings.LANGUAGES,
        "platform_name": settings.PLATFORM_NAME,
    }


def page_context(request: HttpRequest) -> dict[str, Any]:
    """Variables the GOV.UK page template reads from the context on every page."""
    return {
        **language_context(),
        # django-csp's nonce is lazy and falsy until read: make it a plain string.
        "cspNonce": str(request.csp_nonce) if hasattr(request, "csp_nonce") else "",
        # Where the language switch comes back to: this page.
        "language_switch_next": jinja2.filters.do_urlencode(request.get_full_path()),
    }
