"""Load detection rules: the built-in rules (YAML files shipped in ``rules/``) and rule
directories given by the user, in either faasguard's rule format or Sigma's.

A faasguard rule file is one YAML mapping::

    id: FG-CT-LAYER            # unique
    title: Layer added to a Lambda function
    severity: medium           # info, low, medium, high, critical
    controls: [F4, C1]         # ids from REQUIREMENTS.md
    description: why it matters and what to check
    where: SQL boolean expression over the columns of cloudtrail_events
    aggregate:                 # optional: so many events per group in a window
      group_by: {principal: identity_arn}
      count: 10                # at least
      window: 10m              # optional; without it, over the whole run
    first_seen:                # optional: a value new for its key
      key: {function: SQL}
      value: {principal: SQL}
      baseline: 30d

A file with ``logsource`` and ``detection`` (or ``correlation``) is a Sigma rule and
goes through `faasguard.logs.detections.sigma`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from faasguard.findings import Severity
from faasguard.logs.detections.model import (
    Aggregate,
    FirstSeen,
    Refused,
    Rule,
    RuleError,
    parse_span,
)

MAX_RULE_FILE = 1024 * 1024
RULE_SUFFIXES = (".yml", ".yaml")
_KEYS = {"id", "title", "severity", "controls", "description", "where", "aggregate",
         "first_seen", "references"}


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[Rule, ...]
    refused: tuple[Refused, ...]


def _text(doc: Mapping[str, Any], key: str, origin: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{origin}: `{key}` must be non-empty text")
    return value.strip()


def _expression(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{what} must be a SQL expression (text)")
    # one expression, evaluated inside our own query: no statement separators
    if ";" in value:
        raise RuleError(f"{what} must be one SQL expression, without `;`")
    return " ".join(value.split())


def _labelled(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not value:
        raise RuleError(f"{what} must map labels to SQL expressions")
    return tuple((str(label), _expression(expr, f"{what}.{label}"))
                 for label, expr in value.items())


def _one(value: Any, what: str) -> tuple[str, str]:
    pairs = _labelled(value, what)
    if len(pairs) != 1:
        raise RuleError(f"{what} must have exactly one label")
    return pairs[0]


def _aggregate(value: Any) -> Aggregate:
    if not isinstance(value, Mapping):
        raise RuleError("aggregate must be a mapping")
    unknown = set(value) - {"group_by", "count", "window", "distinct"}
    if unknown:
        raise RuleError(f"aggregate: unknown keys {sorted(unknown)}")
    count = value.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise RuleError("aggregate.count must be a positive integer")
    group = _labelled(value["group_by"], "aggregate.group_by") if "group_by" in value else ()
    window = parse_span(value["window"]) if "window" in value else None
    distinct = _one(value["distinct"], "aggregate.distinct") if "distinct" in value else None
    return Aggregate(group, count, window, distinct)


def _first_seen(value: Any) -> FirstSeen:
    if not isinstance(value, Mapping) or set(value) != {"key", "value", "baseline"}:
        raise RuleError("first_seen must have exactly key, value and baseline")
    return FirstSeen(_one(value["key"], "first_seen.key"),
                     _one(value["value"], "first_seen.value"),
                     parse_span(value["baseline"]))


def rule_from_mapping(doc: Mapping[str, Any], origin: str) -> Rule:
    """A faasguard rule from its YAML mapping."""
    unknown = set(doc) - _KEYS
    if unknown:
        raise RuleError(f"{origin}: unknown keys {sorted(unknown)}")
    rule_id = _text(doc, "id", origin)
    try:
        severity = Severity.parse(_text(doc, "severity", origin))
        controls = doc.get("controls")
        if not isinstance(controls, list) or not controls \
                or not all(isinstance(c, str) for c in controls):
            raise RuleError("controls must be a non-empty list of control ids")
        aggregate = _aggregate(doc["aggregate"]) if "aggregate" in doc else None
        first = _first_seen(doc["first_seen"]) if "first_seen" in doc else None
        if aggregate and first:
            raise RuleError("a rule has aggregate or first_seen, not both")
        refs = doc.get("references", [])
        if not isinstance(refs, list):
            raise RuleError("references must be a list")
        return Rule(
            id=rule_id, title=_text(doc, "title", origin), severity=severity,
            controls=tuple(controls), description=_text(doc, "description", origin),
            where=_expression(doc.get("where"), "where"), origin=origin,
            aggregate=aggregate, first_seen=first, references=tuple(str(r) for r in refs))
    except (RuleError, ValueError) as exc:
        raise RuleError(f"{origin}: rule {rule_id}: {exc}") from None


def _documents(path: Path) -> list[Any]:
    # the bounded reader: a rule file is untrusted input (size, depth, alias expansion)
    from faasguard.loaders.yamlsafe import Limits, YamlLimitError, YamlSyntaxError, load_yaml

    try:
        if path.stat().st_size > MAX_RULE_FILE:
            raise RuleError(f"larger than {MAX_RULE_FILE} bytes")
        text = path.read_text(encoding="utf-8")
        docs = load_yaml(text, Limits(max_bytes=MAX_RULE_FILE, max_nodes=200_000,
                                      max_seconds=5.0))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"cannot read: {exc}") from None
    except (YamlLimitError, YamlSyntaxError) as exc:
        where = f" (line {exc.line})" if exc.line is not None else ""
        what = "not valid YAML" if isinstance(exc, YamlSyntaxError) else "not read"
        raise RuleError(f"{what}{where}: {exc}") from None
    return [d for d in docs if d is not None]


def is_sigma(doc: Any) -> bool:
    return isinstance(doc, Mapping) and ("detection" in doc or "correlation" in doc
                                         or "action" in doc
                                         or ("filter" in doc and "logsource" in doc))


def rule_files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for found in sorted(path.rglob("*")):
        if found.is_file() and found.suffix in RULE_SUFFIXES:
            yield found


def builtin_files() -> list[Path]:
    root = resources.files("faasguard.logs.detections") / "rules"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(RULE_SUFFIXES))


def load(paths: Iterable[Path] = (), *, builtin: bool = True) -> Catalogue:
    """Every rule of the built-in set (unless `builtin` is false) and of `paths` (files
    or directories). Rules that cannot be loaded are returned as refused, with why."""
    from faasguard.logs.detections import sigma

    rules: list[Rule] = []
    refused: list[Refused] = []
    sigma_docs: list[tuple[str, Mapping[str, Any]]] = []
    files = [(p, "builtin") for p in builtin_files()] if builtin else []
    files += [(f, str(f)) for p in paths for f in rule_files(p)]
    for path, origin in files:
        try:
            docs = _documents(path)
        except RuleError as exc:
            refused.append(Refused(str(path), path.name, str(exc)))
            continue
        for doc in docs:
            if is_sigma(doc):
                sigma_docs.append((str(path), doc))
            elif isinstance(doc, Mapping):
                try:
                    rules.append(rule_from_mapping(doc, origin))
                except RuleError as exc:
                    refused.append(Refused(str(path), str(doc.get("title", path.name)),
                                           str(exc)))
            else:
                refused.append(Refused(str(path), path.name,
                                       "neither a faasguard rule nor a Sigma rule"))
    converted, not_converted = sigma.convert_all(sigma_docs)
    rules.extend(converted)
    refused.extend(not_converted)
    unique: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in unique:
            refused.append(Refused(rule.origin, rule.title,
                                   f"duplicate rule id {rule.id} (first in "
                                   f"{unique[rule.id].origin})"))
        else:
            unique[rule.id] = rule
    return Catalogue(tuple(unique.values()), tuple(refused))
