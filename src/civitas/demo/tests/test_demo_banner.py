"""`make demo`'s banner lists the address of every service the demo loads, from the
catalogue, so a new example service is listed without anyone adding it by hand."""

import io

from django.conf import settings
from django.core.management import call_command


def test_the_banner_lists_every_loaded_service_with_its_hint(db):
    call_command("demo", "setup", stdout=io.StringIO())
    printed = io.StringIO()
    call_command("demo", "services", "--base", "http://127.0.0.1:8000/", stdout=printed)
    lines = printed.getvalue().splitlines()
    assert len(lines) == len(list(settings.SERVICES_DIR.glob("*/service.yaml")))
    assert lines[0].startswith("  Citizen:    http://127.0.0.1:8000/services/")
    assert all(line.startswith(" " * 14 + "http://127.0.0.1:8000/services/") for line in lines[1:])
    assert "              http://127.0.0.1:8000/services/example-borough/estimate-income-tax/" in (
        lines
    )
    assert (
        "http://127.0.0.1:8000/services/sample-district/resident-parking-permit/"
        "  (try postcode SD1 2AB)"
    ) in printed.getvalue()


def test_the_banner_says_so_when_no_service_is_live(db):
    printed = io.StringIO()
    call_command("demo", "services", stdout=printed)
    assert printed.getvalue() == "  Citizen:    no services are live\n"
