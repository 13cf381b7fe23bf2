"""Conventions the whole code base keeps, checked on every run."""

import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

SRC = Path(__file__).resolve().parents[2] / "src" / "civitas"
LOCALE = SRC / "locale" / "cy" / "LC_MESSAGES" / "django.po"


def test_migrations_are_up_to_date(db):
    output = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=output)
    assert "No changes detected" in output.getvalue()


def test_every_welsh_chrome_string_is_translated():
    entries = re.findall(r'msgid "(.+?)"\nmsgstr "(.*?)"\n', LOCALE.read_text())
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert entries
    assert untranslated == []


def test_no_template_loads_assets_from_another_site():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.glob("*/templates/**/*.html")
        if re.search(r'(src|href)="(https?:)?//(?!www\.legislation)', path.read_text())
    ]
    assert offenders == []
