"""Sending from a template: what is refused before anything is written, and what is kept."""

import pytest

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message
from civitas.notify.rendering import SendingRefused
from civitas.notify.sending import send_from_template
from civitas.notify.templates import TemplateInvalid, Words, save_template
from civitas.notify.tests.factories import SendingServiceFactory, make_template

pytestmark = pytest.mark.django_db


def _send(service, template, recipient, personalisation=None, **extra):
    return send_from_template(
        sending_service=service,
        template=template,
        recipient=recipient,
        personalisation=personalisation or {"name": "Ann", "reference": "ABC-123"},
        idempotency_key=extra.pop("key", "key-1"),
        **extra,
    )


def test_an_email_from_a_template_is_filled_in_and_queued_with_its_version():
    service = SendingServiceFactory()
    template = make_template(service)
    message = _send(service, template, " ann@example.com ")
    message.refresh_from_db()
    assert (message.status, message.channel, message.template_version) == ("created", "email", 1)
    assert message.recipient == "ann@example.com"
    assert message.subject == "About ABC-123"
    assert message.body_text.startswith("Dear Ann,")
    assert "<p" in message.body_html
    assert 'lang="en"' in message.body_html
    assert message.reply_to == "parking@example.gov.uk"
    assert message.personalisation == {"name": "Ann", "reference": "ABC-123"}


def test_a_missing_placeholder_is_refused_and_nothing_is_queued():
    service = SendingServiceFactory()
    with pytest.raises(SendingRefused, match="Missing personalisation: name"):
        _send(service, make_template(service), "ann@example.com", {"reference": "X"})
    assert not Message.objects.exists()


@pytest.mark.parametrize("address", ["", "ann", "ann@", "@example.com", "a b@example.com"])
def test_a_bad_email_address_is_refused(address):
    service = SendingServiceFactory()
    with pytest.raises(SendingRefused, match="Not a valid email address"):
        _send(service, make_template(service), address)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("0161 496 0000", "Not a UK mobile number"),
        ("07700 900", "Not enough digits"),
        ("07700 900 982 1", "Too many digits"),
        ("07700 ABC 982", "Must not contain letters or symbols"),
        ("+33 6 12 34 56 78", "Not a UK mobile number"),
    ],
)
def test_a_bad_phone_number_is_refused(number, problem):
    service = SendingServiceFactory()
    template = make_template(service, "sms", body="Hello ((name)), ref ((reference))")
    with pytest.raises(SendingRefused, match=problem):
        _send(service, template, number)


def test_a_text_message_goes_to_the_number_in_e164_and_counts_its_fragments():
    service = SendingServiceFactory()
    template = make_template(service, "sms", body="((name)) " + "x" * 200)
    message = _send(service, template, "07700 900 982", {"name": "Ann"})
    assert (message.recipient, message.fragments) == ("+447700900982", 2)


def test_a_letter_needs_an_address_that_can_be_posted():
    service = SendingServiceFactory()
    template = make_template(service, "letter")
    with pytest.raises(SendingRefused, match="at least 3 lines"):
        _send(service, template, "Ann\nSW1A 1AA")
    message = _send(service, template, "Ann Smith\n1 High Street\nsw1a1aa")
    assert (message.recipient, message.postage) == ("Ann Smith\n1 High Street\nSW1A 1AA", "second")


def test_the_welsh_words_are_used_for_a_welsh_speaker_and_english_otherwise():
    service = SendingServiceFactory()
    template = make_template(
        service,
        body="Annwyl ((name))",
        welsh_body="Annwyl ((name))",
        welsh_subject="Ynglŷn â ((reference))",
    )
    assert _send(service, template, "a@example.com", language="cy").subject == "Ynglŷn â ABC-123"
    english = make_template(service, name="English only")
    assert (
        _send(service, english, "a@example.com", language="cy", key="2").subject == "About ABC-123"
    )


def test_sending_twice_with_one_key_queues_one_message():
    service = SendingServiceFactory()
    template = make_template(service)
    assert _send(service, template, "a@example.com") == _send(service, template, "a@example.com")
    assert Message.objects.count() == 1


def test_another_services_template_cannot_be_used():
    service = SendingServiceFactory()
    other = SendingServiceFactory(organisation=OrganisationFactory(slug="other", name="Other"))
    with pytest.raises(SendingRefused, match="Template not found"):
        _send(service, make_template(other), "a@example.com")


def test_new_words_make_a_new_version_and_the_same_words_none():
    service = SendingServiceFactory()
    template = make_template(service)
    same = save_template(
        service,
        name=template.name,
        template_type="email",
        words=Words(
            body="Dear ((name)),\n\nYour reference is ((reference)).", subject="About ((reference))"
        ),
        created_by="test",
        template=template,
    )
    assert same.version == 1
    changed = save_template(
        service,
        name=template.name,
        template_type="email",
        words=Words(body="Hello ((name))", subject="About ((reference))"),
        created_by="test",
        template=template,
    )
    assert changed.version == 2
    first = changed.versions.get(version=1)
    assert first.body.startswith("Dear")


@pytest.mark.parametrize(
    ("template_type", "words", "problem"),
    [
        ("email", Words(body="Hi"), "Enter a subject"),
        ("letter", Words(body="Hi"), "Enter a main heading"),
        ("sms", Words(body="Hi", subject="No"), "A text message has no subject"),
        ("sms", Words(body="x" * 919), "cannot be longer than 918"),
        ("email", Words(body="Hi ((name", subject="S"), "is not closed"),
        ("letter", Words(body="Hi", subject="S", postage="pigeon"), "postage must be one of"),
        ("fax", Words(body="Hi"), "is not a template type"),
    ],
)
def test_words_a_template_cannot_have_are_refused(template_type, words, problem):
    with pytest.raises(TemplateInvalid, match=problem):
        save_template(
            SendingServiceFactory(),
            name="T",
            template_type=template_type,
            words=words,
            created_by="t",
        )
