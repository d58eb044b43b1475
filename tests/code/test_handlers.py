"""Handler resolution: from a function of the model to its source file and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.code.facts import Unknown
from faasguard.code.handlers import HandlerRef, resolve_handler
from faasguard.loaders.base import LoadOptions
from faasguard.model import App, Function, Location

from conftest import FIXTURES

CODE = FIXTURES / "code" / "python"


def load(path: Path, root: Path) -> App:
    opts = LoadOptions(root=root.resolve())
    if path.name == "serverless.yml":
        from faasguard.loaders.serverless import load as load_sls

        return load_sls(path, opts)[0]
    from faasguard.loaders.cloudformation import load as load_cfn

    return load_cfn(path, opts)[0]


def function(app: App, fid: str) -> Function:
    fn = app.function(fid)
    assert fn is not None, fid
    return fn


def one_function_app(root: Path, **fields: object) -> tuple[App, Function]:
    fn = Function(id="Fn", loc=Location("template.yaml", 3), **fields)  # type: ignore[arg-type]
    return App(name="app", source=Location("template.yaml"), format="sam",
               functions=(fn,)), fn


def test_serverless_handler_file_resolves_from_the_service_directory() -> None:
    root = CODE / "sls_app"
    app = load(root / "serverless.yml", root)
    ref = resolve_handler(app, function(app, "orders"), root)
    assert isinstance(ref, HandlerRef)
    assert ref.language == "python"
    assert ref.rel == "src/handlers/orders.py"
    assert ref.file == (root / "src/handlers/orders.py").resolve()
    assert ref.function_name == "main"
    assert ref.code_root == root.resolve()  # absolute imports start at the service dir


def test_sam_code_uri_and_dotted_module() -> None:
    root = CODE / "sam_app"
    app = load(root / "template.yaml", root)
    worker = resolve_handler(app, function(app, "Worker"), root)
    assert isinstance(worker, HandlerRef)
    assert (worker.rel, worker.function_name) == ("src/app.py", "lambda_handler")
    assert worker.code_root == (root / "src").resolve()
    nested = resolve_handler(app, function(app, "Resources"), root)
    assert isinstance(nested, HandlerRef)
    assert (nested.rel, nested.function_name) == ("src/lib/resources.py", "handler")


@pytest.mark.parametrize(("fid", "reason", "line"), [
    ("Image", "container image", 33),
    ("Inline", "inline code", 37),
    ("Remote", "no local code path", 44),
    ("Missing", "handler file not found (tried src/nothere.py, src/nothere/__init__.py)", 49),
    ("Java", "runtime java21 is not analysed", 53),
])
def test_code_that_cannot_be_read_is_unknown_with_a_reason(fid: str, reason: str,
                                                           line: int) -> None:
    root = CODE / "sam_app"
    app = load(root / "template.yaml", root)
    ref = resolve_handler(app, function(app, fid), root)
    assert isinstance(ref, Unknown)
    assert reason in ref.what
    assert ref.loc == Location("template.yaml", line)


def test_cdk_asset_directory() -> None:
    root = FIXTURES / "loaders"
    from faasguard.loaders.cloudformation import load_cdk

    app = load_cdk(root / "cdk/cdk.out/OrdersStack.template.json",
                   LoadOptions(root=root.resolve()))[0]
    refs = [resolve_handler(app, fn, root) for fn in app.functions if fn.code_path]
    python = [r for r in refs if isinstance(r, HandlerRef)]
    assert python, refs
    assert python[0].file.name == "index.py"
    assert python[0].code_root == python[0].file.parent


def test_node_handler_with_module_suffixes_and_nested_export(tmp_path: Path) -> None:
    (tmp_path / "fn/src").mkdir(parents=True)
    (tmp_path / "fn/src/api.mjs").write_text("export const handlers = {main: () => 1};\n")
    app, fn = one_function_app(tmp_path, runtime="nodejs20.x", handler="src/api.handlers.main",
                               code_path="fn")
    ref = resolve_handler(app, fn, tmp_path)
    assert isinstance(ref, HandlerRef)
    assert (ref.language, ref.rel, ref.function_name) == ("javascript", "fn/src/api.mjs",
                                                         "handlers.main")


def test_node_default_handler_is_index_handler(tmp_path: Path) -> None:
    (tmp_path / "asset").mkdir()
    (tmp_path / "asset/index.ts").write_text("export const handler = async () => 1;\n")
    app, fn = one_function_app(tmp_path, runtime="nodejs22.x", code_path="asset")
    ref = resolve_handler(app, fn, tmp_path)
    assert isinstance(ref, HandlerRef)
    assert (ref.rel, ref.function_name) == ("asset/index.ts", "handler")


def test_language_from_the_file_when_runtime_is_unset(tmp_path: Path) -> None:
    (tmp_path / "pkg/sub").mkdir(parents=True)
    (tmp_path / "pkg/sub/mod.py").write_text("def go(event, context):\n    return 1\n")
    app, fn = one_function_app(tmp_path, handler="pkg.sub.mod.go", code_path=".")
    ref = resolve_handler(app, fn, tmp_path)
    assert isinstance(ref, HandlerRef)
    assert (ref.language, ref.rel, ref.function_name) == ("python", "pkg/sub/mod.py", "go")


def test_symlinked_handler_leaving_the_tree_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "app.py").write_text("def handler(e, c):\n    return 1\n")
    scan = tmp_path / "scan"
    (scan / "src").mkdir(parents=True)
    (scan / "src/app.py").symlink_to(outside / "app.py")
    app, fn = one_function_app(scan, runtime="python3.12", handler="app.handler",
                               code_path="src")
    ref = resolve_handler(app, fn, scan)
    assert isinstance(ref, Unknown)
    assert "link out of the scanned tree" in ref.what


def test_symlinked_code_dir_leaving_the_tree_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "app.py").write_text("def handler(e, c):\n    return 1\n")
    scan = tmp_path / "scan"
    scan.mkdir()
    (scan / "src").symlink_to(outside)
    app, fn = one_function_app(scan, runtime="python3.12", handler="app.handler",
                               code_path="src")
    ref = resolve_handler(app, fn, scan)
    assert isinstance(ref, Unknown)
    assert "leaves the scanned tree" in ref.what


def test_archives_and_bad_handlers(tmp_path: Path) -> None:
    (tmp_path / "build.zip").write_bytes(b"PK\x03\x04")
    app, fn = one_function_app(tmp_path, runtime="python3.12", handler="app.handler",
                               code_path="build.zip")
    ref = resolve_handler(app, fn, tmp_path)
    assert isinstance(ref, Unknown) and "prebuilt archive" in ref.what
    app, fn = one_function_app(tmp_path, runtime="python3.12", handler="nodot",
                               code_path=".")
    ref = resolve_handler(app, fn, tmp_path)
    assert isinstance(ref, Unknown) and "not module.function" in ref.what
    app, fn = one_function_app(tmp_path, runtime="python3.12", handler="../up.handler",
                               code_path=".")
    ref = resolve_handler(app, fn, tmp_path)
    assert isinstance(ref, Unknown) and "names no module inside" in ref.what
