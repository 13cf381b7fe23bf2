"""Staff signing in through their organisation's own OpenID Connect provider (decision
0041): the provider replaces the password, never the security code that follows it."""

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from civitas.identity import oidc
from civitas.identity.models import Organisation
from civitas.identity.services import staff_member_signed_on
from civitas.identity.staff_sessions import start_staff_session
from civitas.platform.redirects import next_url
from civitas.platform.security_log import security_event

SESSION_KEY = "staff_sso"
ORGANISATION_KEY = "staff_sso_organisation"
NEXT_DEFAULT = "/staff/"


def organisations_with_single_sign_on() -> list[Organisation]:
    return list(Organisation.objects.exclude(sso_issuer="").order_by("name"))


def _provider(organisation: Organisation) -> oidc.Provider:
    return oidc.Provider(
        issuer=organisation.sso_issuer,
        client_id=organisation.sso_client_id,
        key_file=settings.STAFF_OIDC_CLIENT_KEY_FILE,
        vectors_of_trust=False,
        session_key=SESSION_KEY,
    )


def _with_single_sign_on(slug: object) -> Organisation | None:
    if not isinstance(slug, str):
        return None
    return Organisation.objects.exclude(sso_issuer="").filter(slug=slug).first()


def _organisation(slug: object) -> Organisation:
    organisation = _with_single_sign_on(slug)
    if organisation is None:
        raise Http404
    return organisation


@require_GET
def start(request: HttpRequest, organisation: str) -> HttpResponse:
    chosen = _organisation(organisation)
    request.session[ORGANISATION_KEY] = chosen.slug
    try:
        url = oidc.start_sign_in(
            request,
            _provider(chosen),
            redirect_uri=request.build_absolute_uri(reverse("identity:single-sign-on-return")),
            next_url=next_url(request, default=NEXT_DEFAULT),
        )
    except oidc.SignInRefused as refusal:
        security_event("single_sign_on.not_started", reason=refusal.code)
        return render(request, "identity/single_sign_on_refused.html", status=503)
    return HttpResponseRedirect(url)


@require_GET
def finish(request: HttpRequest) -> HttpResponse:
    organisation = _with_single_sign_on(request.session.pop(ORGANISATION_KEY, None))
    if organisation is None:
        security_event("single_sign_on.refused", reason="no_sign_in_started")
        return render(request, "identity/single_sign_on_refused.html", status=400)
    try:
        finished = oidc.finish_sign_in(request, _provider(organisation))
    except oidc.SignInRefused as refusal:
        security_event("single_sign_on.refused", reason=refusal.code)
        return render(request, "identity/single_sign_on_refused.html", status=400)
    user = staff_member_signed_on(
        organisation_id=organisation.pk,
        email=finished.identity.email,
        verified=finished.identity.email_verified,
    )
    if user is None:
        return render(
            request,
            "identity/single_sign_on_refused.html",
            {"organisation": organisation, "not_staff": True},
            status=403,
        )
    # As after a right password: signed in for the security code only (login gives a new
    # session id; the code step gives another).
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    start_staff_session(request)
    return HttpResponseRedirect(f"/staff/sign-in/code?{urlencode({'next': finished.next_url})}")
