"""Bypass attempts against the sandbox, each in a fresh interpreter.

The audit hook is process-wide and cannot be removed, so every attempt runs in its own
`python -c RUNNER` child: the runner builds a work directory (tmp/, outside/, code/
with a handler module holding a secret), starts two local TCP servers and a UDP
server, installs a block-mode Sandbox and runs the attempt inside `activate()`. It
reports the violations the audit events recorded and whether the attack had its effect.

`expected` is the outcome the sandbox really has today: "blocked" (a violation and no
effect) or "allowed" (the attack worked: a known limit, explained in `why` and listed
in docs/runtime/sandbox.md). The doc's table is generated from CASES:

    python tests/runtime/test_sandbox_bypass.py --markdown

and `test_doc_table_matches_cases` fails when the two drift apart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "runtime" / "sandbox.md"
TABLE_START = ("<!-- bypass-table:start (generated: "
               "python tests/runtime/test_sandbox_bypass.py --markdown) -->")
TABLE_END = "<!-- bypass-table:end -->"
BLOCKED, ALLOWED = "blocked", "allowed"


class Case(NamedTuple):
    id: str
    attempt: str
    expected: str
    code: str
    after: str = "False"
    """Evaluated outside the sandbox after the attempt: True when the attack worked."""
    why: str = ""
    """What stops it, or why it cannot be stopped (shown in the doc table)."""
    setup: str = ""
    """Run at start-up, before the sandbox exists (what a library might do at import)."""
    needs: str = ""
    """A module the attempt needs; the case is skipped when it is not installed."""


RUNNER = r'''
import json, logging, os, shutil, socket, sys, threading
sys.path[:0] = [sys.argv[1]]
work, case = sys.argv[2], json.loads(sys.argv[3])
TMP, OUTSIDE, CODE = (os.path.join(work, name) for name in ("tmp", "outside", "code"))
for directory in (TMP, OUTSIDE, CODE):
    os.makedirs(directory)
with open(os.path.join(CODE, "handler.py"), "w") as f:
    f.write("SECRET = 'SECRET-1234'\n\ndef handle(event, context):\n    return SECRET\n")
with open(os.path.join(OUTSIDE, "existing"), "w") as f:
    f.write("original")
with open(os.path.join(TMP, "file"), "w") as f:
    f.write("data")
sys.path.insert(0, CODE)
import handler  # the application's code, loaded at start-up as Lambda does
TOUCH = shutil.which("touch")
PWNED = os.path.join(OUTSIDE, "pwned")

def serve_tcp():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    def loop():
        while True:
            conn, _ = server.accept()
            conn.close()
    threading.Thread(target=loop, daemon=True).start()
    return server.getsockname()[1]

ALLOWED_PORT, OTHER_PORT = serve_tcp(), serve_tcp()
UDP = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
UDP.bind(("127.0.0.1", 0))
UDP.settimeout(0.3)
UDP_PORT = UDP.getsockname()[1]

def udp_received():
    try:
        return bool(UDP.recv(100))
    except OSError:
        return False

def fake_dns(original):
    # A resolver answer we control: an allowed name pointing at the metadata service.
    def getaddrinfo(host, port, *args, **kwargs):
        if host == "meta.allowed.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]
        return original(host, port, *args, **kwargs)
    return getaddrinfo

socket.getaddrinfo = fake_dns(socket.getaddrinfo)

def spawn_touch(fork_exec, path):
    read_fd, write_fd = os.pipe()
    argv = [os.fsencode(TOUCH), os.fsencode(path)]
    pid = fork_exec(argv, [argv[0]], True, (write_fd,), None, None, -1, -1, -1, -1, -1, -1,
                    read_fd, write_fd, False, False, -1, None, None, None, -1, None, False)
    os.close(write_fd)
    os.waitpid(pid, 0)

# Taken at start-up, before the sandbox exists (as a library might).
import ctypes, _posixsubprocess
LIBC = ctypes.CDLL(None)
EARLY_SYSTEM = LIBC.system
EARLY_FORK_EXEC = _posixsubprocess.fork_exec
GO = threading.Event()
def early_worker():
    GO.wait()
    try:
        os.system(TOUCH + " " + PWNED)
    except PermissionError:
        pass
EARLY_THREAD = threading.Thread(target=early_worker, daemon=True)
EARLY_THREAD.start()

violations = []
class Collect(logging.Handler):
    def emit(self, record):
        event = json.loads(record.getMessage())
        violations.append(event["detail"]["kind"])
logging.getLogger("faasguard.audit").addHandler(Collect())

exec(case["setup"], globals())

from faasguard.runtime.sandbox import Sandbox
sandbox = Sandbox(network=["localhost:%d" % ALLOWED_PORT, "*.allowed.test:80"],
                  subprocess=False, tmp="read-write", handler_source=False,
                  native_code=False, mode="block", code_paths=[CODE], tmp_dir=TMP)
namespace = dict(globals(), effect=False)
error = None
with sandbox.activate(None):
    try:
        exec(case["code"], namespace)
    except Exception as exc:
        error = type(exc).__name__ + ": " + str(exc)[:200]
effect = bool(namespace["effect"]) or bool(eval(case["after"], namespace))
print(json.dumps({"violations": violations, "effect": effect, "error": error}))
'''


CASES: tuple[Case, ...] = (
    # -- child processes ---------------------------------------------------------------
    Case("os-system", "os.system(...)", BLOCKED,
         "os.system(TOUCH + ' ' + PWNED)", "os.path.exists(PWNED)", "`os.system` event"),
    Case("dunder-import-system", "`__import__('os').system(...)`", BLOCKED,
         "__import__('os').system(TOUCH + ' ' + PWNED)", "os.path.exists(PWNED)",
         "same `os.system` event, however os is reached"),
    Case("subprocess-run", "subprocess.run([...])", BLOCKED,
         "import subprocess\nsubprocess.run([TOUCH, PWNED])", "os.path.exists(PWNED)",
         "`subprocess.Popen` event"),
    Case("posix-spawn", "os.posix_spawn", BLOCKED,
         "os.waitpid(os.posix_spawn(TOUCH, [TOUCH, PWNED], {}), 0)", "os.path.exists(PWNED)",
         "`os.posix_spawn` event"),
    Case("fork-exec", "os.fork() then os.execv in the child", BLOCKED,
         "pid = os.fork()\nif pid == 0:\n    os.execv(TOUCH, [TOUCH, PWNED])\n"
         "os.waitpid(pid, 0)", "os.path.exists(PWNED)", "`os.fork` event, before the fork"),
    Case("spawnv", "os.spawnv(P_WAIT, ...)", BLOCKED,
         "os.spawnv(os.P_WAIT, TOUCH, [TOUCH, PWNED])", "os.path.exists(PWNED)",
         "os.spawnv forks: `os.fork` event"),
    Case("pty-spawn", "pty.spawn([...])", BLOCKED,
         "import pty\npty.spawn([TOUCH, PWNED])", "os.path.exists(PWNED)", "`pty.spawn` event"),
    Case("multiprocessing-fork", "multiprocessing Process (fork start method)", BLOCKED,
         "import multiprocessing\n"
         "p = multiprocessing.get_context('fork').Process(target=os.system, "
         "args=(TOUCH + ' ' + PWNED,))\np.start()\np.join()",
         "os.path.exists(PWNED)", "`os.fork` event"),
    Case("multiprocessing-spawn", "multiprocessing Process (spawn start method)", BLOCKED,
         "import multiprocessing\n"
         "p = multiprocessing.get_context('spawn').Process(target=print)\np.start()\np.join()\n"
         "effect = p.exitcode == 0", "False",
         "spawn goes through `_posixsubprocess.fork_exec`, wrapped to raise an event"),
    Case("posixsubprocess-direct", "`_posixsubprocess.fork_exec` called directly", BLOCKED,
         "import _posixsubprocess\nspawn_touch(_posixsubprocess.fork_exec, PWNED)",
         "os.path.exists(PWNED)", "the sandbox wraps `fork_exec` when it is installed"),
    Case("subprocess-private-fork-exec", "`subprocess._fork_exec` (private reference)",
         BLOCKED, "import subprocess\nspawn_touch(subprocess._fork_exec, PWNED)",
         "os.path.exists(PWNED)", "subprocess's own reference is replaced by the wrapper too"),
    Case("posixsubprocess-reimport", "fresh `_posixsubprocess` via sys.modules", BLOCKED,
         "del sys.modules['_posixsubprocess']\nimport _posixsubprocess as fresh\n"
         "spawn_touch(fresh.fork_exec, PWNED)", "os.path.exists(PWNED)",
         "importing `_posixsubprocess` during a call is refused"),
    Case("posixsubprocess-early-reference", "`fork_exec` reference taken before start-up",
         ALLOWED, "spawn_touch(EARLY_FORK_EXEC, PWNED)", "os.path.exists(PWNED)",
         "LIMIT: a C function called through a reference taken before the sandbox was "
         "installed raises no event"),
    Case("posixsubprocess-importlib-fresh", "fresh `_posixsubprocess` via importlib",
         BLOCKED, "import importlib\ndel sys.modules['_posixsubprocess']\n"
         "fresh = importlib.import_module('_posixsubprocess')\n"
         "spawn_touch(fresh.fork_exec, PWNED)", "os.path.exists(PWNED)",
         "loading an extension module raises an `import` event on every route"),
    # -- native code -------------------------------------------------------------------
    Case("ctypes-libc-system", "ctypes: load libc and call system()", BLOCKED,
         "import importlib\nctypes_module = importlib.import_module('ctypes')\n"
         "ctypes_module.CDLL('libc.so.6').system((TOUCH + ' ' + PWNED).encode())",
         "os.path.exists(PWNED)", "`ctypes.dlopen` event"),
    Case("ctypes-preloaded-lookup", "ctypes library loaded at start-up, new symbol looked up",
         BLOCKED, "LIBC.execv", "os.path.exists(PWNED)", "`ctypes.dlsym` event"),
    Case("ctypes-preloaded-function", "ctypes function resolved at start-up, called later",
         ALLOWED, "EARLY_SYSTEM((TOUCH + ' ' + PWNED).encode())", "os.path.exists(PWNED)",
         "LIMIT: calling an already resolved foreign function raises no audit event"),
    Case("ctypes-memory-read", "ctypes raw memory read (`from_address`)", BLOCKED,
         "ctypes.c_char.from_address(id(handler))", "False", "`ctypes.cdata` event"),
    Case("cffi-fresh", "cffi imported during the call, libc system()", BLOCKED,
         "import importlib\ncffi = importlib.import_module('cffi')\nffi = cffi.FFI()\n"
         "ffi.cdef('int system(const char *);')\n"
         "ffi.dlopen(None).system((TOUCH + ' ' + PWNED).encode())",
         "os.path.exists(PWNED)", "importing `_cffi_backend` during a call is refused",
         needs="cffi"),
    Case("cffi-preloaded", "cffi loaded at start-up, libc system() called later", ALLOWED,
         "FFI_LIBC.system((TOUCH + ' ' + PWNED).encode())", "os.path.exists(PWNED)",
         "LIMIT: cffi raises no audit events; once loaded, its calls are invisible",
         setup="import cffi\nFFI = cffi.FFI()\nFFI.cdef('int system(const char *);')\n"
               "FFI_LIBC = FFI.dlopen(None)", needs="cffi"),
    # -- network -----------------------------------------------------------------------
    Case("dns-disallowed", "DNS lookup of a name not on the list", BLOCKED,
         "socket.getaddrinfo('exfil.example.com', 443)", "False",
         "`socket.getaddrinfo` event: the name is checked before the lookup"),
    Case("dns-gethostbyname", "socket.gethostbyname of a name not on the list", BLOCKED,
         "socket.gethostbyname('exfil.example.com')", "False", "`socket.gethostbyname` event"),
    Case("dns-reverse", "reverse lookup (PTR query carries the address)", BLOCKED,
         "socket.gethostbyaddr('10.1.2.3')", "False", "`socket.gethostbyaddr` event"),
    Case("connect-name-direct", "socket.connect((name, port)) on a raw socket", BLOCKED,
         "s = socket.socket()\ns.settimeout(1)\ns.connect(('localhost', OTHER_PORT))\n"
         "effect = True", "False", "`socket.connect` sees the name and checks it"),
    Case("connect-name-lookup-leak", "the DNS query made by socket.connect((name, port))",
         ALLOWED, "s = socket.socket()\ns.settimeout(1)\ntry:\n"
         "    s.connect(('leak.exfil.invalid', 443))\nexcept socket.gaierror:\n"
         "    effect = True  # the resolver was asked before any check", "False",
         "LIMIT: the socket resolves the name in C before its audit event, so the query "
         "goes out (the connect itself would be refused)"),
    Case("connect-other-port", "connect to an allowed host on another port", BLOCKED,
         "socket.create_connection(('127.0.0.1', OTHER_PORT), timeout=1)\neffect = True",
         "False", "port part of the rule"),
    Case("connect-ipv6-mapped", "IPv6 socket to an IPv4-mapped address", BLOCKED,
         "s = socket.socket(socket.AF_INET6)\ns.settimeout(1)\n"
         "s.connect(('::ffff:127.0.0.1', OTHER_PORT))\neffect = True", "False",
         "mapped addresses are compared as IPv4"),
    Case("connect-numeric-host", "connect to '2130706433' (127.0.0.1 as one number)",
         BLOCKED, "socket.create_connection(('2130706433', OTHER_PORT), timeout=1)\n"
         "effect = True", "False", "not an IP literal, so it is a name: not on the list"),
    Case("udp-sendto", "UDP sendto a disallowed address", BLOCKED,
         "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         "u.sendto(b'secret', ('127.0.0.1', UDP_PORT))", "udp_received()",
         "`socket.sendto` event"),
    Case("allowed-name-metadata-ip", "allowed name whose DNS answer is the metadata IP",
         BLOCKED, "socket.create_connection(('meta.allowed.test', 80), timeout=1)\n"
         "effect = True", "False",
         "link-local addresses are refused through name rules"),
    Case("allowed-connect", "control: the allowed host and port", ALLOWED,
         "socket.create_connection(('localhost', ALLOWED_PORT), timeout=1).close()\n"
         "effect = True", "False", "allowed by `localhost:PORT` (not an attack)"),
    # -- file writes -------------------------------------------------------------------
    Case("write-outside-open", "open(outside, 'w')", BLOCKED,
         "open(PWNED, 'w').write('x')", "os.path.exists(PWNED)", "`open` event, write mode"),
    Case("write-outside-os-open", "os.open(outside, O_WRONLY|O_CREAT)", BLOCKED,
         "os.close(os.open(PWNED, os.O_WRONLY | os.O_CREAT))", "os.path.exists(PWNED)",
         "`open` event flags"),
    Case("write-os-open-dir-fd", "os.open('pwned', O_CREAT, dir_fd=<outside>)", BLOCKED,
         "fd = os.open(OUTSIDE, os.O_RDONLY)\n"
         "os.close(os.open('pwned', os.O_WRONLY | os.O_CREAT, dir_fd=fd))",
         "os.path.exists(PWNED)", "a relative os.open is refused: the event has no dir_fd"),
    Case("write-pathlib", "pathlib.Path(outside).write_text", BLOCKED,
         "import pathlib\npathlib.Path(PWNED).write_text('x')", "os.path.exists(PWNED)",
         "`open` event"),
    Case("symlink-file-in-tmp", "symlink in tmp pointing outside, written through", BLOCKED,
         "os.symlink(PWNED, TMP + '/link')\nopen(TMP + '/link', 'w').write('x')",
         "os.path.exists(PWNED)", "paths are resolved (realpath) before the check"),
    Case("symlink-dir-in-tmp", "directory symlink in tmp pointing outside", BLOCKED,
         "os.symlink(OUTSIDE, TMP + '/dir')\nopen(TMP + '/dir/pwned', 'w').write('x')",
         "os.path.exists(PWNED)", "same: resolution covers every component"),
    Case("hardlink-outside", "hard link to an outside file, written through", BLOCKED,
         "os.link(OUTSIDE + '/existing', TMP + '/hard')\nopen(TMP + '/hard', 'w').write('x')",
         "open(OUTSIDE + '/existing').read() != 'original'",
         "`os.link` needs both ends writable"),
    Case("shutil-copy-outside", "shutil.copy into outside", BLOCKED,
         "import shutil\nshutil.copy(TMP + '/file', PWNED)", "os.path.exists(PWNED)",
         "`open` event of the copy's target"),
    Case("rename-outside", "os.rename from tmp to outside", BLOCKED,
         "os.rename(TMP + '/file', PWNED)", "os.path.exists(PWNED)", "`os.rename` event"),
    Case("tempfile-outside", "tempfile.mkstemp(dir=outside)", BLOCKED,
         "import tempfile\ntempfile.mkstemp(dir=OUTSIDE)", "len(os.listdir(OUTSIDE)) > 1",
         "`open` event of the new file"),
    Case("chmod-through-fd", "os.chmod on a descriptor of an outside file", BLOCKED,
         "fd = os.open(OUTSIDE + '/existing', os.O_RDONLY)\nos.chmod(fd, 0o777)",
         "os.stat(OUTSIDE + '/existing').st_mode & 0o777 == 0o777",
         "the descriptor is resolved through /proc/self/fd"),
    # -- the handler's own source ------------------------------------------------------
    Case("source-open", "open(handler.py).read()", BLOCKED,
         "effect = 'SECRET-1234' in open(CODE + '/handler.py').read()", "False",
         "`open` event under the code root"),
    Case("source-pathlib", "pathlib read_text of handler.py", BLOCKED,
         "import pathlib\neffect = 'SECRET-1234' in pathlib.Path(CODE, 'handler.py').read_text()",
         "False", "`open` event"),
    Case("source-linecache", "linecache.getline(handler.py)", BLOCKED,
         "import linecache\neffect = 'SECRET' in linecache.getline(CODE + '/handler.py', 1)",
         "False", "linecache's `open` is refused (it returns no lines)"),
    Case("source-inspect", "inspect.getsource(handler.handle)", BLOCKED,
         "import inspect\neffect = 'SECRET' in inspect.getsource(handler)", "False",
         "same `open` event through linecache"),
    Case("source-symlink", "symlink in tmp to handler.py, read through it", BLOCKED,
         "os.symlink(CODE + '/handler.py', TMP + '/copy.py')\n"
         "effect = 'SECRET' in open(TMP + '/copy.py').read()", "False",
         "resolved path is under the code root"),
    Case("source-hardlink", "hard link handler.py into tmp", BLOCKED,
         "os.link(CODE + '/handler.py', TMP + '/hard.py')\n"
         "effect = 'SECRET' in open(TMP + '/hard.py').read()", "False",
         "`os.link` from a non-writable place is refused"),
    Case("source-shutil-copy", "shutil.copy(handler.py, tmp)", BLOCKED,
         "import shutil\nshutil.copy(CODE + '/handler.py', TMP + '/c.py')\n"
         "effect = 'SECRET' in open(TMP + '/c.py').read()", "False",
         "`open` event of the source"),
    Case("source-dir-fd", "open the code directory, then a file relative to it", BLOCKED,
         "fd = os.open(CODE, os.O_RDONLY)\n"
         "effect = b'SECRET' in os.read(os.open('handler.py', os.O_RDONLY, dir_fd=fd), 200)",
         "False", "opening a directory under the code root is refused"),
    Case("source-import-loader", "SourceFileLoader.get_data (the importer's reader)",
         ALLOWED, "import importlib.machinery as m\n"
         "loader = m.SourceFileLoader('h', CODE + '/handler.py')\n"
         "effect = b'SECRET' in loader.get_data(CODE + '/handler.py')", "False",
         "LIMIT: reads by the import system are let through so lazy imports keep working"),
    Case("source-code-objects", "constants of the loaded module's code", ALLOWED,
         "effect = handler.SECRET == 'SECRET-1234'", "False",
         "LIMIT: code already in memory is readable; only files are protected"),
    # -- escape hatches and tampering ------------------------------------------------------
    Case("add-audit-hook", "sys.addaudithook by the handler", BLOCKED,
         "seen = []\nsys.addaudithook(lambda event, args: seen.append(event))\n"
         "sys.audit('probe.event')\neffect = 'probe.event' in seen", "False",
         "`sys.addaudithook` event (CPython then silently skips adding the hook)"),
    Case("gc-referrers", "gc.get_referrers to find the sandbox state", BLOCKED,
         "import gc\neffect = bool(gc.get_referrers(sandbox))", "False",
         "`gc.get_referrers` event"),
    Case("code-new", "build a code object (crafted bytecode)", BLOCKED,
         "effect = bool(handler.handle.__code__.replace(co_name='x'))", "False",
         "`code.__new__` event"),
    Case("swap-hook-code", "replace `__code__` of the sandbox's dispatcher", BLOCKED,
         "import faasguard.runtime.sandbox.hook as h\n"
         "h._dispatch.__code__ = (lambda event, args, activations: None).__code__\n"
         "os.system(TOUCH + ' ' + PWNED)", "os.path.exists(PWNED)",
         "`object.__setattr__` event for `__code__`"),
    Case("swap-hook-defaults", "replace the hook's default arguments (its state)", BLOCKED,
         "import faasguard.runtime.sandbox.hook as h\n"
         "h._hook.__defaults__ = (frozenset(), [()], frozenset())\n"
         "os.system(TOUCH + ' ' + PWNED)", "os.path.exists(PWNED)",
         "`object.__setattr__` event on a sandbox function"),
    Case("tamper-active-state", "empty the sandbox's active set from Python", ALLOWED,
         "import faasguard.runtime.sandbox.hook as h\nh._active[0] = ()\nh._single[0] = None\n"
         "os.system(TOUCH + ' ' + PWNED)", "os.path.exists(PWNED)",
         "LIMIT: arbitrary Python can rewrite Python-level state"),
    Case("thread-started-before", "a thread started at start-up acts during the call",
         BLOCKED, "GO.set()\nEARLY_THREAD.join(5)", "os.path.exists(PWNED)",
         "the active policy is process-wide, not per thread"),
    Case("thread-started-during", "a new thread started by the handler", BLOCKED,
         "import threading\nt = threading.Thread(target=os.system, "
         "args=(TOUCH + ' ' + PWNED,))\nt.start()\nt.join(5)", "os.path.exists(PWNED)",
         "same: the policy covers every thread while the call runs"),
)


def run_case(case: Case, work: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / "runtime" / "src"), str(work),
         json.dumps(case._asdict())],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and lines, (
        f"runner failed for {case.id}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    result: dict[str, object] = json.loads(lines[-1])
    return result


def outcome(result: dict[str, object]) -> str:
    if result["effect"]:
        return ALLOWED
    if result["violations"]:
        return BLOCKED
    return f"neither (no effect, no violation; error: {result['error']})"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bypass_attempt(case: Case, tmp_path: Path) -> None:
    if case.needs:
        pytest.importorskip(case.needs)
    result = run_case(case, tmp_path)
    assert outcome(result) == case.expected, result
    if case.expected == ALLOWED and not case.why.startswith("LIMIT"):
        assert not result["violations"], result  # a control case must stay quiet


def test_at_least_fifteen_attacks_and_unique_ids() -> None:
    attacks = [case for case in CASES if case.why.startswith("LIMIT") or case.expected == BLOCKED]
    assert len(attacks) >= 15
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.why for case in CASES)


def markdown_table() -> str:
    rows = ["| id | attempt | result | why |", "|---|---|---|---|"]
    for case in CASES:
        result = "**not blocked** (known limit)" if case.why.startswith("LIMIT") else case.expected
        why = case.why.removeprefix("LIMIT: ")
        rows.append(f"| `{case.id}` | {case.attempt} | {result} | {why} |")
    return "\n".join(rows)


def test_doc_table_matches_cases() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert TABLE_START in text and TABLE_END in text, f"{DOC} lacks the bypass table markers"
    table = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert table == markdown_table(), (
        "docs/runtime/sandbox.md is out of date: "
        "python tests/runtime/test_sandbox_bypass.py --markdown")


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        print(markdown_table())
    else:
        sys.exit("usage: test_sandbox_bypass.py --markdown")
