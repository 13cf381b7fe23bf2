"""Every string the platform marks for translation has its Welsh.

The strings are read the way the code marks them: Jinja's own extractor reads the
templates (`_()`, `gettext()`, `ngettext()`, `pgettext()`, `{% trans %}` blocks, calls over
several lines, any quotes), and Python's parser reads the code (the gettext functions
however they are imported or named, `gettext_noop` included). A call whose message is not
written out cannot be checked, so it fails here too, unless it translates a constant
marked with `gettext_noop`. A Welsh page then has no English words of the platform's own.
"""

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.template import engines

REPOSITORY = Path(__file__).resolve().parents[2]
SRC = REPOSITORY / "src" / "civitas"
CATALOGUE = SRC / "locale" / "cy" / "LC_MESSAGES" / "django.po"

# Where each gettext function keeps its message(s): (context, singular, plural) positions.
PYTHON_FUNCTIONS = {
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ugettext": (None, 0, None),
    "ugettext_lazy": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
JINJA_FUNCTIONS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "ngettext": (None, 0, 1),
    "pgettext": (0, 1, None),
    "npgettext": (0, 1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
PLURAL_FORMS = re.compile(r"nplurals=(\d+)")


@dataclass(frozen=True)
class Marked:
    """A string marked for translation, and where."""

    context: str | None
    message: str
    plural: str | None
    where: str


@dataclass(frozen=True)
class Translation:
    message: str
    plural: str | None
    translations: tuple[str, ...]
    fuzzy: bool


def _message_parts(
    arguments: list[object], positions: tuple[int | None, int, int | None], where: str
) -> Marked | str:
    """The Marked string, or why it cannot be checked."""
    context_at, singular_at, plural_at = positions
    wanted = [at for at in positions if at is not None]
    if len(arguments) <= max(wanted):
        return f"{where}: too few arguments"
    values = [arguments[at] for at in wanted]
    if not all(isinstance(value, str) for value in values):
        return f"{where}: the message is not written out, so its Welsh cannot be checked"
    return Marked(
        context=str(arguments[context_at]) if context_at is not None else None,
        message=str(arguments[singular_at]),
        plural=str(arguments[plural_at]) if plural_at is not None else None,
        where=where,
    )


def template_strings() -> Iterator[Marked | str]:
    environment = engines["jinja2"].env  # type: ignore[attr-defined]
    templates = sorted(path for path in SRC.glob("*/templates/**/*") if path.is_file())
    assert templates
    for path in templates:
        source = path.read_text()
        for line, function, message in environment.extract_translations(source, JINJA_FUNCTIONS):
            # One string, or a tuple with None for each argument that is not a constant
            # (the keyword arguments that fill a message's placeholders).
            arguments = list(message) if isinstance(message, tuple) else [message]
            where = f"{path.relative_to(SRC)}:{line}"
            yield _message_parts(arguments, JINJA_FUNCTIONS[function], where)


def _gettext_names(tree: ast.Module) -> dict[str, str]:
    """The names this module calls the gettext functions by: `_`, `gettext`,
    `translation.gettext`, ..."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in PYTHON_FUNCTIONS:
                    names[alias.asname or alias.name] = alias.name
    return names


def _called(node: ast.Call, names: dict[str, str]) -> str | None:
    if isinstance(node.func, ast.Name):
        return names.get(node.func.id)
    if isinstance(node.func, ast.Attribute) and node.func.attr in PYTHON_FUNCTIONS:
        return node.func.attr  # translation.gettext(...)
    return None


def python_strings() -> Iterator[Marked | str]:
    sources = sorted(
        path
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    )
    assert sources
    for path in sources:
        tree = ast.parse(path.read_text(), filename=str(path))
        names = _gettext_names(tree)
        # Constants marked with gettext_noop and translated later by name.
        noop_constants = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _called(node.value, names) == "gettext_noop"
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            function = _called(node, names)
            if function is None:
                continue
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            if (
                len(node.args) == 1
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in noop_constants
            ):
                continue
            arguments = [
                argument.value if isinstance(argument, ast.Constant) else None
                for argument in node.args
            ]
            yield _message_parts(arguments, PYTHON_FUNCTIONS[function], where)


def _unquote(text: str) -> str:
    # PO strings are C strings; Python reads their escapes the same way.
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def read_catalogue(path: Path) -> dict[tuple[str | None, str], Translation]:
    """The entries of a .po file by (context, message), obsolete ones left out; the header
    is the entry of the empty message."""
    entries: dict[tuple[str | None, str], Translation] = {}
    fields: dict[str, str] = {}
    flags: set[str] = set()
    current: str | None = None

    def finish() -> None:
        if "msgid" in fields:
            translations = tuple(
                value
                for key, value in sorted(fields.items())
                if key == "msgstr" or key.startswith("msgstr[")
            )
            entries[(fields.get("msgctxt"), fields["msgid"])] = Translation(
                message=fields["msgid"],
                plural=fields.get("msgid_plural"),
                translations=translations,
                fuzzy="fuzzy" in flags,
            )
        fields.clear()
        flags.clear()

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
                current = None
            continue
        if line.startswith("#,"):
            flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert current is not None, f"a continuation line with no keyword: {line}"
            fields[current] += _unquote(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and any(key.startswith("msgstr") for key in fields):
                finish()  # an entry with no blank line before the next one
            current = keyword
            fields[keyword] = _unquote(rest)
    return entries


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _problems(
    marked: list[Marked | str], catalogue: dict[tuple[str | None, str], Translation]
) -> list[str]:
    header = catalogue[(None, "")].translations[0]
    plural_forms = int(PLURAL_FORMS.search(header).group(1))  # type: ignore[union-attr]
    problems = [item for item in marked if isinstance(item, str)]
    for item in marked:
        if isinstance(item, str):
            continue
        entry = catalogue.get((item.context, item.message))
        if entry is None:
            problems.append(f"{item.where}: no Welsh for {item.message!r}")
            continue
        if entry.fuzzy or not entry.translations or not all(entry.translations):
            problems.append(f"{item.where}: the Welsh for {item.message!r} is empty or fuzzy")
            continue
        if item.plural is not None and (
            entry.plural != item.plural or len(entry.translations) != plural_forms
        ):
            problems.append(
                f"{item.where}: {item.message!r} needs its {plural_forms} Welsh plural forms"
            )
        wanted = _placeholders(item.message) | _placeholders(item.plural or "")
        for welsh in entry.translations:
            if _placeholders(welsh) - wanted or (
                item.plural is None and _placeholders(welsh) != wanted
            ):
                problems.append(
                    f"{item.where}: the Welsh for {item.message!r} has placeholders "
                    f"{sorted(_placeholders(welsh))}, the English {sorted(wanted)}"
                )
            try:
                # Jinja formats every message, so a bare % would break the page.
                welsh % dict.fromkeys(wanted, "x")
            except (ValueError, TypeError, KeyError) as error:
                problems.append(f"{item.where}: the Welsh for {item.message!r}: {error}")
    return sorted(set(problems))


@pytest.fixture(scope="module")
def catalogue():
    return read_catalogue(CATALOGUE)


def test_every_template_string_has_its_welsh(catalogue):
    marked = list(template_strings())
    assert len(marked) > 200
    assert _problems(marked, catalogue) == []


def test_every_string_in_the_code_has_its_welsh(catalogue):
    marked = list(python_strings())
    assert len(marked) >= 3
    assert _problems(marked, catalogue) == []


def test_a_missing_empty_fuzzy_or_misplaced_translation_is_reported(tmp_path):
    """The check itself: an entry taken out, emptied, marked fuzzy or given the wrong
    placeholder or too few plural forms, and a message that is not written out, are each
    reported."""
    text = CATALOGUE.read_text(encoding="utf-8")
    removed = text.replace('msgid "Yes"\nmsgstr "Ie"\n', "")
    emptied = text.replace('msgid "No"\nmsgstr "Na"', 'msgid "No"\nmsgstr ""')
    fuzzy = text.replace('msgid "Back"\n', '#, fuzzy\nmsgid "Back"\n')
    placeholder = text.replace(
        'msgstr "Rydym wedi anfon dolen at %(email)s."', 'msgstr "Anfonwyd."'
    )
    plural = (
        text + '\nmsgid "A file"\nmsgid_plural "%(count)s files"\n'
        'msgstr[0] "%(count)s ffeil"\nmsgstr[1] "Un ffeil"\n'
    )
    assert len({removed, emptied, fuzzy, placeholder, text}) == 5
    marked = [
        *template_strings(),
        Marked(context=None, message="A file", plural="%(count)s files", where="files.html:1"),
        "somewhere.html:1: the message is not written out",
    ]
    problems = []
    for name, changed in [
        ("removed", removed),
        ("emptied", emptied),
        ("fuzzy", fuzzy),
        ("placeholder", placeholder),
        ("plural", plural),
    ]:
        path = tmp_path / f"{name}.po"
        path.write_text(changed, encoding="utf-8")
        problems.append(_problems(marked, read_catalogue(path)))
    assert any("no Welsh for 'Yes'" in problem for problem in problems[0])
    assert any("for 'No' is empty or fuzzy" in problem for problem in problems[1])
    assert any("for 'Back' is empty or fuzzy" in problem for problem in problems[2])
    assert any("has placeholders [], the English ['email']" in problem for problem in problems[3])
    assert "files.html:1: 'A file' needs its 6 Welsh plural forms" in problems[4]
    assert all("somewhere.html:1: the message is not written out" in found for found in problems)


def test_the_extraction_reads_every_way_a_string_is_marked():
    """Calls over several lines, either quotes, keyword placeholders, plurals, contexts,
    trans blocks and aliases: each is read; a message that is not written out is reported."""
    environment = engines["jinja2"].env  # type: ignore[attr-defined]
    source = """
        {{ _('single') }} {{ _("double %(n)s", n=1) }}
        {{ _(
             "over lines"
           ) }}
        {{ ngettext("one", "many", 2) }} {{ pgettext("menu", "Open") }}
        {% trans %}in a block{% endtrans %}
        {{ _(variable) }}
    """
    found = [
        item
        for line, function, message in environment.extract_translations(source, JINJA_FUNCTIONS)
        for item in [
            _message_parts(
                list(message) if isinstance(message, tuple) else [message],
                JINJA_FUNCTIONS[function],
                f"t:{line}",
            )
        ]
    ]
    messages = {item.message for item in found if isinstance(item, Marked)}
    assert messages == {"single", "double %(n)s", "over lines", "one", "Open", "in a block"}
    assert [item for item in found if isinstance(item, str)] == [
        "t:8: the message is not written out, so its Welsh cannot be checked"
    ]
    tree = ast.parse(
        "from django.utils.translation import gettext as _, pgettext_lazy\n"
        "from django.utils import translation\n"
        "_('a'\n  'b')\n"
        "pgettext_lazy('ctx', 'c')\n"
        "translation.ngettext('d', 'ds', 2)\n"
    )
    names = _gettext_names(tree)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert [_called(call, names) for call in calls] == ["gettext", "pgettext_lazy", "ngettext"]
