"""Per-project policy from ``.faasguard.toml``.

Example::

    [scan]
    fail_on = "high"                  # or "none": findings never fail the run
    exclude = ["legacy/**"]

    [rules]
    disable = ["FG-CFG-005"]
    severity = { "FG-IAM-002" = "critical" }

    [budgets]
    max_timeout = 30          # seconds
    max_package_mb = 50
    max_dependencies = 40
    max_code_lines = 20000

    [regions]
    allowed = ["eu-west-1", "eu-central-1"]

    [encryption]
    require_kms = true                # data at rest under KMS keys, not SSE-S3

    [logs]                            # defaults for `faasguard logs report`
    office_hours = "08:00-18:00"      # flags given on the command line win
    tz = "Europe/Paris"
    office_days = "mon-fri"
    privileged = ["*:root", "*admin*", "breakglass-*"]
    service_accounts = ["svc-*", "ci-*"]
    default_accounts = ["admin", "guest"]
    disabled_accounts = ["alice.old"]
    burst_failures = 3
    burst_window = "10m"
    price_gb_second = 0.0000133334    # arm64
    price_million_requests = 0.20

    [[suppress]]
    rule = "FG-API-001"               # a rule id, or a glob such as "FG-API-*"
    resource = "HealthCheck"          # function, route or resource id/name (glob)
    path = "services/public/*"        # optional file glob
    reason = "health check is public by design"
    expires = 2027-03-31              # optional; applies through that day

Everything is checked when the file is read: an unknown section or key, a value of
the wrong type or a malformed rule id is an error that names the file and, where it
can be found, the line, so a typo never silently turns a control off.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.findings import Severity
from faasguard.rules.registry import ID_PATTERN

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

CONFIG_NAME = ".faasguard.toml"
NO_FAIL = "none"


class ConfigError(ValueError):
    """The config file is invalid; the message names the file, the key and the line."""


@dataclass(frozen=True, slots=True)
class Suppression:
    rule: str
    """A rule id or a glob over rule ids."""
    reason: str
    resource: str = "*"
    path: str = "*"
    expires: dt.date | None = None
    """Last day the suppression applies; None for no expiry."""
    source: str = CONFIG_NAME
    """The config file it came from, as shown in reports."""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Budgets:
    max_timeout: int = 900
    """Seconds; functions above this are flagged (the platform maximum by default)."""
    max_package_mb: float = 50.0
    max_dependencies: int = 100
    max_code_lines: int = 20_000


@dataclass(frozen=True, slots=True)
class Config:
    fail_on: Severity | None = Severity.LOW
    """None: findings never fail the run (``fail_on = "none"``)."""
    exclude: tuple[str, ...] = ()
    disabled: frozenset[str] = frozenset()
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    budgets: Budgets = Budgets()
    allowed_regions: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    source: str | None = None
    require_kms: bool = False
    """The project wants data at rest under KMS keys (``[encryption] require_kms``)."""
    logs: Mapping[str, Any] = field(default_factory=dict)
    """``[logs]``: defaults for ``faasguard logs report``, keyed by option name
    (``office_hours``, ``privileged``, ...), each value checked for its type."""
    advisory_db: str | None = None
    """The OSV advisory database (``--advisory-db``); None: the default in the user's
    cache (`faasguard db update` / `faasguard db import` fill it)."""

    def rule_ids(self) -> set[str]:
        """Every exact rule id the config names, to check against the catalogue."""
        ids = set(self.disabled) | set(self.severity_overrides)
        ids |= {s.rule for s in self.suppressions if ID_PATTERN.match(s.rule)}
        return ids


def parse_fail_on(text: str) -> Severity | None:
    """A ``--fail-on`` / ``fail_on`` value: a severity, or "none"."""
    if text.strip().lower() == NO_FAIL:
        return None
    return Severity.parse(text.strip())


# [logs] keys by kind of value; the names are the `faasguard logs report` options'.
LOG_TEXT = ("office_hours", "tz", "office_days", "burst_window")
LOG_LISTS = ("privileged", "service_accounts", "default_accounts", "disabled_accounts")
LOG_NUMBERS = {"burst_failures": int, "price_gb_second": float,
               "price_million_requests": float}


class _Reader:
    """Validates the parsed TOML, with the source text at hand to find lines."""

    SECTIONS: Mapping[str, frozenset[str]] = {
        "scan": frozenset({"fail_on", "exclude"}),
        "rules": frozenset({"disable", "severity"}),
        "budgets": frozenset({"max_timeout", "max_package_mb", "max_dependencies",
                              "max_code_lines"}),
        "regions": frozenset({"allowed"}),
        "encryption": frozenset({"require_kms"}),
        "logs": frozenset({*LOG_TEXT, *LOG_LISTS, *LOG_NUMBERS}),
    }
    SUPPRESS_KEYS = frozenset({"rule", "reason", "resource", "path", "expires"})

    def __init__(self, where: str, text: str) -> None:
        self.where = where
        self.lines = text.splitlines()

    def line_of(self, pattern: str, nth: int = 0) -> int | None:
        """Line of the ``nth`` line matching ``pattern`` (a regex), if any."""
        regex = re.compile(pattern)
        found = [i for i, line in enumerate(self.lines, 1) if regex.search(line)]
        return found[nth] if nth < len(found) else None

    def key_line(self, key: str) -> int | None:
        return self.line_of(rf'^\s*"?{re.escape(key)}"?\s*=') or self.line_of(re.escape(key))

    def error(self, message: str, line: int | None = None) -> ConfigError:
        place = f"{self.where}:{line}" if line else self.where
        return ConfigError(f"{place}: {message}")

    def table(self, data: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(f"[{key}] must be a table", self.key_line(key))
        allowed = self.SECTIONS[key]
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.error(f"[{key}]: unknown key {unknown[0]!r} "
                             f"(known: {', '.join(sorted(allowed))})",
                             self.key_line(unknown[0]))
        return value

    def strings(self, value: Any, name: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"{name} must be a list of strings",
                             self.key_line(name.rpartition(".")[2]))
        return tuple(value)

    def rule_id(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or not ID_PATTERN.match(value.upper()):
            raise self.error(f"{name}: {value!r} is not a rule id (like FG-IAM-001)",
                             self.key_line(str(value)))
        return value.upper()

    def severity(self, value: Any, name: str) -> Severity:
        try:
            return Severity.parse(value) if isinstance(value, str) else Severity(value)
        except ValueError as exc:
            raise self.error(f"{name}: {exc}", self.key_line(name.rpartition(".")[2])) from None

    def budgets(self, table: Mapping[str, Any]) -> Budgets:
        values: dict[str, Any] = {}
        for key, value in table.items():
            number_ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not number_ok or value <= 0 or (key != "max_package_mb"
                                               and not isinstance(value, int)):
                kind = "a positive number" if key == "max_package_mb" else "a positive integer"
                raise self.error(f"budgets.{key} must be {kind}, got {value!r}",
                                 self.key_line(key))
            values[key] = value
        return Budgets(**values)

    def logs(self, table: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key in LOG_TEXT and not isinstance(value, str):
                raise self.error(f"logs.{key} must be a string", self.key_line(key))
            if key in LOG_LISTS:
                value = self.strings(value, f"logs.{key}")
            kind = LOG_NUMBERS.get(key)
            if kind is not None:
                number_ok = isinstance(value, int | float) and not isinstance(value, bool) \
                    and (kind is float or isinstance(value, int))
                if not number_ok or value <= 0:
                    what = "a positive integer" if kind is int else "a positive number"
                    raise self.error(f"logs.{key} must be {what}, got {value!r}",
                                     self.key_line(key))
                value = kind(value)
            values[key] = value
        return values

    def suppression(self, item: Any, index: int, source: str) -> Suppression:
        line = self.line_of(r"^\s*\[\[\s*suppress\s*\]\]", index)
        label = f"[[suppress]] #{index + 1}"
        if not isinstance(item, dict):
            raise self.error(f"{label} must be a table", line)
        unknown = sorted(set(item) - self.SUPPRESS_KEYS)
        if unknown:
            raise self.error(f"{label}: unknown key {unknown[0]!r} "
                             f"(known: {', '.join(sorted(self.SUPPRESS_KEYS))})", line)
        rule = item.get("rule")
        reason = item.get("reason")
        if not isinstance(rule, str) or not rule.strip():
            raise self.error(f"{label} needs 'rule' (a rule id or glob)", line)
        if not isinstance(reason, str) or not reason.strip():
            raise self.error(f"{label} needs a 'reason': say why the finding is accepted", line)
        rule = rule.strip().upper()
        if not ID_PATTERN.match(rule) and not any(c in rule for c in "*?["):
            raise self.error(f"{label}: rule {rule!r} is neither a rule id nor a glob", line)
        for key in ("resource", "path"):
            if key in item and not isinstance(item[key], str):
                raise self.error(f"{label}: {key} must be a string", line)
        return Suppression(rule=rule, reason=reason.strip(),
                           resource=item.get("resource", "*"), path=item.get("path", "*"),
                           expires=self.expiry(item.get("expires"), label, line),
                           source=source, line=line)

    def expiry(self, value: Any, label: str, line: int | None) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):  # TOML datetimes: the day is what counts
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(f"{label}: expires must be a date (YYYY-MM-DD)", line)


def parse_config(data: Mapping[str, Any], where: str = CONFIG_NAME, text: str = "") -> Config:
    """Validate parsed TOML. ``where`` names the file in messages and reports; ``text``
    is its source, used only to point errors at a line."""
    reader = _Reader(where, text)
    known = {*reader.SECTIONS, "suppress"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise reader.error(f"unknown section [{unknown[0]}] (known: {', '.join(sorted(known))})",
                           reader.line_of(rf"^\s*\[+\s*{re.escape(unknown[0])}\s*\]"))
    scan = reader.table(data, "scan")
    rules = reader.table(data, "rules")
    budgets = reader.table(data, "budgets")
    regions = reader.table(data, "regions")
    encryption = reader.table(data, "encryption")
    logs = reader.logs(reader.table(data, "logs"))
    require_kms = encryption.get("require_kms", False)
    if not isinstance(require_kms, bool):
        raise reader.error("encryption.require_kms must be true or false",
                           reader.key_line("require_kms"))

    fail_on: Severity | None = Severity.LOW
    if "fail_on" in scan:
        value = scan["fail_on"]
        try:
            if not isinstance(value, str):
                raise ValueError(f"expected a severity or {NO_FAIL!r}, got {value!r}")
            fail_on = parse_fail_on(value)
        except ValueError as exc:
            raise reader.error(f"scan.fail_on: {exc}", reader.key_line("fail_on")) from None

    overrides_t = rules.get("severity", {})
    if not isinstance(overrides_t, dict):
        raise reader.error("rules.severity must be a table of rule id = severity",
                           reader.key_line("severity"))
    overrides = {reader.rule_id(k, "rules.severity"): reader.severity(v, f"rules.severity.{k}")
                 for k, v in overrides_t.items()}
    disabled = frozenset(reader.rule_id(v, "rules.disable")
                         for v in reader.strings(rules.get("disable", []), "rules.disable"))

    items = data.get("suppress", [])
    if not isinstance(items, list):
        raise reader.error("suppress must be written as [[suppress]] tables",
                           reader.key_line("suppress"))
    return Config(
        fail_on=fail_on,
        exclude=reader.strings(scan.get("exclude", []), "scan.exclude"),
        disabled=disabled,
        severity_overrides=overrides,
        budgets=reader.budgets(budgets),
        allowed_regions=reader.strings(regions.get("allowed", []), "regions.allowed"),
        suppressions=tuple(reader.suppression(item, i, where) for i, item in enumerate(items)),
        source=where,
        require_kms=require_kms,
        logs=logs,
    )


def load_config(path: Path, display: str | None = None) -> Config:
    """Read and validate a config file. ``display`` is how reports name it (default:
    the path as given)."""
    import tomllib  # only a project with a config file pays for the TOML parser

    where = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"{where}: cannot read: {reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    return parse_config(data, where, text)


def find_config(start: Path) -> Path | None:
    """The nearest ``.faasguard.toml`` at or above ``start`` (a directory), stopping at
    the repository root."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            break
    return None
