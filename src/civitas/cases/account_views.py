"""The citizen's account page: their applications, and what they can change of the
account (identity's pages do the changing)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from civitas.cases.your_applications import list_account_applications
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
