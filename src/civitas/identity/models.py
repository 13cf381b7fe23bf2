import uuid
from collections.abc import Iterator

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.crypto import salted_hmac

from civitas.platform.crypto import EncryptedTextField


class StaffUserManager(BaseUserManager["StaffUser"]):
    def create_user(self, email: str, password: str | None = None, **fields: object) -> "StaffUser":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class StaffUser(AbstractBaseUser):
    """A member of staff. Citizens do not have accounts in this table."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    # Raised to end every session of the person at once, on any session engine: each
    # session keeps a hash of it (get_session_auth_hash), and a session whose hash no
    # longer matches is flushed by Django on its next request. See decisions/0039.
    session_generation = models.PositiveIntegerField(default=0, db_default=0)

    objects = StaffUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        from django.conf import settings

        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    def _session_hash(self, *, secret: str | bytes | None) -> str:
        # Django's own hash covers the password (a new password ends other sessions);
        # this one covers the session generation too.
        return salted_hmac(
            "civitas.identity.StaffUser.session",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Organisation(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    # A Welsh public body must offer its services in Welsh: a service of its with a text
    # in English only is refused, not merely warned about.
    requires_welsh = models.BooleanField(default=False, db_default=False)
    # Its staff may sign in through its own OpenID Connect provider (decision 0041), then
    # give their security code as after a password; blank: passwords only.
    sso_issuer = models.URLField(blank=True, default="", db_default="")
    sso_client_id = models.CharField(max_length=200, blank=True, default="", db_default="")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one organisation: permissions come from roles, per organisation."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", "Caseworker"
        TEAM_LEADER = "team_leader", "Team leader"
        SERVICE_OWNER = "service_owner", "Service owner"
        FINANCE = "finance", "Finance"
        ADMINISTRATOR = "administrator", "Administrator"
        # Reads cases and their history, for inspection and complaints; changes nothing.
        AUDITOR = "auditor", "Auditor"

    user = models.ForeignKey(StaffUser, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} at {self.organisation_id}"


class Team(models.Model):
    """A group of an organisation's staff that works one kind of case (highways, say).

    A service's routing sends each case to a team by its slug; a team's members see its
    queue. Roles stay per organisation: a team says which cases, a role what one may do.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="team_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_id})"


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    user = models.ForeignKey(StaffUser, on_delete=models.CASCADE, related_name="team_memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"


class ApiKey(models.Model):
    """A key a system uses to call the API for one organisation.

    For a platform key only the SHA-256 of the secret is kept: the secret is 32 random
    bytes, so a plain hash is as hard to reverse as the secret is to guess, and costs
    nothing to check. A Notify key's secret is kept encrypted instead (see `notify_secret`).
    """

    class Kind(models.TextChoices):
        """`platform`: a bearer secret for the platform's own API (/api/v1). `notify`: a
        GOV.UK Notify-style key of one sending service, which signs a JWT with its secret
        on each call (docs/decisions/0043)."""

        PLATFORM = "platform"
        NOTIFY = "notify"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PLATFORM)
    # The part of the secret that finds the key; it is not secret.
    public_id = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    # Notify keys only. The sending service the key belongs to, by its id (identity knows
    # nothing of notify's tables), and Notify's key type: normal (live), team or test.
    notify_service_id = models.UUIDField(null=True, blank=True, db_index=True)
    notify_key_type = models.CharField(max_length=8, blank=True)
    # A Notify key's secret, encrypted: HS256 needs the secret itself to check a token's
    # signature, so a hash, as kept for platform keys, cannot work (docs/decisions/0043).
    notify_secret = EncryptedTextField(bound_to="public_id", null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class StaffInvite(models.Model):
    """An administrator's invitation to a person to join their organisation as staff.

    Only the SHA-256 of the link's secret is kept (32 random bytes, so a plain hash is as
    hard to reverse as the secret is to guess). Used once, within its time.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    email = models.EmailField()
    display_name = models.CharField(max_length=100)
    role = models.CharField(max_length=32, choices=Membership.Role.choices)
    team_slugs = models.JSONField(default=list)
    secret_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, related_name="invites_sent")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        StaffUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"invite {self.pk} to {self.organisation_id}"


class CitizenAccount(models.Model):
    """A citizen's account: a person who applies, not one who works cases.

    A separate table from StaffUser, and never signed in through django.contrib.auth: the
    session keeps its id under its own key (identity/accounts.py), so no check that grants
    staff rights (request.user, OTP, roles) can ever see a citizen (docs/decisions/0038).

    The address is kept encrypted, bound to the row; the account is found by a keyed hash
    of the normalised address (`email_index`), which no one without SECRET_KEY can match
    to an address. `password` is in Django's hasher format (argon2), or empty for an
    account that signs in only by emailed links or, later, an external identity provider.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email_index = models.CharField(max_length=64, unique=True)
    email = EncryptedTextField(bound_to="id")
    password = models.CharField(max_length=256, blank=True)
    email_verified_at = models.DateTimeField(null=True)
    # The language of its emails: the one the citizen was using when they last signed in.
    language = models.CharField(max_length=8, default="en")
    # Messages about applications go as text messages, where the application gave a mobile
    # number and the service writes texts; by email otherwise.
    prefers_text_messages = models.BooleanField(default=False)
    # Two factors: the authenticator app's shared secret (base32), encrypted; set up only
    # when `totp_confirmed_at` is set. `totp_last_step` is the 30-second step of the last
    # code accepted: a code of that step or an earlier one is refused, so none is used twice.
    totp_secret = EncryptedTextField(null=True, bound_to="id")
    totp_confirmed_at = models.DateTimeField(null=True)
    totp_last_step = models.BigIntegerField(null=True)
    # Raised when the password changes or is reset: every session signed in before then
    # carries the old number and ends at its next request.
    session_generation = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    # The person the national identity provider signed in (decision 0041), as a digest of
    # its issuer and subject; null until they first sign in through it.
    identity_subject = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001 (many accounts have none, and "" would clash on the key)

    def __str__(self) -> str:
        return f"account {self.pk}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_two_factors(self) -> bool:
        return self.totp_confirmed_at is not None


class AccountLink(models.Model):
    """A single-use emailed link for an account: confirming an address, signing in,
    resetting a password, or moving the account to a new address (`new_email`).

    Only the SHA-256 of its token is kept: the token is 32 random bytes, so the hash is as
    hard to reverse as the token is to guess.
    """

    class Purpose(models.TextChoices):
        VERIFY_EMAIL = "verify-email"
        SIGN_IN = "sign-in"
        RESET_PASSWORD = "reset-password"  # noqa: S105 - a purpose, not a password
        CHANGE_EMAIL = "change-email"

    token_sha256 = models.CharField(max_length=64, primary_key=True)
    account = models.ForeignKey(CitizenAccount, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    new_email = EncryptedTextField(null=True, bound_to="token_sha256")
    # A link to confirm a new account: the password hash of the sign-up it was sent for,
    # set on the account when the link is followed.
    password = models.CharField(max_length=256, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.purpose} link of {self.account_id}"


class RecoveryCode(models.Model):
    """One of an account's single-use recovery codes, kept only as a keyed hash: a code is
    50 random bits, so a slow hash would add nothing but ten argon2 runs a try."""

    account = models.ForeignKey(
        CitizenAccount, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hmac = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "code_hmac"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.account_id}"
