"""Baselines: accept today's findings, report only new ones from now on.

``faasguard scan --write-baseline .faasguard-baseline.json`` records the fingerprint
of every active finding; ``--baseline`` then hides those. Fingerprints use the rule,
file, app, subject and a stable detail, not line numbers, so edits that move lines
keep a finding baselined. The rule, file and subject are written beside each
fingerprint so a person reviewing the file can tell what was accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from faasguard.findings import Finding

VERSION = 1


def baseline_document(findings: Iterable[Finding], now: dt.datetime | None = None,
                      ) -> dict[str, Any]:
    from faasguard.meta import __version__

    entries = {f.fingerprint: {"fingerprint": f.fingerprint, "rule": f.rule_id,
                               "file": f.location.file, "subject": f.subject.label}
               for f in findings if not f.suppressed}
    when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return {
        "version": VERSION,
        "generated_at": when.isoformat(),
        "tool": f"faasguard {__version__}",
        "findings": sorted(entries.values(),
                           key=lambda e: (e["file"], e["rule"], e["subject"], e["fingerprint"])),
    }


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline atomically; returns how many findings it holds."""
    import tempfile

    from faasguard.formats.jsontext import dumps_indented

    document = baseline_document(findings)
    text = dumps_indented(document) + "\n"
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # a file to commit, not a private one
        os.replace(tmp, path)
    except OSError as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise ValueError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return len(document["findings"])


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints in a baseline file; ValueError naming the file when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a faasguard baseline (not UTF-8 text)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: not a faasguard baseline (invalid JSON: "
                         f"{exc.msg})") from None
    if not isinstance(data, dict) or "findings" not in data or "version" not in data:
        raise ValueError(f"{path}: not a faasguard baseline (expected an object with "
                         "'version' and 'findings'; write one with --write-baseline)")
    if data["version"] != VERSION:
        raise ValueError(f"{path}: baseline version {data['version']!r} is not supported "
                         f"(this faasguard reads version {VERSION})")
    entries = data["findings"]
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise ValueError(f"{path}: not a faasguard baseline ('findings' must be a list of "
                         "objects with a 'fingerprint')")
    return frozenset(e["fingerprint"] for e in entries)


def filter_new(findings: list[Finding], path: Path) -> list[Finding]:
    """The findings not in the baseline. Suppressed findings are kept as they are: the
    reports already treat them as accepted, with their reason."""
    known = load_baseline(path)
    return [f for f in findings if f.suppressed or f.fingerprint not in known]
