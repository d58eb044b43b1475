"""PythonProject: module index, import resolution, bounded parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.code.python.project import Limits, PythonProject


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write(tmp_path, {
        "app.py": "import json\nfrom lib import db\nfrom lib.util import helper\n"
                  "from . import sibling\n",
        "sibling.py": "",
        "lib/__init__.py": "",
        "lib/db.py": "from .util import helper\nfrom ..outside import x\n",
        "lib/util.py": "def helper():\n    import lib.deep.inner\n",
        "lib/deep/__init__.py": "",
        "lib/deep/inner.py": "from .. import db\n",
        "requests/__init__.py": "import urllib3\n",
        "requests-2.31.0.dist-info/top_level.txt": "requests\n",
        "six.py": "",
        "six-1.16.0.dist-info/METADATA": "",
        ".venv/lib/python3.12/site-packages/boto3/__init__.py": "",
        "node_modules/x/y.py": "",
        "build-output/z.py": "",
    })


def test_index_skips_vendored_trees(tree: Path) -> None:
    project = PythonProject(tree, tree)
    assert set(project.index) == {"app", "sibling", "lib", "lib.db", "lib.util", "lib.deep",
                                  "lib.deep.inner"}


def test_absolute_relative_and_submodule_imports(tree: Path) -> None:
    project = PythonProject(tree, tree)
    app = tree / "app.py"
    db = tree / "lib/db.py"
    assert project.resolve_import(app, "lib.db") == db
    assert project.resolve_import(app, "lib") == tree / "lib/__init__.py"
    assert project.resolve_import(app, "json") is None  # standard library
    assert project.resolve_import(app, "requests") is None  # installed next to the code
    assert project.resolve_import(db, "util", level=1) == tree / "lib/util.py"
    inner = tree / "lib/deep/inner.py"
    assert project.resolve_import(inner, "db", level=2) == db
    assert project.resolve_import(db, "outside", level=2) is None  # above the code root
    # from lib import db: the package and the submodule both load
    assert project.imports_of(app) == [tree / "lib/__init__.py", db, tree / "lib/util.py",
                                       tree / "sibling.py"]


def test_reachable_is_transitive_with_the_entry_first(tree: Path) -> None:
    project = PythonProject(tree, tree)
    reach = project.reachable(tree / "app.py")
    assert reach[0] == tree / "app.py"
    assert set(reach) == {tree / "app.py", tree / "lib/__init__.py", tree / "lib/db.py",
                          tree / "lib/util.py", tree / "sibling.py", tree / "lib/deep/__init__.py",
                          tree / "lib/deep/inner.py"}
    assert project.module_name(tree / "lib/deep/inner.py") == "lib.deep.inner"


def test_script_style_import_next_to_the_handler(tmp_path: Path) -> None:
    write(tmp_path, {"src/handler.py": "from helpers import go\n", "src/helpers.py": ""})
    project = PythonProject(tmp_path, tmp_path)
    assert project.reachable(tmp_path / "src/handler.py")[1] == tmp_path / "src/helpers.py"


def test_layer_roots_resolve_after_the_code_root(tmp_path: Path) -> None:
    write(tmp_path, {"fn/app.py": "import shared\n", "layer/python/shared.py": "",
                     "fn/local.py": "", "layer/python/local.py": ""})
    project = PythonProject(tmp_path / "fn", tmp_path, extra_roots=[tmp_path / "layer/python"])
    app = tmp_path / "fn/app.py"
    assert project.resolve_import(app, "shared") == tmp_path / "layer/python/shared.py"
    assert project.resolve_import(app, "local") == tmp_path / "fn/local.py"


@pytest.mark.parametrize(("text", "what"), [
    ("def f(:\n    pass\n", "syntax error"),
    ("x = 1\0\n", "null bytes"),
    ("x = " + "-" * 200_000 + "1\n", "cannot parse: nested too deeply"),
])
def test_bad_files_become_unknowns(tmp_path: Path, text: str, what: str) -> None:
    write(tmp_path, {"bad.py": text})
    project = PythonProject(tmp_path, tmp_path)
    assert project.parse(tmp_path / "bad.py") is None
    assert [u.loc.file for u in project.unknowns] == ["bad.py"]
    assert what in project.unknowns[0].what
    assert project.parse(tmp_path / "bad.py") is None
    assert len(project.unknowns) == 1  # cached, reported once


def test_syntax_error_has_its_line(tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": "x = 1\n\ndef f(:\n"})
    project = PythonProject(tmp_path, tmp_path)
    project.parse(tmp_path / "bad.py")
    assert project.unknowns[0].loc.line == 3


def test_size_and_count_limits(tmp_path: Path) -> None:
    write(tmp_path, {"big.py": "x = 1\n" * 100, **{f"m{i}.py": "" for i in range(5)}})
    project = PythonProject(tmp_path, tmp_path, limits=Limits(max_file_bytes=100, max_files=3))
    assert project.parse(tmp_path / "big.py") is None
    assert "over the 0 KB code limit" in project.unknowns[0].what
    assert len(project.index) == 3
    assert any("more than 3 Python files" in u.what for u in project.unknowns)


def test_symlink_out_of_the_scan_root_is_not_read(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"secret.py": "TOKEN = 1\n"})
    scan = write(tmp_path / "scan", {"app.py": "import secret\n"})
    (scan / "secret.py").symlink_to(outside / "secret.py")
    project = PythonProject(scan, scan)
    assert project.parse(scan / "secret.py") is None
    assert project.reachable(scan / "app.py") == [scan / "app.py"]


def test_function_def_last_wins_and_follows_imports(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.py": "def handler(e, c):\n    return 1\n\n\nasync def handler(e, c):\n"
                  "    return 2\n",
        "entry.py": "from impl.main import run as handler\n",
        "impl/__init__.py": "",
        "impl/main.py": "try:\n    import x\nexcept ImportError:\n    pass\n\n"
                        "if True:\n    def run(e, c):\n        return 3\n",
    })
    project = PythonProject(tmp_path, tmp_path)
    found = project.function_def(tmp_path / "app.py", "handler")
    assert found is not None and found.lineno == 5
    followed = project.find_function(tmp_path / "entry.py", "handler")
    assert followed is not None
    assert followed[0] == tmp_path / "impl/main.py" and followed[1].name == "run"
    assert project.function_def(tmp_path / "app.py", "missing") is None


def test_namespace_packages(tmp_path: Path) -> None:
    write(tmp_path, {"handlers/orders/create.py": "", "lib/__init__.py": "", "lib/x.py": ""})
    project = PythonProject(tmp_path, tmp_path)
    assert project.is_namespace("handlers") and project.is_namespace("handlers.orders")
    assert not project.is_namespace("lib")  # a regular package
    assert not project.is_namespace("handlers.orders.create")
    assert not project.is_namespace("json")
