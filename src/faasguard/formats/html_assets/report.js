/* faasguard HTML report: draws the app graphs and the filterable finding list from the
   JSON blob in #report-data. Every element is built with createElement/textContent;
   nothing from the scan is ever parsed as markup. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var PAGE = 100;
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var SEV = D.severities;
  var L = D.layout;
  // Finding row fields (see formats/html.py report_data).
  var F_RULE = 0, F_SEV = 1, F_MSG = 2, F_FILE = 3, F_LINE = 4, F_APP = 5, F_KIND = 6,
      F_LABEL = 7, F_FN = 8, F_SUPP = 9, F_FAIL = 10;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) {
        node.setAttribute(k, String(attrs[k]));
      }
    });
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function fnKey(app, fn) { return app + "/" + fn; }

  // --- state -------------------------------------------------------------------------
  var state = {
    sev: SEV.map(function () { return true; }),
    control: "",
    fn: "",
    text: "",
    suppressed: !!D.show_suppressed,
    limit: PAGE
  };

  // --- header and summary --------------------------------------------------------------
  function header() {
    var s = D.scan;
    return el("header", { "class": "top" },
      el("div", { "class": "wrap top-inner" },
        el("div", { "class": "brand" },
          el("span", { "class": "logo", "aria-hidden": "true" }, "\u25C6"),
          el("span", { "class": "name" }, D.tool.name),
          el("span", { "class": "what" }, "serverless security report"),
          el("nav", { "class": "jump", "aria-label": "Sections" },
            el("a", { href: "#apps" }, "Apps"), el("a", { href: "#findings" }, "Findings"))),
        el("dl", { "class": "meta" },
          el("div", null, el("dt", null, "Scan root"), el("dd", { "class": "mono" }, s.root)),
          el("div", null, el("dt", null, "Files"), el("dd", null,
            s.files_scanned + " scanned" + (s.files_failed ? ", " + s.files_failed + " unreadable" : ""))),
          el("div", null, el("dt", null, "Fail on"), el("dd", null, s.fail_on || "never")),
          el("div", null, el("dt", null, "Version"), el("dd", null, D.tool.name + " " + D.tool.version)))));
  }

  function summary() {
    var active = D.findings.filter(function (f) { return !f[F_SUPP]; });
    var failing = active.filter(function (f) { return f[F_FAIL]; }).length;
    var fnCount = D.apps.reduce(function (n, a) { return n + (a.functions ? a.functions.length : 0); }, 0);
    var cards = SEV.map(function (name, i) {
      return el("button", { type: "button", "class": "card sev-card sev-" + name, "data-sev": name,
                            title: "Show only " + name + " findings" },
        el("span", { "class": "count" }, String(D.by_severity[i])),
        el("span", { "class": "label" }, name));
    });
    cards.forEach(function (card, i) {
      card.addEventListener("click", function () {
        state.sev = SEV.map(function (_, j) { return j === i; });
        state.limit = PAGE;
        syncControls();
        update();
        document.getElementById("findings").scrollIntoView({ behavior: "smooth" });
      });
    });
    var verdict = failing ? plural(failing, "finding") + " at or above " + D.scan.fail_on
                          : "No finding fails the scan";
    return el("section", { "class": "wrap summary", "aria-label": "Summary" },
      el("div", { "class": "verdict " + (failing ? "bad" : "good") },
        el("strong", null, verdict),
        el("span", null, plural(active.length, "active finding") + " in " + plural(D.apps.length, "app") +
          ", " + plural(fnCount, "function") +
          (D.findings.length > active.length ? "; " + (D.findings.length - active.length) + " suppressed" : ""))),
      el("div", { "class": "cards" }, cards));
  }

  function problems() {
    if (!D.diagnostics.length) return null;
    var errors = D.diagnostics.filter(function (d) { return d[0] === "error"; }).length;
    return el("section", { "class": "wrap" },
      el("details", { "class": "problems" + (errors ? " has-errors" : "") },
        el("summary", null, plural(D.diagnostics.length, "message") + " from reading the files" +
          (errors ? " (" + plural(errors, "file") + " could not be read)" : "")),
        el("ul", null, D.diagnostics.map(function (d) {
          return el("li", { "class": "diag diag-" + d[0] },
            el("span", { "class": "diag-level" }, d[0]), " ",
            el("span", { "class": "mono" }, d[2]), " ", d[1]);
        }))));
  }

  // --- graphs ------------------------------------------------------------------------
  function sevClass(i) { return i >= 0 ? "sev-" + SEV[i] : "sev-none"; }

  function drawGraph(app, appIndex) {
    var g = app.graph, w = L.x[L.x.length - 1] + L.w, top = 34;
    var root = svg("svg", { "class": "graph", viewBox: "-4 " + (-top) + " " + (w + 8) + " " + (g.h + top + 8),
                            width: w + 8, height: g.h + top + 8, role: "img",
                            "aria-label": "Graph of " + app.name });
    L.columns.forEach(function (name, c) {
      var used = g.n.some(function (n) { return n[0] === c; });
      root.appendChild(svg("text", { "class": "col-head" + (used ? "" : " empty"), x: L.x[c], y: -14 }, name.toUpperCase()));
    });
    var edges = g.e.map(function (e) {
      var a = g.n[e[0]], b = g.n[e[1]];
      var x1 = L.x[a[0]] + L.w, y1 = a[1] + L.h / 2, x2 = L.x[b[0]], y2 = b[1] + L.h / 2;
      var mid = (x1 + x2) / 2;
      var path = svg("path", { "class": "edge" + (e[2] === 1 ? " wild" : ""),
                               d: "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2 },
        e[3] ? svg("title", null, e[3]) : null);
      root.appendChild(path);
      return path;
    });
    g.n.forEach(function (n, i) {
      var cls = "node col-" + n[0] + " " + sevClass(n[4]) + (n[5] & 1 ? " public" : "") + (n[5] & 2 ? " wild" : "") +
                (n[6] !== null ? " fn" : "");
      var tip = (n[7] || n[2]) + " \u2014 " + n[3] + (n[4] >= 0 ? " (worst finding: " + SEV[n[4]] + ")" : " (no findings)") +
                (n[5] & 1 ? "; callable by anyone" : "");
      var node = svg("g", { "class": cls, transform: "translate(" + L.x[n[0]] + "," + n[1] + ")",
                            "data-index": i, tabindex: n[6] !== null ? 0 : null,
                            role: n[6] !== null ? "button" : null },
        svg("title", null, tip),
        svg("rect", { "class": "box", width: L.w, height: L.h, rx: 7 }),
        svg("rect", { "class": "stripe", width: 6, height: L.h, rx: 3 }),
        svg("text", { "class": "t", x: 15, y: 17 }, n[2]),
        svg("text", { "class": "s", x: 15, y: 32 }, n[3]));
      if (n[5] & 1) {
        node.appendChild(svg("rect", { "class": "pub", x: L.w - 56, y: 5, width: 50, height: 15, rx: 7 }));
        node.appendChild(svg("text", { "class": "pub-t", x: L.w - 31, y: 16 }, "PUBLIC"));
      }
      node.addEventListener("mouseenter", function () {
        root.classList.add("focus");
        g.e.forEach(function (e, k) { if (e[0] === i || e[1] === i) edges[k].classList.add("hl"); });
      });
      node.addEventListener("mouseleave", function () {
        root.classList.remove("focus");
        edges.forEach(function (p) { p.classList.remove("hl"); });
      });
      if (n[6] !== null) {
        var pick = function () {
          state.fn = fnKey(appIndex, n[6]);
          state.limit = PAGE;
          syncControls();
          update();
          document.getElementById("findings").scrollIntoView({ behavior: "smooth" });
        };
        node.addEventListener("click", pick);
        node.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); } });
      }
      root.appendChild(node);
    });
    return root;
  }

  // Shorten labels that overflow their box (measured once the SVG is on the page).
  function fitLabels(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".node text.t, .node text.s"), function (t) {
      var room = L.w - 22 - (t.classList.contains("t") && t.parentNode.classList.contains("public") ? 58 : 0);
      var text = t.textContent;
      if (t.getComputedTextLength() <= room) return;
      while (text.length > 1 && t.getComputedTextLength() > room) {
        text = text.slice(0, -1);
        t.textContent = text + "\u2026";
      }
    });
  }

  function legend() {
    return el("div", { "class": "legend" },
      SEV.map(function (name) { return el("span", { "class": "key sev-" + name }, el("i"), name); }),
      el("span", { "class": "key sev-none" }, el("i"), "no findings"),
      el("span", { "class": "key pubkey" }, el("b", null, "PUBLIC"), "no authentication"),
      el("span", { "class": "key wildkey" }, el("i"), "IAM wildcard"),
      el("span", { "class": "hint" }, "Click a function to filter its findings"));
  }

  var drawWhenAttached = [];  // labels are measured, so open graphs draw once on the page

  function appSection(app, i) {
    var tally = SEV.map(function () { return 0; });
    D.findings.forEach(function (f) { if (f[F_APP] === i && !f[F_SUPP]) tally[f[F_SEV]]++; });
    var chips = SEV.map(function (name, s) {
      return tally[s] ? el("span", { "class": "chip sev-" + name, title: name }, tally[s] + " " + name) : null;
    });
    var body = el("div", { "class": "graph-wrap" });
    var drawn = false;
    var details = el("details", { "class": "app", open: D.open_apps ? "" : null, "data-app": i },
      el("summary", null,
        el("span", { "class": "app-name" }, app.name),
        el("span", { "class": "app-meta" }, [app.format, app.region, app.source].filter(Boolean).join(" \u00B7 ")),
        el("span", { "class": "chips" }, chips)),
      !app.graph ? el("p", { "class": "muted none" }, "No model for this app.")
        : !app.graph.n.length ? el("p", { "class": "muted none" }, "No functions, roles or resources with findings in this app.")
        : [body, legend()]);
    function draw() {
      if (drawn || !app.graph || !app.graph.n.length || !details.open) return;
      drawn = true;
      var graph = drawGraph(app, i);
      body.appendChild(graph);
      fitLabels(graph);
    }
    details.addEventListener("toggle", draw);
    if (D.open_apps) drawWhenAttached.push(draw);
    return details;
  }

  // --- findings ----------------------------------------------------------------------
  var listEl, countEl, moreEl, controlEl, fnEl, searchEl, suppEl, sevButtons = [];

  function visible(f) {
    if (!state.sev[f[F_SEV]]) return false;
    if (f[F_SUPP] && !state.suppressed) return false;
    if (state.control && D.rules[f[F_RULE]].controls.indexOf(state.control) < 0) return false;
    if (state.fn && (f[F_FN] === null || fnKey(f[F_APP], f[F_FN]) !== state.fn)) return false;
    if (state.text) {
      var r = D.rules[f[F_RULE]];
      var hay = (f[F_RULE] + " " + r.title + " " + f[F_MSG] + " " + D.files[f[F_FILE]] + " " + f[F_LABEL] + " " +
                 D.apps[f[F_APP]].name).toLowerCase();
      if (hay.indexOf(state.text) < 0) return false;
    }
    return true;
  }

  function filterBar() {
    sevButtons = SEV.map(function (name, i) {
      var b = el("button", { type: "button", "class": "toggle sev-" + name, id: "f-sev-" + name,
                             "data-sev": name, "aria-pressed": "true" }, el("i"), name,
                    el("span", { "class": "n" }, String(D.by_severity[i])));
      b.addEventListener("click", function () {
        state.sev[i] = !state.sev[i];
        state.limit = PAGE;
        syncControls();
        update();
      });
      return b;
    });
    var controls = Object.keys(D.controls);
    controlEl = el("select", { id: "f-control", "aria-label": "Control" },
      el("option", { value: "" }, "All controls"),
      controls.map(function (c) {
        var n = D.findings.filter(function (f) { return !f[F_SUPP] && D.rules[f[F_RULE]].controls.indexOf(c) >= 0; }).length;
        return el("option", { value: c }, c + " " + D.controls[c] + " (" + n + ")");
      }));
    controlEl.addEventListener("change", function () { state.control = controlEl.value; state.limit = PAGE; update(); });
    var perFn = {};
    D.findings.forEach(function (f) {
      if (f[F_FN] !== null && !f[F_SUPP]) { var k = fnKey(f[F_APP], f[F_FN]); perFn[k] = (perFn[k] || 0) + 1; }
    });
    fnEl = el("select", { id: "f-function", "aria-label": "Function" },
      el("option", { value: "" }, "All functions"),
      D.apps.map(function (app, i) {
        var names = (app.functions || []).slice();
        D.findings.forEach(function (f) { if (f[F_APP] === i && f[F_FN] !== null && names.indexOf(f[F_FN]) < 0) names.push(f[F_FN]); });
        if (!names.length) return null;
        return el("optgroup", { label: app.name }, names.map(function (fn) {
          return el("option", { value: fnKey(i, fn) }, fn + " (" + (perFn[fnKey(i, fn)] || 0) + ")");
        }));
      }));
    fnEl.addEventListener("change", function () { state.fn = fnEl.value; state.limit = PAGE; update(); });
    searchEl = el("input", { type: "search", id: "f-search", placeholder: "Search rule, message, file\u2026",
                             "aria-label": "Search findings" });
    searchEl.addEventListener("input", function () { state.text = searchEl.value.trim().toLowerCase(); state.limit = PAGE; update(); });
    suppEl = el("input", { type: "checkbox", id: "f-suppressed" });
    suppEl.checked = state.suppressed;
    suppEl.addEventListener("change", function () { state.suppressed = suppEl.checked; state.limit = PAGE; update(); });
    var anySuppressed = D.findings.some(function (f) { return f[F_SUPP]; });
    var reset = el("button", { type: "button", "class": "reset", id: "f-reset" }, "Reset");
    reset.addEventListener("click", function () {
      state.sev = SEV.map(function () { return true; });
      state.control = ""; state.fn = ""; state.text = ""; state.limit = PAGE;
      syncControls();
      update();
    });
    return el("div", { "class": "filters", role: "search" },
      el("div", { "class": "sev-toggles", role: "group", "aria-label": "Severity" }, sevButtons),
      controlEl, fnEl, searchEl,
      el("label", { "class": "check", hidden: anySuppressed ? null : "" }, suppEl,
        "Show suppressed (" + D.findings.filter(function (f) { return f[F_SUPP]; }).length + ")"),
      reset);
  }

  function syncControls() {
    sevButtons.forEach(function (b, i) { b.setAttribute("aria-pressed", state.sev[i] ? "true" : "false"); });
    controlEl.value = state.control;
    fnEl.value = state.fn;
    searchEl.value = state.text;
    suppEl.checked = state.suppressed;
  }

  function excerpt(f) {
    var line = f[F_LINE];
    if (!line) return null;
    var lines = D.excerpts[String(f[F_FILE])];
    if (!lines || lines[String(line)] === undefined) {
      return el("p", { "class": "muted" }, "No excerpt: the file is not readable under the scan root.");
    }
    var rows = [];
    for (var n = line - D.context; n <= line + D.context; n++) {
      var text = lines[String(n)];
      if (text === undefined) continue;
      rows.push(el("div", { "class": "ln" + (n === line ? " hit" : "") },
        el("span", { "class": "no" }, String(n)), el("span", { "class": "code" }, text)));
    }
    return el("div", { "class": "excerpt" },
      el("div", { "class": "excerpt-head mono" }, D.files[f[F_FILE]] + ":" + line), el("pre", null, rows));
  }

  function runs(items) {
    return items.map(function (r) { return r[0] === "c" ? el("code", null, r[1]) : r[0] === "b" ? el("strong", null, r[1]) : r[1]; });
  }
  function blocks(list) {
    return list.map(function (b) {
      if (b[0] === "code") return el("pre", { "class": "fix-code" }, el("code", null, b[2]));
      if (b[0] === "ul") return el("ul", null, b[1].map(function (item) { return el("li", null, runs(item)); }));
      return el("p", null, runs(b[1]));
    });
  }

  function findingItem(f) {
    var rule = D.rules[f[F_RULE]];
    var sev = SEV[f[F_SEV]];
    var where = D.files[f[F_FILE]] + (f[F_LINE] ? ":" + f[F_LINE] : "");
    var subject = f[F_KIND] + " " + f[F_LABEL] + (f[F_FN] !== null && f[F_FN] !== f[F_LABEL] ? " (function " + f[F_FN] + ")" : "");
    var body = el("div", { "class": "finding-body" },
      el("p", { "class": "message" }, f[F_MSG]),
      f[F_SUPP] ? el("p", { "class": "suppressed-note" }, "Suppressed: " + f[F_SUPP]) : null,
      el("div", { "class": "facts" },
        el("span", null, el("b", null, "Rule "), el("span", { "class": "mono" }, f[F_RULE])),
        el("span", null, el("b", null, "App "), D.apps[f[F_APP]].name),
        el("span", null, el("b", null, "Subject "), subject),
        rule.controls.length ? el("span", null, el("b", null, "Controls "), rule.controls.map(function (c) {
          return el("span", { "class": "tag", title: D.controls[c] || "" }, c);
        })) : null,
        rule.cwe.length ? el("span", null, el("b", null, "CWE "), rule.cwe.map(function (n) {
          return el("a", { "class": "tag", href: "https://cwe.mitre.org/data/definitions/" + Number(n) + ".html",
                           rel: "noopener noreferrer", target: "_blank" }, "CWE-" + Number(n));
        })) : null),
      excerpt(f),
      rule.fix.length ? el("div", { "class": "fix" }, el("h4", null, "How to fix"), blocks(rule.fix)) : null);
    var item = el("details", { "class": "finding sev-" + sev + (f[F_SUPP] ? " is-suppressed" : ""),
                               "data-sev": sev, "data-rule": f[F_RULE] },
      el("summary", null,
        el("span", { "class": "badge sev-" + sev }, sev),
        el("span", { "class": "head" },
          el("span", { "class": "title" }, rule.title),
          el("span", { "class": "sub" }, f[F_LABEL] + " \u00B7 " + D.apps[f[F_APP]].name)),
        el("span", { "class": "loc mono" }, where)),
      body);
    return item;
  }

  function update() {
    var matching = D.findings.filter(visible);
    while (listEl.firstChild) listEl.removeChild(listEl.firstChild);
    var frag = document.createDocumentFragment();
    matching.slice(0, state.limit).forEach(function (f) { frag.appendChild(findingItem(f)); });
    listEl.appendChild(frag);
    if (!matching.length) listEl.appendChild(el("p", { "class": "empty" }, "No findings match these filters."));
    countEl.textContent = "Showing " + Math.min(matching.length, state.limit) + " of " + matching.length +
      " matching (" + D.findings.length + " in total)";
    moreEl.hidden = matching.length <= state.limit;
    moreEl.textContent = "Show " + Math.min(PAGE, matching.length - state.limit) + " more";
  }

  function findingsSection() {
    listEl = el("div", { "class": "finding-list", id: "finding-list" });
    countEl = el("p", { "class": "count-line", id: "finding-count", "aria-live": "polite" });
    moreEl = el("button", { type: "button", "class": "more", id: "f-more" });
    moreEl.addEventListener("click", function () { state.limit += PAGE; update(); });
    return el("section", { "class": "wrap", id: "findings" },
      el("h2", null, "Findings"), filterBar(), countEl, listEl, moreEl);
  }

  var appRoot = document.getElementById("app");
  appRoot.appendChild(header());
  appRoot.appendChild(el("main", null,
    summary(),
    problems(),
    el("section", { "class": "wrap", id: "apps" },
      el("h2", null, "Apps"),
      el("p", { "class": "muted lead" }, "What triggers each function, the role it runs with and the resources that role reaches. Boxes take the colour of their worst finding."),
      D.apps.map(appSection)),
    findingsSection()));
  appRoot.appendChild(el("footer", { "class": "wrap" }, "Generated by " + D.tool.name + " " + D.tool.version +
    ". This file is self-contained: it loads nothing from the network."));
  drawWhenAttached.forEach(function (draw) { draw(); });
  syncControls();
  update();
  document.documentElement.setAttribute("data-ready", "true");
})();
