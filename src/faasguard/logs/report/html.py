"""The report as one self-contained HTML file: inline CSS, a few lines of inline script
(table sorting and filtering) and SVG charts drawn here, with no network access at all.

The Content-Security-Policy allows nothing but the page's own style and script, by
hash. Every value from the logs is escaped into text or an attribute; charts use SVG
presentation attributes, never inline styles (the policy would block them).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from html import escape
from typing import TypeVar

from faasguard.logs.report import LogReport
from faasguard.logs.report.json import iso
from faasguard.logs.report.table import ms, num, price, usd, when
from faasguard.logs.report.timeline import Anomaly, Bucket

T = TypeVar("T")

CSS = """
:root{--fg:#1d2430;--muted:#5b6678;--line:#d9dee7;--bg:#fff;--panel:#f5f7fa;
--inv:#2f6fdf;--err:#c93030;--auth:#c77700;--anom:#7a1fa2}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--panel)}
header h1{margin:0 0 4px;font-size:20px}
header p{margin:0;color:var(--muted)}
main{padding:8px 28px 40px;max-width:1500px}
h2{margin:28px 0 8px;font-size:17px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{margin:20px 0 6px;font-size:14px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:130px;
background:var(--panel)}
.card b{display:block;font-size:20px}
.card span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.none{color:var(--muted);font-style:italic}
.wrap{overflow-x:auto}
.chart{margin:6px 0 14px}
.chart text{font-size:11px;fill:var(--muted)}
.chart .axis{stroke:var(--line)}
.bar.invocations{fill:var(--inv)}
.bar.errors{fill:var(--err)}
.bar.auth_failures{fill:var(--auth)}
.bar.anomaly{fill:var(--anom)}
.threshold{stroke:var(--anom);stroke-dasharray:4 3}
.legend{color:var(--muted);font-size:12px}
input[type=search]{padding:4px 8px;border:1px solid var(--line);border-radius:4px;
width:260px}
.flag{color:var(--anom);font-weight:600}
"""

JS = """
(function(){
  function key(cell){
    var v=cell.getAttribute('data-v');
    if(v===null){v=cell.textContent.trim();}
    var n=Number(v);
    return (v!==''&&v!=='-'&&!isNaN(n))?n:v.toLowerCase();
  }
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.addEventListener('click',function(){
      var table=th.closest('table'),body=table.tBodies[0],i=th.cellIndex;
      var asc=th.getAttribute('aria-sort')!=='ascending';
      table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var rows=Array.prototype.slice.call(body.rows).filter(function(r){
        return !r.classList.contains('empty');});
      rows.sort(function(a,b){
        var x=key(a.cells[i]),y=key(b.cells[i]);
        if(typeof x!==typeof y){x=String(x);y=String(y);}
        return (x<y?-1:x>y?1:0)*(asc?1:-1);
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  var filter=document.getElementById('fn-filter');
  if(filter){
    filter.addEventListener('input',function(){
      var q=filter.value.toLowerCase(),shown=0;
      document.querySelectorAll('#functions tbody tr:not(.empty)').forEach(function(r){
        var hit=r.textContent.toLowerCase().indexOf(q)>=0;
        r.hidden=!hit; if(hit){shown++;}
      });
      document.getElementById('fn-count').textContent=String(shown);
    });
  }
  document.documentElement.setAttribute('data-ready','true');
})();
"""

CHART_WIDTH, CHART_HEIGHT = 1100, 150
LEFT, BOTTOM, TOP = 48, 22, 10
SERIES_LABELS = {"invocations": "Invocations", "errors": "Failed invocations",
                 "auth_failures": "Authentication failures"}


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _table(ident: str, header: Sequence[tuple[str, bool]], items: Sequence[T],
           cells: Callable[[T], Sequence[tuple[str, bool]]]) -> str:
    """A sortable table; `header` and each row's cells are (text, numeric)."""
    head = "".join(f'<th class="n">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>"
                   for h, n in header)
    body = []
    for item in items:
        tds = "".join(f'<td class="n">{escape(c)}</td>' if n else f"<td>{escape(c)}</td>"
                      for c, n in cells(item))
        body.append(f"<tr>{tds}</tr>")
    if not body:
        body.append(f'<tr class="empty"><td class="none" colspan="{len(header)}">none</td>'
                    "</tr>")
    return (f'<div class="wrap"><table class="sortable" id="{ident}"><thead><tr>{head}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _chart(series: str, buckets: Sequence[Bucket], anomalies: Sequence[Anomaly],
           bucket_seconds: int) -> str:
    values = [getattr(b, series) for b in buckets]
    flagged = {a.start: a for a in anomalies if a.series == series}
    top = max([*values, 1])
    threshold = next(iter(flagged.values())).threshold if flagged else None
    if threshold is not None:
        top = max(top, threshold)
    plot_w, plot_h = CHART_WIDTH - LEFT - 8, CHART_HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(buckets), 1)
    width = max(step * 0.8, 1.0)
    parts = [f'<svg class="chart" id="chart-{series}" role="img" viewBox="0 0 {CHART_WIDTH} '
             f'{CHART_HEIGHT}" width="100%" aria-label="{SERIES_LABELS[series]} per '
             f'{"hour" if bucket_seconds == 3600 else "day"}">',
             f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{CHART_WIDTH - 8}" '
             f'y2="{TOP + plot_h}"/>',
             f'<text x="{LEFT - 6}" y="{TOP + 8}" text-anchor="end">{top:g}</text>',
             f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">0</text>']
    for i, (bucket, value) in enumerate(zip(buckets, values, strict=True)):
        if not value:
            continue
        h = plot_h * value / top
        x = LEFT + i * step + (step - width) / 2
        anomaly = bucket.start in flagged
        label = f"{when(bucket.start)} UTC: {value} {SERIES_LABELS[series].lower()}"
        if anomaly:
            label += f" (anomaly: above {flagged[bucket.start].threshold:g})"
        parts.append(
            f'<rect class="bar {series}{" anomaly" if anomaly else ""}" '
            f'data-start="{iso(bucket.start)}" data-count="{value}" x="{x:.2f}" '
            f'y="{TOP + plot_h - h:.2f}" width="{width:.2f}" height="{h:.2f}">'
            f"<title>{escape(label)}</title></rect>")
    if threshold is not None:
        y = TOP + plot_h - plot_h * threshold / top
        parts.append(f'<line class="threshold" x1="{LEFT}" y1="{y:.2f}" '
                     f'x2="{CHART_WIDTH - 8}" y2="{y:.2f}"><title>mean + 3 sigma: '
                     f"{threshold:g}</title></line>")
    if buckets:
        last = len(buckets) - 1
        for index in sorted({0, last // 2, last}):
            x = LEFT + index * step + step / 2
            anchor = "start" if index == 0 else "end" if index == last else "middle"
            x = LEFT if index == 0 else CHART_WIDTH - 8 if index == last else x
            parts.append(f'<text x="{x:.2f}" y="{CHART_HEIGHT - 6}" text-anchor="{anchor}">'
                         f"{escape(when(buckets[index].start)[:16])}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _cards(report: LogReport) -> str:
    a, f, t = report.auth, report.functions, report.timeline
    items = [("auth attempts", str(a.events)), ("auth failures", str(a.failures)),
             ("invocations", str(f.invocations)),
             ("failed invocations", str(sum(s.errors for s in f.functions))),
             ("estimated cost", usd(f.cost_usd)), ("anomalies", str(len(t.anomalies)))]
    return '<div class="cards">' + "".join(
        f'<div class="card" data-card="{escape(k)}"><b>{escape(v)}</b><span>{escape(k)}'
        "</span></div>" for k, v in items) + "</div>"


def _auth(report: LogReport) -> str:
    a = report.auth
    tally_head = [("Failed", True), ("Succeeded", True), ("", True), ("First (UTC)", False),
                  ("Last (UTC)", False)]
    out = ["<h2>Authentication (F2)</h2>",
           f"<p>{a.events} attempts: {a.successes} succeeded, {a.failures} failed.</p>",
           "<h3>Failures and successes by account</h3>",
           _table("auth-accounts", [("Account", False), *tally_head[:2], ("Systems", True),
                                    *tally_head[3:]], a.by_account,
                  lambda t: [(t.key, False), (str(t.failures), True),
                             (str(t.successes), True), (str(t.others), True),
                             (when(t.first), False), (when(t.last), False)]),
           "<h3>Failures and successes by system</h3>",
           _table("auth-systems", [("System", False), *tally_head[:2], ("Accounts", True),
                                   *tally_head[3:]], a.by_system,
                  lambda t: [(t.key, False), (str(t.failures), True),
                             (str(t.successes), True), (str(t.others), True),
                             (when(t.first), False), (when(t.last), False)]),
           "<h3>Attempts on disabled, service, default or unknown accounts</h3>",
           _table("auth-special", [("Category", False), ("Account", False), ("Failed", True),
                                   ("Succeeded", True), ("Systems", True),
                                   ("Last (UTC)", False), ("Reason", False)], a.special,
                  lambda s: [(s.category, False), (s.account, False),
                             (str(s.failures), True), (str(s.successes), True),
                             (str(s.systems), True), (when(s.last), False),
                             (s.reason or "-", False)]),
           f"<h3>Logins outside office hours ({escape(a.office)})</h3>",
           _table("auth-off-hours", [("Account", False), ("Logins", True), ("Systems", True),
                                     ("First (UTC)", False), ("Last (UTC)", False)],
                  a.off_hours,
                  lambda o: [(o.account, False), (str(o.logins), True),
                             (str(o.systems), True), (when(o.first), False),
                             (when(o.last), False)]),
           "<h3>Failures by distinct target systems</h3>",
           _table("auth-spread", [("Account", False), ("Systems", True), ("Failed", True),
                                  ("Targets", False)], a.spread,
                  lambda s: [(s.account, False), (str(s.systems), True),
                             (str(s.failures), True), (", ".join(s.names), False)]),
           "<h3>Remote access</h3>",
           _table("auth-remote", [("Account", False), ("Event", False),
                                  ("Source IP", False), ("Succeeded", True), ("Failed", True),
                                  ("First (UTC)", False), ("Last (UTC)", False)], a.remote,
                  lambda r: [(r.account, False), (r.event, False), (r.source_ip or "-", False),
                             (str(r.successes), True), (str(r.failures), True),
                             (when(r.first), False), (when(r.last), False)]),
           "<h3>Privileged-account use</h3>",
           _table("auth-privileged", [("Account", False), ("Via", False), ("Events", True),
                                      ("Failed", True), ("First (UTC)", False),
                                      ("Last (UTC)", False), ("Actions", False)], a.privileged,
                  lambda p: [(p.account, False), (p.via, False), (str(p.events), True),
                             (str(p.failures), True), (when(p.first), False),
                             (when(p.last), False), (", ".join(p.actions), False)]),
           "<h3>Several failures followed by a success on the same account</h3>",
           _table("auth-bursts", [("Account", False), ("Succeeded at (UTC)", False),
                                  ("Failures before", True), ("First failure (UTC)", False),
                                  ("System", False), ("Source IPs", False)], a.bursts,
                  lambda b: [(b.account, False), (when(b.success_at), False),
                             (str(b.failures), True), (when(b.first_failure), False),
                             (b.system, False), (", ".join(b.source_ips) or "-", False)])]
    return "".join(out)


def _functions(report: LogReport) -> str:
    f = report.functions
    header = [("Account", False), ("Region", False), ("Function", False), ("Invoked", True),
              ("Errors", True), ("Timeouts", True), ("Throttles", True), ("Cold", True),
              ("p50 ms", True), ("p95 ms", True), ("p99 ms", True), ("Max ms", True),
              ("Memory MB", True), ("Used MB", True), ("Peak conc.", True), ("GB-s", True),
              ("Cost", True)]
    return "".join([
        "<h2>Functions (F3)</h2>",
        f"<p>{f.invocations} invocations, estimated cost {escape(usd(f.cost_usd))} at "
        f"{price(f.prices.gb_second)} per GB-second and "
        f"{price(f.prices.request * 1e6)} per million requests. "
        f'<span id="fn-count">{len(f.functions)}</span> functions shown. '
        '<input type="search" id="fn-filter" placeholder="filter functions" '
        'aria-label="filter functions"></p>',
        _table("functions", header, f.functions, lambda s: [
            (s.account or "-", False), (s.region or "-", False), (s.function, False),
            (str(s.invocations), True), (str(s.errors), True), (str(s.timeouts), True),
            (num(s.throttles), True), (str(s.cold_starts), True), (ms(s.duration_p50_ms), True),
            (ms(s.duration_p95_ms), True), (ms(s.duration_p99_ms), True),
            (ms(s.duration_max_ms), True), (num(s.memory_mb), True),
            (num(s.memory_used_max_mb), True), (num(s.peak_concurrency), True),
            (num(s.gb_seconds, 3), True), (usd(s.cost_usd), True)])])


def _activity(report: LogReport) -> str:
    t = report.timeline
    size = "hour" if t.bucket_seconds == 3600 else "day"
    out = [f"<h2>Activity per {size} (UTC)</h2>",
           '<p class="legend">Bars in purple are anomalies: a count above the mean + 3 sigma '
           "of its series over the period (dashed line).</p>"]
    for series in ("invocations", "errors", "auth_failures"):
        out.append(f"<h3>{SERIES_LABELS[series]}</h3>")
        out.append(_chart(series, t.buckets, t.anomalies, t.bucket_seconds))
    out.append("<h3>Anomalies</h3>")
    out.append(_table("anomalies", [("Start (UTC)", False), ("Series", False),
                                    ("Count", True), ("Threshold", True)], t.anomalies,
                      lambda a: [(when(a.start), False), (SERIES_LABELS[a.series], False),
                                 (str(a.count), True), (num(a.threshold), True)]))
    return "".join(out)


def render(report: LogReport) -> str:
    css, js = CSS.strip(), JS.strip()
    csp = (f"default-src 'none'; style-src {_hash(css)}; script-src {_hash(js)}; "
           "img-src 'none'; base-uri 'none'; form-action 'none'")
    since = iso(report.period.since) or "the first event"
    until = iso(report.period.until) or "the last event"
    events = ", ".join(f"{n} {t}" for t, n in report.events.items())
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>faasguard log report: {escape(report.store)}</title>\n",
        f"<style>{css}</style>\n</head>\n<body>\n",
        f"<header><h1>faasguard log report</h1><p>{escape(report.store)} &middot; "
        f"{escape(since)} .. {escape(until)} &middot; generated "
        f"{escape(iso(report.generated) or '')} &middot; {escape(events)}</p></header>\n",
        "<main>", _cards(report), _activity(report), _auth(report), _functions(report),
        "</main>\n",
        f"<script>{js}</script>\n</body>\n</html>\n",
    ])
