"""The exception a blocked operation raises."""

from __future__ import annotations


class SandboxViolation(PermissionError):
    """An operation the active sandbox policy refuses (mode "block").

    A PermissionError, so code that already handles "not allowed" (EPERM/EACCES)
    degrades the same way. `kind` is the policy that refused ("network", "dns",
    "subprocess", "file.write", "file.read-source", "file.read", "native-code",
    "escape"), `event` the audit event name, `detail` the safe details that also go
    to the `sandbox.violation` audit event (host and port, path, command name).
    """

    def __init__(self, event: str, kind: str, detail: dict[str, object]) -> None:
        shown = ", ".join(f"{key}={value}" for key, value in detail.items())
        super().__init__(f"faasguard sandbox refused {kind} ({event}{': ' if shown else ''}"
                         f"{shown})")
        self.event = event
        self.kind = kind
        self.detail = detail
