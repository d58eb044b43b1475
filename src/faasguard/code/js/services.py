"""AWS SDK for JavaScript names -> botocore service and operation names.

v2 clients are classes of ``aws-sdk`` (``AWS.CognitoIdentityServiceProvider``), v3
clients live in packages ``@aws-sdk/client-<name>``. Most lower-case to botocore's
service name once dashes go; the table lists the ones that do not. botocore's models
(a dependency already) give the list of known services and the operations behind
waiters, read as data through :mod:`faasguard.code.sdkmodels`, never imported.
"""

from __future__ import annotations

from functools import cache

V2_CLASSES = {
    "CognitoIdentityServiceProvider": "cognito-idp",
    "CognitoIdentity": "cognito-identity",
    "CognitoSync": "cognito-sync",
    "CloudWatchLogs": "logs",
    "CloudWatchEvents": "events",
    "EventBridge": "events",
    "IotData": "iot-data",
    "ELB": "elb",
    "ELBv2": "elbv2",
    "SageMakerRuntime": "sagemaker-runtime",
    "BedrockRuntime": "bedrock-runtime",
    "LexRuntime": "lex-runtime",
    "LexRuntimeV2": "lexv2-runtime",
    "TimestreamWrite": "timestream-write",
    "TimestreamQuery": "timestream-query",
    "MarketplaceMetering": "meteringmarketplace",
    "CostExplorer": "ce",
    "ApplicationAutoScaling": "application-autoscaling",
    "ConfigService": "config",
    "DirectoryService": "ds",
    "DMS": "dms",
    "ES": "es",
    "RDSDataService": "rds-data",
    "StepFunctions": "stepfunctions",
    "KinesisVideoMedia": "kinesis-video-media",
    "IoTJobsDataPlane": "iot-jobs-data",
    "MediaStoreData": "mediastore-data",
}
V3_PACKAGES = {
    "cognito-identity-provider": "cognito-idp",
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatch-events": "events",
    "cloudwatch-logs": "logs",
    "iot-data-plane": "iot-data",
    "elastic-load-balancing": "elb",
    "elastic-load-balancing-v2": "elbv2",
    "lex-runtime-service": "lex-runtime",
    "lex-runtime-v2": "lexv2-runtime",
    "cost-explorer": "ce",
    "marketplace-metering": "meteringmarketplace",
    "config-service": "config",
    "elasticsearch-service": "es",
    "database-migration-service": "dms",
    "directory-service": "ds",
    "auto-scaling": "autoscaling",
    "api-gateway": "apigateway",
    "iot-jobs-data-plane": "iot-jobs-data",
}
DOCUMENT_OPERATIONS = {
    "get": "GetItem", "put": "PutItem", "update": "UpdateItem", "delete": "DeleteItem",
    "query": "Query", "scan": "Scan", "batchGet": "BatchGetItem",
    "batchWrite": "BatchWriteItem", "transactGet": "TransactGetItems",
    "transactWrite": "TransactWriteItems", "executeStatement": "ExecuteStatement",
    "batchExecuteStatement": "BatchExecuteStatement",
    "executeTransaction": "ExecuteTransaction",
}
"""DocumentClient (v2) and DynamoDBDocument (v3) methods -> DynamoDB operations; the v3
``lib-dynamodb`` commands are the same names capitalised plus ``Command``."""


def known_services() -> frozenset[str]:
    """botocore's services (from the cached index: listing botocore's data folder costs
    a system call per service)."""
    from faasguard.code import sdkmodels

    return sdkmodels.services()


def _pick(*candidates: str) -> str:
    known = known_services()
    for candidate in candidates:
        if candidate in known:
            return candidate
    return candidates[-1]


def service_of_v2_class(name: str) -> str | None:
    """``CognitoIdentityServiceProvider`` -> ``cognito-idp``; None for classes of
    ``aws-sdk`` that are not service clients (``Endpoint``, ``Credentials``...)."""
    if name in V2_CLASSES:
        return V2_CLASSES[name]
    known = known_services()
    service = name.lower()
    return service if not known or service in known else None


def service_of_v2_module(name: str) -> str | None:
    """``aws-sdk/clients/<name>``: the file names are the class names lower-cased
    (``cognitoidentityserviceprovider``, ``dynamodb``)."""
    lowered = name.lower()
    for cls, service in V2_CLASSES.items():
        if cls.lower() == lowered:
            return service
    known = known_services()
    return lowered if not known or lowered in known else None


def service_of_v3_package(package: str) -> str | None:
    """``@aws-sdk/client-s3`` -> ``s3``; None for packages that are not clients."""
    prefix = "@aws-sdk/client-"
    if not package.startswith(prefix):
        return None
    name = package[len(prefix):]
    if name in V3_PACKAGES:
        return V3_PACKAGES[name]
    return _pick(name, name.replace("-", ""))


def document_operation(method: str) -> str | None:
    return DOCUMENT_OPERATIONS.get(method)


def operation_of_method(method: str) -> str:
    """v2 and v3 aggregated clients name methods after operations in lowerCamelCase."""
    return method[:1].upper() + method[1:]


@cache
def waiter_operation(service: str, waiter: str) -> str | None:
    """The operation a botocore waiter polls (``TableExists`` -> ``DescribeTable``)."""
    from faasguard.code import sdkmodels

    return sdkmodels.waiter_operations(service).get(waiter)
