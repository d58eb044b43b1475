"""Linking manifests, installed packages and layers to functions (issue 6, E1)."""

from __future__ import annotations

import json
from pathlib import Path

from faasguard.config import Config
from faasguard.deps.project import DependencyIndex
from faasguard.engine import scan
from faasguard.loaders.base import LoadOptions

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: api/
      Layers: [!Ref Deps]
  Web:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: web/
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _deps(root: Path) -> dict[str, set[tuple[str, str | None, str]]]:
    result = scan([root], LoadOptions(root=root), Config(), [])
    app = result.apps[0]
    index = DependencyIndex(root)
    return {fn.id: {(d.name, d.version, d.file) for d in index.for_function(app, fn).dependencies}
            for fn in app.functions}


def test_vendored_packages_layers_and_node_modules(tmp_path: Path) -> None:
    _write(tmp_path / "template.yaml", SAM)
    _write(tmp_path / "api" / "app.py", "import requests\n")
    _write(tmp_path / "api" / "requirements.txt", "requests==2.32.3\n")
    # pip install -t api/: the same package again (reported once) and one more
    _write(tmp_path / "api" / "requests-2.32.3.dist-info" / "METADATA",
           "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\n\nbody\nName: no\n")
    _write(tmp_path / "api" / "idna-3.7.dist-info" / "METADATA",
           "Metadata-Version: 2.1\nName: idna\nVersion: 3.7\n")
    _write(tmp_path / "layer" / "python" / "requirements.txt", "pyyaml==5.3\n")
    _write(tmp_path / "layer" / "python" / "lib" / "python3.12" / "site-packages"
           / "PyYAML-5.3.dist-info" / "METADATA", "Name: PyYAML\nVersion: 5.3\n")
    _write(tmp_path / "web" / "index.js", "require('express')\n")
    modules = tmp_path / "web" / "node_modules"
    _write(modules / "express" / "package.json", json.dumps({"name": "express",
                                                             "version": "4.19.2"}))
    _write(modules / "express" / "node_modules" / "qs" / "package.json",
           json.dumps({"name": "qs", "version": "6.7.0"}))
    _write(modules / "express" / "lib" / "package.json", json.dumps({"name": "inner",
                                                                     "version": "0.0.1"}))
    _write(modules / "@aws-sdk" / "client-s3" / "package.json",
           json.dumps({"name": "@aws-sdk/client-s3", "version": "3.600.0"}))

    found = _deps(tmp_path)
    assert found["Api"] == {
        ("requests", "2.32.3", "api/requirements.txt"),
        ("idna", "3.7", "api/idna-3.7.dist-info/METADATA"),
        ("pyyaml", "5.3", "layer/python/requirements.txt"),
    }
    assert {(n, v) for n, v, _ in found["Web"]} == {
        ("express", "4.19.2"), ("qs", "6.7.0"), ("@aws-sdk/client-s3", "3.600.0")}


def test_installed_node_packages_know_their_parents(tmp_path: Path) -> None:
    _write(tmp_path / "template.yaml", SAM)
    _write(tmp_path / "web" / "index.js", "")
    _write(tmp_path / "web" / "node_modules" / "a" / "node_modules" / "@s" / "b"
           / "package.json", json.dumps({"name": "@s/b", "version": "1.0.0"}))
    result = scan([tmp_path], LoadOptions(root=tmp_path), Config(), [])
    app = result.apps[0]
    web = next(fn for fn in app.functions if fn.id == "Web")
    deps = DependencyIndex(tmp_path).for_function(app, web).dependencies
    assert [(d.name, d.parents) for d in deps] == [("@s/b", ("a",))]


def test_serverless_layer_path_and_service_manifest(tmp_path: Path) -> None:
    _write(tmp_path / "serverless.yml", """\
service: shop
provider:
  name: aws
  runtime: python3.12
layers:
  common:
    path: layers/common
functions:
  orders:
    handler: src/orders.handler
    layers:
      - !Ref CommonLambdaLayer
""")
    _write(tmp_path / "src" / "orders.py", "def handler(e, c): pass\n")
    _write(tmp_path / "requirements.txt", "flask==3.0.3\n")
    _write(tmp_path / "layers" / "common" / "requirements.txt", "jinja2==3.1.4\n")
    found = _deps(tmp_path)
    assert {(n, v) for n, v, _ in found["orders"]} == {("flask", "3.0.3"),
                                                        ("jinja2", "3.1.4")}


def test_functions_without_local_code_have_none(tmp_path: Path) -> None:
    _write(tmp_path / "template.yaml", """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Img:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1
  Java:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: java21
      Handler: a.B::handle
      CodeUri: java/
""")
    assert _deps(tmp_path) == {"Img": set(), "Java": set()}
