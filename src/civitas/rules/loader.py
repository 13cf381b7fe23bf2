"""Loading and validating rule-set files.

``validate_file`` reports every problem it can find, each as ``file:line: message``:
YAML syntax, schema (unknown keys, wrong shapes), expression syntax, unknown names, type
errors, cycles between variables, badly formed templates, and parameters whose periods
overlap or leave gaps. ``load_rule_set`` returns a compiled ``RuleSet`` only when there are
none, and raises ``RuleSetInvalid`` otherwise: a rule set is never partly loaded.

Loaded rule sets are cached by file content, so calling ``load_rule_set`` per request is
cheap and never re-parses an unchanged file.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from civitas.platform.yamlsource import Document, PathPart, Problem, sorted_problems
from civitas.rules import datatypes as dt
from civitas.rules.datatypes import ValueType
from civitas.rules.evaluate import compile_variable
from civitas.rules.expressions import (
    BUILTINS,
    RESERVED,
    Default,
    ExpressionSyntaxError,
    Literal,
    Node,
    names_used,
    parse,
    render,
    walk,
)
from civitas.rules.model import (
    MEMBERS,
    NO_DEFAULT,
    ROLE,
    ExceptionSpec,
    GroupSpec,
    InputSpec,
    ParameterSpec,
    Period,
    RoleSpec,
    RuleSet,
    Source,
    Translation,
    VariableSpec,
    range_problem,
)
from civitas.rules.scales import Scale, ScaleError, make_scale
from civitas.rules.sourcefile import read_document
from civitas.rules.templates import Template, TemplateError, parse_template
from civitas.rules.typecheck import ExpressionTypeError, Symbol, check, unknown_names
from civitas.rules.values import LANGUAGES, WHOLE_LIMIT
from civitas.rules.values import check as check_value

SCHEMA = "rule-set.schema.json"


class RuleSetInvalid(Exception):
    """A rule-set file has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in the rule-set file at ``path``, in line order (empty if valid)."""
    _rule_set, problems = build(path)
    return problems


_CACHE: dict[tuple[str, str], RuleSet] = {}
_CACHE_LOCK = threading.Lock()


def load_rule_set(path: str | Path) -> RuleSet:
    """The compiled rule set in ``path``; raises ``RuleSetInvalid`` listing its problems.

    Cached by resolved path and content digest: an unchanged file is parsed once.
    """
    resolved = Path(path).resolve()
    try:
        raw = resolved.read_bytes()
    except OSError as error:
        raise RuleSetInvalid([Problem(str(path), None, f"cannot read the file: {error}")]) from None
    key = (str(resolved), hashlib.sha256(raw).hexdigest())
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    rule_set, problems = build(path)
    if rule_set is None:
        raise RuleSetInvalid(problems)
    with _CACHE_LOCK:
        # Keep one entry per file: an edited file replaces its old version.
        for old in [k for k in _CACHE if k[0] == key[0]]:
            del _CACHE[old]
        _CACHE[key] = rule_set
    return rule_set


_SOURCE_CACHE: dict[str, RuleSet] = {}
_SOURCE_CACHE_LIMIT = 64


def load_rule_set_source(source: str, *, filename: str) -> RuleSet:
    """The compiled rule set written in ``source`` (problems reported against ``filename``).

    For rules kept somewhere other than a file: a published service version embeds the
    text of its rule set, so a case is always decided by the rules it was published with,
    whatever has happened to the file since. Cached by content; raises ``RuleSetInvalid``.
    """
    key = hashlib.sha256(source.encode("utf-8")).hexdigest()
    cached = _SOURCE_CACHE.get(key)
    if cached is not None:
        return cached
    rule_set, problems = build(filename, text=source)
    if rule_set is None:
        raise RuleSetInvalid(problems)
    with _CACHE_LOCK:
        if len(_SOURCE_CACHE) >= _SOURCE_CACHE_LIMIT:
            _SOURCE_CACHE.pop(next(iter(_SOURCE_CACHE)))
        _SOURCE_CACHE[key] = rule_set
    return rule_set


def build(path: str | Path, *, text: str | None = None) -> tuple[RuleSet | None, list[Problem]]:
    """Parse, validate and compile ``path`` (or ``text``, reported as ``path``): the rule
    set, or None and the problems."""
    document, problems = read_document(path, SCHEMA, text=text)
    if document is None or problems:
        return None, problems
    builder = _Builder(document)
    rule_set = builder.build()
    problems = sorted_problems(builder.problems)
    if problems:
        return None, problems
    return rule_set, []


def canonical_hash(data: Any) -> str:
    """sha256 of the canonical JSON form of a document (sorted keys, no whitespace).

    Comments and layout do not change it; any change to what the rules say does.
    """
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _label(spec: Mapping[str, Any], name: str) -> str:
    label = spec.get("label")
    if label is None:
        return name.replace("_", " ").capitalize()
    return _english(label)


def _english(text: str | Mapping[str, str]) -> str:
    """The English of a text written as a string or as ``{en: ..., cy: ...}``."""
    return text if isinstance(text, str) else text["en"]


def _in_language(text: str | Mapping[str, str] | None, language: str) -> str | None:
    """A text's version in ``language``, or None when it is not written in it."""
    if text is None:
        return None
    if isinstance(text, str):
        return text if language == "en" else None
    return text.get(language)


def _source(spec: Mapping[str, Any] | None) -> Source | None:
    if not spec:
        return None
    return Source(spec["reference"], spec.get("url"), spec.get("title"))


class _Builder:
    """Turns a schema-valid document into a RuleSet, collecting semantic problems."""

    def __init__(self, document: Document) -> None:
        self.doc = document
        # The schema has checked the document's shape.
        self.data = cast("dict[str, Any]", document.data)
        self.problems: list[Problem] = []
        meta = self.data["metadata"]
        self.languages: tuple[str, ...] = tuple(meta.get("languages") or ("en",))
        self.translated = tuple(code for code in self.languages if code != "en")
        self.citations_required = meta.get("citations") == "required"

    def problem(self, message: str, *path: PathPart, key: bool = False) -> None:
        self.problems.append(self.doc.problem(message, *path, key=key))

    def build(self) -> RuleSet | None:
        inputs_data: dict[str, Any] = self.data.get("inputs") or {}
        parameters_data: dict[str, Any] = self.data.get("parameters") or {}
        variables_data: dict[str, Any] = self.data["variables"]
        self._check_names(inputs_data, parameters_data, variables_data)
        self.group = self._group()

        inputs = {name: self._input(name, spec) for name, spec in inputs_data.items()}
        if self.group is not None:
            inputs = {ROLE: self._role_input(self.group), **inputs}
        declared = {
            name: dt.declared(
                spec["type"],
                frozenset(spec.get("values") or ()),
                self._period("variables", name, spec),
            )
            for name, spec in variables_data.items()
        }
        enumerations = {
            name: spec.vtype for name, spec in inputs.items() if spec.vtype.kind == dt.ENUMERATION
        }
        enumerations.update(
            {name: vtype for name, vtype in declared.items() if vtype.kind == dt.ENUMERATION}
        )
        parameter_types = {
            name: self._parameter_type(name, spec, enumerations)
            for name, spec in parameters_data.items()
        }
        # A parameter with bad periods still has a type, so expressions using it are
        # checked rather than reported as using an unknown name.
        parameters = {
            name: self._parameter(name, spec, vtype) if vtype is not None else None
            for (name, spec), vtype in zip(
                parameters_data.items(), parameter_types.values(), strict=True
            )
        }

        symbols: dict[str, Symbol] = {
            name: Symbol("builtin", ValueType(dt.DATE)) for name in BUILTINS
        }
        symbols.update({n: Symbol("input", s.vtype, s.per_member) for n, s in inputs.items()})
        symbols.update(
            {n: Symbol("parameter", t) for n, t in parameter_types.items() if t is not None}
        )
        symbols.update(
            {
                n: Symbol("variable", v, self._per_member(variables_data[n], ("variables", n)))
                for n, v in declared.items()
            }
        )

        variables = {
            name: self._variable(name, spec, declared[name], symbols)
            for name, spec in variables_data.items()
        }
        complete = {n: v for n, v in variables.items() if v is not None}
        order = self._order(complete, variables_data)
        outputs = self._outputs(complete, variables_data)
        valid_from, valid_to = self._coverage(parameters)
        if self.problems or len(complete) != len(variables) or None in parameters.values():
            return None
        return self._assemble(inputs, parameters, complete, order, outputs, valid_from, valid_to)

    # --- texts in several languages ------------------------------------------------------

    def _check_text(self, text: Any, what: str, *path: PathPart) -> None:
        """Report a text's missing translations, and translations into a language the rule
        set does not declare (so what ``languages`` says is always the whole truth)."""
        if text is None:
            return
        for code in self.translated:
            if _in_language(text, code) is None:
                self.problem(
                    f"{what} has no {_LANGUAGE_NAMES[code]} ({code}) text, and the rule set "
                    f"declares languages: [{', '.join(self.languages)}]",
                    *path,
                )
        if isinstance(text, Mapping):
            for code in text:
                if code != "en" and code not in self.languages:
                    self.problem(
                        f"{what} is written in {_LANGUAGE_NAMES.get(code, code)} ({code}), "
                        f"but metadata.languages does not declare {code}",
                        *path,
                        code,
                        key=True,
                    )

    def _check_label(self, group: str, name: str, spec: Mapping[str, Any]) -> None:
        if "label" in spec:
            self._check_text(spec["label"], f"{name}: label", group, name, "label")
        elif self.translated:
            self.problem(
                f"{name} has no label; a rule set in several languages labels every input, "
                "parameter and variable in each (label: {en: ..., cy: ...})",
                group,
                name,
                key=True,
            )
        for value, text in (spec.get("labels") or {}).items():
            self._check_text(text, f"{name}: the label for '{value}'", group, name, "labels", value)

    def _label_translations(self, spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """Per translated language: the label and enumeration labels written in it."""
        found: dict[str, dict[str, Any]] = {}
        for code in LANGUAGES:
            if code == "en":
                continue
            entry: dict[str, Any] = {}
            label = _in_language(spec.get("label"), code)
            if label is not None:
                entry["label"] = label
            written = spec.get("labels")
            if written:
                labels = {
                    value: _in_language(text, code) or _english(text)
                    for value, text in written.items()
                }
                if any(_in_language(text, code) is not None for text in written.values()):
                    entry["labels"] = labels
            if entry:
                found[code] = entry
        return found

    def _check_source(self, group: str, name: str, spec: Mapping[str, Any]) -> None:
        if self.citations_required and not spec.get("source"):
            self.problem(
                f"{name} has no source; this rule set requires every parameter and variable "
                "to cite where it comes from (source: {reference: ...})",
                group,
                name,
                key=True,
            )

    # --- the group and its members -------------------------------------------------------

    def _group(self) -> GroupSpec | None:
        data = self.data.get("group")
        if data is None:
            return None
        if data["member"] == data["name"]:
            self.problem("the group and its members need different names", "group", "member")
        roles = {}
        for name, spec in data["roles"].items():
            minimum, maximum = spec.get("minimum", 0), spec.get("maximum")
            if maximum is not None and minimum > maximum:
                self.problem(
                    f"role {name}: minimum {minimum} is greater than maximum {maximum}",
                    "group",
                    "roles",
                    name,
                )
            label = _english(spec["label"]) if "label" in spec else name.replace("_", " ")
            if "label" in spec:
                self._check_text(
                    spec["label"], f"role {name}: label", "group", "roles", name, "label"
                )
            elif self.translated:
                self.problem(
                    f"role {name} has no label; a rule set in several languages labels each "
                    "role in each, as explanations name members by it",
                    "group",
                    "roles",
                    name,
                    key=True,
                )
            translations = self._label_translations(spec)
            roles[name] = RoleSpec(
                name,
                label,
                minimum,
                maximum,
                {code: Translation(**entry) for code, entry in translations.items()},
            )
        return GroupSpec(
            data["name"],
            data.get("label", data["name"].replace("_", " ").capitalize()),
            data["member"],
            data.get("member_label", data["member"].replace("_", " ").capitalize()),
            roles,
        )

    def _role_input(self, group: GroupSpec) -> InputSpec:
        roles = tuple(group.roles)
        return InputSpec(
            ROLE,
            dt.declared(dt.ENUMERATION, frozenset(roles)),
            f"Role in the {group.label.lower()}",
            None,
            NO_DEFAULT,
            None,
            None,
            roles,
            {name: role.label for name, role in group.roles.items()},
            self.doc.line("group", "roles"),
            per_member=True,
            translations={
                code: Translation(
                    labels={name: role.label_in(code) for name, role in group.roles.items()}
                )
                for code in self.translated
            },
        )

    def _per_member(self, spec: Mapping[str, Any], path: tuple[PathPart, ...]) -> bool:
        """Whether an input or variable is declared ``entity: <member>``."""
        entity = spec.get("entity")
        if entity is None:
            return False
        group = self.group
        if group is None:
            self.problem(
                f"entity '{entity}' needs a `group:` section that declares the group and its "
                "members",
                *path,
                "entity",
            )
            return False
        if entity == group.name:
            return False
        if entity != group.member:
            self.problem(
                f"entity '{entity}' is neither the group ({group.name}) nor its members "
                f"({group.member})",
                *path,
                "entity",
            )
            return False
        return True

    # --- names ---------------------------------------------------------------------------

    def _check_names(self, *groups: dict[str, Any]) -> None:
        where: dict[str, str] = {}
        grouped = "group" in self.data
        for group_name, group in zip(("inputs", "parameters", "variables"), groups, strict=True):
            for name in group:
                if grouped and name in (ROLE, MEMBERS, "member"):
                    self.problem(
                        f"'{name}' is built in when the rules have a group; choose another name",
                        group_name,
                        name,
                        key=True,
                    )
                elif name in RESERVED:
                    self.problem(
                        f"'{name}' is a reserved word or function name; choose another name",
                        group_name,
                        name,
                        key=True,
                    )
                elif name in where:
                    self.problem(
                        f"'{name}' is already defined in {where[name]}", group_name, name, key=True
                    )
                else:
                    where[name] = group_name

    def _period(self, group: str, name: str, spec: dict[str, Any]) -> str | None:
        """The period an amount is declared per (``period: week``), only for amounts."""
        period: str | None = spec.get("period")
        if period is not None and spec.get("type") not in dt.NUMERIC_KINDS:
            self.problem(
                f"{name}: only an amount or a number can be per {period}, not {spec.get('type')}",
                group,
                name,
                "period",
            )
            return None
        return period

    # --- inputs --------------------------------------------------------------------------

    def _input(self, name: str, spec: dict[str, Any]) -> InputSpec:
        kind = spec["type"]
        path = ("inputs", name)
        values = spec.get("values")
        allowed = tuple(values) if values is not None else None
        vtype = dt.declared(
            kind,
            frozenset(values) if kind == dt.ENUMERATION and values else None,
            self._period("inputs", name, spec),
        )
        minimum, maximum = spec.get("minimum"), spec.get("maximum")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.problem(f"minimum {minimum} is greater than maximum {maximum}", *path, "minimum")
        labels = spec.get("labels")
        for value in labels or {}:
            if allowed is not None and value not in allowed:
                self.problem(
                    f"label for '{value}', which is not one of the values",
                    *path,
                    "labels",
                    value,
                    key=True,
                )
        self._check_label("inputs", name, spec)
        result = InputSpec(
            name,
            vtype,
            _label(spec, name),
            spec.get("description"),
            NO_DEFAULT,
            minimum,
            maximum,
            allowed,
            _english_labels(labels),
            self.doc.line(*path),
            translations={
                code: Translation(**entry) for code, entry in self._label_translations(spec).items()
            },
            per_member=self._per_member(spec, path),
        )
        if "default" in spec:
            try:
                default = result.check(spec["default"])
            except ValueError as error:
                self.problem(f"the default of {name} {error}", *path, "default")
            else:
                result = dataclasses.replace(result, default=default)
        return result

    # --- parameters ----------------------------------------------------------------------

    def _parameter_type(
        self, name: str, spec: dict[str, Any], enumerations: Mapping[str, ValueType]
    ) -> ValueType | None:
        """The parameter's type: a table type when it is keyed_by an enumeration."""
        if spec["type"] == dt.SCALE:
            return self._scale_type(name, spec)
        element = dt.declared(spec["type"], period=self._period("parameters", name, spec))
        keyed_by = spec.get("keyed_by")
        if keyed_by is None:
            return element
        if keyed_by not in enumerations:
            self.problem(
                f"keyed_by '{keyed_by}' is not an enumeration input or variable",
                "parameters",
                name,
                "keyed_by",
            )
            return None
        keys = enumerations[keyed_by].values or frozenset()
        return ValueType(dt.TABLE, values=keys, element=element)

    def _scale_type(self, name: str, spec: dict[str, Any]) -> ValueType | None:
        """A scale gives rates, or (a bracket scale only) amounts: what its first bracket
        gives says which, and every period must then give the same."""
        kind = spec.get("scale")
        if kind is None:
            self.problem(
                f"{name} is a scale: say which kind with `scale: marginal` or `scale: bracket`",
                "parameters",
                name,
                "type",
            )
            return None
        first = spec["periods"][0]["value"]
        gives_amounts = (
            isinstance(first, list) and bool(first) and isinstance(first[0], dict)
        ) and "amount" in first[0]
        element = dt.declared(dt.MONEY if gives_amounts else dt.NUMBER)
        return ValueType(dt.SCALE, element=element, scale=kind)

    def _scale_value(
        self, name: str, value: Any, vtype: ValueType, path: tuple[PathPart, ...]
    ) -> Scale | None:
        assert vtype.scale is not None
        try:
            scale = make_scale(vtype.scale, value)
        except ScaleError as error:
            where = (*path, error.index) if error.index is not None else path
            self.problem(f"{name}: {error}", *where)
            return None
        gives = "amounts" if scale.amounts is not None else "rates"
        expected = (
            "amounts" if vtype.element is not None and vtype.element.kind == dt.MONEY else "rates"
        )
        if gives != expected:
            self.problem(
                f"{name}: every period of a scale must give {expected}, as the first does, "
                f"not {gives}",
                *path,
            )
            return None
        return scale

    def _parameter(self, name: str, spec: dict[str, Any], vtype: ValueType) -> ParameterSpec | None:
        path = ("parameters", name)
        self._check_label("parameters", name, spec)
        self._check_source("parameters", name, spec)
        kind = spec["type"]
        keyed_by = spec.get("keyed_by")
        keys = vtype.values if vtype.kind == dt.TABLE else None
        periods: list[Period] = []
        minimum, maximum = spec.get("minimum"), spec.get("maximum")
        bounds = (minimum, maximum)
        ok = True
        if minimum is not None and maximum is not None and minimum > maximum:
            self.problem(
                f"{name}: minimum {minimum} is greater than maximum {maximum}", *path, "minimum"
            )
            ok, bounds = False, (None, None)
        for index, period in enumerate(spec["periods"]):
            ppath = (*path, "periods", index)
            start = self._date(period["from"], *ppath, "from")
            end = self._date(period["to"], *ppath, "to") if period.get("to") else None
            value = (
                self._scale_value(name, period["value"], vtype, (*ppath, "value"))
                if vtype.kind == dt.SCALE
                else self._parameter_value(
                    name, period["value"], kind, keys, keyed_by, (*ppath, "value"), bounds
                )
            )
            if start is None or value is None or (period.get("to") and end is None):
                ok = False
                continue
            if end is not None and end < start:
                self.problem(f"period ends ({end}) before it starts ({start})", *ppath, "to")
                ok = False
                continue
            periods.append(Period(start, end, value, self.doc.line(*ppath)))
        if not ok:
            return None
        if not self._check_periods(name, periods, path):
            return None
        periods.sort(key=lambda p: p.start)
        translations = self._label_translations(spec)
        written = spec.get("explain")
        self._check_text(written, f"{name}: explanation", *path, "explain")
        for code in LANGUAGES:
            text = _in_language(written, code)
            if code != "en" and text is not None:
                where = (*path, "explain", code)
                translations.setdefault(code, {})["explain"] = self._parameter_explain(
                    name, text, vtype, where
                )
        english = _in_language(written, "en")
        english_path = (*path, "explain") if isinstance(written, str) else (*path, "explain", "en")
        return ParameterSpec(
            name,
            vtype,
            _label(spec, name),
            spec.get("description"),
            _source(spec.get("source")),
            keyed_by,
            tuple(periods),
            self.doc.line(*path),
            self._parameter_explain(name, english, vtype, english_path) if english else None,
            {code: Translation(**entry) for code, entry in translations.items()},
            minimum=minimum,
            maximum=maximum,
        )

    def _parameter_explain(
        self, name: str, text: str, vtype: ValueType, path: tuple[PathPart, ...]
    ) -> Template | None:
        """A parameter's template may only use {value}, {key} (tables), {from} and {to}."""
        try:
            template = parse_template(text)
        except TemplateError as error:
            self.problem(f"{name}: explanation: {error}", *path)
            return None
        allowed = {"value", "from", "to"} | ({"key"} if vtype.kind == dt.TABLE else set())
        element = vtype if vtype.kind == dt.SCALE else (vtype.element or vtype)
        for placeholder in template.placeholders():
            if placeholder.name not in allowed or placeholder.attribute is not None:
                self.problem(
                    f"{name}: explanation: a parameter's explanation can use "
                    f"{', '.join('{' + a + '}' for a in sorted(allowed))}, not "
                    f"'{{{placeholder.name}}}'",
                    *path,
                )
            elif placeholder.fmt == "bands":
                self.problem(
                    f"{name}: explanation: {{...:bands}} shows a variable's marginal() working",
                    *path,
                )
            elif placeholder.fmt == "percent" and not (
                placeholder.name == "value" and element.is_numeric
            ):
                self.problem(f"{name}: explanation: only a number can be shown as a percent", *path)
        return template

    def _date(self, text: str, *path: PathPart) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            self.problem(f"{text!r} is not a real date", *path)
            return None

    def _parameter_value(
        self,
        name: str,
        value: Any,
        kind: str,
        keys: frozenset[str] | None,
        keyed_by: str | None,
        path: tuple[PathPart, ...],
        bounds: tuple[float | None, float | None],
    ) -> Any:
        if keys is None:
            if isinstance(value, dict):
                self.problem(f"{name} has a table of values but no keyed_by", *path)
                return None
            return self._scalar(name, value, kind, path, bounds)
        if not isinstance(value, dict):
            self.problem(
                f"{name} is keyed by {keyed_by}, so each value must be a table with "
                f"an entry for each of: {', '.join(sorted(keys))}",
                *path,
            )
            return None
        table: dict[str, Any] = {}
        good = True
        for key, entry in value.items():
            if key not in keys:
                self.problem(
                    f"'{key}' is not a value of {keyed_by} ({', '.join(sorted(keys))})",
                    *path,
                    key,
                    key=True,
                )
                good = False
                continue
            checked = self._scalar(name, entry, kind, (*path, key), bounds, key)
            good = good and checked is not None
            table[key] = checked
        missing = sorted(keys - set(value))
        if missing:
            self.problem(
                f"the table for {name} has no entry for {', '.join(repr(m) for m in missing)}",
                *path,
            )
            good = False
        return table if good else None

    def _scalar(
        self,
        name: str,
        value: Any,
        kind: str,
        path: tuple[PathPart, ...],
        bounds: tuple[float | None, float | None],
        key: str | None = None,
    ) -> Any:
        label = f"{name}[{key}]" if key is not None else name
        try:
            checked = check_value(kind, value)
        except ValueError as error:
            self.problem(f"the value of {label} {error}", *path)
            return None
        outside = range_problem(kind, *bounds, checked)
        if outside is not None:
            self.problem(f"{label} {outside}", *path)
            return None
        return checked

    def _check_periods(self, name: str, periods: list[Period], path: tuple[PathPart, ...]) -> bool:
        ordered = sorted(enumerate(periods), key=lambda item: item[1].start)
        ok = True
        for (_, previous), (index, current) in itertools.pairwise(ordered):
            where = (*path, "periods", index, "from")
            if previous.end is None:
                self.problem(
                    f"{name}: the period from {current.start} overlaps the period "
                    f"from {previous.start}, which has no end date",
                    *where,
                )
                ok = False
            elif current.start <= previous.end:
                self.problem(
                    f"{name}: the period from {current.start} overlaps the period "
                    f"{previous.start} to {previous.end}",
                    *where,
                )
                ok = False
            elif current.start > previous.end + datetime.timedelta(days=1):
                gap_from = previous.end + datetime.timedelta(days=1)
                gap_to = current.start - datetime.timedelta(days=1)
                self.problem(
                    f"{name}: no value from {gap_from} to {gap_to} (a gap between periods)", *where
                )
                ok = False
        return ok

    # --- variables -----------------------------------------------------------------------

    def _variable(
        self, name: str, spec: dict[str, Any], vtype: ValueType, symbols: Mapping[str, Symbol]
    ) -> VariableSpec | None:
        path = ("variables", name)
        text: str = spec["expression"]
        per_member = symbols[name].per_member
        expression = self._expression(name, path, "expression", text, symbols)
        exceptions_data: list[dict[str, Any]] = spec.get("exceptions") or []
        parts = [
            (
                self._expression(name, (*path, "exceptions", i), "when", e["when"], symbols),
                self._expression(
                    name, (*path, "exceptions", i), "expression", str(e["expression"]), symbols
                ),
            )
            for i, e in enumerate(exceptions_data)
        ]
        if expression is None or any(a is None or b is None for a, b in parts):
            return None
        names = [e["name"] for e in exceptions_data]
        for index, exception_name in enumerate(names):
            if exception_name in names[:index]:
                self.problem(
                    f"{name}: two exceptions are called '{exception_name}'",
                    *path,
                    "exceptions",
                    index,
                    "name",
                )
        if parts:
            expression = Default(
                expression,
                tuple(names),
                tuple(cast("Node", when) for when, _ in parts),
                tuple(cast("Node", value) for _, value in parts),
            )
            expression.text = render(expression)
        try:
            result = check(expression, symbols)
        except ExpressionTypeError as error:
            self.problem(f"{name}: {error.message}", *path, "expression")
            return None
        if expression.per_member and not per_member:
            self.problem(
                f"{name}: `{expression.text}` has a value for each member, but {name} is one "
                "value for the group: use sum(), count(), any(), all(), min() or max() of it, "
                f"or declare {name} with the members' entity",
                *path,
                "expression",
            )
            return None
        reason = dt.assignable(vtype, result)
        if reason is None and result.period is not None and result.period != vtype.period:
            reason = (
                f"is an amount per {result.period}; declare `period: {result.period}` on {name}"
                if vtype.period is None
                else f"is an amount per {result.period}, but {name} is declared per "
                f"{vtype.period}; convert it with per_{vtype.period}(...)"
            )
        if reason is not None:
            self.problem(f"{name}: `{expression.text}` {reason}", *path, "expression")
            return None
        self._check_label("variables", name, spec)
        self._check_source("variables", name, spec)
        explain, otherwise, translations = self._explain(name, spec, vtype, symbols)
        gain_when = spec.get("gain_when", "increases")
        if "gain_when" in spec and not vtype.is_numeric:
            self.problem(
                f"{name}: gain_when only applies to amounts and numbers", *path, "gain_when"
            )
        depends_on = tuple(dict.fromkeys(n for n in names_used(expression) if n not in BUILTINS))
        labels = spec.get("labels")
        for value in labels or {}:
            if value not in (vtype.values or ()):
                self.problem(
                    f"label for '{value}', which is not one of the values",
                    *path,
                    "labels",
                    value,
                    key=True,
                )
        exceptions = tuple(
            self._exception(name, data, symbols, (*path, "exceptions", i))
            for i, data in enumerate(exceptions_data)
        )
        return VariableSpec(
            name,
            vtype,
            _label(spec, name),
            spec.get("description"),
            expression,
            text.strip(),
            _source(spec.get("source")),
            explain,
            otherwise,
            gain_when,
            _english_labels(labels),
            depends_on,
            self.doc.line(*path),
            translations={code: Translation(**entry) for code, entry in translations.items()},
            per_member=per_member,
            exceptions=exceptions,
        )

    def _exception(
        self,
        name: str,
        data: Mapping[str, Any],
        symbols: Mapping[str, Symbol],
        path: tuple[PathPart, ...],
    ) -> ExceptionSpec:
        """An exception's label and explanation, in each language the rule set declares."""
        where = f"{name}: exception {data['name']}"
        if "label" in data:
            self._check_text(data["label"], f"{where}: label", *path, "label")
        self._check_text(data.get("explain"), f"{where}: explanation", *path, "explain")
        translations = self._label_translations(data)
        english: Template | None = None
        written = data.get("explain")
        for code in LANGUAGES:
            text = _in_language(written, code)
            if text is None:
                continue
            at = (*path, "explain") if isinstance(written, str) else (*path, "explain", code)
            template = self._template(name, text, symbols, at)
            if code == "en":
                english = template
            else:
                translations.setdefault(code, {})["explain"] = template
        return ExceptionSpec(
            data["name"],
            _label(data, data["name"]),
            english,
            _source(data.get("source")),
            self.doc.line(*path),
            translations={code: Translation(**entry) for code, entry in translations.items()},
        )

    def _expression(
        self,
        name: str,
        path: tuple[PathPart, ...],
        key: str,
        text: str,
        symbols: Mapping[str, Symbol],
    ) -> Node | None:
        """Parse one expression of variable ``name``, reporting syntax errors and unknown
        names at their lines."""
        try:
            expression = parse(text)
        except ExpressionSyntaxError as error:
            self.problems.append(
                Problem(
                    self.doc.path,
                    self._expression_line(path, error.offset, key),
                    f"{name}: {error.message}",
                )
            )
            return None
        for literal in walk(expression):
            if (
                isinstance(literal, Literal)
                and isinstance(literal.value, int)
                and not isinstance(literal.value, bool)
                and abs(literal.value) > WHOLE_LIMIT
            ):
                self.problem(
                    f"{name}: {literal.value} is beyond the largest whole number the rules "
                    f"hold exactly (±{WHOLE_LIMIT:,})",
                    *path,
                    key,
                )
                return None
        unknown = unknown_names(expression, symbols)
        for unknown_name in unknown:
            offset = _find_name(text, unknown_name.name or "")
            self.problems.append(
                Problem(
                    self.doc.path,
                    self._expression_line(path, offset, key),
                    f"{name}: {unknown_name.message}",
                )
            )
        return None if unknown else expression

    def _expression_line(
        self, path: tuple[PathPart, ...], offset: int | None, key: str = "expression"
    ) -> int:
        """The line of character ``offset`` of an expression, however the YAML wrote it."""
        node = self.doc.node(*path, key)
        if node is None:
            return self.doc.line(*path)
        first = int(node.start_mark.line) + 1
        if offset is None:
            return first
        raw_lines = self.doc.text[node.start_mark.index : node.end_mark.index].split("\n")
        if getattr(node, "style", None) in ("|", ">"):
            raw_lines, first = raw_lines[1:], first + 1  # text starts after the indicator
        line = _line_of_offset(str(node.value), raw_lines, offset)
        if line is None:
            # Quoted text with escapes: count the newlines kept in the value instead.
            return first + str(node.value)[:offset].count("\n")
        return first + line

    def _explain(
        self, name: str, spec: dict[str, Any], vtype: ValueType, symbols: Mapping[str, Symbol]
    ) -> tuple[Template | None, Template | None, dict[str, dict[str, Any]]]:
        """The English ``explain`` and ``otherwise`` templates, and per translated language
        its label, labels and templates."""
        translations = self._label_translations(spec)
        explain = spec.get("explain")
        if explain is None:
            return None, None, translations
        path: tuple[PathPart, ...] = ("variables", name, "explain")
        if isinstance(explain, str) or not ({"because", "otherwise"} & set(explain)):
            texts = {"explain": (explain, path)}
        elif vtype.kind != dt.BOOLEAN:
            self.problem(
                f"{name}: because/otherwise explanations are for true-or-false "
                "variables; give a single sentence instead",
                *path,
            )
            return None, None, translations
        else:
            texts = {
                "explain": (explain.get("because"), (*path, "because")),
                "otherwise": (explain.get("otherwise"), (*path, "otherwise")),
            }
        english: dict[str, Template | None] = {"explain": None, "otherwise": None}
        for slot, (text, where) in texts.items():
            self._check_text(text, f"{name}: explanation", *where)
            for code in LANGUAGES:
                written = _in_language(text, code)
                if written is None:
                    continue
                at = where if isinstance(text, str) else (*where, code)
                template = self._template(name, written, symbols, at)
                if code == "en":
                    english[slot] = template
                else:
                    translations.setdefault(code, {})[slot] = template
        return english["explain"], english["otherwise"], translations

    def _template(
        self, name: str, text: str, symbols: Mapping[str, Symbol], path: tuple[PathPart, ...]
    ) -> Template | None:
        try:
            template = parse_template(text)
        except TemplateError as error:
            self.problem(f"{name}: explanation: {error}", *path)
            return None
        per_member = name in symbols and symbols[name].per_member
        for placeholder in template.placeholders():
            symbol = symbols.get(placeholder.name)
            if placeholder.name == "member" and self.group is not None:
                if not per_member:
                    self.problem(
                        f"{name}: explanation: {{member}} names a member, so it can only be "
                        "used by a variable with a value for each member",
                        *path,
                    )
            elif symbol is None:
                self.problem(f"{name}: explanation uses unknown name '{placeholder.name}'", *path)
            elif symbol.per_member and not per_member:
                self.problem(
                    f"{name}: explanation: {placeholder.name} has a value for each member, so "
                    "it can only be shown in the sentence of a variable with a value for each "
                    "member",
                    *path,
                )
            elif placeholder.attribute is not None and symbol.kind != "parameter":
                self.problem(
                    f"{name}: explanation: .{placeholder.attribute} only applies to "
                    f"parameters, and {placeholder.name} is a {symbol.kind}",
                    *path,
                )
            elif symbol.vtype.kind == dt.TABLE and placeholder.attribute is None:
                self.problem(
                    f"{name}: explanation: {placeholder.name} is a table; show the "
                    "variable that looks the value up instead",
                    *path,
                )
            elif placeholder.fmt == "percent" and not symbol.vtype.is_numeric:
                self.problem(
                    f"{name}: explanation: {{{placeholder.name}:percent}} needs a number", *path
                )
            elif placeholder.fmt == "bands" and not self._uses_marginal(placeholder.name):
                self.problem(
                    f"{name}: explanation: {{{placeholder.name}:bands}} shows the band-by-band "
                    f"working of a variable that uses marginal(), and {placeholder.name} "
                    "does not",
                    *path,
                )
        return template

    def _uses_marginal(self, name: str) -> bool:
        spec = self.data["variables"].get(name)
        if not isinstance(spec, dict):
            return False
        return re.search(r"\bmarginal\s*\(", str(spec.get("expression", ""))) is not None

    def _order(
        self, variables: Mapping[str, VariableSpec], data: Mapping[str, Any]
    ) -> tuple[str, ...]:
        """Variables in dependency order; reports each cycle once, naming it."""
        order: list[str] = []
        state: dict[str, int] = {}  # 1: in progress, 2: done
        stack: list[str] = []
        reported: set[frozenset[str]] = set()

        def visit(name: str) -> None:
            state[name] = 1
            stack.append(name)
            for dep in variables[name].depends_on:
                if dep not in variables:
                    continue
                if state.get(dep) == 1:
                    cycle = [*stack[stack.index(dep) :], dep]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self.problem(
                            "variables depend on each other in a cycle: " + " → ".join(cycle),
                            "variables",
                            dep,
                            key=True,
                        )
                elif dep not in state:
                    visit(dep)
            stack.pop()
            state[name] = 2
            order.append(name)

        for name in data:
            if name in variables and name not in state:
                visit(name)
        return tuple(order)

    def _outputs(
        self, variables: Mapping[str, VariableSpec], data: Mapping[str, Any]
    ) -> tuple[str, ...]:
        listed = self.data.get("outputs")
        if listed is None:
            used = {d for v in variables.values() for d in v.depends_on}
            return tuple(
                name
                for name in data
                if name in variables and name not in used and not variables[name].per_member
            )
        for index, name in enumerate(listed):
            if name not in data:
                self.problem(f"output '{name}' is not a variable", "outputs", index)
            elif name in variables and variables[name].per_member:
                self.problem(
                    f"output '{name}' has a value for each member; an output is one value for "
                    "the group (sum it up in another variable)",
                    "outputs",
                    index,
                )
        return tuple(listed)

    def _coverage(
        self, parameters: Mapping[str, ParameterSpec | None]
    ) -> tuple[datetime.date, datetime.date | None]:
        """The dates on which every parameter has a value."""
        valid = [p for p in parameters.values() if p is not None]
        if not valid:
            return datetime.date.min, None
        start = max(p.periods[0].start for p in valid)
        ends = [p.periods[-1].end for p in valid if p.periods[-1].end is not None]
        end = min(ends) if ends else None
        if end is not None and end < start:
            self.problem(
                f"the parameters have no date in common: one starts on {start} and "
                f"another ends on {end}",
                "parameters",
            )
        return start, end

    # --- assembly ------------------------------------------------------------------------

    def _assemble(
        self,
        inputs: dict[str, InputSpec],
        parameters: dict[str, ParameterSpec | None],
        variables: dict[str, VariableSpec],
        order: tuple[str, ...],
        outputs: tuple[str, ...],
        valid_from: datetime.date,
        valid_to: datetime.date | None,
    ) -> RuleSet:
        params = {n: p for n, p in parameters.items() if p is not None}
        enum_values: set[str] = set()
        for spec in inputs.values():
            enum_values.update(spec.vtype.values or ())
        for var in variables.values():
            enum_values.update(var.vtype.values or ())
            enum_values.update(
                n.value
                for n in walk(var.expression)
                if isinstance(n, Literal) and isinstance(n.value, str)
            )
        for param in params.values():
            enum_values.update(param.vtype.values or ())
        meta = self.data["metadata"]
        rule_set = RuleSet(
            name=meta["name"],
            title=meta["title"],
            version=str(meta["version"]),
            content_hash=canonical_hash(self.data),
            path=self.doc.path,
            publisher=meta.get("publisher"),
            description=meta.get("description"),
            sources=tuple(
                Source(s.get("reference", s["title"]), s.get("url"), s["title"])
                for s in meta["sources"]
            ),
            inputs=inputs,
            parameters=params,
            variables={name: variables[name] for name in self.data["variables"]},
            outputs=outputs,
            order=order,
            valid_from=valid_from,
            valid_to=valid_to,
            enum_values=tuple(sorted(enum_values)),
            languages=self.languages,
            citations_required=self.citations_required,
            group=self.group,
        )
        kinds = {name: rule_set.kind_of(name) for name in [*inputs, *params, *variables, *BUILTINS]}
        codes = {value: code for code, value in enumerate(rule_set.enum_values)}
        rule_set.programs["codes"] = codes
        rule_set.programs["scalar"] = {
            name: compile_variable(variables[name], kinds) for name in order
        }
        # numpy is imported by the first rule set loaded, not by every import of the rules.
        from civitas.rules.vectorised import compile_vector

        rule_set.programs["vector"] = {
            name: compile_vector(
                variables[name].expression, kinds, codes, variables[name].per_member
            )
            for name in order
        }
        return rule_set


_LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


def _english_labels(labels: Mapping[str, Any] | None) -> dict[str, str] | None:
    """An enumeration's labels in English, however each was written."""
    if labels is None:
        return None
    return {value: _english(text) for value, text in labels.items()}


def _line_of_offset(value: str, raw_lines: list[str], offset: int) -> int | None:
    """Which of ``raw_lines`` (the scalar as written) holds ``value[offset]``.

    YAML folds lines of plain and ``>`` scalars into spaces, so the value is matched back
    against the written lines piece by piece. None if they do not line up (escapes).
    """
    position = 0
    for index, raw in enumerate(raw_lines):
        piece = raw.strip()
        if not piece:
            continue
        found = value.find(piece, position)
        if found < 0 or value[position:found].strip():
            return None
        position = found + len(piece)
        if offset < position:
            return index
    return len(raw_lines) - 1 if raw_lines else None


def _find_name(text: str, name: str) -> int | None:
    match = re.search(rf"(?<![\w$]){re.escape(name)}(?!\w)", text)
    return match.start() if match else None
