"""Pages kept as skeletons: what a page writes for every visitor, rendered once per
process, with the few parts that differ per request filled in at each visit.

A question page is the same for every citizen of a service version in a language except
for its form token, the script nonce, its back link, the language switch's return path,
and its fields and errors. Rendering the whole template each time was most of the page's
cost; a skeleton is a list of fixed strings and named slots, so a visit costs a join
(docs/decisions/0022).

The skeleton is rendered from `fixed` and a marker in place of each slot, and kept under
`key`: the caller's promise that `key` determines `fixed`. A slot may only be written
out by its template, never tested or filtered; a marker that does not come out whole is
refused when the skeleton is built, as is a slot
that does not come out at all, and tests compare every example page both ways.
"""

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import jinja2
import markupsafe
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import translation

from civitas.platform.templating import language_context, page_context

# Slots every page has: filled from the request itself.
REQUEST_SLOTS = ("cspNonce", "csrf_token", "language_switch_next")
_MARKER = "\x00{}\x00"
_MARKERS = re.compile("\x00([A-Za-z_][A-Za-z0-9_]*)\x00")

# A few entries per page, version and language; the bound only guards against a caller
# whose keys never repeat.
SKELETON_CACHE_SIZE = 4096


class SkeletonError(Exception):
    """A template used a slot other than by writing it out."""


@dataclass(frozen=True)
class Skeleton:
    chunks: tuple[str, ...]
    """The fixed markup: one more chunk than there are slots, slots going between."""
    slots: tuple[str, ...]

    def fill(self, values: Mapping[str, str]) -> str:
        parts = [self.chunks[0]]
        for name, chunk in zip(self.slots, self.chunks[1:], strict=True):
            parts.append(markupsafe.escape(values[name]))
            parts.append(chunk)
        return "".join(parts)


_skeletons: dict[Hashable, Skeleton] = {}


def build_skeleton(
    template: jinja2.Template, fixed: Mapping[str, object], slots: list[str]
) -> Skeleton:
    """`template` rendered from `fixed`, with a marker where each slot goes."""
    markers = {
        # A marker is made of a slot's name only: nothing from a request is in it.
        name: markupsafe.Markup(_MARKER.format(name))  # noqa: S704
        for name in (*REQUEST_SLOTS, *slots)
    }
    html = template.render({**language_context(), **fixed, **markers})
    pieces = _MARKERS.split(html)
    chunks, names = tuple(pieces[0::2]), tuple(pieces[1::2])
    if (
        any(name not in markers for name in names)
        or any("\x00" in chunk for chunk in chunks)
        or any(name not in names for name in slots)
    ):
        raise SkeletonError(f"{template.name}: a slot was changed on its way out")
    return Skeleton(chunks=chunks, slots=names)


def render_from_skeleton(
    request: HttpRequest,
    template_name: str,
    *,
    key: tuple[Hashable, ...],
    fixed: Mapping[str, object],
    slots: Mapping[str, str],
    status: int = 200,
) -> HttpResponse:
    """The page `template_name` renders from `fixed` and `slots`, from its kept skeleton.

    `key` must determine `fixed` entirely (a service's content hash, not its id): two
    requests with the same key get the same markup around their slots. While DEBUG
    reloads templates the page is rendered whole each time.
    """
    if settings.DEBUG:
        context = {**page_context(request), **fixed, **slots, "csrf_token": get_token(request)}
        html = get_template(template_name).template.render(context)  # type: ignore[attr-defined]
        return HttpResponse(html, status=status)
    full_key = (template_name, translation.get_language(), *key)
    skeleton = _skeletons.get(full_key)
    if skeleton is None:
        template = get_template(template_name).template  # type: ignore[attr-defined]
        skeleton = build_skeleton(template, fixed, list(slots))
        if len(_skeletons) >= SKELETON_CACHE_SIZE:
            _skeletons.clear()
        _skeletons[full_key] = skeleton
    request_values = page_context(request)
    values = {
        "cspNonce": request_values["cspNonce"],
        "csrf_token": get_token(request),
        "language_switch_next": request_values["language_switch_next"],
        **slots,
    }
    return HttpResponse(skeleton.fill(values), status=status)
