"""Sigma rules for CloudTrail, converted as they are to SQL over ``cloudtrail_events``.

A rule is converted only when the SQL means exactly what the rule says; anything else
is refused with the reason (never approximated). See docs/logs-detections.md for the
field mapping and the list of what is refused.

Semantics kept from the Sigma specification:
- a map is AND over its fields, a list of maps or of values is OR (``|all``: AND);
- strings match case-insensitively unless ``|cased``; ``*`` and ``?`` are wildcards,
  ``\\*``, ``\\?`` and ``\\\\`` their literal characters;
- ``|re`` is a regular expression search (case-sensitive; ``|re|i``, ``|re|m``,
  ``|re|s`` set flags), run by DuckDB's RE2, so look-arounds and back-references are
  refused;
- a field whose value in the record is a list matches when any element matches;
- ``null`` matches a missing field or a JSON null; a missing field never matches a value,
  and ``not`` of a selection holds when the selection does not match;
- keywords (values with no field) search the text of the whole stored record;
- ``| count(...) by ... > n`` with ``timeframe``, and correlation rules of type
  ``event_count`` and ``value_count`` with their ``timespan``, count over sliding
  windows of that length, per group.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from faasguard.findings import Severity
from faasguard.logs.detections.model import Aggregate, Refused, Rule, RuleError, parse_span
from faasguard.logs.store import sql_string

# Sigma field (CloudTrail's own JSON names) -> column of cloudtrail_events
COLUMNS: dict[str, str] = {
    "eventID": "event_id",
    "eventVersion": "event_version",
    "eventSource": "event_source",
    "eventName": "event_name_raw",
    "eventType": "event_type",
    "eventCategory": "event_category",
    "awsRegion": "aws_region",
    "sourceIPAddress": "source_ip",
    "userAgent": "user_agent",
    "userIdentity.type": "identity_type",
    "userIdentity.arn": "identity_arn",
    "userIdentity.accountId": "identity_account_id",
    "userIdentity.principalId": "identity_principal_id",
    "userIdentity.userName": "identity_user_name",
    "userIdentity.accessKeyId": "identity_access_key_id",
    "userIdentity.invokedBy": "identity_invoked_by",
    "userIdentity.sessionContext.sessionIssuer.type": "session_issuer_type",
    "userIdentity.sessionContext.sessionIssuer.arn": "session_issuer_arn",
    "userIdentity.sessionContext.sessionIssuer.userName": "session_issuer_user_name",
    "userIdentity.sessionContext.sessionIssuer.accountId": "session_issuer_account_id",
    "userIdentity.sessionContext.attributes.mfaAuthenticated": "session_mfa_authenticated",
    "errorCode": "error_code",
    "errorMessage": "error_message",
    "recipientAccountId": "recipient_account_id",
    "readOnly": "read_only",
    "managementEvent": "management_event",
    "requestID": "request_id",
    "vpcEndpointId": "vpc_endpoint_id",
}
# Sigma field prefix -> JSON column; the rest of the field name is a path inside it
JSON_COLUMNS: dict[str, str] = {
    "requestParameters": "request_parameters",
    "responseElements": "response_elements",
    "additionalEventData": "additional_event_data",
    "resources": "resources",  # a list of {ARN, accountId, type}
    "serviceEventDetails": "service_event_details",
}
_KEY = re.compile(r"[A-Za-z0-9_@$:-]+")
_REFUSED_MODIFIERS = {
    "cidr": "IP ranges (|cidr) are not converted",
    "base64": "|base64 matches encoded text that CloudTrail records do not hold",
    "base64offset": "|base64offset matches encoded text that CloudTrail records do not hold",
    "wide": "|wide (UTF-16) does not apply to CloudTrail's JSON",
    "utf16": "|utf16 does not apply to CloudTrail's JSON",
    "utf16le": "|utf16le does not apply to CloudTrail's JSON",
    "utf16be": "|utf16be does not apply to CloudTrail's JSON",
    "windash": "|windash is for Windows command lines",
    "expand": "|expand needs placeholder values that are not defined here",
    "fieldref": "|fieldref (comparing two fields) is not converted",
}
_RE_UNSUPPORTED = re.compile(r"\(\?[=!<]|\\[1-9]|\(\?P=|\\[gk]<")
_LEVELS = {"informational": Severity.INFO, "low": Severity.LOW, "medium": Severity.MEDIUM,
           "high": Severity.HIGH, "critical": Severity.CRITICAL}
# the stored text of a whole record, for keyword searches
_RECORD_TEXT = ("concat_ws(chr(10), " + ", ".join(
    [f"CAST({c} AS VARCHAR)" for c in COLUMNS.values()]
    + [f"CAST({c} AS VARCHAR)" for c in JSON_COLUMNS.values()]) + ")")


class Refuse(RuleError):
    """This rule cannot be converted faithfully."""


@dataclass(frozen=True)
class FieldRef:
    """Where a Sigma field lives: a column, or a path inside a JSON column."""

    name: str
    column: str
    path: str | None = None

    def scalar(self) -> str:
        """One text value (group-by and count fields)."""
        if self.path is None:
            return f"CAST({self.column} AS VARCHAR)"
        return f"json_extract_string({self.column}, {sql_string(self.path)})"

    def test(self, pred: Callable[[str], str]) -> str:
        """True when the field's value (any element, for a list) satisfies `pred`;
        false, never NULL, when the field is missing."""
        if self.path is None:
            return f"coalesce({pred(self.scalar())}, false)"
        col, path = self.column, sql_string(self.path)
        if self.path.endswith("[*]") or "[*]." in self.path:
            values = f"json_extract_string({col}, {path})"
        else:
            values = (f"CASE WHEN json_type({col}, {path}) = 'ARRAY' "
                      f"THEN json_extract_string({col}, {sql_string(self.path + '[*]')}) "
                      f"ELSE [json_extract_string({col}, {path})] END")
        return f"coalesce(list_bool_or(list_transform({values}, lambda v: {pred('v')})), false)"

    def is_null(self) -> str:
        if self.path is None:
            return f"{self.column} IS NULL"
        return f"coalesce(json_type({self.column}, {sql_string(self.path)}), 'NULL') = 'NULL'"


def field_ref(name: str) -> FieldRef:
    if name in COLUMNS:
        return FieldRef(name, COLUMNS[name])
    head, _, rest = name.partition(".")
    if head in JSON_COLUMNS:
        keys = rest.split(".") if rest else []
        if head == "resources":
            if len(keys) != 1:
                raise Refuse(f"field {name}: use resources.ARN, resources.accountId or "
                             "resources.type")
            return FieldRef(name, JSON_COLUMNS[head], f'$[*]."{keys[0]}"')
        if not keys:
            raise Refuse(f"field {name}: a whole JSON object can be tested only with "
                         "null or |exists")
        if not all(_KEY.fullmatch(k) for k in keys):
            raise Refuse(f"field {name}: unsupported characters in the name")
        return FieldRef(name, JSON_COLUMNS[head], "$." + ".".join(f'"{k}"' for k in keys))
    raise Refuse(f"field {name} is not stored by faasguard (see the field mapping in "
                 "docs/logs-detections.md)")


def _like_pattern(value: str, contains: bool, starts: bool, ends: bool) -> str:
    """A Sigma wildcard string as a LIKE pattern with `\\` as its escape."""
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append("\\" + value[i + 1] if value[i + 1] == "\\" else value[i + 1])
            i += 2
            continue
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    body = "".join(out)
    if contains or ends:
        body = "%" + body
    if contains or starts:
        body = body + "%"
    return body


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise Refuse(f"value {value!r} is not a string, number, boolean or null")


def _field_item(key: str, value: Any) -> str:
    name, *mods = key.split("|")
    if not name:
        raise Refuse(f"keyword search with modifiers ({key!r}) is not converted")
    for mod in mods:
        if mod in _REFUSED_MODIFIERS:
            raise Refuse(f"{key}: {_REFUSED_MODIFIERS[mod]}")
    known = {"contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cased",
             "exists", "gt", "gte", "lt", "lte"}
    unknown = [m for m in mods if m not in known]
    if unknown:
        raise Refuse(f"{key}: unknown modifier |{unknown[0]}")
    if any(m in ("i", "m", "s") for m in mods) and "re" not in mods:
        raise Refuse(f"{key}: |i, |m and |s apply only to |re")
    if "exists" in mods:
        if not isinstance(value, bool) or len(mods) != 1:
            raise Refuse(f"{key}: |exists takes true or false, alone")
        missing = _ref_for_null(name)
        return f"NOT ({missing})" if value else f"({missing})"
    ref = field_ref(name)
    values = value if isinstance(value, list) else [value]
    if not values:
        raise Refuse(f"{key}: empty list of values")
    parts = [_value_test(ref, key, mods, v) for v in values]
    joiner = " AND " if "all" in mods else " OR "
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"


def _ref_for_null(name: str) -> str:
    if name in JSON_COLUMNS:  # the whole object
        return f"coalesce(json_type({JSON_COLUMNS[name]}), 'NULL') = 'NULL'"
    return field_ref(name).is_null()


def _value_test(ref: FieldRef, key: str, mods: list[str], value: Any) -> str:
    if value is None:
        if [m for m in mods if m != "all"]:
            raise Refuse(f"{key}: null with modifiers")
        return ref.is_null()
    if isinstance(value, Mapping | list):
        raise Refuse(f"{key}: a nested map or list as a value")
    compare = [m for m in mods if m in ("gt", "gte", "lt", "lte")]
    if compare:
        if len(compare) > 1 or isinstance(value, bool) or not isinstance(value, int | float):
            raise Refuse(f"{key}: |{compare[0]} takes one number")
        op = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[compare[0]]
        return ref.test(lambda v: f"try_cast({v} AS DOUBLE) {op} {float(value)!r}")
    text = _scalar_text(value)
    if "re" in mods:
        if any(m in mods for m in ("contains", "startswith", "endswith", "cased")):
            raise Refuse(f"{key}: |re cannot be combined with other string modifiers")
        if _RE_UNSUPPORTED.search(text):
            raise Refuse(f"{key}: look-arounds and back-references are not supported by "
                         "RE2, the regular expression engine that runs the query")
        try:
            re.compile(text)
        except re.error as exc:
            raise Refuse(f"{key}: invalid regular expression: {exc}") from None
        flags = "".join(f for f in ("i", "m", "s") if f in mods)
        pattern = f"(?{flags}){text}" if flags else text
        return ref.test(lambda v: f"regexp_matches({v}, {sql_string(pattern)})")
    like = _like_pattern(text, "contains" in mods, "startswith" in mods, "endswith" in mods)
    op = "LIKE" if "cased" in mods else "ILIKE"
    return ref.test(lambda v: f"{v} {op} {sql_string(like)} ESCAPE '\\'")


def _keywords(values: list[Any]) -> str:
    parts = []
    for value in values:
        if value is None or isinstance(value, Mapping | list):
            raise Refuse("keywords must be strings or numbers")
        like = _like_pattern(_scalar_text(value), True, False, False)
        parts.append(f"coalesce({_RECORD_TEXT} ILIKE {sql_string(like)} ESCAPE '\\', false)")
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def search_sql(item: Any) -> str:
    """One search identifier of a detection as SQL."""
    if isinstance(item, Mapping):
        if not item:
            raise Refuse("an empty selection")
        parts = [_field_item(str(k), v) for k, v in item.items()]
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
    if isinstance(item, list) and item and all(isinstance(i, Mapping) for i in item):
        parts = [search_sql(i) for i in item]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    if isinstance(item, list) and item and not any(isinstance(i, Mapping) for i in item):
        return _keywords(item)
    if isinstance(item, str | int):
        return _keywords([item])
    raise Refuse("a search identifier must be a map, a list of maps or a list of keywords")


# -- conditions -------------------------------------------------------------------

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_AGGREGATION = re.compile(
    r"\s*count\(\s*([\w.]*)\s*\)\s*(?:by\s+([\w.]+(?:\s*,\s*[\w.]+)*)\s*)?"
    r"(>=|<=|==|=|>|<)\s*(\d+)\s*", re.I)


class _Condition:
    """A recursive-descent parser of one Sigma condition (not, and, or, parentheses,
    ``1 of``/``any of``/``all of`` a pattern or ``them``) into SQL."""

    def __init__(self, text: str, searches: Mapping[str, Any]) -> None:
        self.tokens = _TOKEN.findall(text)
        self.pos = 0
        self.searches = searches
        self.cache: dict[str, str] = {}

    def parse(self) -> str:
        if not self.tokens:
            raise Refuse("empty condition")
        sql = self._or()
        if self.pos != len(self.tokens):
            raise Refuse(f"unexpected {self.tokens[self.pos]!r} in the condition")
        return sql

    def _peek(self) -> str | None:
        return self.tokens[self.pos].lower() if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        if self.pos >= len(self.tokens):
            raise Refuse("the condition ends too early")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _or(self) -> str:
        parts = [self._and()]
        while self._peek() == "or":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def _and(self) -> str:
        parts = [self._not()]
        while self._peek() == "and":
            self._take()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def _not(self) -> str:
        if self._peek() == "not":
            self._take()
            return f"(NOT {self._not()})"
        return self._primary()

    def _primary(self) -> str:
        token = self._take()
        low = token.lower()
        if token == "(":
            inner = self._or()
            if self._take() != ")":
                raise Refuse("unbalanced parentheses in the condition")
            return inner
        if self._peek() == "of":
            if low not in ("1", "any", "all"):
                raise Refuse(f"'{token} of' is not Sigma (use 1 of, any of or all of)")
            self._take()
            target = self._take()
            names = self._targets(target)
            parts = [self._search(n) for n in names]
            joiner = " AND " if low == "all" else " OR "
            return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
        if low in ("and", "or", "of", ")", "|"):
            raise Refuse(f"unexpected {token!r} in the condition")
        return self._search(token)

    def _targets(self, target: str) -> list[str]:
        if target.lower() == "them":
            names = [n for n in self.searches if not n.startswith("_")]
        else:
            names = [n for n in self.searches if fnmatch.fnmatchcase(n, target)]
        if not names:
            raise Refuse(f"no search identifier matches {target!r}")
        return names

    def _search(self, name: str) -> str:
        if name not in self.searches:
            raise Refuse(f"the condition names {name!r}, which the detection does not define")
        if name not in self.cache:
            self.cache[name] = search_sql(self.searches[name])
        return self.cache[name]


def _threshold(op: str, number: int, what: str) -> int:
    if op == ">":
        return number + 1
    if op == ">=":
        return number
    raise Refuse(f"{what} `{op} {number}`: only > and >= are converted; a count below or "
                 "equal to a bound over sliding windows depends on windows with no events, "
                 "which faasguard does not approximate")


def _group(fields: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple((f, field_ref(f).scalar()) for f in fields)


def _aggregation(text: str, detection: Mapping[str, Any]) -> Aggregate:
    found = _AGGREGATION.fullmatch(text)
    if found is None:
        raise Refuse(f"aggregation `{text.strip()}` is not converted (only count() and "
                     "count(field), with an optional by and > or >=)")
    counted, by, op, number = found.groups()
    fields = [f.strip() for f in by.split(",")] if by else []
    span = parse_span(detection["timeframe"]) if "timeframe" in detection else None
    distinct = (counted, field_ref(counted).scalar()) if counted else None
    return Aggregate(_group(fields), _threshold(op, int(number), "count"), span, distinct)


# -- rules ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Base:
    rule: Rule
    names: tuple[str, ...]


def _meta(doc: Mapping[str, Any], origin: str, index: int) -> tuple[str, str, Severity]:
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise Refuse("no title")
    rule_id = doc.get("id") or doc.get("name") or f"{origin}#{index}"
    level = doc.get("level", "medium")
    if not isinstance(level, str) or level.lower() not in _LEVELS:
        raise Refuse(f"unknown level {level!r}")
    return str(rule_id), title.strip(), _LEVELS[level.lower()]


def _rule(doc: Mapping[str, Any], origin: str, index: int, where: str,
          aggregate: Aggregate | None) -> Rule:
    rule_id, title, severity = _meta(doc, origin, index)
    refs = doc.get("references") if isinstance(doc.get("references"), list) else []
    description = doc.get("description") if isinstance(doc.get("description"), str) else title
    return Rule(id=rule_id, title=title, severity=severity, controls=("F4",),
                description=str(description).strip(), where=where, origin=origin,
                aggregate=aggregate, references=tuple(str(r) for r in refs or ()))


def convert(doc: Mapping[str, Any], origin: str = "<sigma>", index: int = 0) -> Rule:
    """One Sigma detection rule (not a correlation) as a faasguard rule."""
    logsource = doc.get("logsource")
    if not isinstance(logsource, Mapping) or \
            str(logsource.get("product", "")).lower() != "aws" or \
            str(logsource.get("service", "")).lower() != "cloudtrail":
        raise Refuse("logsource is not product: aws, service: cloudtrail; faasguard "
                     "converts CloudTrail rules only")
    detection = doc.get("detection")
    if not isinstance(detection, Mapping):
        raise Refuse("no detection map")
    condition = detection.get("condition")
    listed = condition if isinstance(condition, list) else [condition]
    conditions = [c for c in listed if isinstance(c, str)]
    if not conditions or len(conditions) != len(listed):
        raise Refuse("condition must be text or a list of texts")
    searches = {str(k): v for k, v in detection.items() if k not in ("condition", "timeframe")}
    wheres: list[str] = []
    aggregate: Aggregate | None = None
    for text in conditions:
        main, bar, rest = text.partition("|")
        wheres.append(_Condition(main, searches).parse())
        if bar:
            if len(conditions) > 1:
                raise Refuse("an aggregation in a list of conditions is not converted")
            aggregate = _aggregation(rest, detection)
    if "timeframe" in detection and aggregate is None:
        parse_span(detection["timeframe"])  # a bad value is still an error
    where = wheres[0] if len(wheres) == 1 else "(" + " OR ".join(wheres) + ")"
    return _rule(doc, origin, index, where, aggregate)


_CORRELATION_KEYS = {"type", "rules", "group-by", "timespan", "timeframe", "condition",
                     "generate", "aliases"}


def _correlation(doc: Mapping[str, Any], origin: str, index: int,
                 bases: Mapping[str, _Base | Refused]) -> Rule:
    corr = doc["correlation"]
    if not isinstance(corr, Mapping):
        raise Refuse("correlation must be a map")
    kind = corr.get("type")
    if kind not in ("event_count", "value_count"):
        raise Refuse(f"correlation type {kind!r} is not converted (event_count and "
                     "value_count are)")
    if corr.get("aliases"):
        raise Refuse("correlation aliases are not converted")
    unknown = sorted(set(map(str, corr)) - _CORRELATION_KEYS)
    if unknown:
        raise Refuse(f"correlation attribute {unknown[0]!r} is not converted")
    refs = corr.get("rules")
    refs = [refs] if isinstance(refs, str) else refs
    if not isinstance(refs, list) or not refs:
        raise Refuse("correlation.rules must name at least one rule")
    wheres = []
    for ref in refs:
        base = bases.get(str(ref))
        if base is None:
            raise Refuse(f"correlation names rule {ref!r}, which was not loaded")
        if isinstance(base, Refused):
            raise Refuse(f"correlated rule {ref!r} was refused: {base.reason}")
        if base.rule.aggregate is not None:
            raise Refuse(f"correlated rule {ref!r} has its own aggregation")
        wheres.append(base.rule.where)
    span_text = corr.get("timespan", corr.get("timeframe"))
    if span_text is None:
        raise Refuse("a correlation needs a timespan")
    span = parse_span(span_text)
    group_by = corr.get("group-by", [])
    group_by = [group_by] if isinstance(group_by, str) else group_by
    if not isinstance(group_by, list):
        raise Refuse("group-by must be a list of fields")
    cond = corr.get("condition")
    if not isinstance(cond, Mapping):
        raise Refuse("correlation condition must be a map such as {gte: 10}")
    distinct = None
    if kind == "value_count":
        field = cond.get("field")
        if not isinstance(field, str):
            raise Refuse("a value_count condition needs a field")
        distinct = (field, field_ref(field).scalar())
    bounds = {k: v for k, v in cond.items() if k != "field"}
    if len(bounds) != 1:
        raise Refuse("the correlation condition must have exactly one bound")
    (op, number), = bounds.items()
    if not isinstance(number, int) or isinstance(number, bool):
        raise Refuse("the correlation bound must be an integer")
    symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=="}.get(str(op))
    if symbol is None:
        raise Refuse(f"unknown correlation condition {op!r}")
    threshold = _threshold(symbol, number, "correlation condition")
    where = wheres[0] if len(wheres) == 1 else "(" + " OR ".join(wheres) + ")"
    aggregate = Aggregate(_group([str(g) for g in group_by]), threshold, span, distinct)
    return _rule(doc, origin, index, where, aggregate)


def convert_all(docs: list[tuple[str, Mapping[str, Any]]]
                ) -> tuple[list[Rule], list[Refused]]:
    """Convert a set of Sigma documents together, so correlations can name the rules
    they count (by id or name). Rules that a correlation counts are not run on their
    own unless it says ``generate: true``."""
    bases: dict[str, _Base | Refused] = {}
    order: list[_Base | Refused] = []
    correlations: list[tuple[int, str, Mapping[str, Any]]] = []
    for index, (origin, doc) in enumerate(docs):
        title = str(doc.get("title", origin))
        if "action" in doc:
            order.append(Refused(origin, title, "Sigma rule collections (action: global, "
                                 "reset, repeat) are not converted; write each rule whole"))
            continue
        if "correlation" in doc:
            correlations.append((index, origin, doc))
            continue
        if "detection" not in doc:
            order.append(Refused(origin, title, "Sigma filters (a filter without a detection) "
                                 "are not converted"))
            continue
        names = tuple(str(doc[k]) for k in ("id", "name") if doc.get(k))
        result: _Base | Refused
        try:
            result = _Base(convert(doc, origin, index), names)
        except RuleError as exc:
            result = Refused(origin, title, str(exc))
        order.append(result)
        for name in names:
            bases[name] = result
    rules: list[Rule] = []
    refused: list[Refused] = []
    counted: set[str] = set()
    for index, origin, doc in correlations:
        title = str(doc.get("title", origin))
        try:
            rules.append(_correlation(doc, origin, index, bases))
        except RuleError as exc:
            refused.append(Refused(origin, title, str(exc)))
        corr = doc.get("correlation")
        if isinstance(corr, Mapping) and not corr.get("generate", False):
            refs = corr.get("rules")
            counted.update([refs] if isinstance(refs, str) else
                           [str(r) for r in refs] if isinstance(refs, list) else [])
    for item in order:
        if isinstance(item, Refused):
            refused.append(item)
        elif not counted.intersection(item.names):
            rules.append(item.rule)
    return rules, refused
