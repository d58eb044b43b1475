"""`Sandbox`: FunctionShield's policies (network, child processes, file writes, the
handler's own source, native code) checked by the audit hook during an invocation.

Everything is parsed once here, at cold start; each policy becomes a table from audit
event name to a bound check method, and the hook only calls the checks the policy
needs (network=True, for instance, adds no network checks at all).
"""

from __future__ import annotations

import _socket
import os
import sys

from faasguard.runtime.sandbox import hook, paths
from faasguard.runtime.sandbox.network import NetworkPolicy, normalize_name, parse_ip

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType

    from faasguard.runtime.core import Request

    Finding = tuple[str, dict[str, object]] | None
    """(kind, safe details) of a violation, or None when the operation is allowed."""

MODES = ("block", "alert")
TMP_MODES = ("read-write", "read-only", "none")

SOURCE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyw", ".pyi", ".pyx")
"""Files under the code roots that count as the handler's source."""

ALWAYS_WRITABLE = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr"})

# Importing these during an invocation loads native code (or forks, for
# _posixsubprocess) without any other audit event we could check.
NATIVE_MODULES = frozenset({"ctypes", "_ctypes", "cffi", "_cffi_backend"})

# With these, open() never follows a symlink in the last component.
_NO_FOLLOW_LAST = os.O_CREAT | os.O_EXCL
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_IMPORTERS = frozenset({"importlib._bootstrap_external", "_frozen_importlib_external"})
_OWN_PACKAGE = "faasguard.runtime.sandbox"
_MAX_TEXT = 200

_PATH_EVENTS = ("os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.chmod",
                "os.chown", "os.link", "os.symlink", "os.truncate", "os.utime",
                "os.setxattr", "os.removexattr", "os.chflags", "os.lchflags",
                "shutil.rmtree")
_DIR_FD_LAST = frozenset({"os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                          "os.utime", "shutil.rmtree"})
_NAME_EVENTS = frozenset({"os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree"})
_PROCESS_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                   "os.fork", "os.forkpty", "pty.spawn", "os.startfile",
                   "faasguard.fork_exec")
_DNS_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex")
_REVERSE_DNS_EVENTS = ("socket.gethostbyaddr", "socket.getnameinfo")
_SEND_EVENTS = ("socket.connect", "socket.sendto", "socket.sendmsg")
_NATIVE_EVENTS = ("ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle",
                  "ctypes.call_function", "ctypes.cdata", "ctypes.cdata/buffer",
                  "ctypes.string_at", "ctypes.wstring_at", "ctypes.PyObj_FromPtr")
_ESCAPE_EVENTS = ("code.__new__", "sys.addaudithook", "gc.get_referrers", "gc.get_referents",
                  "gc.get_objects")


def _short(value: object) -> str:
    text = os.fsdecode(value) if isinstance(value, (str, bytes)) else str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "..."


def _command_name(value: object) -> str:
    """The program's base name only: arguments may carry secrets."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    if isinstance(value, (str, bytes)):
        text = os.fsdecode(value).strip()
        first = text.split()[0] if text.split() else ""
        return _short(first.rsplit("/", 1)[-1])
    return type(value).__name__


def _default_code_roots() -> list[str]:
    """LAMBDA_TASK_ROOT, and the directory of the module that built the Sandbox (the
    first caller outside faasguard.runtime, usually the handler module)."""
    roots = []
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root:
        roots.append(task_root)
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(
            "faasguard.runtime"):
        frame = frame.f_back
    filename = frame.f_globals.get("__file__") if frame is not None else None
    if isinstance(filename, str):
        roots.append(os.path.dirname(os.path.abspath(filename)))
    return roots


_path_cache, _path_cache_dirty = paths.cache_state()
_plain = paths.plain_state()
_plain_name = paths.plain_name
_listed, _epoch = paths.dirs_state()
_NOT_NAMES = paths.NOT_NAMES
_MAX_VERDICTS = 256


def _cached(path: object) -> str | None:
    """The resolved path when the cache already knows it: the common case, without
    the cost of a call into `paths.resolve`."""
    if _path_cache_dirty[0]:
        return None
    return _path_cache.get(path) if type(path) is str else None


def _caller() -> FrameType | None:
    """The first frame outside this package: the code that did the audited thing."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(
            _OWN_PACKAGE):
        frame = frame.f_back
    return frame


def _caller_module() -> str:
    frame = _caller()
    return str(frame.f_globals.get("__name__", "")) if frame is not None else ""


def _from_importer() -> bool:
    """Is the file being read by the import system (a lazy import of a module from the
    code directory), rather than by the handler?"""
    frame = _caller()
    return (frame is not None and frame.f_code.co_name == "get_data"
            and frame.f_globals.get("__name__") in _IMPORTERS)


class Sandbox:
    """Run-time policies for a handler, enforced with PEP 578 audit hooks.

    network:        True (anything), False (nothing, not even DNS) or a list of
                    allowed destinations (see `faasguard.runtime.sandbox.network`).
    subprocess:     allow child processes.
    tmp:            "read-write", "read-only" or "none" for the temporary directory.
    write_paths:    more directories where files may be written.
    handler_source: allow reading the handler's own source files.
    native_code:    allow ctypes/cffi and the other escape hatches during a call.
    mode:           "block" raises SandboxViolation; "alert" only reports.
    code_paths:     the code roots handler_source protects (default: LAMBDA_TASK_ROOT
                    and the directory of the module that creates the Sandbox).
    tmp_dir:        the temporary directory (default: $TMPDIR or /tmp).

    Every violation emits one `sandbox.violation` audit event. The policy applies only
    inside `activate(request)`; the guard wraps each handler call in it.
    """

    __slots__ = ("_checks", "_checks_reads", "_fast_checks", "_network", "_passed",
                 "_read_watch", "_verdicts", "code_roots", "handler_source", "mode", "native_code",
                 "network", "subprocess", "tmp", "tmp_roots", "write_roots")

    def __init__(self, *, network: object = False, subprocess: bool = False,
                 tmp: str = "read-write", write_paths: tuple[str, ...] | list[str] = (),
                 handler_source: bool = False, native_code: bool = False,
                 mode: str = "block", code_paths: tuple[str, ...] | list[str] | None = None,
                 tmp_dir: str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"sandbox mode must be one of {MODES}, not {mode!r}")
        if tmp not in TMP_MODES:
            raise ValueError(f"sandbox tmp must be one of {TMP_MODES}, not {tmp!r}")
        if isinstance(write_paths, (str, bytes)):
            raise ValueError("write_paths must be a list of directories, not one string")
        self.network = network
        self._network = NetworkPolicy(network)
        self._passed = self._network.passed  # the same set, one attribute lookup closer
        self.subprocess = bool(subprocess)
        self.tmp = tmp
        self.handler_source = bool(handler_source)
        self.native_code = bool(native_code)
        self.mode = mode
        self.tmp_roots = paths.real_roots([tmp_dir or os.environ.get("TMPDIR") or "/tmp"])
        extra = paths.real_roots(write_paths)
        self.write_roots = (*self.tmp_roots, *extra) if tmp == "read-write" else extra
        roots = _default_code_roots() if code_paths is None else list(code_paths)
        self.code_roots = paths.real_roots(roots)
        self._checks_reads = bool(self.code_roots and not self.handler_source) or tmp == "none"
        # Reads under these need the full check; any other read is fine.
        self._read_watch = (*(() if self.handler_source else self.code_roots),
                            *(self.tmp_roots if tmp == "none" else ()))
        self._verdicts: dict[str, tuple[bool, bool, frozenset[str], int]] = {}
        """Directory as written -> (plain names in it may be written, may be read
        without the full check, its symlink names, the `paths` epoch)."""
        self._checks = self._build_checks()
        self._fast_checks = hook.fast_checks(self._checks)
        hook.install()
        if self._network.has_names:
            hook.wrap_dns()

    def __repr__(self) -> str:
        return (f"Sandbox(network={self.network!r}, subprocess={self.subprocess}, "
                f"tmp={self.tmp!r}, handler_source={self.handler_source}, "
                f"native_code={self.native_code}, mode={self.mode!r})")

    def activate(self, request: Request | None = None) -> hook.Activation:
        """A context manager: the policy applies, process-wide, until it exits."""
        return hook.Activation(self._checks, self.mode, request, self._fast_checks)

    def _build_checks(self) -> dict[str, hook.Check]:
        checks: dict[str, hook.Check] = {}
        checks["open"] = self._check_open
        # One method per event shape, so no check re-tests the event name.
        for event in _PATH_EVENTS:
            checks[event] = self._check_path
        for event in _DIR_FD_LAST:
            checks[event] = self._check_path_dir_fd
        for event in _NAME_EVENTS:
            checks[event] = self._check_name
        checks["os.rename"] = self._check_rename
        checks["os.link"] = self._check_link
        checks["os.symlink"] = self._check_symlink
        if not self.subprocess:
            for event in _PROCESS_EVENTS:
                checks[event] = self._check_process
        if not self._network.allow_all:
            for event in _DNS_EVENTS:
                checks[event] = self._check_dns
            for event in _REVERSE_DNS_EVENTS:
                checks[event] = self._check_reverse_dns
            for event in _SEND_EVENTS:
                checks[event] = self._check_send
        if not self.native_code:
            for event in (*_NATIVE_EVENTS, *_ESCAPE_EVENTS):
                checks[event] = self._check_escape
            checks["object.__setattr__"] = checks["object.__delattr__"] = self._check_setattr
        if not self.native_code or not self.subprocess:
            checks["import"] = self._check_import
        return checks

    # -- files -------------------------------------------------------------------

    def _check_open(self, event: str, args: tuple[object, ...]) -> Finding:
        path = args[0]
        if type(path) is str and not _path_cache_dirty[0]:
            # The commonest case, in the fewest steps: a name that is not a symlink in
            # a directory this policy has a verdict for (`_learn`). Only dictionary
            # and set lookups: str methods such as startswith build an argument tuple
            # per call, which shows between system calls.
            parent, _, name = path.rpartition("/")
            verdict = self._verdicts.get(parent)
            if (verdict is not None and verdict[3] == _epoch[0] and name not in verdict[2]
                    and name not in _NOT_NAMES):
                flags = args[2]
                if type(flags) is int:
                    if flags & _WRITE_FLAGS:
                        if verdict[0]:
                            return None
                    elif verdict[1]:
                        return None
        found = self._check_open_cached(path, args[1], args[2])
        if found is None and type(path) is str:
            self._learn(path)
        return found

    def _check_open_cached(self, path: object, mode: object, flags: object) -> Finding:
        if type(path) is str and type(flags) is int and not _path_cache_dirty[0]:
            # The next commonest case: a path whose last part is not a symlink, in a
            # directory resolved before (paths.plain_name). Its resolved form, with
            # "/" added, is looked up by the path string, usually the very object the
            # handler passes again to the next open and to os.remove. Anything else
            # (a symlink, a directory not listed yet) takes the full check.
            real = _plain.get(path) or _plain_name(path)
            if real is not None:
                if flags & _WRITE_FLAGS:
                    if real.startswith(self.write_roots):
                        return None
                elif not self._checks_reads or not real.startswith(self._read_watch):
                    return None
        return self._check_open_fully(path, mode, flags)

    def _learn(self, path: str) -> None:
        """Derive this policy's verdict for the directory of `path`, an allowed
        absolute path, once `paths` has listed it: whether any plain name in it may
        be written (the directory is inside a write root), and may be read without
        the full check (no watched root is the directory, above it or inside it)."""
        parent = path.rpartition("/")[0]
        known = _listed.get(parent)
        if known is None or _path_cache_dirty[0] or not path.startswith("/"):
            return
        verdict = self._verdicts.get(parent)
        if verdict is not None and verdict[3] == _epoch[0]:
            return
        real = known[0]
        writes = real.startswith(self.write_roots)
        reads = not self._checks_reads or not (
            real.startswith(self._read_watch)
            or any(root.startswith(real) for root in self._read_watch))
        if len(self._verdicts) >= _MAX_VERDICTS:
            self._verdicts.clear()
        self._verdicts[parent] = (writes, reads, known[1], _epoch[0])

    def _check_open_fully(self, path: object, mode: object, flags: object) -> Finding:
        if type(path) is int:
            return None  # wraps a descriptor that was checked when it was opened
        follow = True
        if type(flags) is int:
            writes = flags & _WRITE_FLAGS
            follow = not (flags & _NO_FOLLOW_LAST == _NO_FOLLOW_LAST or flags & os.O_NOFOLLOW)
        else:
            writes = isinstance(mode, str) and ("w" in mode or "a" in mode or "x" in mode
                                                or "+" in mode)
        if mode is None and not (paths.as_text(path) or "/").startswith("/"):
            # os.open with a relative path: the event does not say whether a dir_fd
            # came with it, so the directory is unknown. A write is refused rather than
            # guessed; so is a read when reads are checked, except shutil.rmtree's own
            # descent (its top directory was checked by the shutil.rmtree event).
            if writes or (self._checks_reads and _caller_module() != "shutil"):
                return "file.ambiguous", {"path": _short(path)}
            return None
        if writes:
            return self._write_target(path, None, follow)
        if self._checks_reads:
            return self._read_target(path)
        return None

    # Removing, renaming or creating a name acts on the name, not on what a symlink
    # there points to: only its directory is resolved (follow=False).

    def _check_name(self, event: str, args: tuple[object, ...]) -> Finding:
        path = args[0]
        if type(path) is str and not _path_cache_dirty[0]:
            parent, _, name = path.rpartition("/")  # as in _check_open
            verdict = self._verdicts.get(parent)
            if (verdict is not None and verdict[0] and verdict[3] == _epoch[0]
                    and name not in verdict[2] and name not in _NOT_NAMES):
                return None
            # Then as in _check_open's next case (a name that is not a symlink resolves
            # the same with follow=False).
            real = _plain.get(path) or _plain_name(path)
            if real is not None and real.startswith(self.write_roots):
                return None
        return self._write_target(path, args[-1], False)

    def _check_rename(self, event: str, args: tuple[object, ...]) -> Finding:
        # Both ends: moving a file out of its place changes that place.
        return (self._write_target(args[0], args[2], False)
                or self._write_target(args[1], args[3], False))

    def _check_link(self, event: str, args: tuple[object, ...]) -> Finding:
        # The source must be writable too: otherwise a hard link in tmp would be a
        # writable (and, for source files, readable) alias of a protected file.
        return (self._write_target(args[0], args[2])
                or self._write_target(args[1], args[3], False))

    def _check_symlink(self, event: str, args: tuple[object, ...]) -> Finding:
        return self._write_target(args[1], args[2], False)

    def _check_path_dir_fd(self, event: str, args: tuple[object, ...]) -> Finding:
        return self._write_target(args[0], args[-1])

    def _check_path(self, event: str, args: tuple[object, ...]) -> Finding:
        return self._write_target(args[0])

    def _write_target(self, path: object, dir_fd: object = None,
                      follow: bool = True) -> Finding:
        if path in ALWAYS_WRITABLE:
            return None
        real = _cached(path) if follow else None  # absolute keys only: dir_fd is moot
        if real is not None:
            pass
        elif type(path) is int:
            real = paths.resolve(f"/proc/self/fd/{path}")  # an open descriptor
        else:
            real = paths.resolve(path, dir_fd, follow)
        if real is not None and (real + "/").startswith(self.write_roots):
            return None
        return "file.write", {"path": path if type(path) is int else _short(path),
                              "resolved": real or ""}

    def _read_target(self, path: object) -> Finding:
        check_source = not self.handler_source and self.code_roots
        check_tmp = self.tmp == "none"
        real = _cached(path) or paths.resolve(path)
        if real is None:
            return None
        if check_source and paths.under(real, self.code_roots) and (
                real.endswith(SOURCE_SUFFIXES) or os.path.isdir(real)) and not _from_importer():
            return "file.read-source", {"path": _short(path), "resolved": real}
        if check_tmp and paths.under(real, self.tmp_roots) and not paths.under(
                real, self.write_roots):
            return "file.read", {"path": _short(path), "resolved": real}
        return None

    # -- processes ---------------------------------------------------------------

    def _check_process(self, event: str, args: tuple[object, ...]) -> Finding:
        if event in ("os.fork", "os.forkpty"):
            return "subprocess", {"command": ""}
        if event == "subprocess.Popen":
            program = args[0] if args[0] is not None else args[1]
        elif event == "os.spawn":
            program = args[1]
        else:
            program = args[0] if args else ""
        return "subprocess", {"command": _command_name(program)}

    # -- network -----------------------------------------------------------------

    def _check_dns(self, event: str, args: tuple[object, ...]) -> Finding:
        host = args[0]
        if type(host) is str and host in self._passed:
            return None  # the common case: a name (or literal) allowed before
        if host is None or not isinstance(host, (str, bytes)) or host in self._passed:
            return None  # no lookup (local or wildcard address), or seen before
        name = normalize_name(host)
        if not name or parse_ip(name) is not None or self._network.name_allowed(name):
            # An IP literal needs no lookup; the connect is checked later.
            self._network.mark_passed(host)
            return None
        return "dns", {"host": _short(name)}

    def _check_reverse_dns(self, event: str, args: tuple[object, ...]) -> Finding:
        # A PTR query carries the address to whoever runs the reverse zone: only for
        # addresses the policy lets us reach anyway.
        target = args[0]
        host = target[0] if isinstance(target, tuple) and target else target
        if not isinstance(host, (str, bytes)):
            return "dns", {"host": type(host).__name__}
        name = normalize_name(host)
        ip = parse_ip(name)
        if ip is None:
            if self._network.name_allowed(name):
                return None
        elif self._network.ip_listed(ip):
            return None
        return "dns", {"host": _short(name), "reverse": True}

    def _check_send(self, event: str, args: tuple[object, ...]) -> Finding:
        sock, address = args[0], args[1]
        if type(address) is tuple and address in self._passed:
            return None  # (host, port) allowed before
        if address is None:
            return None  # sendmsg on a connected socket: checked at connect
        family = _FAMILY_OF(sock)  # the C getter: socket.family builds an enum per call
        if family == _AF_UNIX:
            if self._network.unix_allowed(address):  # type: ignore[arg-type]
                return None
            return "network", {"unix": _short(address)}
        if (family in _AF_INET_FAMILIES and isinstance(address, tuple) and len(address) >= 2
                and isinstance(address[0], (str, bytes)) and isinstance(address[1], int)):
            host, port = address[0], address[1]
            if self._network.address_allowed(host, port):
                return None
            return "network", {"host": _short(normalize_name(host)), "port": port}
        return "network", {"family": str(family)}

    # -- native code and escape hatches -----------------------------------------

    def _check_escape(self, event: str, args: tuple[object, ...]) -> Finding:
        if event == "ctypes.dlopen":
            return "native-code", {"library": _command_name(args[0]) if args[0] else "(self)"}
        if event.startswith("ctypes."):
            return "native-code", {}
        return "escape", {}

    def _check_setattr(self, event: str, args: tuple[object, ...]) -> Finding:
        # CPython audits only some attribute writes: a function's __code__,
        # __defaults__, __kwdefaults__, ..., and a class's __bases__, __name__, ...
        target, name = args[0], args[1]
        if name == "__code__" or str(getattr(target, "__module__", "")).startswith(
                _OWN_PACKAGE):
            return "escape", {"attribute": _short(name)}
        return None

    def _check_import(self, event: str, args: tuple[object, ...]) -> Finding:
        module = args[0]
        if not self.native_code and module in NATIVE_MODULES:
            return "native-code", {"module": module}
        if not self.subprocess and module == "_posixsubprocess":
            return "subprocess", {"module": module}
        return None


_FAMILY_OF = _socket.socket.family.__get__
_AF_UNIX = getattr(_socket, "AF_UNIX", -1)
_AF_INET_FAMILIES = frozenset({_socket.AF_INET, _socket.AF_INET6})
