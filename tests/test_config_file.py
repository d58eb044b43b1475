"""`.faasguard.toml`: everything it can say, and every mistake named with file and line.

(Named test_config_file.py: tests/rules/test_config.py tests the config rules.)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from faasguard.config import (
    Budgets,
    Config,
    ConfigError,
    Suppression,
    find_config,
    load_config,
    parse_fail_on,
)
from faasguard.findings import Severity

FULL = """\
[scan]
fail_on = "high"
exclude = ["legacy/**"]

[rules]
disable = ["fg-cfg-005"]
severity = { "FG-IAM-002" = "critical" }

[budgets]
max_timeout = 30
max_package_mb = 12.5

[regions]
allowed = ["eu-west-1"]

[[suppress]]
rule = "FG-API-001"
resource = "HealthCheck"
path = "services/public/*"
reason = "health check is public by design"
expires = 2027-03-31

[[suppress]]
rule = "FG-SCL-*"
reason = "internal tool"
expires = 2027-01-02T10:00:00Z
"""


def _load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / ".faasguard.toml"
    path.write_text(text)
    return load_config(path, ".faasguard.toml")


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    return str(info.value)


def test_full_config(tmp_path: Path) -> None:
    config = _load(tmp_path, FULL)
    assert config.fail_on is Severity.HIGH
    assert config.exclude == ("legacy/**",)
    assert config.disabled == {"FG-CFG-005"}
    assert config.severity_overrides == {"FG-IAM-002": Severity.CRITICAL}
    assert config.budgets == Budgets(max_timeout=30, max_package_mb=12.5)
    assert config.allowed_regions == ("eu-west-1",)
    assert config.suppressions == (
        Suppression(rule="FG-API-001", reason="health check is public by design",
                    resource="HealthCheck", path="services/public/*",
                    expires=dt.date(2027, 3, 31), source=".faasguard.toml", line=16),
        Suppression(rule="FG-SCL-*", reason="internal tool", expires=dt.date(2027, 1, 2),
                    source=".faasguard.toml", line=23),
    )
    assert config.rule_ids() == {"FG-CFG-005", "FG-IAM-002", "FG-API-001"}


def test_empty_config_is_defaults(tmp_path: Path) -> None:
    assert _load(tmp_path, "") == Config(source=".faasguard.toml")


def test_fail_on_none(tmp_path: Path) -> None:
    assert _load(tmp_path, '[scan]\nfail_on = "none"\n').fail_on is None
    assert parse_fail_on("NONE") is None
    assert parse_fail_on("Medium") is Severity.MEDIUM
    with pytest.raises(ValueError, match="unknown severity"):
        parse_fail_on("severe")


@pytest.mark.parametrize(("text", "expected"), [
    ("[scan\n", ".faasguard.toml: invalid TOML: "),
    ("[scna]\n", ".faasguard.toml:1: unknown section [scna]"),
    ("[scan]\nfail_on = 'severe'\n", ".faasguard.toml:2: scan.fail_on: unknown severity"),
    ("[scan]\nfail_on = 3\n", ".faasguard.toml:2: scan.fail_on: expected a severity"),
    ("[scan]\n\nfailon = 'high'\n", ".faasguard.toml:3: [scan]: unknown key 'failon'"),
    ("[scan]\nexclude = 'a/**'\n", ".faasguard.toml:2: scan.exclude must be a list of strings"),
    ("[rules]\ndisable = ['FG-CFG']\n", ".faasguard.toml:2: rules.disable: 'FG-CFG' is not a"),
    ("[rules]\nseverity = { 'FG-IAM-001' = 'urgent' }\n",
     ".faasguard.toml:2: rules.severity.FG-IAM-001: unknown severity 'urgent'"),
    ("[budgets]\nmax_timeout = '30'\n",
     ".faasguard.toml:2: budgets.max_timeout must be a positive integer, got '30'"),
    ("[budgets]\nmax_timeout = 2.5\n", "budgets.max_timeout must be a positive integer"),
    ("[budgets]\nmax_package_mb = 0\n", "budgets.max_package_mb must be a positive number"),
    ("[budgets]\nmax_timeout = true\n", "budgets.max_timeout must be a positive integer"),
    ("[regions]\nallowed = [1]\n", ".faasguard.toml:2: regions.allowed must be a list"),
    ("\n[[suppress]]\nrule = 'FG-API-001'\n",
     ".faasguard.toml:2: [[suppress]] #1 needs a 'reason'"),
    ("[[suppress]]\nrule = 'FG-API-001'\nreason = '  '\n", "needs a 'reason'"),
    ("[[suppress]]\nreason = 'x'\n", "[[suppress]] #1 needs 'rule'"),
    ("[[suppress]]\nrule = 'x'\nreason = 'y'\n", "rule 'X' is neither a rule id nor a glob"),
    ("[[suppress]]\nrule = 'FG-API-001'\nreason = 'y'\nexpires = 'soon'\n",
     ".faasguard.toml:1: [[suppress]] #1: expires must be a date"),
    ("[[suppress]]\nrule = 'FG-API-001'\nreason = 'y'\n\n[[suppress]]\nrule = 'FG-API-002'\n"
     "reason = 'z'\nresources = 'typo'\n",
     ".faasguard.toml:5: [[suppress]] #2: unknown key 'resources'"),
    ("suppress = 'x'\n", ".faasguard.toml:1: suppress must be written as [[suppress]]"),
])
def test_errors_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in _error(tmp_path, text)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b"\xff\xfe[scan]")
    with pytest.raises(ConfigError, match=r"bad\.toml: cannot read"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_find_config_walks_up_to_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deep = repo / "services" / "orders"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    (tmp_path / ".faasguard.toml").write_text("")  # outside the repository: not used
    assert find_config(deep) is None
    (repo / ".faasguard.toml").write_text("")
    assert find_config(deep) == repo / ".faasguard.toml"
