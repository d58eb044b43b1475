"""Static evaluation of Terraform expressions: what is computed, and what stays
``Unresolved`` with the expression and a reason."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.loaders.terraform.expressions import Budget, Evaluator, Traversal, unresolved
from faasguard.loaders.terraform.hcl import parse
from faasguard.loaders.yamlsafe import LineDict, LineList
from faasguard.model.values import Interpolated, Ref, Unresolved


class Names:
    """``var.x`` from a table, ``aws_*.name.attr`` as a Ref, anything else unknown."""

    def __init__(self, variables: dict[str, Any]) -> None:
        self.variables = variables

    def reference(self, expr: Traversal, ev: Evaluator) -> tuple[Any, int]:
        steps = expr.steps
        if expr.root == "var" and steps and steps[0] in self.variables:
            return self.variables[str(steps[0])], 1
        if str(expr.root).startswith("aws_") and len(steps) >= 2:
            return Ref(f"{expr.root}.{steps[0]}", str(steps[1])), 2
        return unresolved(expr, "unknown name"), len(steps)


def evaluate(source: str, **variables: Any) -> Any:
    body = parse(f"value = {source}\n", "t.tf")
    return Evaluator(Names(variables), Budget()).eval(body.attributes["value"].expr)


@pytest.mark.parametrize(("source", "expected"), [
    ('"plain"', "plain"),
    ("42", 42),
    ("1.5", 1.5),
    ("true", True),
    ("null", None),
    ('"a-${var.x}-b"', "a-one-b"),
    ('"${var.n}"', 3),  # a lone interpolation keeps its type
    ('"esc $${literal} \\"q\\""', 'esc ${literal} "q"'),
    ('upper("abc")', "ABC"),
    ('format("%s-%d", "a", 7)', "a-7"),
    ('join(",", ["a", "b"], ["c"])', "a,b,c"),
    ('lookup({a = 1}, "b", 9)', 9),
    ('element(["x", "y"], 3)', "y"),
    ("length([1, 2, 3])", 3),
    ("var.n > 2 ? \"big\" : \"small\"", "big"),
    ("!true", False),
    ("1 + 2", 3),
    ('[for s in ["a", "b"] : upper(s)]', ["A", "B"]),
    ('{for k, v in {a = 1, b = 2} : k => v * 10 if v > 1}', {"b": 20}),
    ('coalesce("", "x")', "x"),
    ('try(var.missing, "fallback")', "fallback"),
    ('contains(["a"], "a")', True),
    ('merge({a = 1}, {b = 2})', {"a": 1, "b": 2}),
    ('jsondecode("{\\"k\\": [1]}")', {"k": [1]}),
    ('[{name = "x"}][*].name', ["x"]),
])
def test_values_computed_statically(source: str, expected: Any) -> None:
    assert evaluate(source, x="one", n=3) == expected


@pytest.mark.parametrize(("source", "reason"), [
    ("var.missing", "unknown name"),
    ("timestamp()", "timestamp() is not evaluated statically"),
    ('"${var.missing}-x"', "unknown name"),
    ("var.flag ? 1 : 2", "condition var.flag is not known"),
    ("upper(var.missing)", "unknown name"),
    ("[for x in var.missing : x]", "unknown name"),
    ("aws_s3_bucket.b.arn.foo", "known only after apply"),
])
def test_unknown_values_stay_unresolved_with_a_reason(source: str, reason: str) -> None:
    value = evaluate(source, flag=Unresolved("var.flag", "no value"))
    assert isinstance(value, Unresolved), value
    assert reason in value.reason


def test_references_become_refs_and_interpolated_text() -> None:
    assert evaluate("aws_iam_role.r.arn") == Ref("aws_iam_role.r", "arn")
    text = evaluate('"${aws_s3_bucket.b.arn}/*"')
    assert isinstance(text, Interpolated)
    assert text == "${aws_s3_bucket.b.arn}/*"
    assert text.refs == (Ref("aws_s3_bucket.b", "arn"),)


def test_jsonencode_keeps_the_line_of_every_key_and_item() -> None:
    body = parse('policy = jsonencode({\n  Statement = [\n    {\n      Action = [\n'
                 '        "s3:GetObject",\n        "s3:PutObject",\n      ]\n    },\n  ]\n})\n',
                 "t.tf")
    doc = Evaluator(Names({}), Budget()).eval(body.attributes["policy"].expr)
    assert isinstance(doc, LineDict)
    statement = doc["Statement"][0]
    assert isinstance(statement, LineDict) and statement.line == 3
    actions = statement["Action"]
    assert isinstance(actions, LineList)
    assert actions.item_lines == [5, 6]


def test_heredoc_interpolations_are_expressions_on_their_lines() -> None:
    body = parse('p = <<EOF\n{\n  "Resource": "${aws_s3_bucket.b.arn}"\n}\nEOF\n', "t.tf")
    value = Evaluator(Names({}), Budget()).eval(body.attributes["p"].expr)
    assert isinstance(value, Interpolated)
    assert '"Resource": "${aws_s3_bucket.b.arn}"' in value


def test_indented_heredoc_is_trimmed() -> None:
    assert evaluate("<<-EOT\n    one\n      two\n    EOT\n") == "one\n  two\n"


def test_evaluation_budget_bounds_large_for_expressions() -> None:
    body = parse("v = [for a in var.big : [for b in var.big : a]]\n", "t.tf")
    big = list(range(2000))
    value = Evaluator(Names({"big": big}), Budget(10_000)).eval(body.attributes["v"].expr)
    assert isinstance(value, Unresolved) or contains_budget_note(value)


def contains_budget_note(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return "budget" in value.reason
    if isinstance(value, list):
        return any(contains_budget_note(v) for v in value)
    return False
