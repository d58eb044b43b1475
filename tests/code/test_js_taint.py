"""Module graph, handler exports, taint flows and code issues of the JavaScript front end."""

from __future__ import annotations

from pathlib import Path

import pytest
from jshelp import line_of, run, write

from faasguard.code.js import parse
from faasguard.code.js.project import JsProject


def flows(code) -> list[tuple[str, str, int]]:
    return [(f.sink_kind, f.loc.file, f.loc.line or 0) for f in code.flows]


# --- module graph --------------------------------------------------------------------


def test_module_graph_follows_project_modules_only(tmp_path: Path) -> None:
    write(tmp_path, {
        "fn/index.js": """
            const a = require('./lib/a');
            import b from './lib/b.js';
            const { c } = require('./lib');
            const shared = require('../shared/util');
            const outside = require('../../elsewhere');
            const dep = require('lodash');
            const vendored = require('./node_modules/x');
        """,
        "fn/lib/a.cjs": "module.exports = 1;",
        "fn/lib/b.ts": "export default 2;",
        "fn/lib/index.mjs": "export const c = 3;",
        "shared/util.js": "exports.x = 1;",
        "fn/node_modules/x/index.js": "exports.y = 1;",
        "fn/node_modules/lodash/index.js": "exports.z = 1;",
    })
    project = JsProject(tmp_path / "fn", tmp_path)
    files = [m.rel for m in project.reachable(tmp_path / "fn/index.js")]
    assert files == ["fn/index.js", "fn/lib/a.cjs", "fn/lib/b.ts", "fn/lib/index.mjs",
                     "shared/util.js"]


@pytest.mark.parametrize("source, export", [
    ("exports.handler = async (event) => { SINK }", "handler"),
    ("module.exports.handler = function (event) { SINK }", "handler"),
    ("module.exports = { handler: async (event) => { SINK } }", "handler"),
    ("async function handler(event) { SINK }\nmodule.exports = { handler };", "handler"),
    ("export const main = async (event) => { SINK };", "main"),
    ("export async function handler(event) { SINK }", "handler"),
    ("const run = (event) => { SINK };\nexport { run as handler };", "handler"),
    ("export default async (event) => { SINK };", "default"),
    ("module.exports = { api: { get: (event) => { SINK } } };", "api.get"),
])
def test_handler_exports(tmp_path: Path, source: str, export: str) -> None:
    body = "require('child_process').exec(event.body);"
    code = run(tmp_path, {"index.js": source.replace("SINK", body)}, export=export)
    assert code.entry is not None and code.entry.file == "index.js"
    assert [f[0] for f in flows(code)] == ["command"]


def test_missing_export_is_unknown(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": "exports.other = () => 1;"})
    assert code.entry is None and code.flows == ()
    assert [u.what for u in code.unknowns] == ["export handler not found"]


# --- taint ---------------------------------------------------------------------------


def test_flow_carries_path_from_event_to_sink(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const { exec } = require('child_process');
        exports.handler = async (event) => {
          const body = JSON.parse(event.body);
          const { name } = body;
          const cmd = `echo ${name}`;
          exec(cmd);
        };
    """})
    [flow] = code.flows
    assert (flow.sink_kind, flow.sink, flow.source) == ("command", "exec()", "event.body")
    assert [s.note for s in flow.steps] == [
        "handler parameter event", "event.body read", "through JSON.parse()",
        "assigned to body", "assigned to name", "assigned to cmd", "reaches exec()"]
    assert flow.loc.line == line_of(tmp_path, "index.js", "exec(cmd)")


def test_interprocedural_across_modules_and_returns(tmp_path: Path) -> None:
    code = run(tmp_path, {
        "index.mjs": """
            import { buildQuery } from './db/query.mjs';
            import * as files from './files.mjs';
            export const handler = async (event) => {
              const sql = buildQuery(event.queryStringParameters.q);
              await files.read(event.pathParameters.name);
              return sql;
            };
        """,
        "db/query.mjs": """
            import pg from 'pg';
            const pool = new pg.Pool();
            export function buildQuery(term) {
              const text = "SELECT * FROM t WHERE a = '" + term + "' LIMIT 5";
              return pool.query(text);
            }
        """,
        "files.mjs": """
            import { readFile } from 'node:fs/promises';
            export const read = (name) => readFile(`/data/${name}`);
        """,
    }, entry="index.mjs")
    assert flows(code) == [("sql", "db/query.mjs", 5), ("path", "files.mjs", 2)]
    sql = code.flows[0]
    assert "passed to buildQuery() as term" in [s.note for s in sql.steps]


def test_sanitisers_and_checks_stop_the_flow(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const { exec } = require('child_process');
        const fs = require('fs');
        const path = require('path');
        const ALLOWED = ['a', 'b'];
        exports.handler = async (event) => {
          const q = event.queryStringParameters;
          exec('x ' + parseInt(q.n, 10));
          exec('x ' + encodeURIComponent(q.s));
          fs.readFileSync(path.join('/d', path.basename(q.f)));
          if (ALLOWED.includes(q.mode)) { exec(q.mode); }
          const mode = q.mode;
          if (!ALLOWED.includes(mode)) throw new Error('no');
          exec(mode);
          let later = q.cmd;
          later = 'ls';
          exec(later);
          exec(q.danger);
        };
    """})
    assert flows(code) == [("command", "index.js", line_of(tmp_path, "index.js", "q.danger"))]


def test_async_callbacks_promises_and_loops(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const vm = require('vm');
        const fs = require('fs');
        exports.handler = (event, context, callback) => {
          Promise.resolve(event.body).then((code) => vm.runInNewContext(code));
          for (const record of event.Records) {
            fs.unlink(record.s3.object.key, () => {});
          }
          event.items.forEach((item) => { eval(item.expr); });
          const later = event.path;
          setImmediate(() => fs.readFile(later, callback));
        };
    """})
    kinds = [k for k, _, _ in flows(code)]
    assert kinds == ["code", "path", "code", "path"]


def test_sinks_need_their_conditions(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const { spawn } = require('child_process');
        const libxmljs = require('libxmljs');
        const yaml = require('js-yaml');
        exports.handler = async (event) => {
          spawn('ls', [event.dir]);
          spawn('ls', [event.dir], { shell: true });
          libxmljs.parseXml(event.xml);
          libxmljs.parseXml(event.xml, { noent: true });
          yaml.load(event.doc);
          setTimeout(() => event.x, 5);
          db.query(event.sql);
        };
    """})
    assert [k for k, _, _ in flows(code)] == ["command", "xxe"]


def test_old_js_yaml_load_is_deserialisation(tmp_path: Path) -> None:
    code = run(tmp_path, {
        "package.json": '{"dependencies": {"js-yaml": "^3.14.1"}}',
        "index.js": """
            const yaml = require('js-yaml');
            exports.handler = async (event) => yaml.load(event.body);
        """,
    })
    assert [k for k, _, _ in flows(code)] == ["deserialization"]


def test_ssrf_only_when_the_host_is_event_data(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const axios = require('axios');
        const BASE = 'https://api.example.com';
        exports.handler = async (event) => {
          await axios.get(`https://api.example.com/u/${event.id}`);
          await axios.get(BASE + '/u/' + event.id);
          await axios.get(`${process.env.API}/u/${event.id}`);
          await axios.get(`https://${event.host}/x`);
          await fetch(event.url);
        };
    """})
    lines = [line for _, _, line in flows(code)]
    assert lines == [line_of(tmp_path, "index.js", "event.host"),
                     line_of(tmp_path, "index.js", "event.url")]


# --- other issues --------------------------------------------------------------------


def test_code_issues(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const mysql = require('mysql2/promise');
        const TOKEN = "ghp_R7xQ2mVb9TzL4kWc8NfY3pHd6JsA1uE0gK5o";
        exports.handler = async (event) => {
          console.log(event);
          console.log('auth', event.headers.authorization);
          console.log('host', event.headers.host);
          try {
            const c = await mysql.createConnection({});
            return c.query('SELECT * FROM orders');
          } catch (err) {
            return { statusCode: 500, body: err.stack };
          }
        };
    """})
    found = [(i.kind, i.loc.line) for i in code.issues]
    assert found == [
        ("hardcoded-secret", 2), ("sensitive-log", 4), ("sensitive-log", 5),
        ("unbounded-select", 9), ("error-leak", 11)]
    secret = code.issues[0]
    assert "ghp_R7xQ2mVb9TzL4kWc8NfY3pHd6JsA1uE0gK5o" not in secret.message


# --- bounds --------------------------------------------------------------------------


def test_bad_and_huge_input_never_crashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = "x = " + "(" * 5000 + "event" + ")" * 5000 + ";"
    code = run(tmp_path, {
        "index.js": """
            const big = require('./big');
            const broken = require('./broken');
            exports.handler = async (event) => { DEEP require('child_process').exec(x); };
        """.replace("DEEP", deep),
        "broken.js": "function ( { ]] exports.x = ",
        "big.js": "// big\n",
    })
    assert code.language == "javascript"
    monkeypatch.setattr(parse, "MAX_BYTES", 10)
    code = run(tmp_path, {"index.js": "exports.handler = (event) => event;"})
    assert code.flows == () and code.unknowns
    assert code.unknowns[0].what == "file too big or too slow to parse"


def test_parse_deadline_cancels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "PARSE_SECONDS", -1.0)
    assert parse.parse_source(b"x = [" + b"1," * 200_000 + b"]") is None
    monkeypatch.setattr(parse, "PARSE_SECONDS", 5.0)
    assert parse.parse_source(b"let a = 1;") is not None


@pytest.mark.parametrize("body", [
    "f(() => {" * 400 + "eval(event.body);" + "});" * 400,
    "if (a) {" * 400 + "eval(event.body);" + "}" * 400,
    "if (" + " && ".join(["a"] * 3000) + ") { eval(event.body); }",
    "const x = " + "[" * 3000 + "event" + "]" * 3000 + "; eval(x);",
])
def test_deep_nesting_is_cut_off_not_crashing(tmp_path: Path, body: str) -> None:
    code = run(tmp_path, {"index.js": "exports.handler = async (event) => {" + body + "};"})
    assert code.entry is not None and len(code.flows) <= 1


@pytest.mark.parametrize("index", [
    "const lib = require('./impl'); exports.handler = lib.main;",
    "exports.handler = require('./impl').main;",
    "export { main as handler } from './impl';",
    "import { main } from './impl'; export const handler = main;",
])
def test_handler_defined_in_another_module(tmp_path: Path, index: str) -> None:
    code = run(tmp_path, {
        "index.mjs": index,
        "impl.mjs": "export const main = async (event) => eval(event.body);",
    }, entry="index.mjs")
    assert code.entry is not None and code.entry.file == "impl.mjs"
    assert flows(code) == [("code", "impl.mjs", 1)]


def test_tree_sitter_loads_only_when_code_is_parsed() -> None:
    import subprocess
    import sys

    script = ("import sys; import faasguard.code.js.taint, faasguard.code.js.sdk, "
              "faasguard.code.js.issues; print('tree_sitter' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")},
                          check=True)
    assert done.stdout.strip() == "False"


def test_string_and_collection_methods_carry_arguments(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const { exec } = require('child_process');
        exports.handler = async (event) => {
          exec('ls '.concat(event.dir));
          const args = ['-l'];
          args.push(event.flag);
          exec('ls ' + args.join(' '));
          Object.keys(event.headers).forEach((name) => exec(`echo ${name}`));
          exec('ls '.concat('-a'));
        };
    """})
    assert [line for _, _, line in flows(code)] == [3, 6, 7]


def test_sql_methods_that_are_not_sql(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const { Pool } = require('pg');
        const AWS = require('aws-sdk');
        const doc = new AWS.DynamoDB.DocumentClient();
        const ID = /^[a-z]+$/;
        exports.handler = async (event) => {
          ID.exec(event.id);
          const params = { TableName: 't', KeyConditionExpression: 'pk = :p',
                           ExpressionAttributeValues: { ':p': event.id } };
          await doc.query(params).promise();
          await new Pool().query(`SELECT 1 FROM t WHERE x = '${event.id}' LIMIT 1`);
        };
    """})
    assert flows(code) == [("sql", "index.js", 10)]


def test_a_shared_project_reports_a_bad_module_to_every_function(tmp_path: Path) -> None:
    from faasguard.code.handlers import HandlerRef
    from faasguard.code.js import analyze
    from faasguard.model import Function, Location

    write(tmp_path, {
        "a.js": "const big = require('./big');\nexports.handler = async (event) => big;",
        "b.js": "const big = require('./big');\nexports.handler = async (event) => big;",
    })
    (tmp_path / "big.js").write_bytes(b"//" + b"x" * 1_000_001)  # over the parse limit
    project = JsProject(tmp_path, tmp_path)
    for entry in ("a.js", "b.js"):
        fn = Function(id=entry, loc=Location("serverless.yml", 1), runtime="nodejs20.x")
        code = analyze(None, fn, HandlerRef("javascript", tmp_path / entry, entry,  # type: ignore[arg-type]
                                            "handler", tmp_path), project)
        assert [(u.loc.file, u.what) for u in code.unknowns] == [
            ("big.js", "file too big or too slow to parse")]
