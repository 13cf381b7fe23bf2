"""Stored messages move from `{name}` to GOV.UK Notify's `((name))`.

Messages are now rendered with Notify's syntax, so the `messages` of every stored
version's definition are rewritten: cases decided later on an old version still send the
emails it was published with. The stored `source` stays exactly as published: it is the
record.

What `str.format_map` made of the old text is what the new text shows:

- `{name}` for a field messages filled becomes `((name))` (a conversion or format spec,
  which the old check let through, is dropped);
- `{{` and `}}` were literal braces, and become `{` and `}`, which are plain text now;
- anything else in braces (`{Name}`, `{0}`, `{reference.x}`), and text the old renderer
  could not read at all (a lone `{`), made every email fail; it is kept as plain text;
- a literal `((` in the old text would now open a placeholder, so a space parts its
  brackets.

Going back rewrites `((name))` as `{name}` and doubles literal braces; the optional text of
a `((name??text))`, which the old syntax cannot say, is dropped.

This file is deliberately self-contained: it must keep doing the same thing whatever
becomes of the renderer.
"""

import re
import string

from django.db import migrations

# The placeholders messages could use when this migration was written.
OLD_FIELDS = {
    "reference",
    "service_title",
    "fee",
    "reason",
    "reason_key",
    "organisation",
    "status_url",
    "ledger_index",
    "ledger_url",
}
_RUN_OF_OPENING_BRACKETS = re.compile(r"\({2,}")
_NEW_PLACEHOLDER = re.compile(r"\({2}([^()]*)\){2}")


def _plain(text: str) -> str:
    """Old literal text that stays literal in the new syntax."""
    return _RUN_OF_OPENING_BRACKETS.sub(lambda run: " ".join(run.group()), text)


def to_notify_syntax(text: str) -> str:
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError:
        return _plain(text)
    out = []
    for literal, field, spec, conversion in pieces:
        out.append(_plain(literal))
        if field is None:
            continue
        if field in OLD_FIELDS:
            out.append(f"(({field}))")
        else:
            original = field + (f"!{conversion}" if conversion else "")
            original += f":{spec}" if spec else ""
            out.append(_plain("{" + original + "}"))
    return "".join(out)


def _old_literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def to_format_syntax(text: str) -> str:
    by_key = {name.replace("_", ""): name for name in OLD_FIELDS}
    out = []
    position = 0
    for match in _NEW_PLACEHOLDER.finditer(text):
        out.append(_old_literal(text[position : match.start()]))
        body = match.group(1)
        key = re.sub(r"[ _-]", "", body).lower()
        if "??" not in body and key in by_key:
            out.append("{" + by_key[key] + "}")
        elif "??" not in body:
            out.append(_old_literal(match.group()))
        position = match.end()
    out.append(_old_literal(text[position:]))
    return "".join(out)


def _rewrite(apps, convert) -> None:
    ServiceVersion = apps.get_model("catalogue", "ServiceVersion")
    for version in ServiceVersion.objects.only("id", "definition").iterator():
        messages = version.definition.get("messages")
        if not isinstance(messages, dict):
            continue
        rewritten = {
            name: {
                part: convert(text) if isinstance(text, str) else text
                for part, text in message.items()
            }
            if isinstance(message, dict)
            else message
            for name, message in messages.items()
        }
        if rewritten != messages:
            version.definition = {**version.definition, "messages": rewritten}
            version.save(update_fields=["definition"])


def forwards(apps, schema_editor) -> None:
    _rewrite(apps, to_notify_syntax)


def backwards(apps, schema_editor) -> None:
    _rewrite(apps, to_format_syntax)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0002_organisation_key")]

    operations = [migrations.RunPython(forwards, backwards)]
