"""The citizen's pages for signing in through the national identity provider."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from civitas.identity import oidc
from civitas.identity.account_sessions import account_identity_level, start_identity_session
from civitas.identity.accounts import AccountInvalid, account_for_identity
from civitas.platform import ratelimit
from civitas.platform.client_address import client_address
from civitas.platform.redirects import next_url
from civitas.platform.security_log import security_event

# Starting a sign-in costs the provider a page and us a session: bounded per address.
START_RATE = "30/10minute"
DEFAULT_NEXT = "/"


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    provider = oidc.citizen_provider()
    if provider is None:
        raise Http404
    verdict = ratelimit.hit("oidc-start", client_address(request), START_RATE)
    if not verdict.allowed:
        security_event("oidc.sign_in_refused", reason="too_many_attempts")
        response = render(
            request,
            "identity/oidc_refused.html",
            {"retry_after_minutes": max(1, (verdict.retry_after_seconds + 59) // 60)},
            status=429,
        )
        response["Retry-After"] = str(verdict.retry_after_seconds)
        return response
    level = request.GET.get("level", "P0")
    if level not in oidc.IDENTITY_LEVELS:
        level = "P0"
    try:
        url = oidc.start_sign_in(
            request,
            provider,
            redirect_uri=request.build_absolute_uri(reverse("identity-oidc:return")),
            next_url=next_url(request, default=DEFAULT_NEXT),
            identity_level=level,
        )
    except oidc.SignInRefused as refusal:
        security_event("oidc.sign_in_not_started", reason=refusal.code)
        return render(request, "identity/oidc_unavailable.html", status=503)
    return HttpResponseRedirect(url)


@require_GET
def finish(request: HttpRequest) -> HttpResponse:
    provider = oidc.citizen_provider()
    if provider is None:
        raise Http404
    try:
        finished = oidc.finish_sign_in(request, provider)
    except oidc.IdentityLevelTooLow as low:
        security_event("oidc.sign_in_refused", reason=low.code)
        return render(
            request,
            "identity/oidc_prove_identity.html",
            {"start_url": reverse("identity-oidc:start") + f"?level={low.asked}"},
            status=403,
        )
    except oidc.SignInRefused as refusal:
        security_event("oidc.sign_in_refused", reason=refusal.code)
        return render(
            request,
            "identity/oidc_refused.html",
            {"start_url": reverse("identity-oidc:start")},
            status=400,
        )
    try:
        sign_in_identity(request, finished.identity)
    except oidc.SignInRefused as refusal:
        security_event("oidc.sign_in_refused", reason=refusal.code)
        return render(
            request,
            "identity/oidc_refused.html",
            {"start_url": reverse("identity-oidc:start")},
            status=400,
        )
    return HttpResponseRedirect(finished.next_url)


def signed_in_identity_level(request: HttpRequest) -> str | None:
    """The identity confidence (P0 to P3) the citizen signed in with; None when they have
    not signed in through the identity provider."""
    level = account_identity_level(request)
    return level if level in oidc.IDENTITY_LEVELS else None


def meets_identity_level(request: HttpRequest, level: str) -> bool:
    """Whether the citizen signed in with at least `level` of identity confidence."""
    held = signed_in_identity_level(request)
    return held is not None and oidc.IDENTITY_LEVELS.index(held) >= oidc.IDENTITY_LEVELS.index(
        level
    )


def identity_sign_in_url(*, level: str, next_url: str) -> str:
    """Where a citizen signs in with `level` of identity confidence, to come back to
    `next_url` (a path on this site)."""
    return f"{reverse('identity-oidc:start')}?{urlencode({'level': level, 'next': next_url})}"


def sign_in_identity(request: HttpRequest, identity: oidc.VerifiedIdentity) -> None:
    """Signs the citizen in to their account, found or made by the identity the provider
    verified, under a new session id. Raises SignInRefused when the provider gave no
    verified email address, or one another identity's account has."""
    if not identity.email or not identity.email_verified:
        raise oidc.SignInRefused("no verified email address")
    language = (get_language() or "en").split("-")[0]
    try:
        account = account_for_identity(
            subject=oidc.subject_digest(identity), email=identity.email, language=language
        )
    except AccountInvalid:
        raise oidc.SignInRefused("the email address is another identity's account") from None
    start_identity_session(
        request, account, language=language, identity_level=identity.identity_level
    )
