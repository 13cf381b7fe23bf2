"""The case page's forms for the work on a case: private notes, labels, and opinions
asked of other teams. Thin views over notes.py, labelling.py and opinions.py; each is
scoped to the acting organisation (another organisation's case is "not found") through
the one permission check."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from civitas.cases.labelling import LabelInvalid, set_labels
from civitas.cases.models import Case
from civitas.cases.notes import NOTE_MAX_LENGTH, TextInvalid, add_note
from civitas.cases.opinions import (
    TEXT_MAX_LENGTH,
    AlreadyAnswered,
    OpinionInvalid,
    OpinionNotFound,
    find_request,
)
from civitas.cases.opinions import answer_opinion as give_answer
from civitas.cases.opinions import request_opinion as ask_team
from civitas.cases.services import CaseNotFound
from civitas.identity.public import StaffRequest, list_teams, staff_member_required

MAX_POSTED_LABELS = 50


def _case(request: StaffRequest, reference: str) -> Case:
    case = (
        Case.objects.filter(reference=reference, organisation_id=request.staff.organisation.id)
        .defer("answers", "fee_decision", "estimate", "decision_reason")
        .first()
    )
    if case is None:
        raise Http404("no such case")
    return case


@require_http_methods(["GET", "POST"])
@staff_member_required("cases.work")
def notes(request: StaffRequest, reference: str) -> HttpResponse:
    """Adds a private note to the case (the case page's form posts here; this page shows
    the form again when the note cannot be kept)."""
    case = _case(request, reference)
    error = ""
    text = ""
    if request.method == "POST":
        text = request.POST.get("note", "")[: NOTE_MAX_LENGTH * 2]
        try:
            add_note(reference=case.reference, text=text, staff=request.staff)
        except CaseNotFound:
            raise Http404("no such case") from None
        except TextInvalid as invalid:
            error = str(invalid)
        else:
            return redirect(f"/staff/cases/{case.reference}/?note=added#notes")
    return render(
        request,
        "cases/note_form.html",
        {
            "case": case,
            "note_text": text,
            "note_error": error,
            "errors": {"note": error} if error else {},
            "form_has_errors": bool(error),
            "note_max_length": NOTE_MAX_LENGTH,
        },
        status=400 if error else 200,
    )


@require_POST
@staff_member_required("cases.work")
def labels(request: StaffRequest, reference: str) -> HttpResponse:
    """Sets the case's labels to those ticked: each one added or removed is audited."""
    case = _case(request, reference)
    wanted = set(request.POST.getlist("label")[:MAX_POSTED_LABELS])
    try:
        set_labels(case=case, wanted=wanted, staff=request.staff)
    except CaseNotFound:
        raise Http404("no such case") from None
    except LabelInvalid:
        return render(request, "platform/400.html", status=400)
    return redirect(f"/staff/cases/{case.reference}/#labels")


@require_http_methods(["GET", "POST"])
@staff_member_required("cases.work")
def request_opinion(request: StaffRequest, reference: str) -> HttpResponse:
    """Asks another team of the organisation a question about the case."""
    case = _case(request, reference)
    errors: dict[str, str] = {}
    form = {"team": "", "question": ""}
    if request.method == "POST":
        form = {
            "team": request.POST.get("team", "")[:60],
            "question": request.POST.get("question", "")[: TEXT_MAX_LENGTH * 2],
        }
        try:
            ask_team(
                reference=case.reference,
                team=form["team"],
                question=form["question"],
                staff=request.staff,
            )
        except CaseNotFound:
            raise Http404("no such case") from None
        except OpinionInvalid as invalid:
            errors[invalid.field or "question"] = str(invalid)
        else:
            return redirect(f"/staff/cases/{case.reference}/#opinions")
    teams = [team for team in list_teams(request.staff.organisation.id) if team.id != case.team_id]
    return render(
        request,
        "cases/opinion_request.html",
        {
            "case": case,
            "teams": teams,
            "form": form,
            "errors": errors,
            "form_has_errors": bool(errors),
            "max_length": TEXT_MAX_LENGTH,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_member_required("cases.work")
def answer_opinion(request: StaffRequest, reference: str, request_id: int) -> HttpResponse:
    """A member of the team asked answers, once; a second answer is refused and says why."""
    try:
        asked = find_request(reference=reference, request_id=request_id, staff=request.staff)
    except (CaseNotFound, OpinionNotFound):
        raise Http404("no such request") from None
    errors: dict[str, str] = {}
    status = 200
    answer = ""
    if request.method == "POST":
        answer = request.POST.get("answer", "")[: TEXT_MAX_LENGTH * 2]
        try:
            give_answer(
                reference=reference, request_id=request_id, answer=answer, staff=request.staff
            )
        except (CaseNotFound, OpinionNotFound):
            raise Http404("no such request") from None
        except AlreadyAnswered as refused:
            errors["answer"] = str(refused)
            status = 409
            asked = find_request(reference=reference, request_id=request_id, staff=request.staff)
        except OpinionInvalid as invalid:
            errors["answer"] = str(invalid)
            status = 400
        else:
            return redirect(f"/staff/cases/{reference}/#opinions")
    return render(
        request,
        "cases/opinion_answer.html",
        {
            "reference": reference,
            "asked": asked,
            "answer": answer,
            "errors": errors,
            "form_has_errors": bool(errors),
            "max_length": TEXT_MAX_LENGTH,
        },
        status=status,
    )
