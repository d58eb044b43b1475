"""The report as text for a terminal: one section per report, one table per category."""

from __future__ import annotations

from faasguard.logs.report import LogReport
from faasguard.logs.report.json import iso
from faasguard.logs.report.profile import ProfileReport
from faasguard.logs.report.table import ms, num, price, table, usd, when

TIMELINE_LIMIT = 48  # rows of the activity table; the JSON and HTML reports hold all


def _period(report: LogReport) -> str:
    since = iso(report.period.since) or "the first event"
    until = iso(report.period.until) or "the last event"
    return f"{since} .. {until}"


def render(report: LogReport) -> str:
    out = [f"faasguard log report: {report.store}", f"period: {_period(report)}",
           "events: " + ", ".join(f"{n} {t}" for t, n in report.events.items()), ""]
    out += _auth(report)
    out += _functions(report)
    out += _timeline(report)
    return "\n".join(out).rstrip() + "\n"


def _auth(report: LogReport) -> list[str]:
    a = report.auth
    out = ["AUTHENTICATION (F2)",
           f"{a.events} attempts: {a.successes} succeeded, {a.failures} failed", ""]
    out.append("Failures and successes by account")
    out += table(("ACCOUNT", "FAILED", "SUCCEEDED", "SYSTEMS", "FIRST", "LAST"),
                 [(t.key, str(t.failures), str(t.successes), str(t.others), when(t.first),
                   when(t.last)) for t in a.by_account], right=(1, 2, 3))
    out += ["", "Failures and successes by system"]
    out += table(("SYSTEM", "FAILED", "SUCCEEDED", "ACCOUNTS", "FIRST", "LAST"),
                 [(t.key, str(t.failures), str(t.successes), str(t.others), when(t.first),
                   when(t.last)) for t in a.by_system], right=(1, 2, 3))
    out += ["", "Attempts on disabled, service, default or unknown accounts"]
    out += table(("CATEGORY", "ACCOUNT", "FAILED", "SUCCEEDED", "SYSTEMS", "LAST", "REASON"),
                 [(s.category, s.account, str(s.failures), str(s.successes), str(s.systems),
                   when(s.last), s.reason or "-") for s in a.special], right=(2, 3, 4))
    out += ["", f"Logins outside office hours ({a.office})"]
    out += table(("ACCOUNT", "LOGINS", "SYSTEMS", "FIRST", "LAST"),
                 [(o.account, str(o.logins), str(o.systems), when(o.first), when(o.last))
                  for o in a.off_hours], right=(1, 2))
    out += ["", "Failures by distinct target systems"]
    out += table(("ACCOUNT", "SYSTEMS", "FAILED", "TARGETS"),
                 [(s.account, str(s.systems), str(s.failures), ", ".join(s.names))
                  for s in a.spread], right=(1, 2))
    out += ["", "Remote access"]
    out += table(("ACCOUNT", "EVENT", "SOURCE IP", "SUCCEEDED", "FAILED", "FIRST", "LAST"),
                 [(r.account, r.event, r.source_ip or "-", str(r.successes), str(r.failures),
                   when(r.first), when(r.last)) for r in a.remote], right=(3, 4))
    out += ["", "Privileged-account use"]
    out += table(("ACCOUNT", "VIA", "EVENTS", "FAILED", "FIRST", "LAST", "ACTIONS"),
                 [(p.account, p.via, str(p.events), str(p.failures), when(p.first),
                   when(p.last), ", ".join(p.actions)) for p in a.privileged], right=(2, 3))
    out += ["", "Several failures followed by a success on the same account"]
    out += table(("ACCOUNT", "SUCCEEDED AT", "FAILURES BEFORE", "FIRST FAILURE", "SYSTEM",
                  "SOURCE IPS"),
                 [(b.account, when(b.success_at), str(b.failures), when(b.first_failure),
                   b.system, ", ".join(b.source_ips) or "-") for b in a.bursts], right=(2,))
    return [*out, ""]


def _functions(report: LogReport) -> list[str]:
    f = report.functions
    out = ["FUNCTIONS (F3)",
           f"{f.invocations} invocations, estimated cost {usd(f.cost_usd)} "
           f"({price(f.prices.gb_second)} per GB-second, {price(f.prices.request * 1e6)} per "
           "million requests)", ""]
    out += table(
        ("ACCOUNT", "REGION", "FUNCTION", "INVOKED", "ERRORS", "TIMEOUTS", "THROTTLES",
         "COLD", "P50 MS", "P95 MS", "P99 MS", "MAX MS", "MEM MB", "USED MB", "PEAK CONC",
         "GB-S", "COST"),
        [(s.account or "-", s.region or "-", s.function, str(s.invocations), str(s.errors),
          str(s.timeouts), num(s.throttles), str(s.cold_starts), ms(s.duration_p50_ms),
          ms(s.duration_p95_ms), ms(s.duration_p99_ms), ms(s.duration_max_ms),
          num(s.memory_mb), num(s.memory_used_max_mb), num(s.peak_concurrency),
          num(s.gb_seconds, 3), usd(s.cost_usd)) for s in f.functions],
        right=tuple(range(3, 17)))
    return [*out, ""]


def _timeline(report: LogReport) -> list[str]:
    t = report.timeline
    size = "hour" if t.bucket_seconds == 3600 else "day"
    out = [f"ACTIVITY per {size}"]
    busy = [b for b in t.buckets if b.invocations or b.errors or b.auth_failures]
    shown = busy[-TIMELINE_LIMIT:]
    flagged = {(a.start, a.series) for a in t.anomalies}

    def cell(b_start: object, series: str, value: int) -> str:
        return f"{value}!" if (b_start, series) in flagged else str(value)

    out += table(("START (UTC)", "INVOCATIONS", "ERRORS", "AUTH FAILURES"),
                 [(when(b.start), cell(b.start, "invocations", b.invocations),
                   cell(b.start, "errors", b.errors),
                   cell(b.start, "auth_failures", b.auth_failures)) for b in shown],
                 right=(1, 2, 3))
    if len(busy) > len(shown):
        out.append(f"  ({len(busy) - len(shown)} earlier {size}s with activity not shown; "
                   "see --format json or html)")
    out += ["", f"Anomalies (count above mean + 3 sigma of its series): {len(t.anomalies)}"]
    out += table(("START (UTC)", "SERIES", "COUNT", "THRESHOLD"),
                 [(when(a.start), a.series, str(a.count), num(a.threshold))
                  for a in t.anomalies], right=(2, 3))
    return out


def render_profile(report: ProfileReport) -> str:
    out = [f"faasguard runtime profile (C2): {report.app_path}", ""]
    body = []
    for p in report.profiles:
        o = p.observed
        body.append((
            f"{p.app}/{p.function}", p.deployed or "-", num(p.timeout_s, 0),
            num(p.recommended_timeout_s), num(p.api_limit_s, 0), num(p.memory_mb),
            num(p.recommended_memory_mb), str(o.invocations) if o else "-",
            ms(o.p99_ms) if o else "-", ms(o.max_ms) if o else "-",
            num(o.max_used_mb) if o else "-", "yes" if p.timeout_slack else "-"))
    out += table(("FUNCTION", "DEPLOYED AS", "TIMEOUT S", "RECOMMENDED S", "API LIMIT S",
                  "MEMORY MB", "RECOMMENDED MB", "INVOKED", "P99 MS", "MAX MS", "USED MB",
                  "TIMEOUT SLACK"), body, right=tuple(range(2, 11)))
    notes = []
    for p in report.profiles:
        lines = [f"matched by {p.match}" if p.deployed else p.match, *p.notes]
        if p.timeout_slack and p.timeout_s and p.recommended_timeout_s \
                and p.exposure_gb_s is not None:
            lines.append(
                f"timeout {p.timeout_s:g} s is {p.timeout_s / p.recommended_timeout_s:.1f} x "
                f"the recommended {p.recommended_timeout_s} s: a hung or slowed invocation can "
                f"burn {p.exposure_gb_s:.3f} GB-s more than it needs "
                f"({usd(p.exposure_usd_per_million or 0.0)} per million such invocations; "
                "denial of wallet, C3)")
        notes.append((f"{p.app}/{p.function}" + (f" ({p.deployed})" if p.deployed else ""),
                      lines))
    out += ["", "Notes"]
    for name, lines in notes:
        out.append(f"  {name}")
        out += [f"    - {line}" for line in lines]
    if report.unmatched_logs:
        out += ["", "Functions in the logs that match no function of the app"]
        out += table(("ACCOUNT", "FUNCTION", "INVOKED"),
                     [(o.account or "-", o.name, str(o.invocations))
                      for o in report.unmatched_logs], right=(2,))
    if report.diagnostics:
        out += ["", "Could not load"] + [f"  {d}" for d in report.diagnostics]
    return "\n".join(out) + "\n"
