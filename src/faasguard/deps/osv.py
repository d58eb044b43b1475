"""Advisories in the OSV schema (https://ossf.github.io/osv-schema/) and whether a
version is affected.

Only what matching and reporting need is kept: ids and aliases, summary, severity,
and per affected package its ranges (ECOSYSTEM or SEMVER events) and explicit
versions. GIT ranges name commits, not releases, so they cannot match an installed
version and are left out. Withdrawn advisories are dropped at import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from faasguard.deps.versions import ECOSYSTEMS, normalize_name, parse

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


@dataclass(frozen=True, slots=True)
class Affected:
    """One advisory's statement about one package."""

    advisory: str
    ecosystem: str
    package: str
    """Normalised name (PEP 503 for PyPI)."""
    ranges: tuple[tuple[tuple[str, str], ...], ...]
    """Each range's events in the advisory's order: ("introduced" | "fixed" |
    "last_affected" | "limit", version)."""
    versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: str
    """"critical" .. "low" from the advisory's database_specific or CVSS score, or ""."""
    modified: str
    affected: tuple[Affected, ...]


def _severity(doc: Mapping[str, Any]) -> str:
    named = str((doc.get("database_specific") or {}).get("severity") or "").lower()
    if named in {"critical", "high", "moderate", "medium", "low"}:
        return "medium" if named == "moderate" else named
    for entry in doc.get("severity") or ():
        score = _cvss_base(str(entry.get("score", "")))
        if score is not None:
            return ("critical" if score >= 9 else "high" if score >= 7
                    else "medium" if score >= 4 else "low")
    return ""


def _cvss_base(vector: str) -> float | None:
    """A plain number is taken as the base score; a CVSS vector is not computed here."""
    try:
        return float(vector)
    except ValueError:
        return None


def parse_advisory(doc: Any) -> Advisory | None:
    """An OSV document, or None when it is withdrawn, not OSV, or names no package of
    an ecosystem faasguard matches."""
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        return None
    if doc.get("withdrawn"):
        return None
    ident = doc["id"]
    affected: list[Affected] = []
    for item in doc.get("affected") or ():
        if not isinstance(item, dict):
            continue
        package = item.get("package") or {}
        ecosystem = str(package.get("ecosystem", "")).split(":", 1)[0]
        name = package.get("name")
        if ecosystem not in ECOSYSTEMS or not isinstance(name, str):
            continue
        ranges = tuple(
            tuple((kind, str(value)) for event in r.get("events") or ()
                  if isinstance(event, dict) for kind, value in event.items()
                  if kind in {"introduced", "fixed", "last_affected", "limit"})
            for r in item.get("ranges") or ()
            if isinstance(r, dict) and r.get("type") in {"ECOSYSTEM", "SEMVER"})
        versions = tuple(str(v) for v in item.get("versions") or ())
        affected.append(Affected(ident, ecosystem, normalize_name(ecosystem, name),
                                 ranges, versions))
    if not affected:
        return None
    aliases = tuple(a for a in doc.get("aliases") or () if isinstance(a, str))
    return Advisory(ident, aliases, str(doc.get("summary") or doc.get("details") or "")[:300],
                    _severity(doc), str(doc.get("modified", "")), tuple(affected))


def is_affected(entry: Affected, version: str) -> bool | None:
    """True or False, or None when ``version`` (or an event of a range) does not parse,
    so the answer would be a guess."""
    if version in entry.versions:
        return True
    current = parse(entry.ecosystem, version)
    if current is None:
        return None
    for events in entry.ranges:
        bounds: list[tuple[Any, str]] = []
        for kind, value in events:
            if kind == "introduced" and value == "0":
                bounds.append((None, kind))
                continue
            bound = parse(entry.ecosystem, value)
            if bound is None:
                return None
            bounds.append((bound, kind))
        # The schema's algorithm: walk the events in version order ("0" first).
        bounds.sort(key=lambda b: (b[0] is not None, b[0] if b[0] is not None else 0))
        affected = False
        for bound, kind in bounds:
            if kind == "introduced":
                if bound is None or current >= bound:
                    affected = True
            elif bound is not None and _past(kind, current, bound):
                affected = False
        if affected:
            return True
    return False


def _past(kind: str, current: Any, bound: Any) -> bool:
    """Whether ``current`` is beyond a closing event: fixed and limit exclude their own
    version, last_affected includes it."""
    return bool(current > bound) if kind == "last_affected" else bool(current >= bound)


def fixed_in(entry: Affected) -> tuple[str, ...]:
    """The versions that fix it, as the advisory lists them."""
    return tuple(dict.fromkeys(v for events in entry.ranges for k, v in events if k == "fixed"))


def iter_documents(data: Any) -> Iterator[Any]:
    """OSV documents in a loaded JSON value: one advisory, a list, or {"vulns": [...]}."""
    if isinstance(data, list):
        yield from data
    elif isinstance(data, dict) and isinstance(data.get("vulns"), list):
        yield from data["vulns"]
    else:
        yield data


def merge_aliases(advisories: Iterable[Advisory]) -> list[list[Advisory]]:
    """Group advisories that are the same vulnerability (sharing an id or alias, e.g.
    a GHSA and a PYSEC both aliasing one CVE), so each is reported once."""
    groups: list[list[Advisory]] = []
    names: list[set[str]] = []
    for adv in advisories:
        ids = {adv.id, *adv.aliases}
        hits = [i for i, known in enumerate(names) if known & ids]
        group = [adv]
        for i in reversed(hits):
            group.extend(groups.pop(i))
            ids |= names.pop(i)
        groups.append(group)
        names.append(ids)
    return groups
