"""Citizens' accounts: signing up, confirming the address, signing in by password or by
an emailed link, two factors, recovery, and a new address (docs/decisions/0038).

Every step that a stranger can repeat is counted by the platform's rate limiter before
anything is checked or sent, so a flood costs neither a password hash nor an email. No
answer says whether an address has an account: signing up, asking for a link and asking
for a reset each answer the same, and a password is hashed whether or not there is an
account to check it against. Failures go to the `civitas.security` log, naming accounts
and addresses only by keyed pseudonyms.

Emails go through the outbox (notify) by the `AccountEmailDue` event, in the transaction
that made the link they carry, so a link exists if and only if its email will be sent.
"""

import datetime
import functools
import hashlib
import hmac
import html
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from civitas.identity.events import AccountEmailDue
from civitas.identity.models import AccountLink, CitizenAccount, RecoveryCode
from civitas.platform import ratelimit
from civitas.platform.events import publish
from civitas.platform.input_guards import has_unsafe_characters
from civitas.platform.pseudonyms import pseudonym
from civitas.platform.security_log import security_event

security_log = logging.getLogger("civitas.security")

PASSWORD_MIN_CHARS = 8
# Long passphrases are welcome; this only stops a megabyte "password" costing a hash.
PASSWORD_MAX_CHARS = 256
EMAIL_MAX_CHARS = 254
TOKEN_BYTES = 32
RECOVERY_CODES = 10
TOTP_STEP_SECONDS = 30

Purpose = AccountLink.Purpose


# --- Outcomes and refusals -------------------------------------------------------------


class TooManyAttempts(Exception):
    """Refused before checking or sending: too many attempts in this window."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class AccountInvalid(Exception):
    """What was typed cannot be used; `field` names the input, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LinkRefused(Exception):
    """The link opens nothing. `why` is "unknown", "used" or "expired"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class AccountRef:
    """An account as other code sees it. The address is there to be shown to its owner."""

    id: str
    email: str
    is_verified: bool
    has_two_factors: bool
    language: str
    session_generation: int
    recovery_codes_left: int = 0
    prefers_text_messages: bool = False


@dataclass(frozen=True)
class Unverified:
    """The password was right but the address is not confirmed yet: a new link was sent."""


@dataclass(frozen=True)
class TwoFactorSetUp:
    recovery_codes: tuple[str, ...]
    """Shown once, never again: only their keyed hashes are kept."""


def _ref(account: CitizenAccount, *, recovery_codes_left: int = 0) -> AccountRef:
    return AccountRef(
        id=str(account.pk),
        email=account.email,
        is_verified=account.is_verified,
        has_two_factors=account.has_two_factors,
        language=account.language,
        session_generation=account.session_generation,
        recovery_codes_left=recovery_codes_left,
        prefers_text_messages=account.prefers_text_messages,
    )


# --- Checking what is typed ------------------------------------------------------------


def normalise_email(typed: str) -> str:
    """The address as the account keeps it (trimmed, in lower case); AccountInvalid for
    anything that is not an address."""
    email = typed.strip().lower()
    if not email:
        raise AccountInvalid("email", gettext("Enter your email address"))
    if len(email) > EMAIL_MAX_CHARS or has_unsafe_characters(email):
        raise AccountInvalid(
            "email", gettext("Enter an email address in the correct format, like name@example.com")
        )
    try:
        validate_email(email)
    except ValidationError:
        raise AccountInvalid(
            "email", gettext("Enter an email address in the correct format, like name@example.com")
        ) from None
    return email


def email_index(email: str) -> str:
    """The keyed hash an account is found by: the same address, the same index."""
    return salted_hmac("civitas.account.email", email, algorithm="sha256").hexdigest()


def check_new_password(password: str, *, field: str = "password") -> None:
    """Length alone, at least 8 characters, and not one of the passwords most often found
    in breaches (the 20,000 of the list Django ships); no rules about kinds of character,
    which make passwords harder to remember and no harder to guess (NIST SP 800-63B 5.1.1)."""
    if not password:
        raise AccountInvalid(field, gettext("Enter a password"))
    if len(password) < PASSWORD_MIN_CHARS:
        raise AccountInvalid(field, gettext("Your password must be at least 8 characters long"))
    if len(password) > PASSWORD_MAX_CHARS:
        raise AccountInvalid(field, gettext("Your password must be 256 characters or fewer"))
    if has_unsafe_characters(password):
        raise AccountInvalid(field, gettext("Your password must not contain control characters"))
    try:
        CommonPasswordValidator().validate(password)
    except ValidationError:
        raise AccountInvalid(
            field,
            gettext(
                "This password is too common: it is on a list of passwords found in data "
                "breaches. Choose a different one, such as three random words"
            ),
        ) from None


@functools.cache
def _dummy_hash(hashers: tuple[str, ...]) -> str:
    """A hash of nothing anyone types, checked when no account matches, so that a wrong
    address takes as long to refuse as a wrong password."""
    return make_password(secrets.token_urlsafe(16))


def _check_against_dummy(password: str) -> None:
    check_password(password, _dummy_hash(tuple(settings.PASSWORD_HASHERS)))


def _limit(*hits: tuple[str, str, str]) -> None:
    """Counts a hit in each (scope, key, rate); raises TooManyAttempts when any is over."""
    refusals = [verdict for verdict in (ratelimit.hit(*hit) for hit in hits) if not verdict.allowed]
    if refusals:
        wait = max(verdict.retry_after_seconds for verdict in refusals)
        security_event(
            "account.locked_out", reason="too_many_attempts", scope=hits[0][0], wait=wait
        )
        raise TooManyAttempts(wait)


def _references(email: str, client: str) -> dict[str, str]:
    """Who and from where, as the security log names them: keyed pseudonyms."""
    return {"account": pseudonym("account", email), "source": pseudonym("source", client)}


# --- Links and their emails ------------------------------------------------------------

_LINK_MINUTES = {
    Purpose.VERIFY_EMAIL: lambda: settings.ACCOUNT_VERIFY_LINK_HOURS * 60,
    Purpose.SIGN_IN: lambda: settings.ACCOUNT_SIGN_IN_LINK_MINUTES,
    Purpose.RESET_PASSWORD: lambda: settings.ACCOUNT_RESET_LINK_MINUTES,
    Purpose.CHANGE_EMAIL: lambda: settings.ACCOUNT_VERIFY_LINK_HOURS * 60,
}
_LINK_PATHS = {
    Purpose.VERIFY_EMAIL: "/account/confirm/",
    Purpose.SIGN_IN: "/account/sign-in/link/",
    Purpose.RESET_PASSWORD: "/account/reset-password/",
    Purpose.CHANGE_EMAIL: "/account/email/confirm/",
}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(
    account: CitizenAccount, purpose: str, *, new_email: str | None = None, password: str = ""
) -> tuple[str, AccountLink]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    link = AccountLink.objects.create(
        token_sha256=token_digest(token),
        account=account,
        purpose=purpose,
        new_email=new_email,
        password=password,
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=_LINK_MINUTES[Purpose(purpose)]()),
    )
    url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}{_LINK_PATHS[Purpose(purpose)]}{token}/"
    return url, link


def _send(
    account: CitizenAccount,
    *,
    key: str,
    template: str,
    to: str,
    subject: str,
    paragraphs: list[str],
    link: str = "",
) -> None:
    """Announces an email to the account holder, in the account's language; the outbox
    queues it in this transaction. `paragraphs` are plain text; the link, if any, goes
    after the first."""
    lines = list(paragraphs)
    text_parts = [lines[0], *([link] if link else []), *lines[1:], settings.PLATFORM_NAME]
    html_parts = [f"<p>{html.escape(line)}</p>" for line in lines]
    if link:
        html_parts.insert(1, f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>')
    html_parts.append(f"<p>{html.escape(settings.PLATFORM_NAME)}</p>")
    publish(
        AccountEmailDue(
            idempotency_key=key,
            account_id=str(account.pk),
            template=template,
            to=to,
            subject=subject,
            text="\n\n".join(text_parts) + "\n",
            html="".join(html_parts),
            holds_secret=bool(link),
        )
    )


def _minutes_words(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return translation.ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    return translation.ngettext("%(count)s minute", "%(count)s minutes", minutes) % {
        "count": minutes
    }


def _send_link(
    account: CitizenAccount, purpose: str, *, new_email: str | None = None, password: str = ""
) -> None:
    url, link = _new_link(account, purpose, new_email=new_email, password=password)
    lasts = _minutes_words(_LINK_MINUTES[Purpose(purpose)]())
    with translation.override(account.language):
        if purpose == Purpose.VERIFY_EMAIL:
            subject = gettext("Confirm your email address")
            intro = gettext("To finish creating your account, confirm your email address:")
            ignore = gettext("If you did not create an account, you can ignore this email.")
        elif purpose == Purpose.SIGN_IN:
            subject = gettext("Your sign-in link")
            intro = gettext("Use this link to sign in to your account:")
            ignore = gettext("If you did not ask to sign in, you can ignore this email.")
        elif purpose == Purpose.RESET_PASSWORD:
            subject = gettext("Reset your password")
            intro = gettext("Use this link to choose a new password for your account:")
            ignore = gettext(
                "If you did not ask to reset your password, you can ignore this email: "
                "your password has not changed."
            )
        else:
            subject = gettext("Confirm your new email address")
            intro = gettext("To use this address for your account, confirm it:")
            ignore = gettext("If you did not ask for this, you can ignore this email.")
        works = gettext("The link works once, for %(time)s.") % {"time": lasts}
        _send(
            account,
            key=f"account-link:{link.token_sha256}",
            template=f"account-{purpose}",
            to=new_email or account.email,
            subject=subject,
            paragraphs=[intro, works, ignore],
            link=url,
        )


def _notify(account: CitizenAccount, *, template: str, to: str, key: str) -> None:
    """A notice without a link, about something done to the account."""
    with translation.override(account.language):
        if template == "account-exists":
            subject = gettext("You already have an account")
            paragraphs = [
                gettext(
                    "Someone tried to create an account with this email address, which "
                    "already has one."
                ),
                gettext(
                    "If it was you, sign in instead, or reset your password if you have "
                    "forgotten it. If it was not you, you do not need to do anything."
                ),
            ]
        elif template == "account-email-change-asked":
            subject = gettext("Someone asked to change your account's email address")
            paragraphs = [
                gettext(
                    "Someone signed in to your account asked to move it to another email "
                    "address. It moves only if the new address is confirmed."
                ),
                gettext(
                    "If this was not you, reset your password now and turn on two-factor "
                    "authentication."
                ),
            ]
        elif template == "account-identity-joined":
            subject = gettext("You signed in with the identity service")
            paragraphs = [
                gettext(
                    "You signed in through the identity service with this email address, "
                    "so your account is now joined to your identity there: you can sign "
                    "in either way."
                ),
                gettext(
                    "If this was not you, contact the service desk at once: your account "
                    "may have been taken over."
                ),
            ]
        elif template == "account-email-changed":
            subject = gettext("Your account's email address was changed")
            paragraphs = [
                gettext(
                    "Your account now uses another email address. We will not send emails "
                    "about it to this address again."
                ),
                gettext(
                    "If this was not you, contact the service desk at once: your account "
                    "may have been taken over."
                ),
            ]
        else:
            subject = gettext("Your password was changed")
            paragraphs = [
                gettext("The password of your account was changed."),
                gettext("If this was not you, reset your password now."),
            ]
        _send(account, key=key, template=template, to=to, subject=subject, paragraphs=paragraphs)


# --- Signing up and confirming the address ---------------------------------------------


def sign_up(*, email: str, password: str, language: str, client: str) -> None:
    """Creates an account for `email` with `password` and emails a link to confirm the
    address; or, when the address has an account already, tells its owner so by email.
    The answer is the same either way, and so is the work: the password is hashed first.

    Each link to confirm carries the password hash of its own sign-up, and confirming sets
    it: someone who signs up with an address that is not theirs neither keeps its owner
    out nor chooses the password the owner's own link confirms. Raises AccountInvalid, or
    TooManyAttempts: call outside a transaction.
    """
    normalised = normalise_email(email)
    check_new_password(password)
    _limit(
        ("account.sign-up.email", normalised, settings.ACCOUNT_EMAIL_RATE_PER_EMAIL),
        ("account.sign-up.address", client, settings.ACCOUNT_EMAIL_RATE_PER_ADDRESS),
    )
    hashed = make_password(password)
    now = timezone.now()
    try:
        with transaction.atomic():
            account = (
                CitizenAccount.objects.select_for_update()
                .filter(email_index=email_index(normalised))
                .first()
            )
            if account is None:
                account = CitizenAccount.objects.create(
                    email_index=email_index(normalised),
                    email=normalised,
                    password=hashed,
                    language=language,
                    created_at=now,
                )
                _send_link(account, Purpose.VERIFY_EMAIL, password=hashed)
            elif not account.is_verified:
                _send_link(account, Purpose.VERIFY_EMAIL, password=hashed)
            else:
                _notify(
                    account,
                    template="account-exists",
                    to=account.email,
                    key=f"account-exists:{account.pk}:{int(now.timestamp())}",
                )
    except IntegrityError:
        # Two sign-ups for one new address at once: the other made the account and sent
        # its link. The answer is the same.
        return
    security_event("account.signed_up", reason="sign_up", **_references(normalised, client))


def confirm_email(token: str, *, client: str) -> AccountRef:
    """Spends a link that confirms an account's address; the account is confirmed from
    now on. Raises LinkRefused, or TooManyAttempts."""
    account = _use_link(token, Purpose.VERIFY_EMAIL, client=client)
    return account


# --- Signing in ------------------------------------------------------------------------


def check_account_password(
    *, email: str, password: str, client: str
) -> AccountRef | Unverified | None:
    """The account with this address and password; Unverified (and a new link sent) when
    the password is right but the address is not confirmed; None otherwise.

    Raises TooManyAttempts, before hashing, when the address or the client has had too
    many attempts. A password is hashed whether or not the address has an account.
    """
    try:
        normalised = normalise_email(email)
    except AccountInvalid:
        normalised = email.strip().lower()[:EMAIL_MAX_CHARS]
    references = _references(normalised, client)
    _limit(
        ("account.sign-in.email", normalised, settings.SIGN_IN_RATE_PER_ACCOUNT),
        ("account.sign-in.address", client, settings.SIGN_IN_RATE_PER_ADDRESS),
    )
    account = CitizenAccount.objects.filter(email_index=email_index(normalised)).first()
    if account is None or not account.password:
        _check_against_dummy(password)
        security_event("account.sign_in_failed", reason="no_password_account", **references)
        return None
    if not check_password(password, account.password):
        security_event("account.sign_in_failed", reason="wrong_password", **references)
        return None
    if not account.is_verified:
        _send_link_limited(account, client=client, purpose=Purpose.VERIFY_EMAIL)
        return Unverified()
    return _ref(account)


def _send_link_limited(account: CitizenAccount, *, client: str, purpose: str) -> None:
    try:
        _limit(
            ("account.email.email", account.email, settings.ACCOUNT_EMAIL_RATE_PER_EMAIL),
            ("account.email.address", client, settings.ACCOUNT_EMAIL_RATE_PER_ADDRESS),
        )
    except TooManyAttempts:
        return  # enough links are on their way already
    with transaction.atomic():
        _send_link(account, purpose)


def send_link_by_email(*, email: str, purpose: str, client: str) -> None:
    """Emails a sign-in link, or a link to reset the password, to `email` if it has an
    account; the answer is the same if it has none. Raises AccountInvalid for an address
    that is not one, TooManyAttempts when the address or the client asked too often."""
    if purpose not in (Purpose.SIGN_IN, Purpose.RESET_PASSWORD):
        raise ValueError(f"no link is sent on request for {purpose}")
    normalised = normalise_email(email)
    _limit(
        ("account.email.email", normalised, settings.ACCOUNT_EMAIL_RATE_PER_EMAIL),
        ("account.email.address", client, settings.ACCOUNT_EMAIL_RATE_PER_ADDRESS),
    )
    with transaction.atomic():
        account = CitizenAccount.objects.filter(email_index=email_index(normalised)).first()
        if account is not None:
            _send_link(account, purpose)
    security_event("account.link_asked", reason=purpose, **_references(normalised, client))


def check_link(token: str, purpose: str, *, client: str) -> None:
    """Raises LinkRefused if the link cannot be used, without using it (for the page a
    link opens, whose button spends it); TooManyAttempts when the client has followed
    too many links lately."""
    _limit(("account.link.address", client, settings.ACCOUNT_LINK_RATE_PER_ADDRESS))
    link = AccountLink.objects.filter(token_sha256=token_digest(token), purpose=purpose).first()
    _check_usable(link)


def _check_usable(link: AccountLink | None) -> None:
    if link is None:
        raise LinkRefused("unknown")
    if link.used_at is not None:
        raise LinkRefused("used")
    if link.expires_at <= timezone.now():
        raise LinkRefused("expired")


def _use_link(token: str, purpose: str, *, client: str, password: str | None = None) -> AccountRef:
    """Spends a link: the row is locked, so two tabs cannot both use it. Following a link
    proves the address, so it confirms an unconfirmed account too."""
    _limit(("account.link.address", client, settings.ACCOUNT_LINK_RATE_PER_ADDRESS))
    with transaction.atomic():
        link = (
            AccountLink.objects.select_for_update()
            .select_related("account")
            .filter(token_sha256=token_digest(token), purpose=purpose)
            .first()
        )
        try:
            _check_usable(link)
        except LinkRefused as refused:
            security_event(
                "account.link_refused",
                reason=refused.why,
                purpose=purpose,
                source=pseudonym("source", client),
            )
            raise
        assert link is not None
        now = timezone.now()
        link.used_at = now
        link.save(update_fields=["used_at"])
        account = CitizenAccount.objects.select_for_update().get(pk=link.account_id)
        changed = []
        if account.email_verified_at is None:
            account.email_verified_at = now
            changed.append("email_verified_at")
        if link.password:
            # The password chosen with the sign-up this link was sent for.
            account.password = link.password
            changed.append("password")
        if password is not None:
            account.password = make_password(password)
            account.session_generation += 1
            changed += ["password", "session_generation"]
            # A reset ends the other ways back in that were on their way.
            AccountLink.objects.filter(
                account=account, used_at__isnull=True, purpose=Purpose.RESET_PASSWORD
            ).update(used_at=now)
            _notify(
                account,
                template="account-password-changed",
                to=account.email,
                key=f"account-password-changed:{link.token_sha256}",
            )
        if purpose == Purpose.CHANGE_EMAIL:
            new_email = link.new_email or ""
            if CitizenAccount.objects.filter(email_index=email_index(new_email)).exists():
                raise LinkRefused("used")  # another account took the address meanwhile
            old_email = account.email
            account.email = new_email
            account.email_index = email_index(new_email)
            changed += ["email", "email_index"]
            _notify(
                account,
                template="account-email-changed",
                to=old_email,
                key=f"account-email-changed:{link.token_sha256}",
            )
        if changed:
            account.save(update_fields=changed)
    return _ref(account)


def use_sign_in_link(token: str, *, client: str) -> AccountRef:
    """Spends an emailed sign-in link; the account it signs in. Raises LinkRefused."""
    return _use_link(token, Purpose.SIGN_IN, client=client)


def reset_password(token: str, *, password: str, client: str) -> AccountRef:
    """Sets a new password through an emailed reset link, spending it, and ends every
    session signed in before. Raises AccountInvalid, LinkRefused, TooManyAttempts."""
    check_new_password(password)
    return _use_link(token, Purpose.RESET_PASSWORD, client=client, password=password)


# --- Two factors -----------------------------------------------------------------------


def begin_two_factor(account_id: str) -> str:
    """A new authenticator secret for the account, kept (encrypted) but not yet in use:
    it is turned on only by confirm_two_factor with a code from it. The provisioning URI."""
    secret = pyotp.random_base32()
    with transaction.atomic():
        account = CitizenAccount.objects.select_for_update().get(pk=account_id)
        if account.has_two_factors:
            raise AccountInvalid("code", gettext("Two-factor authentication is already on"))
        account.totp_secret = secret
        account.save(update_fields=["totp_secret"])
    return provisioning_uri(account_id)


def provisioning_uri(account_id: str) -> str:
    """The otpauth:// URI of the account's secret being set up, for its QR code."""
    account = CitizenAccount.objects.get(pk=account_id)
    if not account.totp_secret:
        raise AccountInvalid("code", gettext("Start setting up two-factor authentication again"))
    return pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.email, issuer_name=settings.PLATFORM_NAME
    )


def _matching_step(secret: str, code: str, *, now: float) -> int | None:
    """The 30-second step whose code `code` is, allowing one step either side for a clock
    a little out; None if it is none of them."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // TOTP_STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP_SECONDS), code):
            return step
    return None


def _recovery_hmac(code: str) -> str:
    return salted_hmac("civitas.account.recovery", code, algorithm="sha256").hexdigest()


def _new_recovery_codes(account: CitizenAccount) -> tuple[str, ...]:
    RecoveryCode.objects.filter(account=account).delete()
    # 10 characters of Crockford-like base32 (50 bits), shown in two groups of five.
    alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
    codes = tuple(
        "".join(secrets.choice(alphabet) for _ in range(5))
        + "-"
        + "".join(secrets.choice(alphabet) for _ in range(5))
        for _ in range(RECOVERY_CODES)
    )
    RecoveryCode.objects.bulk_create(
        RecoveryCode(account=account, code_hmac=_recovery_hmac(_plain_code(code))) for code in codes
    )
    return codes


def _plain_code(typed: str) -> str:
    return "".join(typed.split()).replace("-", "").upper()


def confirm_two_factor(account_id: str, code: str) -> TwoFactorSetUp:
    """Turns two factors on once a code from the new secret is right; answers the ten
    recovery codes, shown once. Raises AccountInvalid for a wrong code."""
    code = "".join(code.split())
    _limit(("account.code", account_id, settings.SECURITY_CODE_RATE_PER_ACCOUNT))
    with transaction.atomic():
        account = CitizenAccount.objects.select_for_update().get(pk=account_id)
        if account.has_two_factors:
            raise AccountInvalid("code", gettext("Two-factor authentication is already on"))
        if not account.totp_secret:
            raise AccountInvalid(
                "code", gettext("Start setting up two-factor authentication again")
            )
        step = _matching_step(account.totp_secret, code, now=time.time())
        if step is None:
            raise AccountInvalid(
                "code", gettext("The code is not correct. Enter the code your app shows now")
            )
        account.totp_confirmed_at = timezone.now()
        account.totp_last_step = step
        account.save(update_fields=["totp_confirmed_at", "totp_last_step"])
        codes = _new_recovery_codes(account)
    return TwoFactorSetUp(recovery_codes=codes)


def check_second_factor(account_id: str, code: str, *, client: str) -> bool:
    """Whether `code` is the account's current authenticator code, not used before, or
    one of its unused recovery codes (which is then used up). Raises TooManyAttempts,
    before checking, after too many tries in the window."""
    _limit(("account.code", account_id, settings.SECURITY_CODE_RATE_PER_ACCOUNT))
    typed = "".join(code.split())
    with transaction.atomic():
        account = CitizenAccount.objects.select_for_update().get(pk=account_id)
        if not account.has_two_factors or not account.totp_secret:
            return False
        step = _matching_step(account.totp_secret, typed, now=time.time())
        if step is not None:
            # A code is accepted once: its step, and every one before it, is spent.
            if account.totp_last_step is not None and step <= account.totp_last_step:
                security_event("account.code_refused", reason="reused", account=account_id)
                return False
            account.totp_last_step = step
            account.save(update_fields=["totp_last_step"])
            return True
        used = RecoveryCode.objects.filter(
            account=account, code_hmac=_recovery_hmac(_plain_code(typed)), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            security_event("account.recovery_code_used", reason="recovery_code", account=account_id)
            return True
    security_event(
        "account.code_refused",
        reason="wrong_code",
        account=account_id,
        source=pseudonym("source", client),
    )
    return False


def turn_off_two_factor(account_id: str, *, code: str, client: str) -> None:
    """Turns two factors off, given a current code or a recovery code. Raises
    AccountInvalid for a wrong one."""
    if not check_second_factor(account_id, code, client=client):
        raise AccountInvalid(
            "code", gettext("The code is not correct or has been used. Enter the current code")
        )
    with transaction.atomic():
        CitizenAccount.objects.filter(pk=account_id).update(
            totp_secret=None, totp_confirmed_at=None, totp_last_step=None
        )
        RecoveryCode.objects.filter(account_id=uuid.UUID(account_id)).delete()


# --- Changing the password and the address ---------------------------------------------


def change_password(
    account_id: str, *, current_password: str, new_password: str, client: str
) -> AccountRef:
    """A new password, given the current one; every other session ends. Raises
    AccountInvalid, TooManyAttempts."""
    _limit(("account.sign-in.address", client, settings.SIGN_IN_RATE_PER_ADDRESS))
    account = CitizenAccount.objects.get(pk=account_id)
    if not account.password or not check_password(current_password, account.password):
        raise AccountInvalid("current_password", gettext("Your current password is not correct"))
    check_new_password(new_password, field="new_password")
    with transaction.atomic():
        account = CitizenAccount.objects.select_for_update().get(pk=account_id)
        account.password = make_password(new_password)
        account.session_generation += 1
        account.save(update_fields=["password", "session_generation"])
        _notify(
            account,
            template="account-password-changed",
            to=account.email,
            key=f"account-password-changed:{account.pk}:{account.session_generation}",
        )
    return _ref(account)


def ask_to_change_email(account_id: str, *, new_email: str, password: str, client: str) -> None:
    """Emails a link to `new_email` that moves the account there, and tells the current
    address at once, so an account cannot be moved away from its owner unseen. Needs the
    password (an account without one confirms by its emailed link alone). Raises
    AccountInvalid, TooManyAttempts."""
    normalised = normalise_email(new_email)
    _limit(
        ("account.email.email", normalised, settings.ACCOUNT_EMAIL_RATE_PER_EMAIL),
        ("account.email.address", client, settings.ACCOUNT_EMAIL_RATE_PER_ADDRESS),
    )
    account = CitizenAccount.objects.get(pk=account_id)
    if account.password and not check_password(password, account.password):
        raise AccountInvalid("password", gettext("Your password is not correct"))
    if normalised == account.email:
        raise AccountInvalid(
            "email", gettext("Enter a different email address from your current one")
        )
    with transaction.atomic():
        taken = CitizenAccount.objects.filter(email_index=email_index(normalised)).first()
        if taken is not None:
            # Its owner is told, as at sign-up; the answer here stays the same.
            _notify(
                taken,
                template="account-exists",
                to=taken.email,
                key=f"account-exists:{taken.pk}:{int(time.time())}",
            )
        else:
            _send_link(account, Purpose.CHANGE_EMAIL, new_email=normalised)
        _notify(
            account,
            template="account-email-change-asked",
            to=account.email,
            key=f"account-email-change-asked:{account.pk}:{int(time.time())}",
        )


def confirm_email_change(token: str, *, client: str) -> AccountRef:
    """Spends the link sent to a new address, moving the account there; the old address
    is told. Raises LinkRefused."""
    return _use_link(token, Purpose.CHANGE_EMAIL, client=client)


# --- Reading ---------------------------------------------------------------------------


def account_for_identity(*, subject: str, email: str, language: str) -> AccountRef:
    """The account of the person the national identity provider signed in, by `subject`
    (oidc.subject_digest); the first time, the account with the address the provider
    verified, joined to them (its owner is told by email, as for any change a thief
    would make), or a new account with that address, confirmed, and no password.

    The provider vouched for the address: call only with one it says it verified.
    Raises AccountInvalid for an address the platform would not take.
    """
    normalised = normalise_email(email)
    now = timezone.now()
    with transaction.atomic():
        account = CitizenAccount.objects.filter(identity_subject=subject).first()
        if account is not None:
            return _ref(account)
        account = (
            CitizenAccount.objects.select_for_update()
            .filter(email_index=email_index(normalised), identity_subject__isnull=True)
            .first()
        )
        if account is None:
            if CitizenAccount.objects.filter(email_index=email_index(normalised)).exists():
                # The address is another identity's account: this person gets none by it.
                raise AccountInvalid(
                    "email", gettext("This email address is used by another account")
                )
            account = CitizenAccount.objects.create(
                email_index=email_index(normalised),
                email=normalised,
                password="",
                email_verified_at=now,
                language=language,
                created_at=now,
                identity_subject=subject,
            )
        else:
            account.identity_subject = subject
            if account.email_verified_at is None:
                account.email_verified_at = now
            account.save(update_fields=["identity_subject", "email_verified_at"])
            _notify(
                account,
                template="account-identity-joined",
                to=account.email,
                key=f"account-identity-joined:{account.pk}",
            )
    return _ref(account)


def end_every_session(account_id: str) -> None:
    """Ends every session signed in to the account, this one too: each carries the old
    session generation, and ends at its next request."""
    with transaction.atomic():
        account = CitizenAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            return
        account.session_generation += 1
        account.save(update_fields=["session_generation"])
    security_event("session.ended", reason="signed_out_everywhere", account=account_id)


def find_account(account_id: str) -> AccountRef | None:
    try:
        key = uuid.UUID(account_id)
    except ValueError:
        return None
    account = CitizenAccount.objects.filter(pk=key).first()
    if account is None:
        return None
    left = RecoveryCode.objects.filter(account=account, used_at__isnull=True).count()
    return _ref(account, recovery_codes_left=left if account.has_two_factors else 0)


def set_account_language(account_id: str, language: str) -> None:
    """The language of the account's emails from now on."""
    CitizenAccount.objects.filter(~Q(language=language), pk=account_id).update(language=language)


def delete_ended_account_links(*, limit: int = 1000) -> int:
    """Deletes links past their expiry, used or not (a periodic job); returns how many.
    A day's grace, so a citizen following one just too late is told it expired rather
    than that it is not right."""
    cutoff = timezone.now() - datetime.timedelta(days=1)
    keys = list(
        AccountLink.objects.filter(expires_at__lte=cutoff).values_list("token_sha256", flat=True)[
            :limit
        ]
    )
    if not keys:
        return 0
    deleted, _ = AccountLink.objects.filter(token_sha256__in=keys).delete()
    return deleted


def set_contact_preference(account_id: str, *, prefers_text_messages: bool) -> None:
    """How the account holder wants to hear about their applications."""
    CitizenAccount.objects.filter(pk=account_id).update(prefers_text_messages=prefers_text_messages)


def prefers_text_messages(account_id: str | None) -> bool:
    """Whether the account (None: no account) asked for text messages rather than email."""
    if not account_id:
        return False
    return CitizenAccount.objects.filter(pk=account_id, prefers_text_messages=True).exists()
