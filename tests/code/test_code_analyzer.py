"""CodeAnalyzer: dispatch by language, caching, and the rules' ``Context.code``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from faasguard.code import CodeAnalyzer
from faasguard.config import Config
from faasguard.loaders.base import LoadOptions
from faasguard.loaders.serverless import load
from faasguard.model import App, Function, Layer, Location, Ref
from faasguard.rules.registry import Context

from conftest import FIXTURES, ROOT

SLS = FIXTURES / "code" / "python" / "sls_app"


def sls_app() -> App:
    return load(SLS / "serverless.yml", LoadOptions(root=SLS.resolve()))[0]


def fn_of(app: App, fid: str) -> Function:
    fn = app.function(fid)
    assert fn is not None
    return fn


def test_python_function_code() -> None:
    app = sls_app()
    analyzer = CodeAnalyzer(SLS)
    code = analyzer.function(app, fn_of(app, "orders"))
    assert (code.function, code.language) == ("orders", "python")
    assert code.entry == Location("src/handlers/orders.py", 16)
    assert code.files == ("src/handlers/orders.py", "src/__init__.py", "src/lib/__init__.py",
                          "src/lib/aws.py", "src/lib/storage.py")
    assert code.lines_of_code == 43
    assert {c.operation for c in code.sdk_calls} >= {"PutItem", "PutObject", "SendMessage"}
    assert code.unknowns == ()
    assert analyzer.function(app, fn_of(app, "orders")) is code  # cached per function


def test_unknowns_are_collected() -> None:
    app = sls_app()
    code = CodeAnalyzer(SLS).function(app, fn_of(app, "dynamic"))
    assert [str(u.loc) for u in code.unknowns] == ["src/handlers/dynamic.py:8",
                                                   "src/handlers/dynamic.py:13"]


def test_function_without_readable_code(tmp_path: Path) -> None:
    fn = Function(id="Img", loc=Location("template.yaml", 4), package_type="Image")
    app = App(name="a", source=Location("template.yaml"), format="sam", functions=(fn,))
    code = CodeAnalyzer(tmp_path).function(app, fn)
    assert code.language is None and code.files == ()
    assert "container image" in code.unknowns[0].what


def test_parse_errors_of_reachable_files_are_unknowns(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import helper\n\ndef handler(e, c):\n    return 1\n")
    (tmp_path / "helper.py").write_text("def broken(:\n")
    fn = Function(id="F", loc=Location("t.yaml", 1), runtime="python3.12",
                  handler="app.handler", code_path=".")
    app = App(name="a", source=Location("t.yaml"), format="sam", functions=(fn,))
    code = CodeAnalyzer(tmp_path).function(app, fn)
    assert [(str(u.loc), u.what) for u in code.unknowns] == [
        ("helper.py:1", "syntax error: invalid syntax")]


def test_node_functions_go_to_the_javascript_front_end(tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/index.mjs").write_text(
        "export const handler = async (event) => ({ statusCode: 200 });\n")
    fn = Function(id="N", loc=Location("t.yaml", 1), runtime="nodejs20.x", code_path="fn")
    app = App(name="a", source=Location("t.yaml"), format="sam", functions=(fn,))
    code = CodeAnalyzer(tmp_path).function(app, fn)
    assert code.language == "javascript"
    assert code.files[0] == "fn/index.mjs"
    assert code.lines_of_code == 1


def test_context_builds_one_analyzer_lazily() -> None:
    app = sls_app()
    ctx = Context(config=Config(), root=str(SLS.resolve()))
    assert ctx.analyzer is None
    first = ctx.code(app, fn_of(app, "reports"))
    analyzer = ctx.analyzer
    assert analyzer is not None and first.language == "python"
    ctx.code(app, fn_of(app, "orders"))
    assert ctx.analyzer is analyzer


def test_registry_does_not_import_the_code_package() -> None:
    probe = ("import sys; import faasguard.rules.registry, faasguard.engine; "
             "print('faasguard.code' in sys.modules, 'botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT / "src")}, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_python_layers_of_the_app_resolve_imports(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text(
        "from shared_utils import audit\n\n\ndef handler(event, context):\n"
        "    audit(event)\n")
    (tmp_path / "layers/shared/python").mkdir(parents=True)
    (tmp_path / "layers/shared/python/shared_utils.py").write_text(
        "import boto3\n\n\ndef audit(event):\n"
        "    boto3.client('firehose').put_record(DeliveryStreamName='audit', Record={})\n")
    layer = Layer(id="Shared", loc=Location("template.yaml", 9),
                  type="AWS::Serverless::LayerVersion",
                  properties={"ContentUri": "layers/shared"})
    fn = Function(id="F", loc=Location("template.yaml", 2), runtime="python3.12",
                  handler="app.handler", code_path="src", layers=(Ref("Shared"),))
    app = App(name="a", source=Location("template.yaml"), format="sam", functions=(fn,),
              resources={"Shared": layer})
    code = CodeAnalyzer(tmp_path).function(app, fn)
    assert code.files == ("src/app.py", "layers/shared/python/shared_utils.py")
    assert [(str(c.loc), c.operation) for c in code.sdk_calls] == [
        ("layers/shared/python/shared_utils.py:5", "PutRecord")]


def test_an_analyser_failure_costs_one_function_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from faasguard.code.python import sdk

    calls = []

    def broken(*args: object) -> None:
        calls.append(args)
        raise KeyError("boom")

    monkeypatch.setattr(sdk, "find_calls", broken)
    app = sls_app()
    analyzer = CodeAnalyzer(SLS)
    code = analyzer.function(app, fn_of(app, "reports"))
    assert code.language == "python"
    assert [u.what for u in code.unknowns] == ["code analysis failed: KeyError: 'boom'"]
    assert analyzer.function(app, fn_of(app, "reports")) is code
    assert len(calls) == 1
