"""GatewayAuth: the Principal from what an API Gateway authorizer attached."""

from __future__ import annotations

import pytest

from faasguard.runtime.auth.gateway import GatewayAuth
from faasguard.runtime.core import ALB, FUNCTION_URL, HTTP, REST, SQS, Rejection, Request


def event(authorizer: object = None, identity: object = None) -> dict[str, object]:
    context: dict[str, object] = {"requestId": "r-1"}
    if authorizer is not None:
        context["authorizer"] = authorizer
    if identity is not None:
        context["identity"] = identity
    return {"requestContext": context}


def request(shape: str, authorizer: object = None, identity: object = None) -> Request:
    return Request(shape, event(authorizer, identity))


def reject(auth: GatewayAuth, req: Request) -> Rejection:
    with pytest.raises(Rejection) as caught:
        auth.authenticate(req)
    return caught.value


HTTP_JWT: dict[str, object] = {"jwt": {"claims": {"sub": "u-1", "iss": "https://idp", "aud": "app",
                               "cognito:groups": "[admin ops]", "scope": "a b"},
                    "scopes": ["orders:read", "orders:write"]}}
REST_COGNITO = {"claims": {"sub": "u-2", "iss": "https://idp", "aud": "app",
                           "cognito:groups": "admin,ops", "token_use": "id"}}
REST_LAMBDA = {"principalId": "svc-7", "integrationLatency": 12, "tenant": "t1",
               "roles": "reader"}
HTTP_LAMBDA = {"lambda": {"user": "u-3", "roles": "writer"}}
IAM = {"iam": {"accessKey": "ASIAXXXXXXXXXXXXXXXX", "accountId": "111122223333",
               "callerId": "AROAXXXX:session", "principalOrgId": "o-abc",
               "userArn": "arn:aws:sts::111122223333:assumed-role/app/session",
               "userId": "AROAXXXX:session", "cognitoIdentity": None}}


def test_http_api_jwt_authorizer() -> None:
    principal = GatewayAuth(roles_claim="cognito:groups").authenticate(request(HTTP, HTTP_JWT))
    assert (principal.id, principal.method) == ("u-1", "gateway")
    assert principal.roles == {"admin", "ops"}
    assert principal.scopes == {"orders:read", "orders:write"}  # the authorizer's own list
    assert principal.claims["kind"] == "jwt"


def test_http_api_jwt_without_scopes_list_reads_the_scope_claim() -> None:
    authorizer = {"jwt": {"claims": {"sub": "u-1", "scope": "a b"}, "scopes": None}}
    assert GatewayAuth().authenticate(request(HTTP, authorizer)).scopes == {"a", "b"}


def test_rest_cognito_authorizer_with_comma_joined_groups() -> None:
    principal = GatewayAuth(roles_claim="cognito:groups").authenticate(
        request(REST, REST_COGNITO))
    assert principal.id == "u-2"
    assert principal.roles == {"admin", "ops"}


def test_rest_lambda_authorizer() -> None:
    principal = GatewayAuth(roles_claim="roles").authenticate(request(REST, REST_LAMBDA))
    assert principal.id == "svc-7"
    assert principal.roles == {"reader"}
    assert principal.claims["tenant"] == "t1"
    assert "integrationLatency" not in principal.claims


def test_http_api_lambda_authorizer_needs_an_id_claim() -> None:
    assert reject(GatewayAuth(), request(HTTP, HTTP_LAMBDA)).reason == "gateway.no_id"
    principal = GatewayAuth(id_claim="user", roles_claim="roles").authenticate(
        request(HTTP, HTTP_LAMBDA))
    assert (principal.id, principal.roles) == ("u-3", frozenset({"writer"}))


@pytest.mark.parametrize("shape", [HTTP, FUNCTION_URL])
def test_iam_callers(shape: str) -> None:
    principal = GatewayAuth().authenticate(request(shape, IAM))
    assert principal.id == "arn:aws:sts::111122223333:assumed-role/app/session"
    assert principal.claims["accountId"] == "111122223333"
    assert "accessKey" not in principal.claims
    assert reject(GatewayAuth(accounts=["999988887777"]), request(shape, IAM)).reason == \
        "gateway.account"


def test_rest_iam_caller_from_identity() -> None:
    identity = {"userArn": "arn:aws:iam::111122223333:user/ci", "accountId": "111122223333",
                "sourceIp": "198.51.100.1"}
    assert GatewayAuth().authenticate(request(REST, None, identity)).id == \
        "arn:aws:iam::111122223333:user/ci"
    # an unauthenticated REST call has an identity block with a null userArn
    assert reject(GatewayAuth(), request(REST, None, {"userArn": None, "sourceIp": "x"})) \
        .reason == "gateway.no_authorizer"


def test_kinds_limit_what_is_trusted() -> None:
    only_jwt = GatewayAuth(kinds=["jwt"])
    assert reject(only_jwt, request(FUNCTION_URL, IAM)).reason == "gateway.no_authorizer"
    assert reject(only_jwt, request(REST, REST_LAMBDA)).reason == "gateway.no_authorizer"
    assert only_jwt.authenticate(request(HTTP, HTTP_JWT)).id == "u-1"
    with pytest.raises(ValueError, match="kinds"):
        GatewayAuth(kinds=["cognito"])


def test_issuer_and_audience_checked_again_when_given() -> None:
    assert GatewayAuth(issuer="https://idp", audience="app").authenticate(
        request(HTTP, HTTP_JWT)).id == "u-1"
    assert reject(GatewayAuth(issuer="https://other"), request(HTTP, HTTP_JWT)).reason == \
        "gateway.issuer"
    assert reject(GatewayAuth(audience="other"), request(HTTP, HTTP_JWT)).reason == \
        "gateway.audience"


@pytest.mark.parametrize(("shape", "authorizer", "reason"), [
    (HTTP, None, "gateway.no_authorizer"),
    (HTTP, {}, "gateway.no_authorizer"),
    (HTTP, "not a dict", "gateway.no_authorizer"),
    (HTTP, {"jwt": {"claims": {"iss": "x"}}}, "gateway.no_id"),
    (HTTP, {"jwt": {"claims": {"sub": ["a"]}}}, "gateway.no_id"),
    (REST, {"principalId": None}, "gateway.no_id"),
    (FUNCTION_URL, {"iam": {"accountId": "1"}}, "gateway.no_id"),
    (ALB, HTTP_JWT, "gateway.shape"),
    (SQS, HTTP_JWT, "gateway.shape"),
])
def test_missing_or_broken_authorizer_output(shape: str, authorizer: object,
                                             reason: str) -> None:
    rejection = reject(GatewayAuth(), request(shape, authorizer))
    assert (rejection.status, rejection.audit, rejection.reason) == (401, "auth.failure", reason)


def test_non_string_issuer_or_account_is_refused_not_crashed() -> None:
    auth = GatewayAuth(issuer="https://idp", accounts=["111122223333"])
    bad_iss = {"jwt": {"claims": {"sub": "u", "iss": ["https://idp"]}}}
    assert reject(auth, request(HTTP, bad_iss)).reason == "gateway.issuer"
    bad_account = {"iam": {"userArn": "arn:x", "accountId": ["111122223333"]}}
    assert reject(auth, request(HTTP, bad_account)).reason == "gateway.account"


def test_non_dict_event_is_refused_not_crashed() -> None:
    raws: list[object] = [None, [], "text", {"requestContext": "x"}]
    for raw in raws:
        assert reject(GatewayAuth(), Request(HTTP, raw)).reason == "gateway.no_authorizer"


def test_request_authorizer_field_is_used_when_the_event_lacks_it() -> None:
    req = Request(HTTP, {}, authorizer=HTTP_JWT)
    assert GatewayAuth().authenticate(req).id == "u-1"
