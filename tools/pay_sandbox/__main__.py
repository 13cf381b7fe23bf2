"""Runs the payment sandbox:

    python -m pay_sandbox --port 8300 --state-dir var/pay-sandbox --api-key KEY \\
        [--webhook-url URL --webhook-secret SECRET] [--expiry-seconds 5400] [--settle-days 0]

Keeps its database and its cookie-signing key in the state directory (made on first run),
so a restart keeps its payments and the payers' places in them."""

import argparse
import os
import secrets
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pay_sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--api-key", required=True, help="the Bearer key API calls must send")
    parser.add_argument("--webhook-url", default="", help="where payment events are posted")
    parser.add_argument("--webhook-secret", default="", help="the key of Pay-Signature")
    parser.add_argument("--expiry-seconds", type=int, default=5400)
    parser.add_argument("--settle-days", type=int, default=0)
    arguments = parser.parse_args(argv)
    if arguments.webhook_url and not arguments.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    state = arguments.state_dir
    state.mkdir(parents=True, exist_ok=True)
    secret_key = state / "secret-key"
    if not secret_key.exists():
        secret_key.write_text(secrets.token_urlsafe(48))
        secret_key.chmod(0o600)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="pay_sandbox.settings",
        PAY_SANDBOX_STATE_DIR=str(state),
        PAY_SANDBOX_BASE_URL=f"http://{arguments.host}:{arguments.port}",
        PAY_SANDBOX_API_KEY=arguments.api_key,
        PAY_SANDBOX_WEBHOOK_URL=arguments.webhook_url,
        PAY_SANDBOX_WEBHOOK_SECRET=arguments.webhook_secret,
        PAY_SANDBOX_EXPIRY_SECONDS=str(arguments.expiry_seconds),
        PAY_SANDBOX_SETTLE_DAYS=str(arguments.settle_days),
        PAY_SANDBOX_SECRET_KEY=secret_key.read_text().strip(),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    print(f"payment sandbox on http://{arguments.host}:{arguments.port}", flush=True)
    run(
        arguments.host,
        arguments.port,
        get_wsgi_application(),
        threading=True,
        server_cls=WSGIServer,
    )


if __name__ == "__main__":
    sys.exit(main())
