"""`civitas demo setup` prints an API key to try the API with; setting up again replaces it."""

import re
from io import StringIO

from django.core.management import call_command

from civitas.identity.public import authenticate_api_key


def demo_setup_key() -> str:
    out = StringIO()
    call_command("demo", "setup", stdout=out)
    [secret] = re.findall(r"civitas_\S+", out.getvalue())
    return secret


def test_the_demo_key_may_submit_to_example_boroughs_services(db):
    key = authenticate_api_key(f"Bearer {demo_setup_key()}")
    assert key is not None
    assert key.organisation.slug == "example-borough"
    assert key.allows("submit", "resident-parking-permit")


def test_setting_the_demo_up_again_revokes_the_last_demo_key(db):
    first = demo_setup_key()
    second = demo_setup_key()
    assert authenticate_api_key(f"Bearer {first}") is None
    assert authenticate_api_key(f"Bearer {second}") is not None
