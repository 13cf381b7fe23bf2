"""The citizen's pages: start, one question a page, check answers, declaration, done.

Views only translate HTTP to the flow functions and back; the rules are in flow.py.
"""

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from civitas.cases.public import submit_application
from civitas.catalogue.public import (
    Service,
    ServiceNotFound,
    get_live_service,
    list_live_services,
)
from civitas.journeys import decisions, flow
from civitas.journeys.sessions import Journey, forget_journey, load_journey, save_journey


def _service_or_404(organisation: str, slug: str) -> Service:
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


def _journey(request: HttpRequest, service: Service) -> Journey:
    journey = load_journey(request, service.path)
    if journey is None or journey.version != service.version:
        # A journey begun on an earlier version starts again on the live one.
        journey = Journey(service_path=service.path, version=service.version)
    return journey


def _version_changed(request: HttpRequest, service: Service) -> HttpResponse:
    return _rejected(
        request,
        service,
        status=409,
        title="This service has changed since you started",
        detail="Start again to use the current version. Nothing was saved.",
    )


def _version_is_live(request: HttpRequest, service: Service) -> bool:
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
    service = _service_or_404(organisation, slug)
    return render(
        request, "journeys/start.html", _context(service, first_page=service.pages[0]["id"])
    )


@require_http_methods(["GET", "POST"])
def question_page(request: HttpRequest, organisation: str, slug: str, page_id: str) -> HttpResponse:
    service = _service_or_404(organisation, slug)
    page = service.page(page_id)
    if page is None:
        raise Http404("no such page")
    journey = _journey(request, service)
    route = flow.route(service, journey.answers, today=_today())
    if page_id not in route.pages:
        if request.method == "POST":
            return _rejected(
                request,
                service,
                title="You cannot answer this question yet",
                detail="Answer the questions in order. Nothing was saved.",
            )
        return redirect(_page_url(service, route.current or route.exit_page or "check-answers"))
    if page.get("kind") == "exit":
        return _exit_page(request, service, page, journey, route)

    question = page["question"]
    is_change = request.GET.get("change") == "1"
    if request.method == "POST":
        if not _version_is_live(request, service):
            return _version_changed(request, service)
        if question["type"] == "radios":
            posted = request.POST.get(question["id"], "")
            if posted and posted not in {option["value"] for option in question["options"]}:
                return _rejected(
                    request,
                    service,
                    title="That answer is not one of the options",
                    detail="Choose one of the options given. Nothing was saved.",
                )
        result = flow.clean_answer(service, page, request.POST, today=_today())
        if result.error is None:
            journey.answers[question["id"]] = result.value
            for name in page.get("derive", {}):
                journey.answers.pop(name, None)
            journey.answers.update({k: v for k, v in result.derived.items() if v is not None})
            new_route = flow.route(service, journey.answers, today=_today())
            journey.answers = flow.answers_on_route(service, journey.answers, new_route)
            save_journey(request, journey)
            if new_route.exit_page:
                return redirect(_page_url(service, new_route.exit_page))
            if new_route.is_complete:
                return redirect(_page_url(service, "check-answers"))
            return redirect(_page_url(service, new_route.current))
        raw, error, status = request.POST, result.error, 400
    else:
        raw, error, status = (
            _raw_from_stored(question, journey.answers.get(question["id"])),
            None,
            200,
        )
    return render(
        request,
        "journeys/question.html",
        _question_context(
            service,
            page,
            raw=raw,
            error=error,
            is_change=is_change,
            back=_back_link(service, route, page_id),
        ),
        status=status,
    )


def _exit_page(
    request: HttpRequest,
    service: Service,
    page: dict[str, Any],
    journey: Journey,
    route: flow.Route,
) -> HttpResponse:
    """An exit page; the rules' ineligible page also says why, in the rules' own words."""
    explanation: tuple[str, ...] = ()
    spec = decisions.rules_spec(service)
    if spec and spec.get("ineligible_page") == page["id"]:
        outcome = decisions.rules_outcome(service, journey.answers, today=_today())
        explanation = outcome.reasons_not_eligible if outcome else ()
    return render(
        request,
        "journeys/exit.html",
        _context(
            service,
            page=page,
            explanation=explanation,
            back=_back_link(service, route, page["id"]),
        ),
    )


def _page_url(service: Service, page_id: str) -> str:
    return f"{service.url}{page_id}/"


def _back_link(service: Service, route: flow.Route, page_id: str) -> str:
    position = route.pages.index(page_id)
    if position == 0:
        return service.url
    return _page_url(service, route.pages[position - 1])


def _raw_from_stored(question: dict[str, Any], stored: str | None) -> dict[str, str]:
    if stored is None:
        return {}
    if question["type"] == "date":
        try:
            day = datetime.date.fromisoformat(stored)
        except ValueError:
            return {}
        qid = question["id"]
        return {
            f"{qid}-day": str(day.day),
            f"{qid}-month": str(day.month),
            f"{qid}-year": str(day.year),
        }
    return {question["id"]: stored}


def _question_context(
    service: Service,
    page: dict[str, Any],
    *,
    raw: Any,
    error: flow.FieldError | None,
    is_change: bool,
    back: str,
) -> dict[str, Any]:
    question = page["question"]
    qid = question["id"]
    return _context(
        service,
        page=page,
        question=question,
        value=raw.get(qid, ""),
        date_parts={part: raw.get(f"{qid}-{part}", "") for part in ("day", "month", "year")},
        error=error,
        errors={error.field: error.message} if error else {},
        form_has_errors=error is not None,
        action=_page_url(service, page["id"]) + ("?change=1" if is_change else ""),
        back=back,
    )


def _summary_rows(
    service: Service, answers: dict[str, Any], route: flow.Route
) -> list[dict[str, Any]]:
    rows = []
    for page_id in route.pages:
        page = service.page(page_id)
        question = page.get("question")
        if not question:
            continue
        rows.append(
            {
                "key": question.get("summary_label") or question["label"],
                "value": flow.display_answer(question, answers.get(question["id"])),
                "href": _page_url(service, page_id) + "?change=1",
                "hidden": (question.get("summary_label") or question["label"]).lower(),
            }
        )
    return rows


def _complete_journey_or_redirect(
    request: HttpRequest, service: Service
) -> tuple[Journey, flow.Route] | HttpResponse:
    journey = _journey(request, service)
    route = flow.route(service, journey.answers, today=_today())
    if route.exit_page:
        return redirect(_page_url(service, route.exit_page))
    if not route.is_complete:
        return redirect(_page_url(service, route.current))
    return journey, route


@require_GET
def check_answers(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    service = _service_or_404(organisation, slug)
    complete = _complete_journey_or_redirect(request, service)
    if isinstance(complete, HttpResponse):
        return complete
    journey, route = complete
    return render(
        request,
        "journeys/check_answers.html",
        _context(
            service,
            rows=_summary_rows(service, journey.answers, route),
            fee=flow.fee_for(service, journey.answers, today=_today()),
            back=_page_url(service, route.pages[-1]),
        ),
    )


@require_http_methods(["GET", "POST"])
def declaration(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    service = _service_or_404(organisation, slug)
    complete = _complete_journey_or_redirect(request, service)
    if isinstance(complete, HttpResponse):
        return complete
    journey, _route = complete
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not _version_is_live(request, service):
            return _version_changed(request, service)
        if request.POST.get("confirm") != "yes":
            errors["confirm"] = "Confirm that the information you have given is correct"
        else:
            checked = flow.check_submission(
                service, _as_api_answers(service, journey.answers), today=_today()
            )
            if checked.errors:
                # An answer went stale (a start date now in the past): ask it again.
                first = next(iter(checked.errors))
                page = service.page_for_answer(first)
                return redirect(_page_url(service, page["id"]) if page else service.url)
            fee = flow.fee_for(service, checked.answers, today=_today())
            case = submit_application(
                service=service,
                answers=checked.answers,
                fee_pence=fee.pence if fee else None,
                decision=fee.decision if fee else None,
            )
            forget_journey(request, service.path)
            request.session[f"submitted:{service.path}"] = case.reference
            return redirect(f"{service.url}confirmation/{case.reference}/")
    return render(
        request,
        "journeys/declaration.html",
        _context(
            service,
            errors=errors,
            form_has_errors=bool(errors),
            back=f"{service.url}check-answers/",
        ),
        status=400 if errors else 200,
    )


def _as_api_answers(service: Service, answers: dict[str, Any]) -> dict[str, Any]:
    """Only asked answers (not derived ones), as an API client would send them."""
    return {qid: value for qid, value in answers.items() if service.question(qid)}


@require_GET
def confirmation(
    request: HttpRequest, organisation: str, slug: str, reference: str
) -> HttpResponse:
    service = _service_or_404(organisation, slug)
    # Only the person who submitted sees the confirmation page of a reference.
    if request.session.get(f"submitted:{service.path}") != reference:
        raise Http404("no such application in this session")
    return render(request, "journeys/confirmation.html", _context(service, reference=reference))
