"""Detections over the log store (control F4, and C3 for denial of wallet): rules as
data (faasguard's YAML format and Sigma rules for CloudTrail), the engine that runs them,
the denial-of-wallet detector, and alert outputs with deduplication.
"""

from faasguard.logs.detections.loader import Catalogue, load
from faasguard.logs.detections.model import Detection, Refused, Rule, RuleError

__all__ = ["Catalogue", "Detection", "Refused", "Rule", "RuleError", "load"]
