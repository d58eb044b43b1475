"""FunctionShield-style run-time policies on PEP 578 audit hooks (standard library only).

    sandbox = Sandbox(network=["*.amazonaws.com:443"], subprocess=False, tmp="read-write",
                      handler_source=False, mode="block")
    with sandbox.activate(request):
        handler(event, context)

What audit hooks can and cannot stop: docs/runtime/sandbox.md.
"""

from __future__ import annotations

from faasguard.runtime.sandbox.network import NetworkRuleError
from faasguard.runtime.sandbox.policy import Sandbox
from faasguard.runtime.sandbox.violation import SandboxViolation

__all__ = ["NetworkRuleError", "Sandbox", "SandboxViolation"]
