"""The MIME an email goes out as: parsed back by the standard library, it says what was
sent, in any language, and no value can add a header."""

from email import message_from_bytes, policy

import pytest

from civitas.notify.providers import Channel, OutgoingMessage, PermanentFailure
from civitas.notify.providers.smtp import email_bytes


def _outgoing(**changes) -> OutgoingMessage:
    fields = {
        "channel": Channel.EMAIL,
        "reference": "0b7f3c2e-5d6a-4c1b-9e8f-7a6b5c4d3e2f",
        "recipient": "ann@example.com",
        "subject": "Ynglŷn â'ch cais ABC-123",
        "body_text": "Annwyl Ann,\n.\n" + "ŵ" * 200 + "\n",
        "body_html": "<p>Annwyl Ann</p>",
        "reply_to": "tim@example.gov.uk",
        **changes,
    }
    return OutgoingMessage(**fields)


def _parsed(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_an_email_reads_back_as_written_in_welsh():
    parsed = _parsed(
        email_bytes(
            _outgoing(),
            from_address="Cyngor Bwrdeistref Enghraifft <dim@example.gov.uk>",
            message_id="<x@civitas.notify>",
        )
    )
    assert parsed["Subject"] == "Ynglŷn â'ch cais ABC-123"
    assert parsed["To"] == "ann@example.com"
    assert parsed["Reply-To"] == "tim@example.gov.uk"
    assert parsed["Message-ID"] == "<x@civitas.notify>"
    assert parsed["From"].addresses[0].addr_spec == "dim@example.gov.uk"
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == "Annwyl Ann,\n.\n" + "ŵ" * 200 + "\n"
    assert parsed.get_body(("html",)).get_content() == "<p>Annwyl Ann</p>"


def test_a_name_that_is_not_ascii_is_encoded_and_its_address_is_not():
    raw = email_bytes(
        _outgoing(), from_address="Cyngor Sîr <dim@example.gov.uk>", message_id="<x@y>"
    )
    header = next(line for line in raw.split(b"\r\n") if line.startswith(b"From: "))
    assert header.endswith(b"<dim@example.gov.uk>")
    assert header.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hello\r\nBcc: victim@example.com"},
        {"recipient": "ann@example.com\nBcc: victim@example.com"},
        {"reply_to": "x@example.com\r\nX-Injected: 1"},
    ],
)
def test_a_line_break_in_any_header_is_refused_for_good(changes):
    with pytest.raises(PermanentFailure, match="HeaderInjection"):
        email_bytes(_outgoing(**changes), from_address="a@example.gov.uk", message_id="<x@y>")
