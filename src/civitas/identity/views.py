from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from civitas.identity.permissions import has_permission
from civitas.identity.services import check_password, verify_code
from civitas.platform.input_guards import has_unsafe_characters


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/staff/"


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        password = request.POST.get("password", "")
        if not email:
            errors["email"] = "Enter your email address"
        elif has_unsafe_characters(email):
            # No address has them, and PostgreSQL refuses NUL: do not look it up.
            errors["email"] = "Enter a correct email address and password"
        if not password:
            errors["password"] = "Enter your password"  # noqa: S105 - a message
        if not errors:
            user = check_password(request=request, email=email, password=password)
            if user is None:
                errors["email"] = "Enter a correct email address and password"
            else:
                login(request, user)
                return redirect(f"/staff/sign-in/code?next={_next_url(request)}")
    return render(
        request,
        "identity/sign_in.html",
        {
            "errors": errors,
            "email": email,
            "next": _next_url(request),
            "form_has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("/staff/sign-in")
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = request.POST.get("code", "")
        if not code.strip():
            errors["code"] = "Enter the 6-digit code from your authenticator app"
        else:
            device = verify_code(user=request.user, code=code)
            if device is None:
                errors["code"] = "The code is not correct or has been used. Enter the current code"
            else:
                otp_login(request, device)
                return redirect(_next_url(request))
    return render(
        request,
        "identity/enter_code.html",
        {"errors": errors, "next": _next_url(request), "form_has_errors": bool(errors)},
        status=400 if errors else 200,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/staff/sign-in")


def staff_home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("/staff/sign-in")
    if not request.user.is_verified():
        return redirect("/staff/sign-in/code")
    links = []
    if has_permission(request.user, "cases.view"):
        links.append({"href": "/staff/cases/", "text": "Cases"})
    if has_permission(request.user, "notify.view"):
        links.append({"href": "/staff/messages/", "text": "Sent emails"})
    return render(request, "identity/staff_home.html", {"links": links})
