"""Stored versions' messages move from `{name}` to `((name))`, and send the same emails."""

import importlib
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.html import escape, linebreaks

from civitas.cases.messages import compose_message
from civitas.catalogue.definition import parse_file
from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.public import get_service_version
from conftest import PARKING_PERMIT

migration = importlib.import_module(
    "civitas.catalogue.migrations.0003_message_templates_in_notify_syntax"
)
BEFORE = ("catalogue", "0002_organisation_key")
AFTER = ("catalogue", "0003_message_templates_in_notify_syntax")

OLD_MESSAGES = {
    "submitted": {
        "subject": "We have received your application {reference}",
        "body": (
            "Your reference is {reference}.\nThe fee is {fee}.\n\n"
            "Entry {ledger_index}: {ledger_url}\nBraces {{like this}} stay.\n\n{organisation}\n"
        ),
    },
    "approved": {"subject": "{service_title}: approved", "body": "Approved {reference}."},
    "refused": {
        "subject": "Refused {reference}",
        "body": "Reason: {reason}\nKey: {reason_key}\nSee {status_url}",
    },
}


def _old_compose(message: dict, values: dict) -> tuple[str, str, str]:
    """What the renderer before this migration made of a message."""
    safe = {key: escape(value) for key, value in values.items()}
    return (
        message["subject"].format_map(values),
        message["body"].format_map(values).strip() + "\n",
        linebreaks(escape(message["body"]).format_map(safe).strip()),
    )


def _migrate(target: tuple[str, str]):
    call_command("migrate", target[0], target[1], verbosity=0)
    return MigrationExecutor(connection).loader.project_state(target).apps


@pytest.fixture
def before_the_migration(transactional_db):
    apps = _migrate(BEFORE)
    yield apps
    call_command("migrate", verbosity=0)


def _store_old_version(apps, messages: dict, *, version: int = 1) -> int:
    Organisation = apps.get_model("identity", "Organisation")
    OldServiceVersion = apps.get_model("catalogue", "ServiceVersion")
    organisation, _ = Organisation.objects.get_or_create(
        slug="example-borough", defaults={"name": "Example Borough Council"}
    )
    definition = {**parse_file(PARKING_PERMIT).definition, "messages": messages}
    row = OldServiceVersion.objects.create(
        organisation=organisation,
        slug="resident-parking-permit",
        version=version,
        title=definition["title"],
        status="live" if version == 1 else "retired",
        source="the YAML as it was published, with {reference}\n",
        sha256="0" * 64,
        definition=definition,
        published_at=timezone.now(),
        published_by="test",
    )
    return row.pk


def test_stored_messages_are_rewritten_and_the_source_is_kept(before_the_migration):
    pk = _store_old_version(before_the_migration, OLD_MESSAGES)
    _migrate(AFTER)
    row = ServiceVersion.objects.get(pk=pk)
    messages = row.definition["messages"]
    assert messages["submitted"]["subject"] == "We have received your application ((reference))"
    assert messages["submitted"]["body"] == (
        "Your reference is ((reference)).\nThe fee is ((fee)).\n\n"
        "Entry ((ledger_index)): ((ledger_url))\nBraces {like this} stay.\n\n((organisation))\n"
    )
    assert messages["refused"]["body"] == (
        "Reason: ((reason))\nKey: ((reason_key))\nSee ((status_url))"
    )
    assert row.source == "the YAML as it was published, with {reference}\n"
    assert row.definition["pages"] == parse_file(PARKING_PERMIT).definition["pages"]


@pytest.mark.parametrize("name", ["submitted", "approved", "refused"])
def test_an_old_version_sends_the_email_it_sent_before(before_the_migration, name):
    _store_old_version(before_the_migration, OLD_MESSAGES)
    _migrate(AFTER)
    service = get_service_version(
        ServiceVersion.objects.get().organisation_id, "resident-parking-permit", 1
    )
    fields = {
        "reference": "AB12-CD34",
        "fee": "£77",
        "reason": "Not <b>in</b> a zone & {fee} ((reference))",
        "reason_key": "k3y",
        "ledger_index": "41",
        "ledger_url": "https://civitas.example/ledger/entries/41/",
    }
    values = {
        "service_title": service.title,
        "organisation": service.organisation_name,
        "status_url": settings.PUBLIC_BASE_URL,
        **fields,
    }
    subject, text, html_body = _old_compose(OLD_MESSAGES[name], values)
    email = compose_message(service, name, fields=fields)
    assert (email.subject, email.text) == (subject, text)
    # The HTML is drawn by today's email formatting: the words it shows are the same.
    assert _visible(html_body) in _visible(email.html)
    assert f"<title>{escape(subject)}</title>" in email.html


def _visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_old_text_that_could_not_be_sent_becomes_plain_text_that_can(before_the_migration):
    broken = {
        "submitted": {"subject": "Hello {Name}", "body": "A lone { brace, {0} and {reference.x}"},
        "approved": {"subject": "((double)) and (((triple)))", "body": "({reference})"},
        "refused": {"subject": "{reference!r} {fee:>6}", "body": "Odd } brace ((x"},
    }
    _store_old_version(before_the_migration, broken)
    _migrate(AFTER)
    service = get_service_version(
        ServiceVersion.objects.get().organisation_id, "resident-parking-permit", 1
    )
    messages = service.definition["messages"]
    assert messages["submitted"] == {
        "subject": "Hello {Name}",
        "body": "A lone { brace, {0} and {reference.x}",
    }
    assert messages["approved"] == {
        "subject": "( (double)) and ( ( (triple)))",
        "body": "(((reference)))",
    }
    assert messages["refused"] == {"subject": "((reference)) ((fee))", "body": "Odd } brace ( (x"}
    fields = {"reference": "AB12", "fee": "£5"}
    assert compose_message(service, "submitted", fields=fields).subject == "Hello {Name}"
    assert compose_message(service, "approved", fields=fields).text == "(AB12)\n"
    assert compose_message(service, "refused", fields=fields).subject == "AB12 £5"


def test_migrating_back_restores_the_old_syntax(before_the_migration):
    pk = _store_old_version(before_the_migration, OLD_MESSAGES)
    _migrate(AFTER)
    apps = _migrate(BEFORE)
    row = apps.get_model("catalogue", "ServiceVersion").objects.get(pk=pk)
    assert row.definition["messages"] == OLD_MESSAGES


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ("((Service Title)) ((reference))", "{service_title} {reference}"),
        ("{braces} ((has_fee??Pay now.))", "{{braces}} "),
        ("(((reference)))", "({reference})"),
    ],
)
def test_going_back_rewrites_what_the_old_syntax_can_say(new, old):
    assert migration.to_format_syntax(new) == old
