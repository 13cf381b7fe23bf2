"""Conventions the whole code base keeps, checked on every run."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from civitas.platform.yamlsource import read_yaml

REPOSITORY = Path(__file__).resolve().parents[2]
SRC = REPOSITORY / "src" / "civitas"
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


# A tag other than a link (<a>) that names a URL on another site: a script, a style
# sheet, an image or a frame, which the browser would fetch from there.
ASSET_FROM_ANOTHER_SITE = re.compile(r'<(?!a\b)[a-z]+\b[^>]*\b(src|href)="(https?:)?//')


def test_no_template_loads_assets_from_another_site():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.glob("*/templates/**/*.html")
        if ASSET_FROM_ANOTHER_SITE.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("html", "is_asset"),
    [
        ('<script src="https://cdn.example.com/x.js"></script>', True),
        ('<link rel="stylesheet" href="//cdn.example.com/x.css">', True),
        ('<img alt="" src="http://example.com/x.png">', True),
        ('<a class="govuk-link" href="https://www.equalityadvisoryservice.com/">EASS</a>', False),
        ('<script src="/static/platform/init.js"></script>', False),
    ],
)
def test_the_asset_check_tells_assets_from_links(html, is_asset):
    assert bool(ASSET_FROM_ANOTHER_SITE.search(html)) is is_asset


def test_yaml_is_read_only_by_the_platform_loader():
    # One loader holds every YAML file to the same rules (no duplicate keys, no tabs, no
    # YAML 1.1 booleans) and reports problems at their lines.
    reading = re.compile(r"\byaml\.(safe_load|load|full_load|unsafe_load|compose|parse)")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts
        and path != SRC / "platform" / "yamlsource.py"
        and reading.search(path.read_text())
    ]
    assert offenders == []


def test_the_example_services_and_the_documented_yaml_are_read_without_problems():
    problems = []
    for path in sorted((REPOSITORY / "services").rglob("*.yaml")):
        problems += read_yaml(path)[1]
    for path in sorted((REPOSITORY / "docs").glob("*.md")):
        for number, block in enumerate(re.findall(r"```yaml\n(.*?)```", path.read_text(), re.S)):
            problems += read_yaml(f"{path.name} example {number + 1}", text=block)[1]
    assert [str(problem) for problem in problems] == []


def _pure_modules() -> list[str]:
    import tomllib

    config = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    pure = next(c for c in contracts if c["name"] == "Pure modules touch no database")
    return pure["source_modules"]


def test_pure_modules_do_not_import_the_orm():
    offenders = []
    for module in _pure_modules():
        path = SRC.parent / module.replace(".", "/")
        files = sorted(path.glob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
        offenders += [
            str(file.relative_to(SRC))
            for file in files
            if re.search(r"^\s*(from|import) django\.db\b", file.read_text(), re.MULTILINE)
        ]
    assert _pure_modules()
    assert offenders == []
