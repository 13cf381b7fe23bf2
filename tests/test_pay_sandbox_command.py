"""`civitas paysandbox` runs the sandbox with Civitas's own API key and webhook."""

import requests

from civitas.pay.management.commands.paysandbox import (
    WEBHOOK_PATH,
    default_port,
    sandbox_arguments,
)
from tests.pay_sandbox import free_port, launch_sandbox_process


def test_it_runs_the_sandbox_with_civitas_key_and_webhook(settings, tmp_path):
    settings.PAY_API_KEY = "civitas-pay-key"
    settings.PAY_WEBHOOK_SECRET = "civitas-webhook-secret"
    settings.PUBLIC_BASE_URL = "http://civitas.example/"
    port = free_port()
    arguments = sandbox_arguments(port=port, state_dir=tmp_path)

    assert (
        arguments[arguments.index("--webhook-url") + 1] == f"http://civitas.example{WEBHOOK_PATH}"
    )
    assert arguments[arguments.index("--webhook-secret") + 1] == "civitas-webhook-secret"
    process = launch_sandbox_process(arguments, f"http://127.0.0.1:{port}")
    try:
        known = requests.get(
            f"http://127.0.0.1:{port}/v1/payments",
            headers={"Authorization": "Bearer civitas-pay-key"},
            timeout=10,
        )
        assert known.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_listens_where_civitas_looks_for_it(settings):
    settings.PAY_API_URL = "http://127.0.0.1:8399"

    assert default_port() == 8399
