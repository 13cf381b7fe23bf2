"""`civitas notify keys` and `civitas notify services`: made, listed and revoked at the
command line, each key printed once."""

import io

import pytest
from django.core.management import CommandError, call_command

from civitas.identity.models import ApiKey
from civitas.notify.models import SendingService
from civitas.notify.tests.factories import SendingServiceFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("notify", *args, stdout=out)
    return out.getvalue()


def test_it_makes_a_messages_only_sending_service_and_prints_its_id(organisations):
    output = run("services", "create", "--organisation", "example-borough", "--name", "Rates")
    service = SendingService.objects.get()
    assert output.strip() == str(service.pk)
    assert service.catalogue_slug == ""


def test_it_makes_a_key_by_service_id_and_prints_it_once():
    service = SendingServiceFactory()
    output = run("keys", "create", "--service", str(service.pk), "--name", "CRM", "--type", "test")
    whole_key = output.splitlines()[1]
    assert whole_key.startswith(f"crm-{service.pk}-")
    key = ApiKey.objects.get()
    assert (key.kind, key.notify_key_type) == ("notify", "test")
    assert whole_key[-36:] == key.notify_secret
    listed = run("keys", "list", "--service", str(service.pk))
    assert "CRM\ttest\tlive" in listed
    assert whole_key[-36:] not in listed


def test_it_finds_a_catalogue_services_sending_service_by_slug(organisations):
    from civitas.identity.models import Organisation

    organisation = Organisation.objects.get(slug="example-borough")
    service = SendingServiceFactory(organisation=organisation, catalogue_slug="parking-permit")
    output = run(
        "keys",
        "create",
        "--service",
        "parking-permit",
        "--organisation",
        "example-borough",
        "--name",
        "Back office",
    )
    assert str(service.pk) in output.splitlines()[1]
    with pytest.raises(CommandError):
        run("keys", "create", "--service", "parking-permit", "--name", "No organisation")


def test_it_revokes_a_key():
    service = SendingServiceFactory()
    run("keys", "create", "--service", str(service.pk), "--name", "CRM")
    key = ApiKey.objects.get()
    assert "Revoked" in run("keys", "revoke", key.public_id)
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(CommandError):
        run("keys", "revoke", "nosuchkey")
