from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models


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

    objects = StaffUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


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

    Only the SHA-256 of the secret is kept: the secret is 32 random bytes, so a plain hash
    is as hard to reverse as the secret is to guess, and costs nothing to check.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    # The part of the secret that finds the key; it is not secret.
    public_id = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"
