"""The Terraform half of benchmarks/parity.py: what is planted in the ``tf-*`` cases of
benchmarks/parity_cases/, and how each Checkov Terraform check that exists only for
Terraform maps to faasguard.

Checks that Checkov also runs on CloudFormation keep the mapping of the CloudFormation
table in docs/parity.md; ``TERRAFORM_ONLY`` covers the rest. parity.py writes both into
the generated Terraform section of docs/parity.md.
"""

from __future__ import annotations

import re

IN_SCOPE = re.compile(
    r"^(aws_(lambda|api_gateway|apigatewayv2|iam|s3|dynamodb|sqs|sns|kms|cloudwatch_log_group|"
    r"secretsmanager|cognito)\w*)$")
"""Terraform types that make up a serverless app on AWS (data sources included, such as
``aws_iam_policy_document``)."""

# (case, faasguard subject, Checkov resource, problem, real, faasguard rules, Checkov checks)
# faasguard names Terraform nodes by address; Checkov names the resource it checked, which
# for split resources (a role's policy, a bucket's ACL) is not the node faasguard reports on.
CASES: tuple[tuple[str, str, str, str, bool, tuple[str, ...], tuple[str, ...]], ...] = (
    ("tf-stale-runtime-list", "aws_lambda_function.legacy_report",
     "aws_lambda_function.legacy_report", "runtime python3.8, deprecated 2024-10-14", True,
     ("FG-CFG-001",), ("CKV_AWS_363",)),
    ("tf-stale-runtime-list", "aws_lambda_function.legacy_notify",
     "aws_lambda_function.legacy_notify", "runtime nodejs20.x, deprecated 2026-04-30", True,
     ("FG-CFG-001",), ("CKV_AWS_363",)),
    ("tf-git-sha-env", "aws_lambda_function.status", "aws_lambda_function.status",
     "environment holds a git SHA, an image URI tagged with it, and a UUID: no secret", False,
     ("FG-SEC-001",), ("CKV_AWS_45",)),
    ("tf-policy-file", "aws_iam_role.importer", "aws_iam_role_policy.importer",
     "role policy read with file() from a JSON file in the module allows * on *", True,
     ("FG-IAM-001",), ("CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_286", "CKV_AWS_289",
                       "CKV_AWS_290", "CKV_AWS_355")),
    ("tf-var-secret", "aws_lambda_function.billing", "aws_lambda_function.billing",
     "live Stripe key as a variable's default, passed into the environment", True,
     ("FG-SEC-001",), ("CKV_AWS_45",)),
    ("tf-count-zero", "aws_lambda_function.export", "aws_lambda_function_url.export",
     "function URL with auth NONE under count = 0 (a control: not created, neither should "
     "report it)", False, ("FG-API-004",), ("CKV_AWS_258",)),
    ("tf-module-policy", "module.sync.aws_iam_role.this",
     "module.sync.aws_iam_policy_document.this",
     "role in a local module, statements from the caller allow * on * (a control)", True,
     ("FG-IAM-001",), ("CKV_AWS_1", "CKV_AWS_49")),
    *(("tf-mapped-checks", subject, resource, problem, True, rules, checks)
      for subject, resource, problem, rules, checks in (
        ("aws_iam_role.admin", "aws_iam_role_policy.admin", "jsonencode policy allows * on *",
         ("FG-IAM-001",), ("CKV_AWS_62", "CKV_AWS_63")),
        ("aws_iam_role.admin", "aws_iam_role_policy_attachment.admin_managed",
         "AdministratorAccess attached", ("FG-IAM-005",), ("CKV_AWS_274",)),
        ("aws_iam_role.creds", "aws_iam_role_policy.creds", "sts:AssumeRole on *",
         ("FG-IAM-014",), ("CKV_AWS_287",)),
        ("aws_iam_role.perms", "aws_iam_role_policy.perms", "iam:PutUserPolicy on *",
         ("FG-IAM-015", "FG-IAM-008"), ("CKV_AWS_289",)),
        ("aws_iam_role.escalate", "aws_iam_policy.escalate",
         "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction on * (aws_iam_policy)",
         ("FG-IAM-008",), ("CKV_AWS_286",)),
        ("aws_iam_role.reader", "aws_iam_policy_document.reader",
         "s3:GetObject on * (aws_iam_policy_document)", ("FG-IAM-009",), ("CKV_AWS_108",)),
        ("aws_iam_role.writer", "aws_iam_policy_document.writer",
         "s3:PutObject on * (aws_iam_policy_document)", ("FG-IAM-004",), ("CKV_AWS_111",)),
        ("aws_iam_role.trusting", "aws_iam_role.trusting",
         "trust policy lets principal * assume the role", ("FG-IAM-016",), ("CKV_AWS_60",)),
        ("aws_lambda_function.worker", "aws_lambda_function.worker",
         "AWS secret access key in the environment", ("FG-SEC-001",), ("CKV_AWS_45",)),
        ("aws_lambda_function.worker", "aws_lambda_function.worker",
         "environment with a secret and no customer KMS key", ("FG-ENC-001",),
         ("CKV_AWS_173",)),
        ("aws_lambda_function.worker", "aws_lambda_function.worker", "runtime python3.7",
         ("FG-CFG-001",), ("CKV_AWS_363",)),
        ("aws_lambda_function.worker", "aws_lambda_function.worker", "X-Ray tracing off",
         ("FG-LOG-002",), ("CKV_AWS_50",)),
        ("aws_lambda_function.worker", "aws_lambda_function.worker",
         "no code signing configuration", ("FG-CFG-005",), ("CKV_AWS_272",)),
        ("aws_lambda_function.worker", "aws_lambda_function_url.worker",
         "aws_lambda_function_url with authorization_type NONE", ("FG-API-004",),
         ("CKV_AWS_258",)),
        ("aws_lambda_function.worker", "aws_lambda_function_url.worker",
         "function URL CORS: any origin, with credentials", ("FG-API-008",),
         ("CKV2_AWS_75",)),
        ("aws_lambda_permission.worker_public", "aws_lambda_permission.worker_public",
         "aws_lambda_permission with principal *", ("FG-API-005",),
         ("CKV_AWS_301", "CKV_AWS_364")),
        ("aws_lambda_permission.worker_s3", "aws_lambda_permission.worker_s3",
         "permission for s3.amazonaws.com without source_arn/source_account",
         ("FG-API-006",), ("CKV_AWS_364",)),
        ("aws_s3_bucket.open", "aws_s3_bucket.open", "public-read-write ACL (aws_s3_bucket_acl)",
         ("FG-STO-002",), ("CKV_AWS_57",)),
        ("aws_s3_bucket.open", "aws_s3_bucket_public_access_block.open",
         "public access block turned off", ("FG-STO-003",),
         ("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56")),
        ("aws_s3_bucket.open", "aws_s3_bucket_policy.open",
         "bucket policy lets principal * read", ("FG-STO-001", "FG-API-007"),
         ("CKV_AWS_70",)),
        ("aws_s3_bucket.open", "aws_s3_bucket.open", "versioning off", ("FG-STO-005",),
         ("CKV_AWS_21",)),
        ("aws_dynamodb_table.orders", "aws_dynamodb_table.orders", "no point-in-time recovery",
         ("FG-STO-006",), ("CKV_AWS_28",)),
        ("aws_dynamodb_table.orders", "aws_dynamodb_table.orders",
         "no customer-managed KMS key", ("FG-ENC-004",), ("CKV_AWS_119",)),
        ("aws_sqs_queue.jobs", "aws_sqs_queue.jobs", "sqs_managed_sse_enabled = false",
         ("FG-ENC-005",), ("CKV_AWS_27",)),
        ("aws_sqs_queue.jobs", "aws_sqs_queue_policy.jobs", "queue policy allows principal *",
         ("FG-API-007",), ("CKV_AWS_168", "CKV_AWS_387")),
        ("aws_sns_topic.alerts", "aws_sns_topic.alerts", "topic without KMS", ("FG-ENC-007",),
         ("CKV_AWS_26",)),
        ("aws_kms_key.data", "aws_kms_key.data", "key rotation off", ("FG-ENC-010",),
         ("CKV_AWS_7",)),
        ("aws_kms_key.data", "aws_kms_key.data", "key policy allows principal *",
         ("FG-API-007",), ("CKV_AWS_33",)),
        ("aws_secretsmanager_secret.api_token", "aws_secretsmanager_secret.api_token",
         "secret without a customer-managed KMS key", ("FG-ENC-009",), ("CKV_AWS_149",)),
        ("aws_cloudwatch_log_group.worker", "aws_cloudwatch_log_group.worker",
         "log group without retention", ("FG-LOG-001",), ("CKV_AWS_66",)),
        ("aws_cloudwatch_log_group.worker", "aws_cloudwatch_log_group.worker",
         "log group without a customer-managed KMS key", ("FG-ENC-008",), ("CKV_AWS_158",)),
        ("aws_api_gateway_rest_api.api GET /items", "aws_api_gateway_method.items_get",
         "REST method GET /items with authorization NONE", ("FG-API-001",), ("CKV_AWS_59",)),
        ("aws_api_gateway_rest_api.api", "aws_api_gateway_stage.api",
         "REST stage without X-Ray tracing", ("FG-LOG-004",), ("CKV_AWS_73",)),
        ("aws_api_gateway_rest_api.api", "aws_api_gateway_stage.api",
         "REST stage without access logging", ("FG-LOG-003",), ("CKV_AWS_76",)),
        ("aws_api_gateway_rest_api.api", "aws_api_gateway_stage.api",
         "public REST API without a WAF", ("FG-SCL-003",), ("CKV2_AWS_29",)),
        ("aws_apigatewayv2_api.http DELETE /orders/{id}", "aws_apigatewayv2_route.delete_order",
         "HTTP API route DELETE /orders/{id} with authorization_type NONE", ("FG-API-002",),
         ("CKV_AWS_309",)),
        ("aws_apigatewayv2_api.http", "aws_apigatewayv2_stage.http",
         "HTTP API stage without access logging", ("FG-LOG-003",), ("CKV_AWS_76",)),
    )),
)

_USERS = ("does not apply: IAM users, groups, the account password policy and the root user "
          "are people's access (A3, a live-account control), not part of a serverless app")
_NOT_APP = "does not apply: "

TERRAFORM_ONLY: dict[str, tuple[str, str]] = {
    # id: (faasguard rules, status)
    "CKV2_AWS_4": ("FG-LOG-003, FG-LOG-005", "differs: faasguard asks for access logging on "
                   "API stages; the execution-log level is an operations setting"),
    "CKV2_AWS_6": ("FG-STO-004, FG-STO-003", "covered: a bucket without a public access block, "
                   "or with one turned off"),
    "CKV2_AWS_14": ("none", _USERS),
    "CKV2_AWS_16": ("none", _NOT_APP + "table auto scaling is capacity planning"),
    "CKV2_AWS_21": ("none", _USERS),
    "CKV2_AWS_22": ("none", _USERS),
    "CKV2_AWS_29": ("FG-SCL-003", "covered"),
    "CKV2_AWS_37": ("none", _NOT_APP + "CodeCommit is not part of a serverless app"),
    "CKV2_AWS_40": ("FG-IAM-002, FG-IAM-015, FG-IAM-008", "covered: `iam:*` is a service-wide "
                    "wildcard (FG-IAM-002) that changes permissions (FG-IAM-015/008)"),
    "CKV2_AWS_43": ("FG-STO-001", "covered where the ACL grants reads to all authenticated "
                    "AWS users; not measured"),
    "CKV2_AWS_51": ("none", _NOT_APP + "client certificates authenticate API Gateway to an "
                    "HTTP back end; a Lambda integration does not use them"),
    "CKV2_AWS_53": ("none", "not covered: request validators are not in the model; event "
                    "data reaching a sink is reported by the code rules (FG-INJ-*)"),
    "CKV2_AWS_56": ("FG-IAM-006, FG-IAM-005", "covered: a service-wide managed policy"),
    "CKV2_AWS_57": ("none", "not covered: secret rotation is read (aws_secretsmanager_secret_"
                    "rotation) but no rule asks for it yet"),
    "CKV2_AWS_61": ("none", _NOT_APP + "bucket lifecycle rules are cost hygiene"),
    "CKV2_AWS_62": ("none", _NOT_APP + "event notifications on every bucket are a design "
                    "choice"),
    "CKV2_AWS_64": ("FG-API-007", "differs: faasguard checks a key policy when there is one; "
                    "without one the key uses the account-root default policy"),
    "CKV2_AWS_65": ("FG-STO-001, FG-STO-002", "differs: faasguard reports ACLs that make the "
                    "bucket public, not the ownership setting"),
    "CKV2_AWS_70": ("FG-API-001", "covered"),
    "CKV2_AWS_73": ("FG-ENC-005, FG-ENC-006", "differs: faasguard asks for encryption to be "
                    "on; SQS-managed keys count"),
    "CKV2_AWS_77": ("none", _NOT_APP + "WAF rule contents (Log4j managed rules) are outside "
                    "the app; FG-SCL-003 asks for a WAF"),
    "CKV_AWS_9": ("none", _USERS),
    "CKV_AWS_10": ("none", _USERS),
    "CKV_AWS_11": ("none", _USERS),
    "CKV_AWS_12": ("none", _USERS),
    "CKV_AWS_13": ("none", _USERS),
    "CKV_AWS_14": ("none", _USERS),
    "CKV_AWS_15": ("none", _USERS),
    "CKV_AWS_50": ("FG-LOG-002", "covered"),
    "CKV_AWS_70": ("FG-STO-001, FG-STO-002, FG-API-007", "covered"),
    "CKV_AWS_72": ("FG-API-007", "differs: faasguard reports a queue policy by who it admits "
                   "(any principal), not by the actions"),
    "CKV_AWS_93": ("none", _NOT_APP + "a policy that locks out all but root is an operations "
                   "mistake, not an exposure"),
    "CKV_AWS_143": ("none", _NOT_APP + "object lock is a retention requirement"),
    "CKV_AWS_144": ("none", _NOT_APP + "cross-region replication is disaster recovery"),
    "CKV_AWS_145": ("FG-ENC-003, FG-ENC-002", "differs by design: faasguard asks for KMS where "
                    "the project requires it (B1), SSE-S3 otherwise"),
    "CKV_AWS_168": ("FG-API-007", "covered"),
    "CKV_AWS_169": ("FG-API-007", "covered: a topic policy open to any principal"),
    "CKV_AWS_181": ("none", _NOT_APP + "objects copied by Terraform are data, not app "
                    "configuration"),
    "CKV_AWS_186": ("none", _NOT_APP + "objects uploaded by Terraform are data, not app "
                    "configuration"),
    "CKV_AWS_206": ("FG-ENC-012", "covered"),
    "CKV_AWS_217": ("none", _NOT_APP + "create_before_destroy is deployment availability"),
    "CKV_AWS_225": ("none", _NOT_APP + "caching is a performance setting (see CKV_AWS_120)"),
    "CKV_AWS_227": ("none", _NOT_APP + "a disabled key is an availability problem"),
    "CKV_AWS_237": ("none", _NOT_APP + "create_before_destroy is deployment availability"),
    "CKV_AWS_271": ("none", "not covered: table replicas are not in the model"),
    "CKV_AWS_272": ("FG-CFG-005", "covered"),
    "CKV_AWS_273": ("none", _USERS),
    "CKV_AWS_274": ("FG-IAM-005", "covered"),
    "CKV_AWS_275": ("FG-IAM-005", "covered"),
    "CKV_AWS_276": ("none", "not covered: data trace logs full requests; faasguard's D4 rule "
                    "(FG-CODE-004) looks at what the code logs"),
    "CKV_AWS_283": ("FG-API-007", "covered: resource policies open to any principal"),
    "CKV_AWS_286": ("FG-IAM-008, FG-IAM-007", "covered"),
    "CKV_AWS_287": ("FG-IAM-014", "covered"),
    "CKV_AWS_288": ("FG-IAM-009", "covered"),
    "CKV_AWS_289": ("FG-IAM-015 (FG-IAM-008 when the set escalates)", "covered"),
    "CKV_AWS_290": ("FG-IAM-004", "covered"),
    "CKV_AWS_300": ("none", _NOT_APP + "bucket lifecycle rules are cost hygiene"),
    "CKV_AWS_301": ("FG-API-005", "covered"),
    "CKV_AWS_304": ("none", "not covered: secret rotation is read but no rule asks for it yet"),
    "CKV_AWS_308": ("none", _NOT_APP + "caching is a performance setting (see CKV_AWS_120)"),
    "CKV_AWS_309": ("FG-API-002", "covered"),
    "CKV_AWS_338": ("FG-LOG-001", "differs: faasguard asks for a retention to be set; how "
                    "long is the project's policy"),
    "CKV_AWS_348": ("none", _USERS),
    "CKV_AWS_355": ("FG-IAM-004, FG-IAM-009, FG-IAM-014, FG-IAM-015",
                    "differs: faasguard reports `*` resources by what the actions do (write, "
                    "read, credentials, permissions), not every restrictable action"),
    "CKV_AWS_356": ("FG-IAM-004, FG-IAM-009, FG-IAM-014, FG-IAM-015",
                    "differs: as CKV_AWS_355, for aws_iam_policy_document"),
    "CKV_AWS_358": ("none", _NOT_APP + "GitHub Actions OIDC roles are CI, not the app"),
    "CKV_AWS_375": ("FG-STO-001", "covered"),
    "CKV_AWS_379": ("FG-ENC-011", "covered"),
    "CKV_AWS_385": ("none", "not covered: a topic policy naming another account; faasguard "
                    "reports policies open to any principal (FG-API-007)"),
    "CKV_AWS_387": ("FG-API-007", "covered"),
    "CKV_AWS_392": ("none", "not covered: S3 access points are not in the model"),
    "CKV_AWS_393": ("none", _NOT_APP + "GitHub Actions OIDC roles are CI, not the app"),
}
