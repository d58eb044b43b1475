"""The Python data flow: steps, kind-specific sanitisers, summaries across modules, bounds,
and bad input. The labelled corpus (test_code_corpus.py) measures the rest."""

from __future__ import annotations

from pathlib import Path

from faasguard.code.handlers import HandlerRef
from faasguard.code.python.issues import find_issues, unbounded_select
from faasguard.code.python.project import PythonProject
from faasguard.code.python.taint import find_flows


def flows_of(tmp_path: Path, files: dict[str, str], entry: str = "app.py",
             function: str = "handler") -> list[tuple[str, str, int]]:
    project, ref = _project(tmp_path, files, entry, function)
    return [(f.sink_kind, f.loc.file, f.loc.line or 0) for f in find_flows(project, ref)]


def _project(tmp_path: Path, files: dict[str, str], entry: str = "app.py",
             function: str = "handler") -> tuple[PythonProject, HandlerRef]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return (PythonProject(tmp_path, tmp_path),
            HandlerRef("python", (tmp_path / entry).resolve(), entry, function, tmp_path))


def test_steps_run_from_the_event_read_to_the_sink_across_files(tmp_path: Path) -> None:
    project, ref = _project(tmp_path, {
        "app.py": "import json\nfrom lib import run\n\n\ndef handler(event, context):\n"
                  "    body = json.loads(event['body'])\n    name = body['name']\n"
                  "    run(name)\n",
        "lib.py": "import os\n\n\ndef run(value):\n    cmd = 'echo ' + value\n"
                  "    os.system(cmd)\n",
    })
    [flow] = find_flows(project, ref)
    assert (flow.sink_kind, flow.sink, flow.source) == ("command", "os.system()",
                                                        "event['body']")
    assert [(s.loc.file, s.loc.line) for s in flow.steps] == [
        ("app.py", 6), ("app.py", 7), ("app.py", 8), ("lib.py", 4), ("lib.py", 5),
        ("lib.py", 6)]
    assert flow.steps[0].note == "event['body'] read"
    assert flow.steps[3].note == "parameter value of run()"
    assert flow.steps[-1].note == "reaches os.system()"


def test_a_sanitiser_is_safe_only_for_its_own_sink_kind(tmp_path: Path) -> None:
    found = flows_of(tmp_path, {"app.py": (
        "import os, shlex, sqlite3\n\n\ndef handler(event, context):\n"
        "    q = shlex.quote(event['q'])\n"
        "    os.system('grep ' + q)\n"
        "    sqlite3.connect('x').execute(\"SELECT 1 FROM t WHERE a = '\" + q + \"'\")\n")})
    assert found == [("sql", "app.py", 7)]


def test_reassignment_with_a_constant_clears_taint(tmp_path: Path) -> None:
    found = flows_of(tmp_path, {"app.py": (
        "import os\n\n\ndef handler(event, context):\n    cmd = event['cmd']\n"
        "    cmd = 'ls'\n    os.system(cmd)\n")})
    assert found == []


def test_taint_in_one_branch_survives_the_merge(tmp_path: Path) -> None:
    found = flows_of(tmp_path, {"app.py": (
        "import os\n\n\ndef handler(event, context):\n    cmd = 'ls'\n"
        "    if event.get('x'):\n        cmd = event['x']\n    os.system(cmd)\n")})
    assert found == [("command", "app.py", 8)]


def test_helper_summary_is_per_parameter(tmp_path: Path) -> None:
    found = flows_of(tmp_path, {"app.py": (
        "import subprocess\n\n\ndef run(program, arg):\n"
        "    subprocess.run(program + ' ' + arg, shell=True)\n\n\n"
        "def handler(event, context):\n    run('ls', str(int(event['n'])))\n"
        "    run(event['p'], '-l')\n")})
    assert found == [("command", "app.py", 5)]


def test_mutual_recursion_terminates_and_still_finds_the_sink(tmp_path: Path) -> None:
    found = flows_of(tmp_path, {"app.py": (
        "import os\n\n\ndef a(x, n):\n    return b(x, n - 1) if n else x\n\n\n"
        "def b(x, n):\n    return a(x, n)\n\n\n"
        "def handler(event, context):\n    os.system(a(event['c'], 3))\n")})
    assert found == [("command", "app.py", 13)]


def test_deep_call_chains_are_bounded(tmp_path: Path) -> None:
    chain = "".join(f"def f{i}(x):\n    return f{i + 1}(x)\n\n\n" for i in range(40))
    source = ("import os\n\n\n" + chain + "def f40(x):\n    os.system(x)\n\n\n"
              "def handler(event, context):\n    f0(event['c'])\n")
    assert flows_of(tmp_path, {"app.py": source}) == []  # past the bound: not followed


def test_bad_input_gives_no_flows_and_no_error(tmp_path: Path) -> None:
    assert flows_of(tmp_path, {"app.py": "def handler(event, context:\n"}) == []
    assert flows_of(tmp_path, {"ok.py": "def other(event):\n    pass\n"}, "ok.py") == []
    assert flows_of(tmp_path, {"none.py": "def handler():\n    eval('1')\n"}, "none.py") == []


def test_issues_are_shared_between_handlers_of_one_project(tmp_path: Path) -> None:
    project, first = _project(tmp_path, {
        "a.py": "from lib import leak\n\n\ndef handler(event, context):\n    return leak()\n",
        "b.py": "from lib import leak\n\n\ndef handler(event, context):\n    return leak()\n",
        "lib.py": "import traceback\n\n\ndef leak():\n"
                  "    return {'statusCode': 500, 'body': traceback.format_exc()}\n",
    }, "a.py")
    second = HandlerRef("python", (tmp_path / "b.py").resolve(), "b.py", "handler", tmp_path)
    found = [(i.kind, i.loc.file, i.loc.line) for i in find_issues(project, first)]
    assert found == [("error-leak", "lib.py", 5)]
    assert [(i.kind, i.loc.file, i.loc.line) for i in find_issues(project, second)] == found


def test_unbounded_select() -> None:
    assert unbounded_select("SELECT * FROM orders")
    assert unbounded_select("with x as (select 1) SELECT a FROM t WHERE b = ?")
    assert not unbounded_select("SELECT * FROM orders LIMIT 10")
    assert not unbounded_select("SELECT TOP 5 * FROM orders")
    assert not unbounded_select("SELECT * FROM t FETCH FIRST 10 ROWS ONLY")
    assert not unbounded_select("SELECT COUNT(*), MAX(total) FROM orders")
    assert unbounded_select("SELECT status, COUNT(*) FROM orders GROUP BY status")
    assert not unbounded_select("SELECT * FROM orders WHERE id = %s")
    assert not unbounded_select("SELECT now()")
    assert not unbounded_select("UPDATE t SET a = 1")
    assert not unbounded_select("SELECT " + "(" * 5000 + " FROM t")  # long text: not judged


def test_a_validator_that_raises_makes_its_argument_safe(tmp_path: Path) -> None:
    found = flows_of(tmp_path, {
        "app.py": "import os\nfrom checks import require_slug, describe\n\n\n"
                  "def handler(event, context):\n    name = event['name']\n"
                  "    other = event['other']\n    describe(other)\n"
                  "    require_slug(value=name)\n    os.system('mkdir ' + name)\n"
                  "    os.system('mkdir ' + other)\n",
        "checks.py": "import re\n\nSLUG = re.compile('[a-z-]+')\n\n\n"
                     "def require_slug(value):\n    if not SLUG.fullmatch(value):\n"
                     "        raise ValueError(value)\n\n\n"
                     "def describe(value):\n    if value.isdigit():\n        return 'number'\n"
                     "    return 'text'\n",
    })
    assert found == [("command", "app.py", 11)]
