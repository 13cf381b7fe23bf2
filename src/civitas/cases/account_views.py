"""The citizen's account page: their applications, and what they can change of the
account (identity's pages do the changing)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from civitas.cases.your_applications import list_account_applications
from civitas.cases.your_data import as_json, your_data
from civitas.identity.public import signed_in_account


@require_GET
def account_home(request: HttpRequest) -> HttpResponse:
    account = signed_in_account(request)
    if account is None:
        return redirect(f"/account/sign-in?{urlencode({'next': '/account/'})}")
    language = (get_language() or "en").split("-")[0]
    page = list_account_applications(
        account_id=account.id, language=language, cursor=request.GET.get("after", "")[:100] or None
    )
    notices = {key: request.GET.get(key, "")[:20] for key in ("password", "email", "two_factor")}
    return render(
        request,
        "cases/account_home.html",
        {"account": account, "page": page, "notices": notices, "errors": {}},
    )


@require_GET
def your_data_page(request: HttpRequest) -> HttpResponse:
    """Everything held about the signed-in citizen, and who has looked at it."""
    account = signed_in_account(request)
    if account is None:
        return redirect(f"/account/sign-in?{urlencode({'next': '/account/your-data'})}")
    language = (get_language() or "en").split("-")[0]
    return render(request, "cases/your_data.html", {"data": your_data(account, language=language)})


@require_GET
def your_data_download(request: HttpRequest) -> HttpResponse:
    """The same as JSON, to keep or take elsewhere."""
    account = signed_in_account(request)
    if account is None:
        return redirect(f"/account/sign-in?{urlencode({'next': '/account/your-data'})}")
    language = (get_language() or "en").split("-")[0]
    response = JsonResponse(
        as_json(your_data(account, language=language)),
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = 'attachment; filename="your-data.json"'
    return response
