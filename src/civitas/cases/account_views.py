"""The citizen's account page: their applications, and what they can change of the
account (identity's pages do the changing)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from civitas.cases.your_applications import list_account_applications
from civitas.cases.your_data import as_json, your_data
from civitas.identity.public import AccountRef, signed_in_account


def _account_or_sign_in(request: HttpRequest, back_to: str) -> AccountRef | HttpResponse:
    """The signed-in citizen's account, or the sign-in page that comes back to `back_to`."""
    account = signed_in_account(request)
    if account is None:
        return redirect(f"/account/sign-in?{urlencode({'next': back_to})}")
    return account


def _language() -> str:
    return (get_language() or "en").split("-")[0]


@require_GET
def account_home(request: HttpRequest) -> HttpResponse:
    account = _account_or_sign_in(request, "/account/")
    if isinstance(account, HttpResponse):
        return account
    language = _language()
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
    account = _account_or_sign_in(request, "/account/your-data")
    if isinstance(account, HttpResponse):
        return account
    return render(
        request, "cases/your_data.html", {"data": your_data(account, language=_language())}
    )


@require_GET
def your_data_download(request: HttpRequest) -> HttpResponse:
    """The same as JSON, to keep or take elsewhere."""
    account = _account_or_sign_in(request, "/account/your-data")
    if isinstance(account, HttpResponse):
        return account
    response = JsonResponse(
        as_json(your_data(account, language=_language())),
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = 'attachment; filename="your-data.json"'
    return response
