"""Routes of an OpenAPI/Swagger ``body`` on ``aws_api_gateway_rest_api`` or
``aws_apigatewayv2_api`` (``jsonencode({...})``, a JSON string, or ``file()``), with
the API Gateway extensions that name the authorizer and the integrated function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.build import Build, sub
from faasguard.loaders.terraform.expressions import FileText
from faasguard.loaders.terraform.iam import json_document
from faasguard.loaders.terraform.modules import Instance
from faasguard.loaders.yamlsafe import line_of
from faasguard.model import AuthKind, Authorizer, Location, Route
from faasguard.model.nodes import NO_AUTH
from faasguard.model.values import as_list

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch",
                          "x-amazon-apigateway-any-method"})


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def body_routes(b: Build, inst: Instance, api: str) -> list[Route] | None:
    """The routes the body declares; None when there is no body we can read."""
    raw = inst.body.get("body")
    document = json_document(raw, inst.line("body"))
    if not isinstance(document, Mapping):
        return None
    file = raw.rel if isinstance(raw, FileText) else inst.loc.file
    schemes = {**_mapping(document.get("securityDefinitions")),
               **_mapping(sub(document.get("components"), "securitySchemes"))}
    default_security = document.get("security")
    routes: list[Route] = []
    for path, operations in _mapping(document.get("paths")).items():
        for verb, operation in _mapping(operations).items():
            if not isinstance(verb, str) or verb.lower() not in HTTP_METHODS \
                    or not isinstance(operation, Mapping):
                continue
            loc = Location(file, line_of(operations, verb) or inst.line("body"))
            authorizer, api_key = _auth(operation.get("security", default_security),
                                        schemes, file)
            integration = _mapping(operation.get("x-amazon-apigateway-integration"))
            routes.append(Route(
                api=api, method="ANY" if "any" in verb.lower() else verb.upper(),
                path=str(path), loc=loc, authorizer=authorizer, api_key_required=api_key,
                function=b.integrated_function(integration.get("uri"))))
    return routes


def _auth(security: Any, schemes: Mapping[str, Any], file: str) -> tuple[Authorizer, bool]:
    authorizer, api_key = NO_AUTH, False
    for requirement in as_list(security):
        for name in _mapping(requirement):
            found = _scheme(str(name), _mapping(schemes.get(name)), file)
            if found is None:
                api_key = True
            elif authorizer.is_none:
                authorizer = found
    return authorizer, api_key


def _scheme(name: str, scheme: Mapping[str, Any], file: str) -> Authorizer | None:
    """The authorizer a security scheme stands for; None for a plain API key."""
    authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
    declared = str(sub(scheme.get("x-amazon-apigateway-authorizer"), "type") or "").lower()
    loc = Location(file, line_of(scheme))
    if authtype == "awssigv4":
        return Authorizer(AuthKind.IAM, name, loc)
    if declared in ("token", "request") or authtype == "custom":
        return Authorizer(AuthKind.LAMBDA, name, loc)
    if "cognito_user_pools" in (declared, authtype):
        return Authorizer(AuthKind.COGNITO, name, loc)
    if declared == "jwt" or scheme.get("type") in ("oauth2", "openIdConnect"):
        return Authorizer(AuthKind.JWT, name, loc)
    if scheme.get("type") == "apiKey":
        return None
    return Authorizer(AuthKind.UNRESOLVED, name, loc)
