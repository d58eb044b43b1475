"""What code analysis finds in a function's handler code, in one typed shape.

Language front ends (``code/python``, ``code/js``) produce these; rules and the
least-privilege engine read them and never see a syntax tree. Locations are relative
to the scan root, like every other location in the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from faasguard.model import Location

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


@dataclass(frozen=True, slots=True)
class Target:
    """What an SDK call acts on, as far as the code and the template tell."""

    value: Any
    """A literal name or ARN (str), a ``Ref`` to a template resource, or ``Unresolved``."""
    param: str | None = None
    """The request parameter it came from: "TableName", "Bucket", "QueueUrl", ..."""
    env_var: str | None = None
    """Set when the code read it from an environment variable of the function."""


@dataclass(frozen=True, slots=True)
class SdkCall:
    """One AWS API operation the code can reach."""

    service: str
    """botocore's service name: "s3", "dynamodb", "lambda", "sqs", ..."""
    operation: str
    """botocore's operation name: "PutItem", "GetObject", "Invoke", ..."""
    loc: Location
    language: str = "python"
    targets: tuple[Target, ...] = ()
    via: str = "client"
    """"client", "resource", "paginator", "waiter", "transfer", "command", "presign"."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Literal request parameters that change the permission needed (e.g. VersionId,
    SSEKMSKeyId, CopySource)."""


@dataclass(frozen=True, slots=True)
class FlowStep:
    loc: Location
    note: str
    """What happens at this step: "event['body'] read", "passed to run_report()", ..."""


@dataclass(frozen=True, slots=True)
class TaintFlow:
    """Event data reaching a dangerous call without a sanitiser on the way (D1)."""

    sink_kind: str
    """"command", "code", "deserialization", "sql", "nosql", "path", "ssrf", "template",
    "xxe"."""
    sink: str
    """The dangerous call as written, e.g. "subprocess.run(shell=True)"."""
    source: str
    """Where the data entered, e.g. "event['queryStringParameters']"."""
    steps: tuple[FlowStep, ...]
    """Source first, sink last."""

    @property
    def loc(self) -> Location:
        return self.steps[-1].loc


@dataclass(frozen=True, slots=True)
class CodeIssue:
    """A code finding that is not a taint flow (D2, D3, D4, B3 in code)."""

    kind: str
    """"unbounded-select", "table-scan", "error-leak", "sensitive-log", "hardcoded-secret",
    "function-invoke", ..."""
    loc: Location
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unknown:
    """Something the analysis could not resolve; reported instead of guessed."""

    loc: Location
    what: str
    """e.g. "dynamic client name", "service from a variable", "handler file not found"."""


@dataclass(frozen=True, slots=True)
class FunctionCode:
    """Everything code analysis knows about one function."""

    function: str
    """The function's id in the app."""
    language: str | None
    """"python", "javascript", or None when the code could not be found/read."""
    entry: Location | None = None
    """The handler function's definition."""
    files: tuple[str, ...] = ()
    """Project files reachable from the handler (vendored code excluded)."""
    lines_of_code: int = 0
    sdk_calls: tuple[SdkCall, ...] = ()
    flows: tuple[TaintFlow, ...] = ()
    issues: tuple[CodeIssue, ...] = ()
    unknowns: tuple[Unknown, ...] = ()
