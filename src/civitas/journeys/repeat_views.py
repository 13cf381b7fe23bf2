"""Repeating groups ("add another"): /<page>/ lists the items and asks whether there is
another, /<page>/<n>/ asks the questions of item n, /<page>/<n>/remove/ removes it."""

from collections.abc import Mapping

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civitas.catalogue.public import (
    FieldError,
    QuestionPage,
    Service,
    active_language,
    in_language,
)
from civitas.journeys import flow
from civitas.journeys.sessions import Journey, save_journey
from civitas.journeys.web import (
    back_link,
    current_journey,
    off_the_route,
    page_context,
    page_url,
    posted_version_is_the_journeys,
    rejected,
    render_question_page,
    service_or_404,
    today,
    version_changed,
)
from civitas.platform.jsontypes import JSONValue


def item_url(service: Service, page: QuestionPage, position: int) -> str:
    return f"{page_url(service, page.id)}{position}/"


def _group_on_route(
    request: HttpRequest, organisation: str, slug: str, page_id: str
) -> tuple[Service, QuestionPage, Journey] | HttpResponse:
    """The repeating group a request is about, when the route reaches it."""
    found = current_journey(request, service_or_404(request, organisation, slug))
    if isinstance(found, HttpResponse):
        return found
    service, journey = found
    page = service.page(page_id)
    if not isinstance(page, QuestionPage) or page.repeat is None:
        raise Http404("no such page")
    route = flow.route(service, journey.answers, today=today())
    if page_id not in route.pages:
        return off_the_route(request, service, route)
    return service, page, journey


def _items(journey: Journey, page: QuestionPage) -> list[JSONValue]:
    """A group's items: its answer once given, or those still being added."""
    answer = journey.answers.get(page.id)
    if isinstance(answer, list):
        return list(answer)
    drafts = journey.drafts.get(page.id)
    return list(drafts) if isinstance(drafts, list) else []


def _save_items(
    service: Service, page: QuestionPage, journey: Journey, items: list[JSONValue]
) -> flow.Route | None:
    """Keeps a group's changed items: as its answer, when it was given and the items
    still make one (the route it now takes is returned); otherwise as items still being
    added, and the group is asked again."""
    if isinstance(journey.answers.get(page.id), list) and not flow.count_problem(page, len(items)):
        journey.answers, route = flow.record_items(
            service, page, journey.answers, items, today=today()
        )
        return route
    journey.answers.pop(page.id, None)
    journey.drafts[page.id] = items
    return None


def repeat_summary(
    request: HttpRequest,
    service: Service,
    page: QuestionPage,
    journey: Journey,
    route: flow.Route,
) -> HttpResponse:
    """The items added so far, and whether there is another to add."""
    repeat = page.repeat
    assert repeat is not None
    items = _items(journey, page)
    if request.method == "GET" and not items and repeat.min > 0:
        return redirect(item_url(service, page, 1))
    error = ""
    if request.method == "POST":
        if not posted_version_is_the_journeys(request, service):
            return version_changed(request, service)
        choice = request.POST.get("add_another", "")
        if choice == "yes":
            if len(items) < repeat.max:
                return redirect(item_url(service, page, len(items) + 1))
            error = flow.count_problem(page, len(items) + 1) or ""
        elif choice == "no":
            problem = flow.count_problem(page, len(items))
            if problem is None:
                journey.answers, new_route = flow.record_items(
                    service, page, journey.answers, items, today=today()
                )
                journey.drafts.pop(page.id, None)
                save_journey(request, journey)
                return redirect(page_url(service, new_route.stop or "check-answers"))
            error = problem
        elif choice:
            return rejected(
                request,
                service,
                title=_("That answer is not one of the options"),
                detail=_("Choose one of the options given. Nothing was saved."),
            )
        else:
            error = _("Select yes if you need to add another %(item)s") % {
                "item": _local(repeat.item)
            }
    count = len(items)
    noun = _local(repeat.item if count == 1 else repeat.items)
    item_noun = _local(repeat.item)
    rows = [
        {
            "key": row.key,
            "value": row.value,
            "change": item_url(service, page, position),
            "remove": item_url(service, page, position) + "remove/",
        }
        for position, row in enumerate(service.model.summary({page.id: items}), 1)
    ]
    return render(
        request,
        "journeys/repeat_summary.html",
        page_context(
            service,
            page=page,
            heading=_("You have added %(count)s %(noun)s") % {"count": count, "noun": noun}
            if count
            else _("You have not added any %(noun)s") % {"noun": noun},
            rows=rows,
            question=(
                _("Do you need to add another %(item)s?") % {"item": item_noun}
                if count
                else _("Do you need to add a %(item)s?") % {"item": item_noun}
            ),
            can_add=count < repeat.max,
            full=_("You cannot add more than %(max)s %(items)s")
            % {"max": repeat.max, "items": _local(repeat.items)},
            errors={"add_another": error} if error else {},
            error=error,
            form_has_errors=bool(error),
            action=page_url(service, page.id),
            back=back_link(service, route, page.id),
        ),
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def repeat_item(
    request: HttpRequest, organisation: str, slug: str, page_id: str, item: int
) -> HttpResponse:
    """The questions of one item of a repeating group: a new one, or one to change."""
    found = _group_on_route(request, organisation, slug, page_id)
    if isinstance(found, HttpResponse):
        return found
    service, page, journey = found
    repeat = page.repeat
    assert repeat is not None
    items = _items(journey, page)
    if not 1 <= item <= min(len(items) + 1, repeat.max):
        raise Http404("no such item")
    is_change = request.GET.get("change") == "1"
    fields: Mapping[str, str]
    errors: Mapping[str, FieldError] = {}
    if request.method == "POST":
        if not posted_version_is_the_journeys(request, service):
            return version_changed(request, service)
        result = flow.clean_answer(
            service, page, request.POST, today=today(), answers=journey.answers
        )
        if not result.errors:
            changed = list(items)
            if item <= len(items):
                changed[item - 1] = result.values
            else:
                changed.append(result.values)
            route_after = _save_items(service, page, journey, changed)
            save_journey(request, journey)
            if is_change and route_after is not None:
                return redirect(page_url(service, route_after.stop or "check-answers"))
            return redirect(page_url(service, page.id))
        for error in result.errors.values():
            if error.refusal is not None:
                refusal = error.refusal
                return rejected(request, service, title=refusal.title, detail=refusal.detail)
        fields, errors, status = request.POST, result.errors, 400
    else:
        current = items[item - 1] if item <= len(items) else {}
        fields, status = flow.page_fields(page, current if isinstance(current, dict) else {}), 200
    route = flow.route(service, journey.answers, today=today())
    if is_change:
        back = page_url(service, "check-answers")
    elif items:
        back = page_url(service, page.id)
    else:
        back = back_link(service, route, page.id)
    return render_question_page(
        request,
        service,
        page,
        fields=fields,
        errors=errors,
        is_change=is_change,
        back=back,
        action=item_url(service, page, item),
        caption=repeat.name(item),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def remove_item(
    request: HttpRequest, organisation: str, slug: str, page_id: str, item: int
) -> HttpResponse:
    """Asks to confirm, then removes one item of a repeating group."""
    found = _group_on_route(request, organisation, slug, page_id)
    if isinstance(found, HttpResponse):
        return found
    service, page, journey = found
    repeat = page.repeat
    assert repeat is not None
    items = _items(journey, page)
    if not 1 <= item <= len(items):
        raise Http404("no such item")
    name = _local(repeat.name(item))
    named = f"{name[:1].lower()}{name[1:]}"
    error = ""
    if request.method == "POST":
        if not posted_version_is_the_journeys(request, service):
            return version_changed(request, service)
        choice = request.POST.get("remove", "")
        if choice == "yes":
            _save_items(service, page, journey, items[: item - 1] + items[item:])
            save_journey(request, journey)
            return redirect(page_url(service, page.id))
        if choice == "no":
            return redirect(page_url(service, page.id))
        if choice:
            return rejected(
                request,
                service,
                title=_("That answer is not one of the options"),
                detail=_("Choose one of the options given. Nothing was saved."),
            )
        error = _("Select yes if you want to remove %(item)s") % {"item": named}
    summary = service.model.summary({page.id: [items[item - 1]]})
    return render(
        request,
        "journeys/remove_item.html",
        page_context(
            service,
            heading=_("Are you sure you want to remove %(item)s?") % {"item": named},
            details=summary[0].value.replace("\n", ", ") if summary else "",
            errors={"remove": error} if error else {},
            error=error,
            form_has_errors=bool(error),
            action=item_url(service, page, item) + "remove/",
            back=page_url(service, page.id),
        ),
        status=400 if error else 200,
    )


def _local(noun: str) -> str:
    """A definition's word in the page's language (English where it has no Welsh)."""
    return in_language(noun, active_language())
