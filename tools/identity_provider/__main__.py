"""Runs the local identity provider:

    python -m identity_provider --port 8100 --state-dir var/identity-provider \\
        --client civitas=<public key PEM file>=<redirect URI> \\
        --person citizen@example.com=<password>=P2

Keeps its database and signing key in the state directory (made on first run)."""

import argparse
import json
import os
import secrets
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m identity_provider")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument(
        "--client", action="append", default=[], help="id=public key file=redirect URI"
    )
    parser.add_argument("--person", action="append", default=[], help="email=password=P2 or P0")
    arguments = parser.parse_args(argv)
    state = arguments.state_dir
    state.mkdir(parents=True, exist_ok=True)
    signing_key = state / "signing-key.pem"
    if not signing_key.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signing_key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    clients = {}
    for client in arguments.client:
        client_id, key_file, redirect_uri = client.split("=", 2)
        clients[client_id] = {
            "public_key": Path(key_file).read_text(),
            "redirect_uri": redirect_uri,
        }
    people = {}
    for person in arguments.person:
        email, password, identity = person.rsplit("=", 2)
        people[email] = {"password": password, "identity": identity}
    os.environ.update(
        DJANGO_SETTINGS_MODULE="identity_provider.settings",
        IDP_STATE_DIR=str(state),
        IDP_ISSUER=f"http://{arguments.host}:{arguments.port}",
        IDP_SECRET_KEY=secrets.token_urlsafe(32),
        IDP_CLIENTS=json.dumps(clients),
        IDP_PEOPLE=json.dumps(people),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _register(clients, people)
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    print(f"identity provider on http://{arguments.host}:{arguments.port}", flush=True)
    run(
        arguments.host,
        arguments.port,
        get_wsgi_application(),
        threading=True,
        server_cls=WSGIServer,
    )


def _register(clients: dict, people: dict) -> None:
    from django.contrib.auth.models import User
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    for client_id, client in clients.items():
        Application.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": client_id,
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "redirect_uris": client["redirect_uri"],
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )
    for email, person in people.items():
        user, _ = User.objects.get_or_create(username=email, defaults={"email": email})
        user.set_password(person["password"])
        user.save()


if __name__ == "__main__":
    sys.exit(main())
