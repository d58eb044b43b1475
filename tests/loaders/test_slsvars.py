"""Serverless variables: every source, fallbacks, nesting, typing, cycles and bounds."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from faasguard.loaders.base import LoadOptions, parse_documents
from faasguard.loaders.slsvars import (
    CYCLE,
    ENV_NOT_READ,
    MAX_TEXT,
    ResolvedService,
    SlsDict,
    SlsList,
    Variable,
    VariableSyntaxError,
    parse,
    resolve_service,
)
from faasguard.model import Unresolved


def resolve(root: Path, text: str, *, service_dir: Path | None = None,
            **options: Any) -> ResolvedService:
    """Write ``text`` as the service file under ``root`` and resolve it."""
    base = service_dir or root
    base.mkdir(parents=True, exist_ok=True)
    path = base / "serverless.yml"
    path.write_text(textwrap.dedent(text))
    opts = LoadOptions(root=root, **options)
    rel = path.relative_to(root).as_posix()
    doc = parse_documents(path.read_text(), rel, opts)[0]
    return resolve_service(doc, rel, base, opts)


def custom(result: ResolvedService) -> Any:
    return result.config["custom"]


def messages(result: ResolvedService) -> list[str]:
    return [d.message for d in result.diagnostics]


# --- the parser ----------------------------------------------------------------------


def test_parse_splits_text_and_variables() -> None:
    parts = parse("arn:${self:custom.${opt:stage}.table}-x")
    assert parts[0] == "arn:" and parts[2] == "-x"
    var = parts[1]
    assert isinstance(var, Variable) and var.text == "${self:custom.${opt:stage}.table}"
    address = var.sources[0].address
    assert address is not None and isinstance(address[1], Variable)


def test_parse_reads_fallback_literals() -> None:
    var = parse("${opt:a, 'one', \"two\", 3, 4.5, true, null}")[0]
    assert isinstance(var, Variable)
    assert [s.literal for s in var.sources[1:]] == ["one", "two", 3, 4.5, True, None]


@pytest.mark.parametrize("text", ["${AWS::Region}", "${Bucket.Arn}", "${name}", "$notvar",
                                  "${a::b}"])
def test_parse_leaves_foreign_placeholders_as_text(text: str) -> None:
    assert parse(text) == (text,)


@pytest.mark.parametrize("text", ["${opt:stage, dev}", "${self:x", "${opt:a, 'open}"])
def test_parse_rejects_what_the_framework_rejects(text: str) -> None:
    with pytest.raises(VariableSyntaxError):
        parse(text)


def test_parse_caps_nesting() -> None:
    text = "${self:" * 40 + "x" + "}" * 40
    with pytest.raises(VariableSyntaxError, match="nested too deeply"):
        parse(text)


# --- self, opt, sls ----------------------------------------------------------------------


def test_self_lookups_nested_and_embedded(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        service: shop
        provider:
          stage: ${opt:stage, 'dev'}
        custom:
          dev:
            table: orders-dev
          name: ${self:custom.${sls:stage}.table}
          arn: arn:aws:dynamodb:::table/${self:custom.dev.table}
          label: ${self:service}-${sls:stage}
    """)
    values = custom(result)
    assert values["name"] == "orders-dev"
    assert values["arn"] == "arn:aws:dynamodb:::table/orders-dev"
    assert values["label"] == "shop-dev"
    assert result.stage == "dev"


def test_whole_value_keeps_type_and_lines(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          env:
            A: 1
            B: two
          list: [x, y]
          count: 10
          flag: false
          copyEnv: ${self:custom.env}
          copyList: ${self:custom.list}
          copyCount: ${self:custom.count}
          copyFlag: ${self:custom.flag}
          text: n=${self:custom.count} ${self:custom.flag}
    """)
    values = custom(result)
    env = values["copyEnv"]
    assert isinstance(env, SlsDict) and dict(env) == {"A": 1, "B": "two"}
    assert env.line_of("A") == 4 and env.line_of("B") == 5  # where the values are written
    assert isinstance(values["copyList"], SlsList) and list(values["copyList"]) == ["x", "y"]
    assert values["copyCount"] == 10 and values["copyFlag"] is False
    assert values["text"] == "n=10 false"
    assert values.line_of("copyEnv") == 9


def test_embedded_mapping_is_unresolved_with_a_warning(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          env: {A: 1}
          bad: prefix-${self:custom.env}
    """)
    bad = custom(result)["bad"]
    assert isinstance(bad, Unresolved) and bad.expr == "prefix-${self:custom.env}"
    assert any("cannot be embedded" in m for m in messages(result))


def test_embedded_unresolved_part_spoils_the_whole_value(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          key: /app/${ssm:/shop/key}/x
    """)
    key = custom(result)["key"]
    assert isinstance(key, Unresolved)
    assert key.expr == "/app/${ssm:/shop/key}/x"  # the original expression is kept


def test_root_self_reference_is_a_cycle(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          everything: ${self:}
    """)
    value = custom(result)["everything"]
    assert isinstance(value, Unresolved) and value.reason == CYCLE


def test_old_provider_stage_style_is_a_plain_lookup(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        provider:
          stage: qa
          variableSyntax: "\\\\${([ ~:a-zA-Z0-9._@'\\",\\\\-\\\\/\\\\(\\\\)*?]+?)}"
        custom:
          stage: ${self:provider.stage}
          region: ${self:provider.region, 'eu-central-1'}
    """)
    assert custom(result)["stage"] == "qa"
    assert custom(result)["region"] == "eu-central-1"


def test_missing_self_key_without_fallback_warns(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          x: ${self:custom.nope}
    """)
    value = custom(result)["x"]
    assert isinstance(value, Unresolved) and "custom.nope" in value.reason
    diagnostic = next(d for d in result.diagnostics if "cannot resolve" in d.message)
    assert diagnostic.level == "warning"
    assert (diagnostic.loc.file, diagnostic.loc.line) == ("serverless.yml", 3)


def test_options_and_stage_order(tmp_path: Path) -> None:
    text = """
        provider:
          stage: staging
          region: ap-south-1
        custom:
          stage: ${sls:stage}
          size: ${opt:size, 3}
          region: ${aws:region}
          instance: ${sls:instanceId}
    """
    plain = resolve(tmp_path, text)
    assert custom(plain)["stage"] == "staging" and plain.stage == "staging"
    assert custom(plain)["size"] == 3
    assert custom(plain)["region"] == "ap-south-1"
    assert isinstance(custom(plain)["instance"], Unresolved)
    given = resolve(tmp_path, text, options={"stage": "prod", "size": "9", "region": "eu-west-2"})
    assert custom(given)["stage"] == "prod" and given.stage == "prod"
    assert custom(given)["size"] == "9"
    assert custom(given)["region"] == "eu-west-2" and given.region == "eu-west-2"


def test_stage_and_region_defaults(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          stage: ${sls:stage}
    """)
    assert custom(result)["stage"] == "dev"
    assert result.stage == "dev" and result.region == "us-east-1"


# --- fallbacks -------------------------------------------------------------------------


def test_fallback_chain_types(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          present: here
          single: ${opt:a, 'dev'}
          double: ${opt:a, "dev"}
          number: ${opt:a, 42}
          float: ${opt:a, 0.5}
          boolean: ${opt:a, true}
          nothing: ${opt:a, null}
          chain: ${opt:a, self:custom.nope, self:custom.present}
          nested: ${opt:a, ${self:custom.present}}
    """)
    values = custom(result)
    assert values["single"] == "dev" and values["double"] == "dev"
    assert values["number"] == 42 and values["float"] == 0.5
    assert values["boolean"] is True and values["nothing"] is None
    assert values["chain"] == "here" and values["nested"] == "here"
    assert not [d for d in result.diagnostics if d.level == "warning"]


def test_remote_source_never_falls_back(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          ssm: ${ssm:/app/key, 'fallback'}
          cf: ${cf:other-stack.Output, 'fallback'}
          s3: ${s3:bucket/key}
          account: ${aws:accountId}
    """)
    values = custom(result)
    for key in ("ssm", "cf", "s3", "account"):
        assert isinstance(values[key], Unresolved), key
    assert values["ssm"].expr == "${ssm:/app/key, 'fallback'}"
    assert "SSM" in values["ssm"].reason


def test_unknown_source_is_unresolved(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          vault: ${vault:secret/data/x}
    """)
    value = custom(result)["vault"]
    assert isinstance(value, Unresolved) and "unknown variable source 'vault'" in value.reason


def test_invalid_syntax_is_reported(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          bad: ${opt:stage, dev}
          open: ${self:custom.bad
    """)
    assert isinstance(custom(result)["bad"], Unresolved)
    assert isinstance(custom(result)["open"], Unresolved)
    assert sum("invalid variable syntax" in m for m in messages(result)) == 2


# --- env ---------------------------------------------------------------------------------


ENV_TEXT = """
    custom:
      home: ${env:FG_TEST_SECRET}
      chain: ${env:FG_TEST_MISSING, self:custom.fallback, 'lit'}
      fallback: from-self
"""


def test_env_not_read_without_opt_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FG_TEST_SECRET", "s3cr3t")
    result = resolve(tmp_path, ENV_TEXT)
    home = custom(result)["home"]
    assert isinstance(home, Unresolved) and home.reason == ENV_NOT_READ
    chain = custom(result)["chain"]
    assert isinstance(chain, Unresolved) and chain.reason == ENV_NOT_READ
    assert "s3cr3t" not in repr(result)


def test_env_read_with_env_vars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FG_TEST_SECRET", "s3cr3t")
    monkeypatch.delenv("FG_TEST_MISSING", raising=False)
    result = resolve(tmp_path, ENV_TEXT, env_vars=True)
    assert custom(result)["home"] == "s3cr3t"
    assert custom(result)["chain"] == "from-self"


# --- params, strToBool ---------------------------------------------------------------------


def test_params_v3_stage_over_default_and_cli_first(tmp_path: Path) -> None:
    text = """
        params:
          default:
            domain: dev.example.com
            color: blue
          prod:
            domain: example.com
        provider:
          stage: ${opt:stage, 'dev'}
        custom:
          domain: ${param:domain}
          color: ${param:color}
          missing: ${param:nope, 'fallback'}
    """
    dev = resolve(tmp_path, text)
    assert custom(dev)["domain"] == "dev.example.com"
    assert custom(dev)["missing"] == "fallback"
    prod = resolve(tmp_path, text, options={"stage": "prod"})
    assert custom(prod)["domain"] == "example.com" and custom(prod)["color"] == "blue"
    cli = resolve(tmp_path, text, parameters={"domain": "cli.example.com"})
    assert custom(cli)["domain"] == "cli.example.com"


def test_params_v4_stages(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        org: acme
        stages:
          default:
            params:
              table: t-default
          dev:
            params:
              table: t-dev
        custom:
          table: ${param:table}
          remote: ${param:onlyInDashboard, 'x'}
    """)
    assert custom(result)["table"] == "t-dev"
    remote = custom(result)["remote"]  # with an org, the Dashboard may hold it: no fallback
    assert isinstance(remote, Unresolved) and "Dashboard" in remote.reason


def test_str_to_bool(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          raw: "0"
          truthy: ${strToBool(true)}
          falsy: ${strToBool(${self:custom.raw})}
          bad: ${strToBool(maybe)}
    """)
    values = custom(result)
    assert values["truthy"] is True and values["falsy"] is False
    assert isinstance(values["bad"], Unresolved)


# --- file() --------------------------------------------------------------------------------


def test_file_sources(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "dev.yml").write_text(
        "tables:\n  users: users-${sls:stage}\nlimits:\n  - 1\n  - 2\n")
    (tmp_path / "config" / "flags.json").write_text('{"beta": {"on": true}}')
    (tmp_path / "key.pem").write_text("-----BEGIN PUBLIC KEY-----\n")
    result = resolve(tmp_path, """
        custom:
          users: ${file(./config/${sls:stage}.yml):tables.users}
          tables: ${file(./config/dev.yml):tables}
          second: ${file(./config/dev.yml):limits.1}
          beta: ${file(config/flags.json):beta.on}
          whole: ${file(./config/flags.json)}
          pem: ${file(./key.pem)}
          missing: ${file(./nope.yml), 'default'}
    """)
    values = custom(result)
    assert values["users"] == "users-dev"
    assert values["second"] == 2 and values["beta"] is True
    assert dict(values["whole"]) == {"beta": {"on": True}}
    assert values["pem"].startswith("-----BEGIN")
    assert values["missing"] == "default"
    tables = values["tables"]
    # a mapping from another file names that file, and its own lines
    assert isinstance(tables, SlsDict) and tables.file == "config/dev.yml"
    assert tables.line_of("users") == 2


def test_missing_file_without_fallback(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          x: ${file(./nope.yml):a}
    """)
    value = custom(result)["x"]
    assert isinstance(value, Unresolved) and "does not exist" in value.reason


def test_file_outside_the_root_is_refused(tmp_path: Path) -> None:
    service = tmp_path / "services" / "api"
    result = resolve(tmp_path, """
        service: api
        custom:
          passwd: ${file(../../../etc/passwd)}
          deeper: ${file(../../../../../../../../etc/passwd):root}
    """, service_dir=service)
    for key in ("passwd", "deeper"):
        value = custom(result)[key]
        assert isinstance(value, Unresolved) and "outside the scanned tree" in value.reason
    refused = [d for d in result.diagnostics if "outside the scanned tree" in d.message]
    assert {(d.loc.file, d.loc.line) for d in refused} == {
        ("services/api/serverless.yml", 4), ("services/api/serverless.yml", 5)}
    assert all(d.level == "warning" for d in refused)


def test_file_symlinked_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secrets.yml").write_text("password: hunter2\n")
    root = tmp_path / "project"
    root.mkdir()
    try:
        (root / "secrets.yml").symlink_to(outside / "secrets.yml")
        (root / "linked").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks not supported here")
    result = resolve(root, """
        custom:
          direct: ${file(./secrets.yml):password}
          viaDir: ${file(./linked/secrets.yml):password}
    """)
    for key in ("direct", "viaDir"):
        value = custom(result)[key]
        assert isinstance(value, Unresolved) and "outside the scanned tree" in value.reason
    assert "hunter2" not in repr(result)


def test_code_files_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "config.js").write_text(
        f"require('fs').writeFileSync({str(marker)!r}, 'x'); module.exports = {{a: 1}};\n")
    result = resolve(tmp_path, """
        custom:
          fromJs: ${file(./config.js):a}
          fromTs: ${file(./config.ts), 'x'}
    """)
    for key in ("fromJs", "fromTs"):
        value = custom(result)[key]
        assert isinstance(value, Unresolved) and "never executed" in value.reason
    assert not marker.exists()


def test_unreadable_included_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("a: [1, 2\n")
    result = resolve(tmp_path, """
        custom:
          x: ${file(./broken.yml):a}
    """)
    assert isinstance(custom(result)["x"], Unresolved)
    assert any("broken.yml" in m for m in messages(result))


def test_variables_inside_included_files_use_the_service(tmp_path: Path) -> None:
    (tmp_path / "env.yml").write_text("TABLE: ${self:custom.table}\nBAD: ${self:custom.nope}\n")
    result = resolve(tmp_path, """
        custom:
          table: orders
        provider:
          environment: ${file(./env.yml)}
    """)
    env = result.config["provider"]["environment"]
    assert env["TABLE"] == "orders" and isinstance(env["BAD"], Unresolved)
    problem = next(d for d in result.diagnostics if "custom.nope" in d.message)
    assert (problem.loc.file, problem.loc.line) == ("env.yml", 2)


# --- cycles and bounds ----------------------------------------------------------------------


def test_two_way_cycle(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        custom:
          a: ${self:custom.b}
          b: ${self:custom.a}
          c: ok-${self:custom.c}
    """)
    values = custom(result)
    for key in ("a", "b", "c"):
        assert isinstance(values[key], Unresolved) and values[key].reason == CYCLE, key
    assert any(CYCLE in m for m in messages(result))


def test_cycle_through_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("x: ${file(./b.yml):y}\n")
    (tmp_path / "b.yml").write_text("y: ${file(./a.yml):x}\n")
    result = resolve(tmp_path, """
        custom:
          loop: ${file(./a.yml):x}
    """)
    value = custom(result)["loop"]
    assert isinstance(value, Unresolved) and value.reason == CYCLE


def test_stage_cycle(tmp_path: Path) -> None:
    result = resolve(tmp_path, """
        provider:
          stage: ${sls:stage}
    """)
    assert isinstance(result.stage, Unresolved)


def test_long_chain_is_bounded(tmp_path: Path) -> None:
    lines = ["custom:"] + [f"  a{i}: ${{self:custom.a{i + 1}}}" for i in range(3000)]
    lines.append("  a3000: end")
    result = resolve(tmp_path, "\n".join(lines) + "\n")
    first = custom(result)["a0"]
    assert isinstance(first, Unresolved) and "nested too deeply" in first.reason
    assert custom(result)["a2999"] == "end"


def test_doubling_strings_are_bounded(tmp_path: Path) -> None:
    lines = ["custom:", "  a0: xxxxxxxxxxxxxxxx"]
    lines += [f"  a{i}: ${{self:custom.a{i - 1}}}${{self:custom.a{i - 1}}}" for i in range(1, 40)]
    # CPU time of this process, not wall time: a bound against runaway growth that other
    # processes on a shared machine cannot trip.
    started = time.process_time()
    result = resolve(tmp_path, "\n".join(lines) + "\n")
    assert time.process_time() - started < 10
    last = custom(result)["a39"]
    assert isinstance(last, Unresolved) and str(MAX_TEXT) in last.reason


def test_ten_thousand_variables_stay_fast(tmp_path: Path) -> None:
    lines = ["service: big", "custom:", "  base: v", "  stage: ${sls:stage}"]
    lines += [f"  k{i}: ${{self:custom.base}}-{i}-${{opt:x, self:custom.stage}}"
              for i in range(10_000)]
    started = time.process_time()  # CPU, not wall: see test_doubling_strings_are_bounded
    result = resolve(tmp_path, "\n".join(lines) + "\n")
    elapsed = time.process_time() - started
    assert custom(result)["k9999"] == "v-9999-dev"
    assert elapsed < 5, elapsed


def test_resolution_does_not_touch_the_process_environment(tmp_path: Path) -> None:
    before = dict(os.environ)
    resolve(tmp_path, "custom:\n  x: ${env:PATH}\n")
    assert dict(os.environ) == before
