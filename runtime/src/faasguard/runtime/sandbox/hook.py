"""The one process-wide audit hook and the set of active invocations.

Audit hooks cannot be removed, so the hook is installed once (at the first `Sandbox`)
and stays a no-op until an invocation activates a policy. The active set is
process-wide, not per thread or task: code in a thread the handler starts (or a pool
started earlier) is held to the policy while the invocation runs. When several
invocations are active at once (threaded servers, tests), every operation must pass
every active policy.

The hook runs on every audited event in the process (imports, opens, ...). With no
invocation active it does one frozenset lookup of the event name and returns; with
one, one dictionary lookup finds the policy's check for the event, if any.
"""

from __future__ import annotations

import sys
from _thread import allocate_lock, get_ident

from faasguard.runtime.sandbox import paths
from faasguard.runtime.sandbox.violation import SandboxViolation

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable

    from faasguard.runtime.core import Request

    Check = Callable[[str, tuple[object, ...]], "tuple[str, dict[str, object]] | None"]

WATCHED = frozenset({
    # files
    "open", "os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.chmod", "os.chown",
    "os.link", "os.symlink", "os.truncate", "os.utime", "os.setxattr", "os.removexattr",
    "os.chflags", "os.lchflags", "shutil.rmtree",
    # processes
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "os.forkpty", "pty.spawn", "os.startfile", "faasguard.fork_exec",
    # network
    "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
    "socket.gethostbyaddr", "socket.getnameinfo", "socket.connect", "socket.sendto",
    "socket.sendmsg",
    # native code and escape hatches
    "import", "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function",
    "ctypes.cdata", "ctypes.cdata/buffer", "ctypes.string_at", "ctypes.wstring_at",
    "ctypes.PyObj_FromPtr", "code.__new__", "sys.addaudithook", "gc.get_referrers",
    "gc.get_referents", "gc.get_objects", "object.__setattr__", "object.__delattr__",
}) | paths.NAMESPACE_EVENTS


class Activation:
    """One invocation under one policy; a context manager (see `Sandbox.activate`)."""

    __slots__ = ("checks", "fast", "mode", "request")

    def __init__(self, checks: dict[str, Check], mode: str, request: Request | None,
                 fast: dict[str, Check] | None = None) -> None:
        self.checks = checks
        self.fast = fast_checks(checks) if fast is None else fast
        self.mode = mode
        self.request = request

    def __enter__(self) -> Activation:
        with _lock:
            _active[0] = (*_active[0], self)
            _refresh()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with _lock:
            _active[0] = tuple(item for item in _active[0] if item is not self)
            _refresh()


def fast_checks(checks: dict[str, Check]) -> dict[str, Check]:
    """The checks the hook may call directly when one invocation is active: all but
    those of NAMESPACE_EVENTS, which go through `_dispatch` to keep the path cache
    right."""
    return {event: check for event, check in checks.items()
            if event not in paths.NAMESPACE_EVENTS}


_active: list[tuple[Activation, ...]] = [()]
"""A one-item list so the hook reads it without a global statement."""
_single: list[Activation | None] = [None]
"""The activation, when exactly one is active and no thread is reporting: the case
the hook serves with the fewest steps. Kept by `_refresh`, under `_lock`."""
_lock = allocate_lock()
_installed = [False]
_reporting: set[int] = set()
"""Threads inside `_report`: the audit emitter's own events are not checked."""


def _refresh() -> None:
    """Recompute `_single`; the caller holds `_lock`."""
    active = _active[0]
    _single[0] = active[0] if len(active) == 1 and not _reporting else None


def _hook(event: str, args: tuple[object, ...], _single: list[Activation | None] = _single,
          _active: list[tuple[Activation, ...]] = _active, _watched: frozenset[str] = WATCHED,
          _renames: frozenset[str] = paths.NAMESPACE_EVENTS) -> None:
    activation = _single[0]
    if activation is not None:
        # The common case (one invocation, nothing being reported), in the fewest
        # steps: this runs for every audited event during a call. The table lookup is
        # also the watched test: `fast` holds only watched events. _dispatch is the
        # general form (and handles NAMESPACE_EVENTS, left out of `fast`).
        check = activation.fast.get(event)
        if check is not None:
            try:
                violation = check(event, args)
            except Exception as exc:  # a bug here must fail closed, not crash
                violation = ("sandbox-error", {"error": type(exc).__name__})
            if violation is not None:
                _report_all(event, [(activation, violation)])
        elif event in _renames:
            _dispatch(event, args, (activation,))  # keeps the path cache right
        return
    activations = _active[0]
    if activations:
        if event in _watched:
            _dispatch(event, args, activations)
    elif event in _renames:
        paths.note_change(event, args)  # keeps the path cache right between calls


def _dispatch(event: str, args: tuple[object, ...],
              activations: tuple[Activation, ...]) -> None:
    if _reporting and get_ident() in _reporting:
        return
    found = None
    for activation in activations:
        check = activation.checks.get(event)
        if check is not None:
            try:
                violation = check(event, args)
            except Exception as exc:  # a bug here must fail closed, not crash the handler
                violation = ("sandbox-error", {"error": type(exc).__name__})
            if violation is not None:
                found = [*(found or ()), (activation, violation)]
    if event in paths.NAMESPACE_EVENTS:
        paths.note_change(event, args)
    if found:
        _report_all(event, found)


def _report_all(event: str,
                found: list[tuple[Activation, tuple[str, dict[str, object]]]]) -> None:
    ident = get_ident()
    with _lock:
        _reporting.add(ident)
        _refresh()
    try:
        for activation, (kind, detail) in found:
            _report(activation, event, kind, detail)
    finally:
        with _lock:
            _reporting.discard(ident)
            _refresh()
    for activation, (kind, detail) in found:
        if activation.mode == "block":
            raise SandboxViolation(event, kind, detail)


def _report(activation: Activation, event: str, kind: str, detail: dict[str, object]) -> None:
    action = "blocked" if activation.mode == "block" else "allowed (alert mode)"
    reason = f"{kind}: {event} {action}"
    try:
        from faasguard.runtime import audit
        emit: Callable[..., object] = audit.emit
        request = activation.request
        # The guard uses the request id as the correlation id when there is one:
        # the violation and the call's error event then share it.
        correlation_id = getattr(request, "request_id", None) or None
        emit("sandbox.violation", request=request, reason=reason,
             correlation_id=correlation_id, event=event, kind=kind, mode=activation.mode,
             **detail)
    except Exception:  # the audit pipeline must never turn a violation into a crash
        _stderr_event(reason, event, kind, activation.mode, detail)


def _stderr_event(reason: str, event: str, kind: str, mode: str,
                  detail: dict[str, object]) -> None:
    import json
    line = {"type": "sandbox.violation", "reason": reason, "detail":
            {"event": event, "kind": kind, "mode": mode, **detail}}
    try:
        sys.stderr.write(json.dumps(line, default=str) + "\n")
    except (OSError, ValueError):  # stderr closed or gone: nowhere left to report
        return


def install() -> None:
    """Add the hook and the small wrappers it relies on; idempotent."""
    with _lock:
        if _installed[0]:
            return
        sys.addaudithook(_hook)
        _wrap_fork_exec()
        _installed[0] = True


def wrap_dns() -> None:
    """Record what names resolve to, so `socket.connect` to the address can be matched
    against name rules. Only records: resolution that bypasses these functions leaves
    the address unknown, and a connect to an unknown address is refused."""
    import socket

    from faasguard.runtime.sandbox.network import remember

    if getattr(socket.getaddrinfo, "_faasguard", False):
        return
    getaddrinfo, gethostbyname = socket.getaddrinfo, socket.gethostbyname
    gethostbyname_ex = socket.gethostbyname_ex

    def recording_getaddrinfo(host: object, port: object, family: int = 0, type: int = 0,
                              proto: int = 0, flags: int = 0) -> list[object]:
        result = getaddrinfo(host, port, family, type, proto, flags)  # type: ignore[arg-type]
        if isinstance(host, (str, bytes)):
            remember(host, [info[4][0] for info in result
                            if isinstance(info[4], tuple) and isinstance(info[4][0], str)])
        return result  # type: ignore[return-value]

    def recording_gethostbyname(host: str) -> str:
        address = gethostbyname(host)
        remember(host, [address])
        return address

    def recording_gethostbyname_ex(host: str) -> tuple[str, list[str], list[str]]:
        result = gethostbyname_ex(host)
        remember(host, result[2])
        return result

    for wrapper, original in ((recording_getaddrinfo, getaddrinfo),
                              (recording_gethostbyname, gethostbyname),
                              (recording_gethostbyname_ex, gethostbyname_ex)):
        wrapper.__name__ = wrapper.__qualname__ = original.__name__
        wrapper.__doc__ = original.__doc__
        wrapper.__dict__.update(__wrapped__=original, _faasguard=True)
        setattr(socket, original.__name__, wrapper)


def _wrap_fork_exec() -> None:
    """`_posixsubprocess.fork_exec` starts a process without an audit event of its own
    (subprocess raises one before calling it); give direct callers one. References
    taken before this runs are not covered (a documented limit)."""
    try:
        import _posixsubprocess
    except ImportError:
        return
    original: Callable[..., int] = _posixsubprocess.fork_exec
    if getattr(original, "_faasguard", False):
        return

    def fork_exec(*args: object, **kwargs: object) -> int:
        argv = args[0] if args else None
        sys.audit("faasguard.fork_exec", argv)
        return original(*args, **kwargs)

    fork_exec.__dict__["_faasguard"] = True
    _posixsubprocess.fork_exec = fork_exec
    # subprocess keeps its own reference, taken at import; a later import of
    # subprocess picks up the wrapper from the module above.
    module = sys.modules.get("subprocess")
    if module is not None and getattr(module, "_fork_exec", None) is original:
        module._fork_exec = fork_exec  # type: ignore[attr-defined]
