from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from faasguard.loaders.base import LoadOptions
from faasguard.loaders.cloudformation import load_cdk
from faasguard.loaders.discover import discover
from faasguard.model import App, AuthKind, LogGroup, Ref, Table

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "loaders"
CDK = ROOT / "cdk"
TEMPLATE = CDK / "cdk.out" / "OrdersStack.template.json"
HANDLER_ASSET = "asset.5c3d0a1e9f4b7a2c8d6e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c"


@pytest.fixture(scope="module")
def app() -> App:
    (loaded,) = load_cdk(TEMPLATE, LoadOptions(root=ROOT))
    return loaded


def test_discovery_sends_the_template_only() -> None:
    found = [(c.path.relative_to(ROOT).as_posix(), c.kind) for c in discover([CDK], ROOT)]
    assert found == [("cdk/cdk.out/OrdersStack.template.json", "cdk")]


def test_stack_name_and_format(app: App) -> None:
    assert app.name == "orders-prod"  # stackName in manifest.json
    assert app.format == "cdk"
    assert app.root == "cdk/cdk.out"


def test_asset_paths_point_at_handler_code(app: App) -> None:
    handler = app.function("Handler886CB40B")
    assert handler is not None
    assert handler.code_path == f"cdk/cdk.out/{HANDLER_ASSET}"
    assert (ROOT / handler.code_path / "index.py").is_file()
    text = TEMPLATE.read_text().splitlines()
    assert '"aws:asset:path"' in text[handler.lines["code_path"] - 1]


def test_construct_paths_name_unnamed_nodes(app: App) -> None:
    handler = app.function("Handler886CB40B")
    audit = app.function("AuditFn4E3D2C1B")
    assert handler is not None and audit is not None
    assert handler.name == "Handler"
    assert handler.display_name == "Handler"
    assert audit.name == "orders-audit"  # a physical name wins
    assert app.roles["HandlerServiceRoleFCDC14AE"].name == "Handler/ServiceRole"
    assert app.apis["OrdersApi0D3B1C5E"].name == "OrdersApi"


def test_cdk_role_and_default_policy(app: App) -> None:
    handler = app.function("Handler886CB40B")
    assert handler is not None and handler.role == "HandlerServiceRoleFCDC14AE"
    role = app.roles["HandlerServiceRoleFCDC14AE"]
    managed = [p for p in role.policies if p.origin == "aws-managed"]
    assert [p.arn for p in managed] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    default = next(p for p in role.policies if p.origin == "inline")
    assert default.statements[0].resources == (Ref("OrdersTable315BB997", "Arn"),)
    assert default.statements[1].actions == ("s3:*",)


def test_cdk_api_routes(app: App) -> None:
    api = app.apis["OrdersApi0D3B1C5E"]
    routes = {r.name: r for r in api.routes}
    assert routes["ANY /{proxy+}"].authorizer.is_none
    assert routes["ANY /{proxy+}"].function == "Handler886CB40B"
    assert routes["ANY /"].authorizer.kind is AuthKind.IAM
    assert api.access_logging is False and api.waf is False
    (perm,) = app.permissions
    assert perm.function == "Handler886CB40B"
    assert perm.principal == "apigateway.amazonaws.com"


def test_cdk_resources(app: App) -> None:
    assert isinstance(app.resources["OrdersTable315BB997"], Table)
    logs = app.resources["AuditFnLogRetention0A1B2C3D"]
    assert isinstance(logs, LogGroup) and logs.retention_days == 7
    audit = app.function("AuditFn4E3D2C1B")
    assert audit is not None and audit.log_group == "AuditFnLogRetention0A1B2C3D"
    assert "CDKMetadata" not in app.resources
    assert app.diagnostics == ()


def test_without_manifest_the_file_names_the_stack(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    out.mkdir()
    shutil.copy(TEMPLATE, out / "OrdersStack.template.json")
    (loaded,) = load_cdk(out / "OrdersStack.template.json", LoadOptions(root=tmp_path))
    assert loaded.name == "OrdersStack"
    handler = loaded.function("Handler886CB40B")
    assert handler is not None
    assert handler.code_path == f"cdk.out/{HANDLER_ASSET}"  # the asset need not exist


def test_asset_outside_the_tree_is_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    out.mkdir()
    template = json.loads(TEMPLATE.read_text())
    template["Resources"]["Handler886CB40B"]["Metadata"]["aws:asset:path"] = "/opt/elsewhere"
    (out / "S.template.json").write_text(json.dumps(template, indent=1))
    (loaded,) = load_cdk(out / "S.template.json", LoadOptions(root=tmp_path))
    handler = loaded.function("Handler886CB40B")
    assert handler is not None and handler.code_path is None
    assert any("outside the scanned tree" in d.message for d in loaded.diagnostics)
