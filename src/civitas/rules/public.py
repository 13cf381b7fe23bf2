"""What the rest of the platform may use from the rules engine.

Import from here rather than from the modules behind it, which may change::

    from civitas.rules.public import decide, load_rule_set

    rules = load_rule_set("services/rules/parking-permit-fee.rules.yaml")
    decision = decide(rules, {"co2_band": "C", "permit_months": 12,
                              "permits_already_in_household": 0}, on=date(2026, 4, 1))
    decision.outputs["fee_pence"]     # 14000
    decision.explanation              # sentences for the citizen
    decision.to_dict()                # the record to keep with the case
    decide(rules, {...}, on=..., language="cy")   # explained in Welsh, if the rules have it

``load_rule_set`` caches by file content, so it is cheap to call per request;
``load_rule_set_source`` does the same for rules kept as text (a published service version
embeds its rule set). ``read_input`` reads an input written as text, such as a form answer.

Service definitions use the same expression language over answers (route conditions,
computed values, cross-field checks): ``compile_expression`` checks and compiles one once,
its ``evaluate`` runs it (see ``answer_expressions``)::

    condition = compile_expression("vehicles > 2", {"vehicles": INTEGER_TYPE}, boolean=True)
    condition.holds({"vehicles": 3}, today=date(2026, 4, 1))    # True
"""

from civitas.platform.yamlsource import Problem
from civitas.rules.answer_expressions import (
    BOOLEAN_TYPE,
    DATE_TYPE,
    INTEGER_TYPE,
    MISSING,
    MONEY_TYPE,
    NUMBER_TYPE,
    TEXT_TYPE,
    TIME_TYPE,
    CompiledExpression,
    ExpressionProblem,
    choice_type,
    compile_expression,
    format_expression_value,
    list_type,
    record_type,
)
from civitas.rules.datatypes import ValueType
from civitas.rules.evaluate import (
    DateNotCovered,
    Decision,
    DecisionPeriod,
    InputError,
    PeriodNotCovered,
    check_period,
    decide,
    read_input,
)
from civitas.rules.loader import (
    RuleSetInvalid,
    load_rule_set,
    load_rule_set_source,
    validate_file,
)
from civitas.rules.model import MEMBERS, ROLE, RuleSet
from civitas.rules.values import format_date

__all__ = [
    "BOOLEAN_TYPE",
    "DATE_TYPE",
    "INTEGER_TYPE",
    "MEMBERS",
    "MISSING",
    "MONEY_TYPE",
    "NUMBER_TYPE",
    "ROLE",
    "TEXT_TYPE",
    "TIME_TYPE",
    "CompiledExpression",
    "DateNotCovered",
    "Decision",
    "DecisionPeriod",
    "ExpressionProblem",
    "InputError",
    "PeriodNotCovered",
    "Problem",
    "RuleSet",
    "RuleSetInvalid",
    "ValueType",
    "check_period",
    "choice_type",
    "compile_expression",
    "decide",
    "format_date",
    "format_expression_value",
    "list_type",
    "load_rule_set",
    "load_rule_set_source",
    "read_input",
    "record_type",
    "validate_file",
]
