"""API keys: made with a secret shown once, found by it, scoped, revoked, and managed from
the command line."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from civitas.identity import services as identity_services
from civitas.identity.api_keys import InvalidScope, validate_scope
from civitas.identity.models import ApiKey
from civitas.identity.public import (
    UnknownOrganisation,
    authenticate_api_key,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from civitas.platform.models import AuditEvent


def make_key(organisation="example-borough", scopes=("submit",)):
    return create_api_key(
        organisation_slug=organisation, name="Case system", scopes=list(scopes), created_by="test"
    )


@pytest.mark.parametrize(
    "scope", ["submit", "read", "submit:resident-parking-permit", "read:bulky-waste-collection"]
)
def test_the_documented_scopes_are_accepted(scope):
    assert validate_scope(scope) == scope


@pytest.mark.parametrize(
    "scope",
    [
        "",
        "admin",
        "SUBMIT",
        "submit:",
        "submit:Not-A-Slug",
        "submit:a--b",
        "decide:resident-parking-permit",
        "submit:resident-parking-permit:extra",
        "submit:" + "a" * 51,
        "read:ré",
        "submit\n",
    ],
)
def test_an_unknown_scope_is_a_clear_error(scope):
    with pytest.raises(InvalidScope, match="is not a scope"):
        validate_scope(scope)


def test_only_the_hash_of_the_secret_is_stored(organisations):
    key, secret = make_key()
    stored = ApiKey.objects.get(public_id=key.public_id)
    assert secret.startswith(f"civitas_{key.public_id}_")
    assert len(secret.split("_", 2)[2]) == 43  # 32 random bytes
    assert stored.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(ApiKey.objects.filter(pk=stored.pk).values().get())


def test_a_key_is_found_by_its_secret_and_its_use_is_noted(organisations):
    key, secret = make_key()
    found = authenticate_api_key(f"Bearer {secret}")
    assert found is not None
    assert found.public_id == key.public_id
    assert found.organisation.slug == "example-borough"
    assert found.last_used_at is not None
    assert ApiKey.objects.get(public_id=key.public_id).last_used_at == found.last_used_at


@pytest.mark.parametrize("header", [None, "", "Bearer", "Token abc", "Bearer civitas__x"])
def test_no_key_is_found_for_a_missing_or_malformed_header(organisations, header):
    make_key()
    assert authenticate_api_key(header) is None


def test_a_revoked_key_is_not_found(organisations):
    key, secret = make_key()
    revoked = revoke_api_key(key.public_id, revoked_by="test")
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert authenticate_api_key(f"Bearer {secret}") is None


def test_a_key_in_use_is_looked_up_at_most_once_a_second(organisations, django_assert_num_queries):
    _, secret = make_key()
    assert authenticate_api_key(f"Bearer {secret}") is not None
    with django_assert_num_queries(0):
        assert authenticate_api_key(f"Bearer {secret}") is not None


def test_a_remembered_key_still_needs_its_secret(organisations):
    key, secret = make_key()
    assert authenticate_api_key(f"Bearer {secret}") is not None
    forged = f"civitas_{key.public_id}_{'A' * 43}"
    assert authenticate_api_key(f"Bearer {forged}") is None
    assert authenticate_api_key(f"Bearer {secret}") is not None


def test_a_key_in_use_revoked_here_is_refused_at_once(organisations):
    key, secret = make_key()
    assert authenticate_api_key(f"Bearer {secret}") is not None
    revoke_api_key(key.public_id, revoked_by="test")
    assert authenticate_api_key(f"Bearer {secret}") is None


def test_a_key_revoked_by_another_process_is_refused_within_a_second(organisations, monkeypatch):
    key, secret = make_key()
    assert authenticate_api_key(f"Bearer {secret}") is not None
    # As the command line does it, in a process of its own: this one is not told.
    ApiKey.objects.filter(public_id=key.public_id).update(revoked_at=timezone.now())
    # Once the memory's bound has passed (here: as if it were none), the key is refused.
    monkeypatch.setattr(identity_services, "API_KEY_MEMORY_SECONDS", 0.0)
    assert authenticate_api_key(f"Bearer {secret}") is None


def test_revoking_twice_keeps_the_first_time_and_one_audit_record(organisations):
    key, _ = make_key()
    first = revoke_api_key(key.public_id, revoked_by="test")
    second = revoke_api_key(key.public_id, revoked_by="test")
    assert first.revoked_at == second.revoked_at
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


def test_revoking_an_unknown_key_finds_nothing(db):
    assert revoke_api_key("0123456789ab", revoked_by="test") is None


def test_a_key_allows_what_its_scopes_say(organisations):
    key, _ = make_key(scopes=["submit:resident-parking-permit", "read"])
    assert key.allows("submit", "resident-parking-permit")
    assert not key.allows("submit", "bulky-waste-collection")
    assert key.allows("read", "bulky-waste-collection")


def test_making_a_key_is_audited_without_its_secret(organisations):
    key, secret = make_key(scopes=["submit", "submit"])
    event = AuditEvent.objects.get(action="api_key.created")
    assert event.object_id == key.public_id
    assert event.organisation == "example-borough"
    assert event.details == {"name": "Case system", "scopes": ["submit"]}
    assert secret.split("_", 2)[2] not in repr(event.__dict__)


def test_a_key_for_an_unknown_organisation_is_refused(db):
    with pytest.raises(UnknownOrganisation):
        make_key("nowhere")
    assert not ApiKey.objects.exists()


def test_the_list_is_of_one_organisations_keys(organisations):
    mine, _ = make_key()
    make_key("sample-district")
    listed = list_api_keys(organisations["example-borough"].id)
    assert [key.public_id for key in listed] == [mine.public_id]


def keys_command(*arguments: str) -> str:
    out = StringIO()
    call_command("keys", *arguments, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_secret_once_and_lists_keys_without_it(organisations):
    made = keys_command(
        "create", "--organisation", "example-borough", "--name", "Case system",
        "--scope", "submit", "--scope", "read:resident-parking-permit",
    )  # fmt: skip
    [secret] = [line for line in made.splitlines() if line.startswith("civitas_")]
    assert "will not be shown again" in made
    assert authenticate_api_key(f"Bearer {secret}") is not None
    public_id = secret.split("_")[1]
    listed = keys_command("list", "--organisation", "example-borough")
    assert public_id in listed
    assert "submit read:resident-parking-permit" in listed
    assert secret.split("_", 2)[2] not in listed


def test_the_command_makes_a_submit_key_unless_told(organisations):
    keys_command("create", "--organisation", "example-borough", "--name", "Forms")
    assert ApiKey.objects.get().scopes == ["submit"]


def test_the_command_revokes_a_key(organisations):
    key, secret = make_key()
    assert key.public_id in keys_command("revoke", key.public_id)
    assert authenticate_api_key(f"Bearer {secret}") is None
    assert "revoked" in keys_command("list", "--organisation", "example-borough")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["create", "--organisation", "nowhere", "--name", "X"], "no organisation 'nowhere'"),
        (
            ["create", "--organisation", "example-borough", "--name", "X", "--scope", "admin"],
            "'admin' is not a scope",
        ),
        (["create", "--organisation", "example-borough", "--name", " "], "name must be"),
        (["list", "--organisation", "nowhere"], "no organisation 'nowhere'"),
        (["revoke", "0123456789ab"], "no key '0123456789ab'"),
    ],
)
def test_bad_input_to_the_command_is_a_clear_error(organisations, arguments, message):
    with pytest.raises(CommandError, match=message):
        keys_command(*arguments)
    assert not ApiKey.objects.exists()
