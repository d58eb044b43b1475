"""Secrets rules (B3, and FG-ENC-001 for B1) against model objects built by hand."""

from __future__ import annotations

import json
from typing import Any

from faasguard.config import Config
from faasguard.loaders.yamlsafe import LineDict
from faasguard.model import App, Function, Location, Parameter, Ref, Resource, Unresolved
from faasguard.rules import Hit, Rule
from faasguard.rules import secrets as rules
from faasguard.rules.registry import Context

FILE = "serverless.yml"
PASSWORD = "Tr1cky-Passw0rd"
TOKEN = "9fK2qLm7Xw4Rt8Zp3Vb6Nc1Hd5Jg0Ys"


def loc(line: int) -> Location:
    return Location(FILE, line)


def function(fid: str, env: dict[str, Any], first_line: int = 10, **fields: Any) -> Function:
    """A function whose variables sit on consecutive lines from ``first_line``."""
    lines = {name: first_line + i for i, name in enumerate(env)}
    fields.setdefault("loc", loc(first_line - 2))
    return Function(id=fid, name=fid, environment=env, env_lines=lines, **fields)


def app_of(*functions: Function, resources: tuple[Resource, ...] = (),
           parameters: tuple[Parameter, ...] = ()) -> App:
    return App(name="shop", source=Location(FILE), format="serverless", functions=functions,
               resources={r.id: r for r in resources},
               parameter_specs={p.id: p for p in parameters})


def run(rule: Rule, app: App) -> list[Hit]:
    return list(rule(app, Context(config=Config(), root=".")))


def lines(hits: list[Hit]) -> list[int | None]:
    return [h.location.line for h in hits]


# --- FG-SEC-001 ------------------------------------------------------------------------


def test_env_secret_one_finding_per_variable_at_its_line() -> None:
    fn = function("checkout", {"STAGE": "prod", "DB_PASSWORD": PASSWORD,
                               "PAYMENT_API_TOKEN": TOKEN})
    hits = run(rules.env_secret, app_of(fn))
    assert sorted(h.detail for h in hits) == ["DB_PASSWORD", "PAYMENT_API_TOKEN"]
    assert sorted(lines(hits)) == [11, 12]
    for hit in hits:
        assert PASSWORD not in hit.message and TOKEN not in hit.message
        assert PASSWORD not in str(hit.evidence) and TOKEN not in str(hit.evidence)
        assert hit.subject.kind == "function" and hit.subject.id == "checkout"
    password_hit = next(h for h in hits if h.detail == "DB_PASSWORD")
    assert "Tr1****(15 chars)" in password_hit.message
    assert password_hit.evidence["kind"] == "password"


def test_env_references_and_identifiers_are_not_secrets() -> None:
    fn = function("orders", {
        "DB_PASSWORD": Unresolved("${ssm:/shop/db-password}", "remote"),
        "DB_PASSWORD_REF": Ref("DbPassword"),
        "DB_SECRET": "{{resolve:secretsmanager:shop/db:SecretString:password}}",
        "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-Ab12Cd",
        "GIT_SHA": "4f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
        "TENANT_ID": "3f2b8c1e-9a4d-4e7f-b2c6-1d8e9f0a3b5c",
        "CACHE_BUSTER": TOKEN,
    })
    assert run(rules.env_secret, app_of(fn)) == []


def test_env_secret_without_line_points_at_the_function() -> None:
    fn = Function(id="f", loc=loc(3), environment={"API_KEY": TOKEN})
    assert lines(run(rules.env_secret, app_of(fn))) == [3]


# --- FG-SEC-002 ------------------------------------------------------------------------


def props(**values: Any) -> LineDict:
    out = LineDict(20)
    for i, (key, value) in enumerate(values.items()):
        out[key] = value
        out.key_lines[key] = 21 + i
    return out


def test_resource_property_secrets_at_their_line() -> None:
    db = Resource(id="Database", loc=loc(19), type="AWS::RDS::DBInstance",
                  properties=props(MasterUsername="app", MasterUserPassword=PASSWORD,
                                   ManageMasterUserPassword=False))
    key = Resource(id="PartnerKey", loc=loc(30), type="AWS::ApiGateway::ApiKey",
                   properties=props(Enabled=True, Value=TOKEN))
    hits = run(rules.template_secret, app_of(resources=(db, key)))
    assert {(h.subject.id, h.detail, h.location.line) for h in hits} == {
        ("Database", "MasterUserPassword", 22), ("PartnerKey", "Value", 22)}
    assert all(PASSWORD not in h.message and TOKEN not in h.message for h in hits)


def test_resource_references_are_not_secrets() -> None:
    db = Resource(id="Database", loc=loc(19), type="AWS::RDS::DBInstance", properties=props(
        MasterUserPassword="{{resolve:secretsmanager:shop/db:SecretString:password}}",
        MasterUserSecret={"KmsKeyId": Ref("Key")},
        AuthToken=Unresolved("Ref DbToken", "parameter has no default")))
    secret = Resource(id="Generated", loc=loc(40), type="AWS::SecretsManager::Secret",
                      properties=props(GenerateSecretString={"PasswordLength": 32}))
    assert run(rules.template_secret, app_of(resources=(db, secret))) == []


def test_secret_string_json_is_read() -> None:
    secret = Resource(id="DbSecret", loc=loc(40), type="AWS::SecretsManager::Secret",
                      properties=props(SecretString=json.dumps({"username": "app",
                                                                "password": PASSWORD})))
    hits = run(rules.template_secret, app_of(resources=(secret,)))
    assert [(h.detail, h.location.line) for h in hits] == [("SecretString.password", 21)]


def test_parameter_default_reported_once_not_again_where_it_flows() -> None:
    param = Parameter(id="DbPassword", loc=loc(3), lines={"default": 5}, type="String",
                      default=PASSWORD, no_echo=True)
    db = Resource(id="Database", loc=loc(19), type="AWS::RDS::DBInstance",
                  properties=props(MasterUserPassword=PASSWORD))
    hits = run(rules.template_secret, app_of(resources=(db,), parameters=(param,)))
    assert [(h.subject.kind, h.location.line) for h in hits] == [("parameter", 5)]


def test_function_resources_are_left_to_the_env_rule() -> None:
    fn_res = Resource(id="Checkout", loc=loc(50), type="AWS::Lambda::Function",
                      properties=props(Environment={"Variables": {"DB_PASSWORD": PASSWORD}}))
    assert run(rules.template_secret, app_of(resources=(fn_res,))) == []


# --- FG-SEC-003 ------------------------------------------------------------------------


def test_reused_secret_reported_for_each_copy() -> None:
    a = function("orders", {"DB_PASSWORD": PASSWORD}, first_line=10)
    b = function("reports", {"REPORTS_DB_PASSWORD": PASSWORD}, first_line=20)
    c = function("other", {"DB_PASSWORD": "Different-Passw0rd"}, first_line=30)
    hits = run(rules.reused_secret, app_of(a, b, c))
    assert sorted((h.subject.id, h.location.line) for h in hits) == [("orders", 10),
                                                                      ("reports", 20)]
    orders = next(h for h in hits if h.subject.id == "orders")
    assert "reports" in orders.message and PASSWORD not in orders.message


def test_secret_set_once_for_all_functions_is_not_reuse() -> None:
    shared = {"DB_PASSWORD": 12}
    a = Function(id="a", loc=loc(20), environment={"DB_PASSWORD": PASSWORD}, env_lines=shared)
    b = Function(id="b", loc=loc(30), environment={"DB_PASSWORD": PASSWORD}, env_lines=shared)
    assert run(rules.reused_secret, app_of(a, b)) == []


def test_same_secret_twice_in_one_function_is_not_reuse_across_functions() -> None:
    a = function("a", {"DB_PASSWORD": PASSWORD, "OLD_DB_PASSWORD": PASSWORD})
    assert run(rules.reused_secret, app_of(a)) == []


# --- FG-SEC-004 ------------------------------------------------------------------------


def test_noecho_missing_on_secret_parameters() -> None:
    params = (
        Parameter(id="DbPassword", loc=loc(3), type="String"),
        Parameter(id="GithubToken", loc=loc(6), lines={"no_echo": 8}, type="String",
                  no_echo=False),
        Parameter(id="ApiKey", loc=loc(9), type="String", no_echo=True),
        Parameter(id="DbSecretArn", loc=loc(12), type="String"),
        Parameter(id="PasswordLength", loc=loc(14), type="Number"),
        Parameter(id="DbPasswordParam", loc=loc(16), type="AWS::SSM::Parameter::Value<String>"),
        Parameter(id="Stage", loc=loc(18), type="String", default="prod"),
    )
    hits = run(rules.parameter_without_noecho, app_of(parameters=params))
    assert [(h.subject.id, h.location.line) for h in hits] == [("DbPassword", 3),
                                                                ("GithubToken", 8)]


# --- FG-ENC-001 ------------------------------------------------------------------------


def test_secret_env_without_customer_key() -> None:
    bare = function("checkout", {"DB_PASSWORD": PASSWORD, "STAGE": "prod"},
                    lines={"environment": 9})
    keyed = function("orders", {"DB_PASSWORD": PASSWORD}, kms_key=Ref("EnvKey"))
    unknown = function("reports", {"DB_PASSWORD": PASSWORD},
                       kms_key=Unresolved("${cf:shared.KeyArn}", "remote"))
    clean = function("catalog", {"STAGE": "prod"})
    hits = run(rules.env_secrets_without_cmk, app_of(bare, keyed, unknown, clean))
    assert [(h.subject.id, h.location.line) for h in hits] == [("checkout", 9)]
    assert "DB_PASSWORD" in hits[0].message and PASSWORD not in hits[0].message


def test_customer_key_rule_falls_back_to_the_first_secret_line() -> None:
    fn = function("checkout", {"STAGE": "prod", "DB_PASSWORD": PASSWORD}, first_line=40)
    assert lines(run(rules.env_secrets_without_cmk, app_of(fn))) == [41]


def test_name_value_lists_are_reported_by_name_and_store_references_skipped() -> None:
    variables = [{"Name": "STAGE", "Value": "prod"},
                 {"Name": "NPM_TOKEN", "Type": "PLAINTEXT", "Value": TOKEN},
                 {"Name": "GITHUB_TOKEN", "Type": "SECRETS_MANAGER", "Value": "ci/github:token"}]
    build = Resource(id="Build", loc=loc(60), type="AWS::CodeBuild::Project",
                     properties=props(Environment={"EnvironmentVariables": variables}))
    hits = run(rules.template_secret, app_of(resources=(build,)))
    assert [h.detail for h in hits] == ["Environment.EnvironmentVariables.NPM_TOKEN"]
    assert "a token in plain text, 9fK2****(31 chars)" in hits[0].message
