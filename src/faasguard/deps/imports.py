"""Which third-party packages a function's code imports: the reachability hint on a
vulnerable dependency ("imported by the handler" or "never imported").

Python files are read with `ast` and JavaScript/TypeScript with tree-sitter, the same
parsers the code analysis uses; nothing is executed. The files are the ones the code
analysis found reachable from the handler.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from faasguard.deps.versions import NPM, PYPI, normalize_name

MAX_FILE_BYTES = 2 * 1024 * 1024

# Distributions whose import name is not their project name (the common cases in
# Lambda code). Everything else imports as its normalised name with "_".
_PYPI_IMPORTS = {
    "pyyaml": ("yaml",), "beautifulsoup4": ("bs4",), "pillow": ("PIL",),
    "python-dateutil": ("dateutil",), "scikit-learn": ("sklearn",),
    "opencv-python": ("cv2",), "opencv-python-headless": ("cv2",),
    "psycopg2-binary": ("psycopg2",), "psycopg-binary": ("psycopg",),
    "protobuf": ("google",), "pyjwt": ("jwt",), "python-jose": ("jose",),
    "attrs": ("attr", "attrs"), "python-dotenv": ("dotenv",), "mysqlclient": ("MySQLdb",),
    "pycryptodome": ("Crypto",), "pycryptodomex": ("Cryptodome",), "pyopenssl": ("OpenSSL",),
    "dnspython": ("dns",), "python-multipart": ("multipart",), "pymongo": ("pymongo", "bson"),
    "msgpack-python": ("msgpack",), "typing-extensions": ("typing_extensions",),
    "setuptools": ("setuptools", "pkg_resources"), "jsonpickle": ("jsonpickle",),
    "aws-xray-sdk": ("aws_xray_sdk",), "google-cloud-storage": ("google",),
    "azure-functions": ("azure",), "ruamel-yaml": ("ruamel",), "lxml": ("lxml",),
}


def import_names(ecosystem: str, package: str) -> tuple[str, ...]:
    """The top-level names code uses to import ``package``."""
    if ecosystem == NPM:
        return (package,)
    key = normalize_name(PYPI, package)
    return _PYPI_IMPORTS.get(key, (key.replace("-", "_"),))


def imported_packages(root: Path, files: Iterable[str]) -> frozenset[str]:
    """Top-level module names (Python) and package names (npm, scoped included) that
    these files import, relative imports and node: built-ins left out."""
    names: set[str] = set()
    for rel in files:
        path = root / rel
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            source = path.read_bytes()
        except OSError:
            continue
        if path.suffix == ".py":
            names |= _python_imports(source)
        elif path.suffix in {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx"}:
            names |= _js_imports(source, path)
    return frozenset(names)


def _python_imports(source: bytes) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value.split(".")[0])
    return found


_PACKAGE = re.compile(r"^(@[^/]+/[^/]+|[^./@][^/]*)")


def _js_imports(source: bytes, path: Path) -> set[str]:
    from faasguard.code.js.parse import dialect_of, parse_source, string_value, walk

    tree = parse_source(source, dialect_of(path))
    if tree is None:
        return set()
    found: set[str] = set()
    for node in walk(tree.root_node):
        spec: str | None = None
        if node.type in {"import_statement", "export_statement"}:
            spec = string_value(node.child_by_field_name("source"))
        elif node.type == "call_expression":
            callee = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            if callee is not None and callee.type in {"identifier", "import"} and \
                    callee.text in (b"require", b"import") and arguments is not None \
                    and arguments.named_child_count:
                spec = string_value(arguments.named_children[0])
        if spec and not spec.startswith("node:"):
            match = _PACKAGE.match(spec)
            if match:
                found.add(match.group(1))
    return found
