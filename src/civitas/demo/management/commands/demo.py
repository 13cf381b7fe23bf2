"""`civitas demo setup` loads the example services and demo staff and prints a demo API
key; `civitas demo services` prints the address of every live service, for the banner
`make demo` shows; `civitas demo code` prints the demo caseworker's current sign-in code;
`civitas demo identity-provider` runs the local OpenID Connect provider citizens sign in
through. Refused in production."""

import os
import sys
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pyotp
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.catalogue.public import list_live_services
from civitas.demo.history import set_up_performance_history
from civitas.identity.public import (
    add_team_member,
    create_api_key,
    ensure_organisation,
    ensure_staff_member,
    ensure_team,
    list_api_keys,
    revoke_api_key,
)

# Two councils, each publishing its own resident parking permit service, so that the wall
# between organisations can be seen: neither's staff can see the other's cases or emails.
DEMO_ORGANISATIONS = {
    "example-borough": "Example Borough Council",
    "sample-district": "Sample District Council",
}


# The teams cases are routed to (each service's `routing`; report-a-problem routes reports
# by problem).
DEMO_TEAMS = {
    "example-borough": {
        "highways": "Highways",
        "environment": "Environment",
        "street-scene": "Street scene",
        "parking": "Parking",
        "blue-badge": "Blue Badge",
        "benefits": "Benefits",
        "data-protection": "Data protection",
    },
    "sample-district": {"parking": "Parking", "electoral-services": "Electoral services"},
}


class DemoStaffMember(TypedDict):
    email: str
    organisations: list[str]
    display_name: str
    password: str
    role: str
    totp_secret: str
    teams: NotRequired[list[str]]


# Demo sign-ins. They exist only where CIVITAS_ENV is not production.
DEMO_STAFF: list[DemoStaffMember] = [
    {
        "email": "caseworker@example-borough.gov.uk",
        "organisations": ["example-borough"],
        "display_name": "Casey Worker",
        "password": "demo-caseworker-password",
        "role": "caseworker",
        # Base32 TOTP secret, so the demo code can also be added to an authenticator app.
        "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "teams": ["highways", "street-scene", "parking", "blue-badge", "benefits"],
    },
    {
        "email": "leader@example-borough.gov.uk",
        "organisations": ["example-borough"],
        "display_name": "Lee Leader",
        "password": "demo-team-leader-password",
        "role": "team_leader",
        "totp_secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "teams": [
            "highways",
            "environment",
            "street-scene",
            "parking",
            "blue-badge",
            "benefits",
            "data-protection",
        ],
    },
    {
        "email": "environment@example-borough.gov.uk",
        "organisations": ["example-borough"],
        "display_name": "Eve Environment",
        "password": "demo-caseworker-password",
        "role": "caseworker",
        "totp_secret": "MZXW6YTBOI3DMNZYMZXW6YTBOI3DMNZY",
        "teams": ["environment"],
    },
    {
        "email": "finance@example-borough.gov.uk",
        "organisations": ["example-borough"],
        "display_name": "Fin Ance",
        "password": "demo-finance-password",
        "role": "finance",
        "totp_secret": "NBSWY3DPNBSWY3DPNBSWY3DPNBSWY3DP",
    },
    {
        "email": "auditor@example-borough.gov.uk",
        "organisations": ["example-borough"],
        "display_name": "Audrey Auditor",
        "password": "demo-auditor-password",
        "role": "auditor",
        "totp_secret": "MFZWIZLTMFZWIZLTMFZWIZLTMFZWIZLT",
    },
    {
        "email": "owner@example-borough.gov.uk",
        "organisations": ["example-borough"],
        "display_name": "Sam Owner",
        "password": "demo-service-owner-password",
        "role": "service_owner",
        "totp_secret": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    },
    {
        "email": "caseworker@sample-district.gov.uk",
        "organisations": ["sample-district"],
        "display_name": "Dana Caseworker",
        "password": "demo-caseworker-password",
        "role": "caseworker",
        "totp_secret": "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK",
        "teams": ["parking", "electoral-services"],
    },
    {
        "email": "owner@sample-district.gov.uk",
        "organisations": ["sample-district"],
        "display_name": "Sol Owner",
        "password": "demo-service-owner-password",
        "role": "service_owner",
        "totp_secret": "OBQXG43XN5ZGIMTXOBQXG43XN5ZGIMTX",
    },
    {
        # Works for both councils, one at a time: signs in, then chooses which.
        "email": "support@shared-services.example",
        "organisations": ["example-borough", "sample-district"],
        "display_name": "Alex Support",
        "password": "demo-administrator-password",
        "role": "administrator",
        "totp_secret": "ONSWG4TFORSXG5DFONSWG4TFORSXG5DF",
    },
]


# What to try on some of the services the banner lists (the list itself is the catalogue's).
DEMO_HINTS = {
    "/services/example-borough/resident-parking-permit/": "try postcode EB1 1AA",
    "/services/sample-district/resident-parking-permit/": "try postcode SD1 2AB",
    "/services/example-borough/bulky-waste-collection/": "address lookup: try EB1 1AA or EB1 1BD",
    "/services/example-borough/street-party/": "groups, checkboxes, add another, checks",
    "/services/sample-district/register-to-vote/": "try postcode SD1 2AB",
}
BANNER_LABEL = "  Citizen:    "


def service_banner(base: str) -> list[str]:
    """The banner's lines for citizens: the address of every live service, from the
    catalogue (so a service added to services/ is listed without anyone remembering to),
    with what to try on it where there is a hint."""
    lines: list[str] = []
    for live in list_live_services():
        hint = DEMO_HINTS.get(live.url)
        label = BANNER_LABEL if not lines else " " * len(BANNER_LABEL)
        lines.append(f"{label}{base}{live.url}" + (f"  ({hint})" if hint else ""))
    return lines or [f"{BANNER_LABEL}no services are live"]


# The demo key: Example Borough's, to submit to its services through the API. Each set-up
# revokes the last one and prints a new secret, since a secret is never kept.
DEMO_KEY_ORGANISATION = "example-borough"
DEMO_KEY_NAME = "Demo key"


def _hex_key(secret: str) -> str:
    import base64

    return base64.b32decode(secret).hex()


class Command(BaseCommand):
    help = "Set up or use the demo."
    # A code is valid for 30 seconds: print it without first importing every view for the
    # system checks. `make demo` runs them anyway, in `civitas migrate`.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("setup", help="load example services and demo staff (idempotent)")
        services = sub.add_parser(
            "services", help="print the address of every live service, for the demo's banner"
        )
        services.add_argument("--base", default="http://127.0.0.1:8000")
        code = sub.add_parser("code", help="print a demo staff member's current sign-in code")
        code.add_argument("email", nargs="?", default=DEMO_STAFF[0]["email"])
        provider = sub.add_parser(
            "identity-provider", help="run the local identity provider citizens sign in through"
        )
        provider.add_argument("--port", type=int, default=8100)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("the demo is not available when CIVITAS_ENV=production")
        if action == "code":
            for person in DEMO_STAFF:
                if person["email"] == options["email"]:
                    self.stdout.write(pyotp.TOTP(person["totp_secret"]).now())
                    return
            raise CommandError(f"no demo staff member {options['email']}")
        if action == "services":
            for line in service_banner(options["base"].rstrip("/")):
                self.stdout.write(line)
            return
        if action == "identity-provider":
            _run_identity_provider(options["port"])
            return
        for slug, name in DEMO_ORGANISATIONS.items():
            ensure_organisation(slug=slug, name=name)
            # Before the services: publishing checks the teams their routing names.
            for team, team_name in DEMO_TEAMS.get(slug, {}).items():
                ensure_team(organisation=slug, slug=team, name=team_name)
        call_command(
            "services", "load", str(settings.SERVICES_DIR), "--as", "demo-setup", stdout=self.stdout
        )
        for person in DEMO_STAFF:
            for organisation in person["organisations"]:
                ensure_staff_member(
                    email=person["email"],
                    display_name=person["display_name"],
                    password=person["password"],
                    organisation_slug=organisation,
                    organisation_name=DEMO_ORGANISATIONS[organisation],
                    role=person["role"],
                    totp_key_hex=_hex_key(person["totp_secret"]),
                )
                for team in person.get("teams", []):
                    if team in DEMO_TEAMS.get(organisation, {}):
                        add_team_member(organisation=organisation, team=team, email=person["email"])
        self.stdout.write("demo staff ready")
        counts = set_up_performance_history(DEMO_ORGANISATIONS)
        self.stdout.write(f"performance history ready ({counts} daily counts)")
        self._make_demo_key()

    def _make_demo_key(self) -> None:
        organisation = ensure_organisation(
            slug=DEMO_KEY_ORGANISATION, name=DEMO_ORGANISATIONS[DEMO_KEY_ORGANISATION]
        )
        for key in list_api_keys(organisation.id):
            if key.name == DEMO_KEY_NAME and key.revoked_at is None:
                revoke_api_key(key.public_id, revoked_by="demo-setup")
        key, secret = create_api_key(
            organisation_slug=DEMO_KEY_ORGANISATION,
            name=DEMO_KEY_NAME,
            scopes=["submit", "read"],
            created_by="demo-setup",
        )
        self.stdout.write(
            f"demo API key for {DEMO_KEY_ORGANISATION} (submit, read), shown once: {secret}"
        )


# People at the local identity provider: one who has proved their identity (P2), one who
# has only signed in (P0).
DEMO_CITIZENS = {
    "citizen@example.com": "P2",
    "unproved@example.com": "P0",
}
DEMO_CITIZEN_PASSWORD = "demo-citizen-password"  # noqa: S105 (a demo sign-in, printed by make demo)
DEMO_OIDC_CLIENT_ID = "civitas-demo"


def _run_identity_provider(port: int) -> None:
    """Runs tools/identity_provider (django-oauth-toolkit) with the demo's client, whose
    key pair is made once under var/identity-provider/ (CITIZEN_OIDC_CLIENT_KEY_FILE)."""
    folder = Path(settings.VAR_DIR) / "identity-provider"
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / "client-key.pem", folder / "client-key.pub.pem"
    if not private.exists():
        _make_key_pair(private, public)
    site = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
    redirect = "/account/sign-in/identity-provider/return/"
    arguments = [
        sys.executable,
        "-m",
        "identity_provider",
        "--port",
        str(port),
        "--state-dir",
        str(folder / "state"),
        "--client",
        f"{DEMO_OIDC_CLIENT_ID}={public}={site}{redirect} http://localhost:8000{redirect}",
    ]
    for email, level in DEMO_CITIZENS.items():
        arguments += ["--person", f"{email}={DEMO_CITIZEN_PASSWORD}={level}"]
    tools = Path(settings.BASE_DIR) / "tools"
    os.chdir(tools)
    os.execv(sys.executable, arguments)  # noqa: S606 (our own interpreter and module)


def _make_key_pair(private: Path, public: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
