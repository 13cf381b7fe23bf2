"""The citizen's pages: start, one question a page, check answers, declaration, done.

Views only translate HTTP to the flow functions and back; the rules are in flow.py, each
question's checks and widget are its type's (the catalogue's question types), and an
application is sent by submission.py, as the API sends one. What every page view shares is
in web.py; the pages of a repeating group are repeat_views.py; saving and returning,
returning.py.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civitas.cases.public import case_payment, pay_url
from civitas.catalogue.public import (
    ExitPage,
    FieldError,
    QuestionPage,
    Service,
    active_language,
    is_file_question,
    list_live_services,
    posted_list,
)
from civitas.catalogue.public import Question as CatalogueQuestion
from civitas.identity.public import signed_in_account_id
from civitas.journeys import decisions, flow, privacy
from civitas.journeys.activity import announce
from civitas.journeys.assisted import assisted_by, forget_assisting
from civitas.journeys.events import (
    CheckAnswersReached,
    JourneyAnswersRefused,
    JourneyPageReached,
    JourneyStarted,
    JourneySubmitted,
)
from civitas.journeys.payment_views import send_to_payment
from civitas.journeys.repeat_views import item_url, repeat_summary
from civitas.journeys.sessions import Journey, forget_journey, save_journey
from civitas.journeys.submission import NotSubmitted, submit_answers
from civitas.journeys.uploads import discard_upload, find_upload, receive_upload
from civitas.journeys.web import (
    back_link,
    current_journey,
    file_questions,
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
from civitas.pay.public import allow_payment_redirect
from civitas.platform import ratelimit
from civitas.platform.client_address import client_address
from civitas.platform.jsontypes import JSONValue
from civitas.platform.security_log import security_event


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
    service = service_or_404(request, organisation, slug)
    return render(
        request,
        "journeys/start.html",
        page_context(service, first_page=service.model.first_page.id),
    )


@require_http_methods(["GET", "POST"])
def question_page(request: HttpRequest, organisation: str, slug: str, page_id: str) -> HttpResponse:
    found = current_journey(request, service_or_404(request, organisation, slug))
    if isinstance(found, HttpResponse):
        return found
    service, journey = found
    page = service.page(page_id)
    if page is None:
        raise Http404("no such page")
    route = flow.route(service, journey.answers, today=today())
    if page_id not in route.pages:
        return off_the_route(request, service, route)
    if request.method == "GET":
        if journey.is_new:
            # Kept from its first page shown, so that its key names it until it is sent.
            save_journey(request, journey)
            announce(request, service, journey, JourneyStarted, page=page_id)
        announce(request, service, journey, JourneyPageReached, page=page_id)
    if isinstance(page, ExitPage):
        return _exit_page(request, service, page, journey, route)
    if page.repeat is not None:
        return repeat_summary(request, service, page, journey, route)

    is_change = request.GET.get("change") == "1"
    fields: Mapping[str, str]
    errors: Mapping[str, FieldError] = {}
    if request.method == "POST":
        if not posted_version_is_the_journeys(request, service):
            return version_changed(request, service)
        removing = _file_to_remove(request, service, page, journey)
        if removing is not None:
            return _remove_file(request, service, page, journey, removing, is_change=is_change)
        posted, upload_error, new_uploads = _receive_files(request, service, page, journey)
        if upload_error is not None:
            result = flow.AnswerResult(errors={upload_error.field: upload_error})
        else:
            result = flow.clean_answer(
                service, page, posted, today=today(), answers=journey.answers
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
                service, page, journey.answers, result, today=today()
            )
            save_journey(request, journey)
            _discard_replaced_files(page, previous, journey.answers)
            return redirect(page_url(service, new_route.stop or "check-answers"))
        else:
            for token in new_uploads:
                discard_upload(token)
            announce(
                request,
                service,
                journey,
                JourneyAnswersRefused,
                page=page_id,
                # Only the ids of the page's own questions: never what was posted.
                questions=tuple(q.id for q in page.questions if q.id in result.errors),
            )
            for error in result.errors.values():
                if error.refusal is not None:
                    refusal = error.refusal
                    return rejected(request, service, title=refusal.title, detail=refusal.detail)
            fields, errors, status = posted, result.errors, 400
    else:
        fields, status = (
            _with_current_files(
                service, page, flow.page_fields(page, journey.answers), journey.answers
            ),
            200,
        )
    return render_question_page(
        request,
        service,
        page,
        fields=fields,
        errors=errors,
        is_change=is_change,
        # A page opened to change an answer goes back to where the change began.
        back=page_url(service, "check-answers")
        if is_change
        else back_link(service, route, page_id),
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
        outcome = decisions.rules_outcome(service, journey.answers, today=today())
        explanation = outcome.reasons_not_eligible if outcome else ()
    return render(
        request,
        "journeys/exit.html",
        page_context(
            service,
            page=page,
            explanation=explanation,
            back=back_link(service, route, page.id),
        ),
    )


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
    for question in file_questions(page):
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
    for question in file_questions(page):
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
    for question in file_questions(page):
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
        today=today(),
    )
    save_journey(request, journey)
    _discard_replaced_files(page, previous, journey.answers)
    return redirect(page_url(service, page.id) + ("?change=1" if is_change else ""))


def _discard_replaced_files(
    page: QuestionPage, previous: Mapping[str, Any], answers: Mapping[str, Any]
) -> None:
    """Deletes the files that new uploads on this page replaced."""
    for question in file_questions(page):
        old = previous.get(question.id)
        if isinstance(old, str) and old != answers.get(question.id):
            discard_upload(old)


def _shown_answer(service: Service, question: CatalogueQuestion, value: Any) -> str:
    """An answer as check answers shows it; a file as its name and size."""
    if is_file_question(question) and value is not None:
        upload = find_upload(value, service_path=service.path)
        return upload.description if upload is not None else ""
    return question.display(value)


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
                    "href": page_url(service, page_id) + "?change=1",
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
        row["href"] = item_url(service, page, position) + "?change=1"
    if not rows:
        name = repeat.items[:1].upper() + repeat.items[1:]
        rows.append(
            {
                "key": name,
                "value": "None added",
                "href": page_url(service, page.id),
                "hidden": repeat.items,
            }
        )
    return rows


def _complete_journey_or_redirect(
    request: HttpRequest, live: Service
) -> tuple[Service, Journey, flow.Route] | HttpResponse:
    found = current_journey(request, live)
    if isinstance(found, HttpResponse):
        return found
    service, journey = found
    submitted = request.session.get(f"submitted:{service.journey_key}")
    if not journey.answers and submitted:
        # Browser Back from the confirmation page: the application is sent, so show where
        # it went rather than silently starting a blank one.
        return redirect(f"{service.url}confirmation/{submitted}/")
    route = flow.route(service, journey.answers, today=today())
    if route.stop is not None:
        return redirect(page_url(service, route.stop))
    missing_file = _page_with_a_missing_file(service, journey.answers, route)
    if missing_file is not None:
        return redirect(page_url(service, missing_file))
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
        for question in file_questions(page):
            token = answers.get(question.id)
            if token is not None and find_upload(token, service_path=service.path) is None:
                return page_id
    return None


def _submissions_from_address_wait(request: HttpRequest, service: Service) -> int:
    """Counts an application sent from the client's address; the seconds to wait when it
    is one too many (SUBMISSION_RATE_PER_ADDRESS), else 0. Staff completing a service for
    a caller are not counted: a contact centre sends many from one address."""
    if assisted_by(request, service) is not None:
        return 0
    verdict = ratelimit.hit(
        "journeys.submit", client_address(request), settings.SUBMISSION_RATE_PER_ADDRESS
    )
    if verdict.allowed:
        return 0
    security_event("submission.refused", reason="too_many_from_address", service=service.slug)
    return verdict.retry_after_seconds


@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """Check your answers, with the declaration under them as the GOV.UK pattern places
    it ("Now send your application"): a POST accepts it and sends the application."""
    complete = _complete_journey_or_redirect(request, service_or_404(request, organisation, slug))
    if isinstance(complete, HttpResponse):
        return complete
    service, journey, route = complete
    errors: dict[str, str] = {}
    retry_after = 0
    if request.method == "POST":
        if not posted_version_is_the_journeys(request, service):
            return version_changed(request, service)
        if request.POST.get("confirm") != "yes":
            errors["confirm"] = _("Confirm that the information you have given is correct")
        elif service.is_preview:
            return _preview_sent(request, service, journey, route)
        elif wait := _submissions_from_address_wait(request, service):
            errors["confirm"] = _(
                "Too many applications have been sent from your connection. Try again in "
                "%(minutes)s minutes. Your answers are kept."
            ) % {"minutes": max(1, (wait + 59) // 60)}
            retry_after = wait
        else:
            helper = assisted_by(request, service)
            result = submit_answers(
                service,
                # Only what the route passes: answers kept for a route that might have
                # joined up again are never sent.
                flow.asked_answers(service, flow.answers_on_route(service, journey.answers, route)),
                channel="online" if helper is None else "assisted",
                today=today(),
                # The language of the pages the citizen answered: their messages' language.
                language=active_language(),
                assisted_by=helper,
                # A signed-in citizen's application is joined to their account ("your
                # applications"); one staff complete for a caller is not.
                account_id=signed_in_account_id(request) if helper is None else None,
            )
            if isinstance(result, NotSubmitted):
                # An answer went stale (a start date now in the past): ask it again.
                return redirect(
                    page_url(service, result.page_id) if result.page_id else service.url
                )
            announce(request, service, journey, JourneySubmitted)
            forget_journey(request, service.journey_key)
            forget_assisting(request, service)
            request.session[f"submitted:{service.journey_key}"] = result.reference
            if result.awaiting_payment and helper is not None:
                # Staff take the caller's fee by telephone, from the case's page.
                return redirect(f"/staff/cases/{result.reference}/#payments")
            if result.awaiting_payment:
                # On to the provider's card page; back to the confirmation when paid.
                found = case_payment(result.reference, organisation_id=service.organisation_id)
                if found is not None:
                    return send_to_payment(request, found, redirect_problems=True)
            return redirect(f"{service.url}confirmation/{result.reference}/")
    if request.method == "GET":
        announce(request, service, journey, CheckAnswersReached)
    response = allow_payment_redirect(
        render(
            request,
            "journeys/check_answers.html",
            page_context(
                service,
                rows=_summary_rows(service, journey.answers, route),
                fee=flow.fee_for(service, journey.answers, today=today()),
                estimate=flow.estimate_for(service, journey.answers, today=today()),
                back=page_url(service, route.pages[-1]),
                errors=errors,
                form_has_errors=bool(errors),
                assisted=assisted_by(request, service) is not None,
            ),
            status=429 if retry_after else 400 if errors else 200,
        )
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
def declaration(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """The declaration's old address: it is on check answers now. A bookmark or an old
    link goes there; a form still open in a browser tab is accepted as check answers
    accepts it."""
    if request.method == "POST":
        return check_answers(request, organisation, slug)
    service = service_or_404(request, organisation, slug)
    complete = _complete_journey_or_redirect(request, service)
    # Straight to where check answers would send them (the confirmation page after Back).
    return (
        complete
        if isinstance(complete, HttpResponse)
        else redirect(page_url(service, "check-answers"))
    )


@require_GET
def privacy_notice(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """The service's privacy notice, generated from its definition (see privacy.py)."""
    service = service_or_404(request, organisation, slug)
    return render(
        request,
        "journeys/privacy.html",
        page_context(service, notice=privacy.notice_for(service)),
    )


@require_GET
def confirmation(
    request: HttpRequest, organisation: str, slug: str, reference: str
) -> HttpResponse:
    service = service_or_404(request, organisation, slug)
    # Only the person who submitted sees the confirmation page of a reference.
    if request.session.get(f"submitted:{service.journey_key}") != reference:
        raise Http404("no such application in this session")
    found = (
        case_payment(reference, organisation_id=service.organisation_id)
        if service.model.payment is not None and reference != PREVIEW_REFERENCE
        else None
    )
    return allow_payment_redirect(
        render(
            request,
            "journeys/confirmation.html",
            page_context(
                service,
                reference=reference,
                case_payment=found,
                pay_url=pay_url(service, reference) if found is not None else "",
            ),
        )
    )


PREVIEW_REFERENCE = "PREVIEW"
"""What a preview's confirmation page shows for a reference: no case is stored."""


def _preview_sent(
    request: HttpRequest, service: Service, journey: Journey, route: flow.Route
) -> HttpResponse:
    """A preview's application is checked as a real one would be, and never stored or
    emailed: its confirmation page shows PREVIEW for a reference."""
    answers = flow.asked_answers(service, flow.answers_on_route(service, journey.answers, route))
    checked = flow.check_submission(service, answers, today=today())
    if checked.errors:
        page = service.page_for_answer(next(iter(checked.errors)))
        return redirect(page_url(service, page.id) if page else service.url)
    forget_journey(request, service.journey_key)
    request.session[f"submitted:{service.journey_key}"] = PREVIEW_REFERENCE
    return redirect(f"{service.url}confirmation/{PREVIEW_REFERENCE}/")
