from __future__ import annotations

from typing import Any

import pytest

from faasguard.loaders.intrinsics import (
    MAX_DEPTH,
    IntrinsicContext,
    evaluate_condition,
    parameter_values,
    resolve,
)
from faasguard.loaders.yamlsafe import LineDict, LineList, load_yaml
from faasguard.model import Ref, Unresolved
from faasguard.model.values import Interpolated

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
  Secret: {Type: String}
  Zones: {Type: CommaDelimitedList, Default: "a, b,c"}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /app/key}
Mappings:
  Sizes:
    dev: {Memory: 128}
    prod: {Memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [a, a]]
  Either: !Or [!Condition IsProd, !Equals [!Ref Secret, x]]
  Unknown: !Equals [!Ref Secret, x]
  LoopA: !Condition LoopB
  LoopB: !Not [!Condition LoopA]
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Fn: {Type: AWS::Lambda::Function}
"""


def _ctx(**overrides: Any) -> IntrinsicContext:
    doc = load_yaml(TEMPLATE)[0]
    args: dict[str, Any] = {
        "resources": doc["Resources"],
        "parameters": parameter_values(doc["Parameters"], overrides.pop("params", {})),
        "mappings": doc["Mappings"],
        "conditions": doc["Conditions"],
    }
    args.update(overrides)
    return IntrinsicContext(**args)


def _yaml(text: str) -> Any:
    return load_yaml(text)[0]


def _r(text: str, ctx: IntrinsicContext | None = None) -> Any:
    return resolve(_yaml("v: " + text)["v"], ctx or _ctx())


# --- Ref / GetAtt -------------------------------------------------------------------------


def test_ref_parameter_default_and_override() -> None:
    assert _r("!Ref Stage") == "dev"
    assert _r("!Ref Stage", _ctx(params={"Stage": "prod"})) == "prod"


def test_ref_parameter_without_default_is_unresolved() -> None:
    value = _r("!Ref Secret")
    assert isinstance(value, Unresolved)
    assert "no default" in value.reason


def test_list_and_ssm_parameters() -> None:
    assert _r("!Ref Zones") == ["a", "b", "c"]
    ssm = _r("!Ref FromSsm")
    assert isinstance(ssm, Unresolved) and "SSM" in ssm.reason
    assert _r("!Ref FromSsm", _ctx(params={"FromSsm": "k"})) == "k"


def test_ref_resource_and_getatt() -> None:
    assert _r("!Ref Bucket") == Ref("Bucket")
    assert _r("!GetAtt Fn.Arn") == Ref("Fn", "Arn")
    assert resolve({"Fn::GetAtt": ["Fn", "Arn"]}, _ctx()) == Ref("Fn", "Arn")


def test_ref_to_nothing_is_unresolved() -> None:
    assert isinstance(_r("!Ref Missing"), Unresolved)
    assert isinstance(_r("!GetAtt Missing.Arn"), Unresolved)
    assert isinstance(resolve({"Fn::GetAtt": 5}, _ctx()), Unresolved)


def test_aliases_name_resources_outside_the_template() -> None:
    ctx = _ctx(aliases={"HelloLambdaFunction": "hello"})
    assert _r("!GetAtt HelloLambdaFunction.Arn", ctx) == Ref("hello", "Arn")
    assert _r("!Ref HelloLambdaFunction", ctx) == Ref("hello")


def test_pseudo_parameters() -> None:
    assert _r("!Ref AWS::Partition") == "aws"
    assert _r("!Ref AWS::URLSuffix") == "amazonaws.com"
    region = _r("!Ref AWS::Region")
    assert isinstance(region, Unresolved) and region.expr == "AWS::Region"
    assert _r("!Ref AWS::Region", _ctx(region="eu-west-1")) == "eu-west-1"
    assert _r("!Ref AWS::Partition", _ctx(region="cn-north-1")) == "aws-cn"
    assert isinstance(_r("!Ref AWS::AccountId"), Unresolved)


# --- Sub / Join ---------------------------------------------------------------------------


def test_sub_all_known_is_plain_text() -> None:
    value = _r("!Sub 'app-${Stage}-${AWS::Partition}'")
    assert value == "app-dev-aws"
    assert type(value) is str


def test_sub_keeps_resources_and_pseudo_parameters_as_placeholders() -> None:
    value = _r("!Sub 'arn:aws:s3:::${Bucket}/${AWS::AccountId}/*'")
    assert isinstance(value, Interpolated)
    assert value == "arn:aws:s3:::${Bucket}/${AWS::AccountId}/*"
    assert value.refs == (Ref("Bucket"),)
    assert value != "*"


def test_sub_of_a_single_resource_is_a_ref() -> None:
    assert _r("!Sub '${Fn.Arn}'") == Ref("Fn", "Arn")
    assert isinstance(_r("!Sub '${AWS::Region}'"), Unresolved)


def test_sub_literal_and_variables_form() -> None:
    assert _r("!Sub 'cost ${!Literal}'") == "cost ${Literal}"
    value = _r("!Sub ['${Name}:${Target}', {Name: !Ref Stage, Target: !GetAtt Fn.Arn}]")
    assert value == "dev:${Fn.Arn}"
    assert isinstance(value, Interpolated) and value.refs == (Ref("Fn", "Arn"),)


def test_sub_with_an_unresolved_part_is_unresolved() -> None:
    value = _r("!Sub 'key-${Secret}'")
    assert isinstance(value, Unresolved)
    assert value.expr == "key-${Secret}"
    assert isinstance(_r("!Sub 'x-${Nope.Arn}'"), Unresolved)


def test_join() -> None:
    assert _r("!Join ['-', [a, !Ref Stage, 3]]") == "a-dev-3"
    value = _r("!Join ['', ['arn:', !Ref AWS::Partition, ':s3:::', !Ref Bucket]]")
    assert value == "arn:aws:s3:::${Bucket}" and value.refs == (Ref("Bucket"),)
    with_region = _r("!Join [':', [!Ref AWS::Region, x]]")
    assert with_region == "${AWS::Region}:x"
    assert isinstance(_r("!Join ['', [!Ref Secret]]"), Unresolved)
    assert isinstance(_r("!Join ['', !ImportValue Shared]"), Unresolved)
    assert isinstance(_r("!Join [1, [a]]"), Unresolved)


# --- Select / Split / FindInMap / others ----------------------------------------------------


def test_select_and_split() -> None:
    assert _r("!Select [1, !Split [',', 'a,b,c']]") == "b"
    assert _r("!Select [0, !Ref Zones]") == "a"
    assert isinstance(_r("!Select [5, [a]]"), Unresolved)
    assert isinstance(_r("!Select [0, !GetAZs '']"), Unresolved)
    assert isinstance(_r("!Split [',', !Ref Secret]"), Unresolved)


def test_find_in_map() -> None:
    assert _r("!FindInMap [Sizes, !Ref Stage, Memory]") == 128
    assert _r("!FindInMap [Sizes, prod, Memory]") == 1024
    assert isinstance(_r("!FindInMap [Sizes, test, Memory]"), Unresolved)
    assert isinstance(_r("!FindInMap [Sizes, !Ref Secret, Memory]"), Unresolved)
    default = resolve({"Fn::FindInMap": ["Sizes", "qa", "Memory", {"DefaultValue": 256}]}, _ctx())
    assert default == 256


def test_import_value_base64_getazs() -> None:
    imported = _r("!ImportValue shared-role")
    assert isinstance(imported, Unresolved) and imported.expr == "Fn::ImportValue shared-role"
    assert _r("{'Fn::Base64': !Sub 'echo ${Stage}'}") == "echo dev"
    assert isinstance(_r("!GetAZs ''"), Unresolved)


def test_unknown_intrinsic_is_unresolved() -> None:
    assert isinstance(_r("!Cidr [10.0.0.0/16, 4, 8]"), Unresolved)


# --- If / conditions / NoValue ------------------------------------------------------------


def test_if_follows_conditions() -> None:
    assert _r("!If [IsProd, big, small]") == "small"
    assert _r("!If [IsProd, big, small]", _ctx(params={"Stage": "prod"})) == "big"
    assert _r("!If [IsDev, on-dev, off-dev]") == "on-dev"
    assert _r("!If [Both, both, neither]") == "both"


def test_or_short_circuits_but_unknown_stays_unknown() -> None:
    ctx = _ctx()
    assert ctx.condition("Either") is None  # IsProd false, Secret unknown
    assert _ctx(params={"Stage": "prod"}).condition("Either") is True
    value = _r("!If [Unknown, a, b]")
    assert isinstance(value, Unresolved) and "deploy time" in value.reason


def test_condition_cycle_is_unresolved_not_a_crash() -> None:
    ctx = _ctx()
    value = resolve(_yaml("v: !If [LoopA, a, b]")["v"], ctx)
    assert isinstance(value, Unresolved)
    assert value.reason == "cycle"
    assert ctx.condition("LoopB") is None


def test_undefined_condition() -> None:
    value = _r("!If [Nope, a, b]")
    assert isinstance(value, Unresolved) and "not defined" in value.reason


def test_evaluate_condition_directly() -> None:
    ctx = _ctx()
    assert evaluate_condition(_yaml("v: !Equals [1, '1']")["v"], ctx) is True
    assert evaluate_condition(_yaml("v: !Not [!Equals [a, b]]")["v"], ctx) is True
    assert evaluate_condition(_yaml("v: !Equals [!Ref Bucket, x]")["v"], ctx) is None
    assert evaluate_condition("garbage", ctx) is None


def test_no_value_removes_keys_and_items() -> None:
    doc = _yaml("""
v:
  Keep: 1
  Drop: !If [IsProd, 2, !Ref AWS::NoValue]
  Items:
    - a
    - !Ref AWS::NoValue
    - b
""")
    value = resolve(doc["v"], _ctx())
    assert value == {"Keep": 1, "Items": ["a", "b"]}
    assert value["Items"].item_lines == [6, 8]
    assert resolve(_yaml("v: !Ref AWS::NoValue")["v"], _ctx()) is None


# --- lines, bounds -------------------------------------------------------------------------


def test_lines_survive_resolution() -> None:
    doc = _yaml("""
v:
  Name: !Sub 'app-${Stage}'
  Nested:
    - Key: !Ref Stage
""")
    value = resolve(doc["v"], _ctx())
    assert isinstance(value, LineDict) and value.line_of("Name") == 3
    assert isinstance(value["Nested"], LineList) and value["Nested"].item_lines == [5]
    assert value["Nested"][0].line_of("Key") == 5


def test_deep_nesting_is_bounded() -> None:
    value: Any = "leaf"
    for _ in range(MAX_DEPTH * 3):
        value = {"Fn::Base64": value}
    out = resolve(value, _ctx())
    assert isinstance(out, Unresolved) and "deep" in out.reason


def test_python_level_cycle_is_unresolved() -> None:
    looping: dict[str, Any] = {"a": 1}
    looping["self"] = looping
    out = resolve(looping, _ctx())
    assert out["a"] == 1
    assert isinstance(out["self"], Unresolved) and out["self"].reason == "cycle"


@pytest.mark.parametrize("bad", [
    {"Fn::Join": "x"}, {"Fn::Select": [1]}, {"Fn::Split": ["", "abc"]}, {"Fn::If": ["A"]},
    {"Fn::FindInMap": ["Sizes"]}, {"Fn::Sub": 5}, {"Ref": ["x"]},
])
def test_malformed_intrinsics_are_unresolved(bad: dict[str, Any]) -> None:
    assert isinstance(resolve(bad, _ctx()), Unresolved)


def test_to_json_string_and_length() -> None:
    assert resolve({"Fn::ToJsonString": {"a": [1, "x"]}}, _ctx()) == '{"a":[1,"x"]}'
    assert isinstance(resolve({"Fn::ToJsonString": {"a": {"Ref": "Bucket"}}}, _ctx()), Unresolved)
    assert resolve({"Fn::Length": [1, 2, 3]}, _ctx()) == 3
