"""A Condition we cannot read is a condition: rules that ask "is this Allow-to-everyone
restricted?" must stay silent rather than judge the statement unconditional."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import Config
from faasguard.engine import scan
from faasguard.loaders.base import LoadOptions

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Restrict:
    Type: String
Conditions:
  IsRestricted: !Equals [!Ref Restrict, "yes"]
Resources:
  Assets:
    Type: AWS::S3::Bucket
  AssetsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Assets
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Assets.Arn}/*"
            Condition: !If
              - IsRestricted
              - {StringEquals: {"aws:SourceVpce": vpce-0123456789abcdef0}}
              - {StringEquals: {"aws:PrincipalOrgID": o-abc123def4}}
"""


def test_unreadable_condition_keeps_public_access_rules_silent(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    result = scan([tmp_path], LoadOptions(root=tmp_path), Config())
    policy = next(iter(result.apps[0].resources.values())).policy
    assert policy is not None and policy.statements[0].condition_unknown
    reported = {f.rule_id for f in result.findings}
    assert not reported & {"FG-STO-001", "FG-API-007"}, reported


def test_same_policy_without_condition_is_reported(tmp_path: Path) -> None:
    text = TEMPLATE.split("            Condition: !If")[0]
    (tmp_path / "template.yaml").write_text(text)
    result = scan([tmp_path], LoadOptions(root=tmp_path), Config())
    assert "FG-STO-001" in {f.rule_id for f in result.findings}
