"""The citizen's pages: start, one question a page, check answers, declaration, done.

Views only translate HTTP to the flow functions and back; the rules are in flow.py, each
question's checks and widget are its type's (the catalogue's question types), and an
application is sent by submission.py, as the API sends one.
"""

import datetime
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civitas.catalogue.public import (
    ExitPage,
    FieldError,
    QuestionPage,
    Service,
    ServiceNotFound,
    get_live_service,
    get_published_service,
    is_file_question,
    list_live_services,
    posted_list,
)
from civitas.catalogue.public import Question as CatalogueQuestion
from civitas.journeys import decisions, flow, privacy
from civitas.journeys.sessions import Journey, forget_journey, load_journey, save_journey
from civitas.journeys.submission import NotSubmitted, submit_answers
from civitas.journeys.uploads import discard_upload, find_upload, receive_upload
from civitas.platform.jsontypes import JSONValue

PREVIEW_ATTRIBUTE = "civitas_preview_service"
"""Set on a request by the staff preview (preview.py): the draft version it walks through."""


def _service_or_404(request: HttpRequest, organisation: str, slug: str) -> Service:
    preview: Service | None = getattr(request, PREVIEW_ATTRIBUTE, None)
    if preview is not None:
        return preview
    try:
        return get_live_service(organisation, slug)
    except ServiceNotFound:
        raise Http404("no such service") from None


def _today() -> datetime.date:
    return timezone.localdate()


def _context(service: Service, **extra: Any) -> dict[str, Any]:
    return {
        "service": service,
        "serviceName": service.title,
        "serviceUrl": service.url,
        # The page chrome names the organisation that runs the service.
        "organisation_name": service.organisation_name,
        "is_preview": service.is_preview,
        "journey_timeout_minutes": settings.JOURNEY_TIMEOUT_MINUTES,
        # The dialog counts from the page's opening, which may be up to the write interval
        # after the last recorded activity: it warns that much early, never late.
        "journey_timeout_client_seconds": settings.JOURNEY_TIMEOUT_MINUTES * 60
        - activity_write_seconds(),
        "journey_timeout_warning_seconds": settings.JOURNEY_TIMEOUT_WARNING_SECONDS,
        # The footer's privacy link goes to the service's own notice.
        "privacy_url": f"{service.url}privacy/",
        **extra,
    }


def _rejected(
    request: HttpRequest, service: Service, *, title: str, detail: str, status: int = 400
) -> HttpResponse:
    """A clear refusal of a request the journey could not have produced. Nothing is stored."""
    return render(
        request,
        "journeys/rejected.html",
        _context(service, title=title, detail=detail),
        status=status,
    )


def _journey(request: HttpRequest, live: Service) -> tuple[Service, Journey] | HttpResponse:
    """The citizen's journey and the version of the service it runs on.

    A journey finishes on the version it began with, whatever has been published since
    (docs/decisions/0020). One left alone past JOURNEY_TIMEOUT_MINUTES is deleted and
    the citizen is sent to the timed-out page; one whose version was withdrawn starts
    again on the live version, and the citizen is told why.
    """
    journey = load_journey(request, live.journey_key)
    if journey is None:
        return live, Journey(service_path=live.journey_key, version=live.version)
    if is_timed_out(journey):
        forget_journey(request, live.journey_key)
        return redirect(f"{live.url}timed-out/")
    if journey.active_at is not None and time.time() - journey.active_at > activity_write_seconds():
        # Reading a page is doing something: keep the journey, writing it at most so often.
        save_journey(request, journey)
    if journey.version == live.version or live.is_preview:
        return live, journey
    try:
        return get_published_service(live.organisation, live.slug, journey.version), journey
    except ServiceNotFound:
        forget_journey(request, live.journey_key)
        return _rejected(
            request,
            live,
            status=409,
            title="This service has changed since you started",
            detail="The version of the service you started on has been withdrawn, so we "
            "deleted your answers. Start again to apply with the current version.",
        )


def activity_write_seconds() -> int:
    """How stale a journey's last activity may be before reading a page writes it again:
    a minute, or a tenth of a shorter timeout. Page views then rarely write the session,
    and the warning shown is never later than the real timeout by more than this."""
    return min(60, settings.JOURNEY_TIMEOUT_MINUTES * 6)


def is_timed_out(journey: Journey) -> bool:
    return (
        journey.active_at is not None
        and time.time() - journey.active_at > settings.JOURNEY_TIMEOUT_MINUTES * 60
    )


def _version_changed(request: HttpRequest, service: Service) -> HttpResponse:
    return _rejected(
        request,
        service,
        status=409,
        title="This service has changed since you started",
        detail="Start again to use the current version. Nothing was saved.",
    )


def _version_is_the_journeys(request: HttpRequest, service: Service) -> bool:
    """The page posted was served for the journey's version. The version the journey runs
    on is the session's, never the form's: a forged number is refused, not followed."""
    return request.POST.get("version") == str(service.version)


@require_GET
def find_service(request: HttpRequest, slug: str) -> HttpResponse:
    """A service named without its organisation: straight there when only one organisation
    publishes it, otherwise a choice of organisation."""
    versions = list_live_services(slug=slug)
    if not versions:
        raise Http404("no such service")
    if len(versions) == 1:
        return redirect(f"/services/{versions[0].organisation.slug}/{slug}/")
    return render(
        request,
        "journeys/choose_organisation.html",
        {
            "title": versions[0].title,
            "choices": [
                {"href": f"/services/{v.organisation.slug}/{slug}/", "name": v.organisation.name}
                for v in versions
            ],
        },
    )


@require_GET
def start(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    service = _service_or_404(request, organisation, slug)
    return render(
        request, "journeys/start.html", _context(service, first_page=service.model.first_page.id)
    )


@require_http_methods(["GET", "POST"])
def question_page(request: HttpRequest, organisation: str, slug: str, page_id: str) -> HttpResponse:
    found = _journey(request, _service_or_404(request, organisation, slug))
    if isinstance(found, HttpResponse):
        return found
    service, journey = found
    page = service.page(page_id)
    if page is None:
        raise Http404("no such page")
    route = flow.route(service, journey.answers, today=_today())
    if page_id not in route.pages:
        if request.method == "POST":
            return _rejected(
                request,
                service,
                title="You cannot answer this question yet",
                detail="Answer the questions in order. Nothing was saved.",
            )
        return redirect(_page_url(service, route.stop or "check-answers"))
    if isinstance(page, ExitPage):
        return _exit_page(request, service, page, journey, route)
    if page.repeat is not None:
        return _repeat_summary(request, service, page, journey, route)

    is_change = request.GET.get("change") == "1"
    fields: Mapping[str, str]
    errors: Mapping[str, FieldError] = {}
    if request.method == "POST":
        if not _version_is_the_journeys(request, service):
            return _version_changed(request, service)
        removing = _file_to_remove(request, service, page, journey)
        if removing is not None:
            return _remove_file(request, service, page, journey, removing, is_change=is_change)
        posted, upload_error, new_uploads = _receive_files(request, service, page, journey)
        if upload_error is not None:
            result = flow.AnswerResult(errors={upload_error.field: upload_error})
        else:
            result = flow.clean_answer(
                service, page, posted, today=_today(), answers=journey.answers
            )
        if result.pending is not None:
            # A step within the question (the address question's "Find address"): the
            # page again, at its next step, without an error; nothing is stored.
            for token in new_uploads:
                discard_upload(token)
            fields, status = result.pending, 200
        elif result.error is None:
            previous = dict(journey.answers)
            journey.answers, new_route = flow.record_answer(
                service, page, journey.answers, result, today=_today()
            )
            save_journey(request, journey)
            _discard_replaced_files(page, previous, journey.answers)
            return redirect(_page_url(service, new_route.stop or "check-answers"))
        else:
            for token in new_uploads:
                discard_upload(token)
            for error in result.errors.values():
                if error.refusal is not None:
                    refusal = error.refusal
                    return _rejected(request, service, title=refusal.title, detail=refusal.detail)
            fields, errors, status = posted, result.errors, 400
    else:
        fields, status = (
            _with_current_files(
                service, page, flow.page_fields(page, journey.answers), journey.answers
            ),
            200,
        )
    return render(
        request,
        "journeys/question.html",
        _question_context(
            service,
            page,
            fields=fields,
            errors=errors,
            is_change=is_change,
            # A page opened to change an answer goes back to where the change began.
            back=_page_url(service, "check-answers")
            if is_change
            else _back_link(service, route, page_id),
        ),
        status=status,
    )


def _exit_page(
    request: HttpRequest,
    service: Service,
    page: ExitPage,
    journey: Journey,
    route: flow.Route,
) -> HttpResponse:
    """An exit page; the rules' ineligible page also says why, in the rules' own words."""
    explanation: tuple[str, ...] = ()
    spec = decisions.rules_spec(service)
    if spec is not None and spec.ineligible_page == page.id:
        outcome = decisions.rules_outcome(service, journey.answers, today=_today())
        explanation = outcome.reasons_not_eligible if outcome else ()
    return render(
        request,
        "journeys/exit.html",
        _context(
            service,
            page=page,
            explanation=explanation,
            back=_back_link(service, route, page.id),
        ),
    )


def _file_questions(page: QuestionPage) -> list[CatalogueQuestion]:
    """The questions of a page answered with a file: such a page posts multipart."""
    return [question for question in page.questions if is_file_question(question)]


def _with_current_files(
    service: Service, page: QuestionPage, fields: Mapping[str, str], answers: Mapping[str, Any]
) -> Mapping[str, str]:
    """The page's fields, with the file each answered file question holds beside it."""
    current = _current_files(service, page, answers)
    if not current:
        return fields
    merged = QueryDict(mutable=True)
    for name in fields:
        merged.setlist(name, posted_list(fields, name))
    merged.update(current)
    return merged


def _current_files(
    service: Service, page: QuestionPage, answers: Mapping[str, Any]
) -> dict[str, str]:
    """For each file question of the page already answered, the file it holds, shown
    beside the file input (`<id>-current`) so the citizen can keep it or replace it."""
    shown = {}
    for question in _file_questions(page):
        upload = find_upload(answers.get(question.id), service_path=service.path)
        if upload is not None:
            shown[f"{question.id}-current"] = upload.description
    return shown


def _receive_files(
    request: HttpRequest, service: Service, page: QuestionPage, journey: Journey
) -> tuple[QueryDict, FieldError | None, list[str]]:
    """The posted fields, with each file question's field set to the token of the file
    received for it (or of the file it already holds, when no new one was chosen).

    Whatever was posted under a file question's own name is never taken: its answer can
    only be a file this journey uploaded. Returns the fields, the first file's error (no
    file of this request is then kept) and the tokens of the files newly kept."""
    posted = request.POST.copy()
    kept: list[str] = []
    for question in _file_questions(page):
        posted.pop(f"{question.id}-current", None)
        current = find_upload(journey.answers.get(question.id), service_path=service.path)
        uploaded = request.FILES.get(question.id)
        if uploaded is None and current is not None:
            posted[question.id] = current.token
            posted[f"{question.id}-current"] = current.description
            continue
        if uploaded is None and question.optional:
            # Left blank: the question answers it as given nothing.
            posted[question.id] = ""
            continue
        received = receive_upload(service_path=service.path, question=question, uploaded=uploaded)
        if isinstance(received, FieldError):
            for token in kept:
                discard_upload(token)
            posted[question.id] = ""
            if current is not None:
                posted[f"{question.id}-current"] = current.description
            return posted, received, []
        posted[question.id] = received.token
        kept.append(received.token)
    return posted, None, kept


REMOVE_FILE = "remove"
"""The value of an optional file question's "Remove file" button (`<id>-remove`)."""


def _file_to_remove(
    request: HttpRequest, service: Service, page: QuestionPage, journey: Journey
) -> CatalogueQuestion | None:
    """The optional file question whose "Remove file" button was pressed, when the
    journey holds a file for it. A remove posted for a required question, for a question
    holding no file, or naming anything but the button's own value is no removal: the
    post is taken as the page's answer, which keeps the file."""
    for question in _file_questions(page):
        if request.POST.get(f"{question.id}-remove") != REMOVE_FILE or not question.optional:
            continue
        if find_upload(journey.answers.get(question.id), service_path=service.path) is not None:
            return question
    return None


def _remove_file(
    request: HttpRequest,
    service: Service,
    page: QuestionPage,
    journey: Journey,
    question: CatalogueQuestion,
    *,
    is_change: bool,
) -> HttpResponse:
    """Leaves an optional file question blank and deletes its file; the page again, so
    the citizen can choose another or continue without one. The page's other answers
    are neither taken from this post nor changed."""
    previous = dict(journey.answers)
    kept_derived: dict[str, str | None] = {
        derivation.name: value
        for derivation in page.derive
        if isinstance(value := previous.get(derivation.name), str)
    }
    journey.answers, _ = flow.record_answer(
        service,
        page,
        journey.answers,
        flow.AnswerResult(values={question.id: None}, derived=kept_derived),
        today=_today(),
    )
    save_journey(request, journey)
    _discard_replaced_files(page, previous, journey.answers)
    return redirect(_page_url(service, page.id) + ("?change=1" if is_change else ""))


def _discard_replaced_files(
    page: QuestionPage, previous: Mapping[str, Any], answers: Mapping[str, Any]
) -> None:
    """Deletes the files that new uploads on this page replaced."""
    for question in _file_questions(page):
        old = previous.get(question.id)
        if isinstance(old, str) and old != answers.get(question.id):
            discard_upload(old)


def _shown_answer(service: Service, question: CatalogueQuestion, value: Any) -> str:
    """An answer as check answers shows it; a file as its name and size."""
    if is_file_question(question) and value is not None:
        upload = find_upload(value, service_path=service.path)
        return upload.description if upload is not None else ""
    return question.display(value)


def _page_url(service: Service, page_id: str) -> str:
    return f"{service.url}{page_id}/"


def _back_link(service: Service, route: flow.Route, page_id: str) -> str:
    position = route.pages.index(page_id)
    if position == 0:
        return service.url
    return _page_url(service, route.pages[position - 1])


def _question_context(
    service: Service,
    page: QuestionPage,
    *,
    fields: Mapping[str, str],
    errors: Mapping[str, FieldError],
    is_change: bool,
    back: str,
    action: str = "",
    caption: str = "",
) -> dict[str, Any]:
    """A page's questions drawn by their types, each with its own error; the error
    summary lists every error of the page at once."""
    action = action or _page_url(service, page.id)
    widgets = [
        question.widget(fields, errors.get(question.id), heading=not page.is_group)
        for question in page.questions
    ]
    return _context(
        service,
        page=page,
        widgets=widgets,
        # A "Remove file" button comes before Continue: a hidden Continue first stays the
        # button Enter presses in a text input of the page.
        continue_first=any(
            widget.arguments.get("removable") and widget.arguments.get("current")
            for widget in widgets
        ),
        errors={error.field: error.message for error in errors.values()},
        form_has_errors=bool(errors),
        caption=caption,
        action=action + ("?change=1" if is_change else ""),
        back=back,
        multipart=bool(_file_questions(page)),
    )


def _summary_rows(
    service: Service, answers: Mapping[str, JSONValue], route: flow.Route
) -> list[dict[str, str]]:
    """One row for each question on the route, in page order."""
    rows = []
    for page_id in route.pages:
        page = service.page(page_id)
        if not isinstance(page, QuestionPage):
            continue
        if page.repeat is not None:
            rows.extend(_item_rows(service, page, answers.get(page.id)))
            continue
        for question in page.questions:
            rows.append(
                {
                    "key": question.summary_key,
                    "value": _shown_answer(service, question, answers.get(question.id)),
                    "href": _page_url(service, page_id) + "?change=1",
                    "hidden": question.summary_key.lower(),
                }
            )
    return rows


def _item_rows(service: Service, page: QuestionPage, items: JSONValue) -> list[dict[str, str]]:
    """A repeating group on check answers: a row for each item, each changeable; a row
    saying none were added when there are none."""
    repeat = page.repeat
    assert repeat is not None
    rows = [
        {"key": row.key, "value": row.value, "href": "", "hidden": row.key.lower()}
        for row in service.model.summary({page.id: items})
    ]
    for position, row in enumerate(rows, 1):
        row["href"] = _item_url(service, page, position) + "?change=1"
    if not rows:
        name = repeat.items[:1].upper() + repeat.items[1:]
        rows.append(
            {
                "key": name,
                "value": "None added",
                "href": _page_url(service, page.id),
                "hidden": repeat.items,
            }
        )
    return rows


# Repeating groups ("add another"): /<page>/ lists the items and asks whether there is
# another, /<page>/<n>/ asks the questions of item n, /<page>/<n>/remove/ removes it.


def _item_url(service: Service, page: QuestionPage, position: int) -> str:
    return f"{_page_url(service, page.id)}{position}/"


def _group_on_route(
    request: HttpRequest, organisation: str, slug: str, page_id: str
) -> tuple[Service, QuestionPage, Journey] | HttpResponse:
    """The repeating group a request is about, when the route reaches it."""
    found = _journey(request, _service_or_404(request, organisation, slug))
    if isinstance(found, HttpResponse):
        return found
    service, journey = found
    page = service.page(page_id)
    if not isinstance(page, QuestionPage) or page.repeat is None:
        raise Http404("no such page")
    route = flow.route(service, journey.answers, today=_today())
    if page_id not in route.pages:
        if request.method == "POST":
            return _rejected(
                request,
                service,
                title="You cannot answer this question yet",
                detail="Answer the questions in order. Nothing was saved.",
            )
        return redirect(_page_url(service, route.stop or "check-answers"))
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
            service, page, journey.answers, items, today=_today()
        )
        return route
    journey.answers.pop(page.id, None)
    journey.drafts[page.id] = items
    return None


def _repeat_summary(
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
        return redirect(_item_url(service, page, 1))
    error = ""
    if request.method == "POST":
        if not _version_is_the_journeys(request, service):
            return _version_changed(request, service)
        choice = request.POST.get("add_another", "")
        if choice == "yes":
            if len(items) < repeat.max:
                return redirect(_item_url(service, page, len(items) + 1))
            error = flow.count_problem(page, len(items) + 1) or ""
        elif choice == "no":
            problem = flow.count_problem(page, len(items))
            if problem is None:
                journey.answers, new_route = flow.record_items(
                    service, page, journey.answers, items, today=_today()
                )
                journey.drafts.pop(page.id, None)
                save_journey(request, journey)
                return redirect(_page_url(service, new_route.stop or "check-answers"))
            error = problem
        elif choice:
            return _rejected(
                request,
                service,
                title="That answer is not one of the options",
                detail="Choose one of the options given. Nothing was saved.",
            )
        else:
            error = f"Select yes if you need to add another {repeat.item}"
    count = len(items)
    noun = repeat.item if count == 1 else repeat.items
    rows = [
        {
            "key": row.key,
            "value": row.value,
            "change": _item_url(service, page, position),
            "remove": _item_url(service, page, position) + "remove/",
        }
        for position, row in enumerate(service.model.summary({page.id: items}), 1)
    ]
    return render(
        request,
        "journeys/repeat_summary.html",
        _context(
            service,
            page=page,
            heading=f"You have added {count} {noun}" if count else f"You have not added any {noun}",
            rows=rows,
            question=(
                f"Do you need to add another {repeat.item}?"
                if count
                else f"Do you need to add a {repeat.item}?"
            ),
            can_add=count < repeat.max,
            full=f"You cannot add more than {repeat.max} {repeat.items}",
            errors={"add_another": error} if error else {},
            error=error,
            form_has_errors=bool(error),
            action=_page_url(service, page.id),
            back=_back_link(service, route, page.id),
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
        if not _version_is_the_journeys(request, service):
            return _version_changed(request, service)
        result = flow.clean_answer(
            service, page, request.POST, today=_today(), answers=journey.answers
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
                return redirect(_page_url(service, route_after.stop or "check-answers"))
            return redirect(_page_url(service, page.id))
        for error in result.errors.values():
            if error.refusal is not None:
                refusal = error.refusal
                return _rejected(request, service, title=refusal.title, detail=refusal.detail)
        fields, errors, status = request.POST, result.errors, 400
    else:
        current = items[item - 1] if item <= len(items) else {}
        fields, status = flow.page_fields(page, current if isinstance(current, dict) else {}), 200
    route = flow.route(service, journey.answers, today=_today())
    if is_change:
        back = _page_url(service, "check-answers")
    elif items:
        back = _page_url(service, page.id)
    else:
        back = _back_link(service, route, page.id)
    return render(
        request,
        "journeys/question.html",
        _question_context(
            service,
            page,
            fields=fields,
            errors=errors,
            is_change=is_change,
            back=back,
            action=_item_url(service, page, item),
            caption=repeat.name(item),
        ),
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
    name = repeat.name(item)
    error = ""
    if request.method == "POST":
        if not _version_is_the_journeys(request, service):
            return _version_changed(request, service)
        choice = request.POST.get("remove", "")
        if choice == "yes":
            _save_items(service, page, journey, items[: item - 1] + items[item:])
            save_journey(request, journey)
            return redirect(_page_url(service, page.id))
        if choice == "no":
            return redirect(_page_url(service, page.id))
        if choice:
            return _rejected(
                request,
                service,
                title="That answer is not one of the options",
                detail="Choose one of the options given. Nothing was saved.",
            )
        error = f"Select yes if you want to remove {name[:1].lower()}{name[1:]}"
    summary = service.model.summary({page.id: [items[item - 1]]})
    return render(
        request,
        "journeys/remove_item.html",
        _context(
            service,
            heading=f"Are you sure you want to remove {name[:1].lower()}{name[1:]}?",
            details=summary[0].value.replace("\n", ", ") if summary else "",
            errors={"remove": error} if error else {},
            error=error,
            form_has_errors=bool(error),
            action=_item_url(service, page, item) + "remove/",
            back=_page_url(service, page.id),
        ),
        status=400 if error else 200,
    )


def _complete_journey_or_redirect(
    request: HttpRequest, live: Service
) -> tuple[Service, Journey, flow.Route] | HttpResponse:
    found = _journey(request, live)
    if isinstance(found, HttpResponse):
        return found
    service, journey = found
    submitted = request.session.get(f"submitted:{service.journey_key}")
    if not journey.answers and submitted:
        # Browser Back from the confirmation page: the application is sent, so show where
        # it went rather than silently starting a blank one.
        return redirect(f"{service.url}confirmation/{submitted}/")
    route = flow.route(service, journey.answers, today=_today())
    if route.stop is not None:
        return redirect(_page_url(service, route.stop))
    missing_file = _page_with_a_missing_file(service, journey.answers, route)
    if missing_file is not None:
        return redirect(_page_url(service, missing_file))
    return service, journey, route


def _page_with_a_missing_file(
    service: Service, answers: Mapping[str, Any], route: flow.Route
) -> str | None:
    """The first page on the route whose file answer names an upload no longer kept (the
    journey outlived UPLOAD_ABANDONED_AFTER_SECONDS): it asks for the file again."""
    for page_id in route.pages:
        page = service.page(page_id)
        if not isinstance(page, QuestionPage):
            continue
        for question in _file_questions(page):
            token = answers.get(question.id)
            if token is not None and find_upload(token, service_path=service.path) is None:
                return page_id
    return None


@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """Check your answers, with the declaration under them as the GOV.UK pattern places
    it ("Now send your application"): a POST accepts it and sends the application."""
    complete = _complete_journey_or_redirect(request, _service_or_404(request, organisation, slug))
    if isinstance(complete, HttpResponse):
        return complete
    service, journey, route = complete
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not _version_is_the_journeys(request, service):
            return _version_changed(request, service)
        if request.POST.get("confirm") != "yes":
            errors["confirm"] = _("Confirm that the information you have given is correct")
        elif service.is_preview:
            return _preview_sent(request, service, journey, route)
        else:
            result = submit_answers(
                service,
                # Only what the route passes: answers kept for a route that might have
                # joined up again are never sent.
                flow.asked_answers(service, flow.answers_on_route(service, journey.answers, route)),
                channel="online",
                today=_today(),
            )
            if isinstance(result, NotSubmitted):
                # An answer went stale (a start date now in the past): ask it again.
                return redirect(
                    _page_url(service, result.page_id) if result.page_id else service.url
                )
            forget_journey(request, service.journey_key)
            request.session[f"submitted:{service.journey_key}"] = result.reference
            return redirect(f"{service.url}confirmation/{result.reference}/")
    return render(
        request,
        "journeys/check_answers.html",
        _context(
            service,
            rows=_summary_rows(service, journey.answers, route),
            fee=flow.fee_for(service, journey.answers, today=_today()),
            back=_page_url(service, route.pages[-1]),
            errors=errors,
            form_has_errors=bool(errors),
        ),
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def declaration(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """The declaration's old address: it is on check answers now. A bookmark or an old
    link goes there; a form still open in a browser tab is accepted as check answers
    accepts it."""
    if request.method == "POST":
        return check_answers(request, organisation, slug)
    service = _service_or_404(request, organisation, slug)
    complete = _complete_journey_or_redirect(request, service)
    # Straight to where check answers would send them (the confirmation page after Back).
    return (
        complete
        if isinstance(complete, HttpResponse)
        else redirect(_page_url(service, "check-answers"))
    )


@require_GET
def privacy_notice(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """The service's privacy notice, generated from its definition (see privacy.py)."""
    service = _service_or_404(request, organisation, slug)
    return render(
        request,
        "journeys/privacy.html",
        _context(service, notice=privacy.notice_for(service)),
    )


@require_GET
def confirmation(
    request: HttpRequest, organisation: str, slug: str, reference: str
) -> HttpResponse:
    service = _service_or_404(request, organisation, slug)
    # Only the person who submitted sees the confirmation page of a reference.
    if request.session.get(f"submitted:{service.journey_key}") != reference:
        raise Http404("no such application in this session")
    return render(request, "journeys/confirmation.html", _context(service, reference=reference))


PREVIEW_REFERENCE = "PREVIEW"
"""What a preview's confirmation page shows for a reference: no case is stored."""


def _preview_sent(
    request: HttpRequest, service: Service, journey: Journey, route: flow.Route
) -> HttpResponse:
    """A preview's application is checked as a real one would be, and never stored or
    emailed: its confirmation page shows PREVIEW for a reference."""
    answers = flow.asked_answers(service, flow.answers_on_route(service, journey.answers, route))
    checked = flow.check_submission(service, answers, today=_today())
    if checked.errors:
        page = service.page_for_answer(next(iter(checked.errors)))
        return redirect(_page_url(service, page.id) if page else service.url)
    forget_journey(request, service.journey_key)
    request.session[f"submitted:{service.journey_key}"] = PREVIEW_REFERENCE
    return redirect(f"{service.url}confirmation/{PREVIEW_REFERENCE}/")
