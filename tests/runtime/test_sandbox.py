"""The sandbox's parts: allow-list parsing and matching, path resolution, and (in child
interpreters, since the audit hook is process-wide and permanent) the policies, modes
and audit events end to end. Bypass attempts are in test_sandbox_bypass.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from faasguard.runtime.sandbox import NetworkRuleError, Sandbox, SandboxViolation, network, paths
from faasguard.runtime.sandbox.network import NetworkPolicy, parse_ip

ROOT = Path(__file__).resolve().parents[2]


# -- network rules (pure functions, no hook) -----------------------------------------


def test_parse_ip_forms() -> None:
    assert parse_ip("10.1.2.3") == (4, 0x0A010203)
    assert parse_ip("::ffff:10.1.2.3") == (4, 0x0A010203)  # IPv4-mapped counts as IPv4
    assert parse_ip("::1") == (6, 1)
    assert parse_ip("fe80::1%eth0") == (6, 0xFE80 << 112 | 1)
    assert parse_ip("2130706433") is None  # inet_aton's one-number form is not a literal
    assert parse_ip("example.com") is None


def test_exact_name_and_port() -> None:
    policy = NetworkPolicy(["api.example.com:443"])
    assert policy.name_port_allowed("api.example.com", 443)
    assert not policy.name_port_allowed("api.example.com", 80)
    assert not policy.name_port_allowed("example.com", 443)
    assert policy.address_allowed("API.Example.com.", 443)  # case and trailing dot
    assert policy.name_allowed("api.example.com")
    assert not policy.name_allowed("evil.example.com")


def test_wildcard_matches_subdomains_not_apex() -> None:
    policy = NetworkPolicy(["*.amazonaws.com:443"])
    assert policy.name_port_allowed("s3.amazonaws.com", 443)
    assert policy.name_port_allowed("dynamodb.eu-west-1.amazonaws.com", 443)
    assert not policy.name_port_allowed("amazonaws.com", 443)
    assert not policy.name_port_allowed("evilamazonaws.com", 443)
    assert not policy.name_port_allowed("s3.amazonaws.com.evil.io", 443)


def test_cidr_ipv6_ports_and_ranges() -> None:
    policy = NetworkPolicy(["10.0.0.0/8:5432", "[2001:db8::/32]:443", "192.0.2.7:8000-8100",
                            "2001:db8:ffff::1"])
    assert policy.address_allowed("10.200.3.4", 5432)
    assert not policy.address_allowed("10.200.3.4", 5433)
    assert not policy.address_allowed("11.0.0.1", 5432)
    assert policy.address_allowed("::ffff:10.0.0.9", 5432)
    assert policy.address_allowed("2001:db8:1::5", 443)
    assert not policy.address_allowed("2001:db9::5", 443)
    assert policy.address_allowed("192.0.2.7", 8050)
    assert not policy.address_allowed("192.0.2.7", 8101)
    assert policy.address_allowed("2001:db8:ffff::1", 1234)  # bare IPv6: any port


def test_any_host_and_all_or_nothing() -> None:
    assert NetworkPolicy(["*:443"]).address_allowed("203.0.113.9", 443)
    assert not NetworkPolicy(["*:443"]).address_allowed("203.0.113.9", 80)
    assert NetworkPolicy(True).address_allowed("203.0.113.9", 1)
    nothing = NetworkPolicy(False)
    assert not nothing.address_allowed("127.0.0.1", 80)
    assert not nothing.name_allowed("localhost")


def test_resolved_addresses_follow_their_names() -> None:
    policy = NetworkPolicy(["db.internal.test:5432"])
    assert not policy.address_allowed("198.51.100.20", 5432)  # unknown address: refused
    network.remember("db.internal.test", ["198.51.100.20"])
    assert policy.address_allowed("198.51.100.20", 5432)
    assert not policy.address_allowed("198.51.100.20", 443)  # the name's port only
    network.remember("other.test", ["198.51.100.21"])
    assert not policy.address_allowed("198.51.100.21", 5432)


def test_link_local_needs_an_ip_rule() -> None:
    network.remember("meta.names.test", ["169.254.169.254"])
    assert not NetworkPolicy(["meta.names.test:80"]).address_allowed("169.254.169.254", 80)
    assert NetworkPolicy(["169.254.169.254:80"]).address_allowed("169.254.169.254", 80)


def test_unix_sockets() -> None:
    policy = NetworkPolicy(["unix:/run/app.sock"])
    assert policy.unix_allowed("/run/app.sock")
    assert not policy.unix_allowed("/run/docker.sock")


@pytest.mark.parametrize("entries", [
    "api.example.com:443",  # one string, not a list
    ["api.example.com:http"], ["api.example.com:70000"], ["10.0.0.0/33"],
    ["a.*.example.com"], ["[::1"], [""], [42], ["exa mple.com"], ["10.0.0.1/x:80"],
])
def test_bad_rules_are_refused_at_construction(entries: object) -> None:
    with pytest.raises(NetworkRuleError):
        NetworkPolicy(entries)


def test_bad_options_are_refused_before_anything_is_installed() -> None:
    with pytest.raises(ValueError, match="mode"):
        Sandbox(mode="log")
    with pytest.raises(ValueError, match="tmp"):
        Sandbox(tmp="rw")
    with pytest.raises(ValueError, match="write_paths"):
        Sandbox(write_paths="/data")  # type: ignore[arg-type]


def test_violation_is_a_permission_error() -> None:
    error = SandboxViolation("os.system", "subprocess", {"command": "sh"})
    assert isinstance(error, PermissionError)
    assert "subprocess" in str(error) and "command=sh" in str(error)
    assert error.event == "os.system" and error.detail == {"command": "sh"}


# -- paths (no hook) -----------------------------------------------------------------


def test_resolve_follows_symlinks_and_cache_sees_new_ones(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    paths.invalidate()
    assert paths.resolve(str(link / "f")) == str(link / "f")
    link.symlink_to(target)
    paths.mark_dirty()  # what the hook does on the os.symlink event
    assert paths.resolve(str(link / "f")) == str(target / "f")
    assert paths.resolve(str(link / "f"), follow=False) == str(target / "f")


def test_renaming_plain_files_keeps_the_cache_other_changes_empty_it(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("x")
    link = tmp_path / "link"
    link.symlink_to(plain)
    paths.invalidate()
    paths.note_change("os.rename", (str(plain), str(tmp_path / "new"), -1, -1))
    assert not paths.cache_state()[1][0]  # a plain file over a free name: nothing changes
    paths.note_change("os.rename", (str(link), str(tmp_path / "moved"), -1, -1))
    assert paths.cache_state()[1][0]  # moving a symlink changes resolutions
    paths.invalidate()
    paths.note_change("os.rename", (str(plain), str(link), -1, -1))
    assert paths.cache_state()[1][0]  # replacing a symlink does too
    paths.invalidate()
    paths.note_change("os.symlink", (str(plain), str(tmp_path / "l2"), -1))
    assert paths.cache_state()[1][0]
    paths.invalidate()


def test_resolve_relative_dir_fd_and_roots(tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        assert paths.resolve("x", dir_fd=fd) == str(tmp_path.resolve() / "x")
    finally:
        os.close(fd)
    assert paths.resolve(b"/a/\0b") is None
    assert paths.resolve(3.5) is None
    roots = paths.real_roots([str(tmp_path)])
    assert paths.under(str(tmp_path.resolve()), roots)
    assert paths.under(str(tmp_path.resolve() / "a" / "b"), roots)
    assert not paths.under(str(tmp_path.resolve()) + "-other/x", roots)
    assert paths.under("/anything", paths.real_roots(["/"]))


# -- end to end, in child interpreters -----------------------------------------------

PRELUDE = """
import json, logging, os, socket, sys
sys.path[:0] = [{src!r}]
WORK = {work!r}
TMP, OUTSIDE, CODE = (os.path.join(WORK, n) for n in ("tmp", "outside", "code"))
for d in (TMP, OUTSIDE, CODE):
    os.makedirs(d, exist_ok=True)
events = []
class Collect(logging.Handler):
    def emit(self, record):
        events.append(json.loads(record.getMessage()))
logging.getLogger("faasguard.audit").addHandler(Collect())
from faasguard.runtime.sandbox import Sandbox, SandboxViolation
def attempt(fn):
    try:
        fn()
        return "ok"
    except SandboxViolation as exc:
        return "blocked:" + exc.kind
"""


def run_child(work: Path, body: str) -> dict[str, object]:
    code = PRELUDE.format(src=str(ROOT / "runtime" / "src"), work=str(work))
    code += textwrap.dedent(body) + "\nprint(json.dumps(out))\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_inactive_outside_invocations_and_restored_after(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        box = Sandbox(code_paths=[CODE], tmp_dir=TMP)
        target = os.path.join(OUTSIDE, "f")
        out = {"before": attempt(lambda: open(target, "w").close())}
        with box.activate(None):
            out["during"] = attempt(lambda: open(target, "w").close())
            out["tmp"] = attempt(lambda: open(os.path.join(TMP, "f"), "w").close())
        out["after"] = attempt(lambda: open(target, "w").close())
        with box.activate(None):
            with Sandbox(code_paths=[CODE], tmp_dir=TMP, write_paths=[OUTSIDE]).activate(None):
                out["nested"] = attempt(lambda: open(target, "w").close())
        out["events"] = len(events)
    """)
    assert out == {"before": "ok", "during": "blocked:file.write", "tmp": "ok",
                   "after": "ok", "nested": "blocked:file.write", "events": 2}


def test_alert_mode_lets_it_run_and_reports_safe_details(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        box = Sandbox(code_paths=[CODE], tmp_dir=TMP, mode="alert")
        marker = os.path.join(OUTSIDE, "ran")
        with box.activate(None):
            out = {"result": attempt(lambda: os.system(
                "touch " + marker + " " + os.path.join(OUTSIDE, "SECRET-ARG")))}
        out["ran"] = os.path.exists(marker)
        out["events"] = events
    """)
    assert out["result"] == "ok" and out["ran"] is True
    events = out["events"]
    assert isinstance(events, list) and len(events) == 1
    event = events[0]
    assert event["type"] == "sandbox.violation"
    assert event["detail"] == {"event": "os.system", "kind": "subprocess", "mode": "alert",
                               "command": "touch"}
    assert "SECRET-ARG" not in json.dumps(event)  # arguments never reach the event


def test_event_carries_the_request(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        from faasguard.runtime.core import Request, REST
        request = Request(REST, {}, None, method="GET", path="/x", request_id="req-42",
                          source_ip="192.0.2.1")
        with Sandbox(code_paths=[CODE], tmp_dir=TMP).activate(request):
            out = {"result": attempt(lambda: socket.getaddrinfo("exfil.example.com", 443))}
        out["event"] = events[0]
    """)
    event = out["event"]
    assert out["result"] == "blocked:dns"
    assert isinstance(event, dict)
    assert event["request_id"] == "req-42" and event["source_ip"] == "192.0.2.1"
    assert event["correlation_id"] == "req-42"  # what the guard's own events use
    assert event["detail"]["host"] == "exfil.example.com"


def test_tmp_modes_and_write_paths(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        existing = os.path.join(TMP, "existing")
        open(existing, "w").close()
        extra = os.path.join(OUTSIDE, "data")
        os.makedirs(extra)
        out = {}
        with Sandbox(code_paths=[CODE], tmp_dir=TMP, tmp="read-only",
                     write_paths=[extra]).activate(None):
            out["ro_write"] = attempt(lambda: open(os.path.join(TMP, "new"), "w").close())
            out["ro_read"] = attempt(lambda: open(existing).close())
            out["extra_write"] = attempt(lambda: open(os.path.join(extra, "f"), "w").close())
            out["mkdir"] = attempt(lambda: os.mkdir(os.path.join(TMP, "d")))
        link = os.path.join(TMP, "link-out")
        os.symlink(extra, link)
        with Sandbox(code_paths=[CODE], tmp_dir=TMP).activate(None):
            out["write_through_link"] = attempt(lambda: open(link + "/f2", "w").close())
            out["remove_link"] = attempt(lambda: os.remove(link))  # the name, not the target
        with Sandbox(code_paths=[CODE], tmp_dir=TMP, tmp="none").activate(None):
            out["none_read"] = attempt(lambda: open(existing).close())
            out["devnull"] = attempt(lambda: open(os.devnull, "w").close())
    """)
    assert out == {"ro_write": "blocked:file.write", "ro_read": "ok", "extra_write": "ok",
                   "mkdir": "blocked:file.write", "write_through_link": "blocked:file.write",
                   "remove_link": "ok", "none_read": "blocked:file.read",
                   "devnull": "ok"}


def test_lazy_import_from_code_dir_still_works(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        with open(os.path.join(CODE, "late_module.py"), "w") as f:
            f.write("VALUE = 7\\n")
        with open(os.path.join(CODE, "data.json"), "w") as f:
            f.write("{}")
        sys.path.insert(0, CODE)
        out = {}
        with Sandbox(code_paths=[CODE], tmp_dir=TMP).activate(None):
            out["import"] = attempt(lambda: __import__("late_module"))
            out["data"] = attempt(lambda: open(os.path.join(CODE, "data.json")).read())
            out["source"] = attempt(lambda: open(os.path.join(CODE, "late_module.py")).read())
    """)
    assert out == {"import": "ok", "data": "ok", "source": "blocked:file.read-source"}


def test_default_code_root_is_the_creating_module(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        with open(os.path.join(CODE, "app.py"), "w") as f:
            f.write("from faasguard.runtime.sandbox import Sandbox\\nBOX = Sandbox()\\n")
        sys.path.insert(0, CODE)
        os.environ.pop("LAMBDA_TASK_ROOT", None)
        import app
        out = {"roots": list(app.BOX.code_roots)}
    """)
    assert out["roots"] == [str((tmp_path / "code").resolve()) + "/"]


def test_network_true_false_and_traceback_inside_handler(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        import traceback
        with open(os.path.join(CODE, "failing.py"), "w") as f:
            f.write("def fail():\\n    raise ValueError('boom')  # SOURCE-LINE\\n")
        sys.path.insert(0, CODE)
        import failing
        out = {}
        with Sandbox(code_paths=[CODE], tmp_dir=TMP, network=True).activate(None):
            out["open"] = attempt(lambda: socket.getaddrinfo("localhost", 80))
        with Sandbox(code_paths=[CODE], tmp_dir=TMP, network=False).activate(None):
            out["closed"] = attempt(lambda: socket.getaddrinfo("localhost", 80))
        with Sandbox(code_paths=[CODE], tmp_dir=TMP).activate(None):
            try:
                failing.fail()
            except ValueError:
                text = traceback.format_exc()  # the source line is unreadable, no crash
        out["traceback"] = "ValueError: boom" in text and "SOURCE-LINE" not in text
    """)
    assert out == {"open": "ok", "closed": "blocked:dns", "traceback": True}


def test_audit_module_missing_falls_back_to_stderr(tmp_path: Path) -> None:
    code = PRELUDE.format(src=str(ROOT / "runtime" / "src"), work=str(tmp_path))
    code += textwrap.dedent("""
        sys.modules["faasguard.runtime.audit"] = None  # import fails
        with Sandbox(code_paths=[CODE], tmp_dir=TMP).activate(None):
            print(attempt(lambda: os.system("true")))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "blocked:subprocess"
    line = json.loads(proc.stderr.strip().splitlines()[-1])
    assert line["type"] == "sandbox.violation" and line["detail"]["command"] == "true"


def test_guard_runs_the_handler_inside_the_sandbox(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        from faasguard.runtime import guard
        def handler(event, context):
            os.system("true")
            return {"statusCode": 200, "body": "ran"}
        guarded = guard(sandbox=Sandbox(code_paths=[CODE], tmp_dir=TMP))(handler)
        event = {"version": "2.0", "routeKey": "GET /x", "rawPath": "/x", "headers": {},
                 "requestContext": {"http": {"method": "GET", "path": "/x",
                                             "sourceIp": "192.0.2.9"}, "requestId": "r-1"}}
        response = guarded(event, None)
        out = {"status": response["statusCode"], "body": response["body"],
               "violations": [e for e in events if e["type"] == "sandbox.violation"],
               "errors": [e for e in events if e["type"] == "error"]}
    """)
    assert out["status"] == 500 and "ran" not in str(out["body"])
    violations = out["violations"]
    assert isinstance(violations, list) and len(violations) == 1
    assert violations[0]["request_id"] == "r-1"
    assert violations[0]["detail"]["kind"] == "subprocess"
    errors = out["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0]["correlation_id"] == violations[0]["correlation_id"] == "r-1"


def test_rmtree_in_tmp_works_and_outside_is_refused(tmp_path: Path) -> None:
    out = run_child(tmp_path, """
        import shutil
        for base in (TMP, OUTSIDE):
            os.makedirs(os.path.join(base, "tree", "sub"))
            with open(os.path.join(base, "tree", "sub", "f"), "w") as f:
                f.write("x")
        out = {}
        with Sandbox(code_paths=[CODE], tmp_dir=TMP).activate(None):
            out["tmp"] = attempt(lambda: shutil.rmtree(os.path.join(TMP, "tree")))
            out["outside"] = attempt(lambda: shutil.rmtree(os.path.join(OUTSIDE, "tree")))
        out["tmp_gone"] = not os.path.exists(os.path.join(TMP, "tree"))
        out["outside_kept"] = os.path.exists(os.path.join(OUTSIDE, "tree", "sub", "f"))
    """)
    assert out == {"tmp": "ok", "outside": "blocked:file.write", "tmp_gone": True,
                   "outside_kept": True}


def test_directory_verdicts_allow_plain_names_but_not_past_a_symlink_or_a_watched_root(
        tmp_path: Path) -> None:
    # Once a directory is listed, a policy answers plain names in it from its verdict
    # for that directory (Sandbox._learn). A symlink made there, a name that is a
    # watched code root, or a path leaving the directory must still get the full check.
    out = run_child(tmp_path, """
        box = Sandbox(code_paths=[CODE], tmp_dir=TMP, tmp="read-write")
        out = {}
        with box.activate(None):
            for i in range(3):
                name = os.path.join(TMP, f"n{i}")
                out[f"write{i}"] = attempt(lambda: open(name, "w").close())
                out[f"read{i}"] = attempt(lambda: open(name).close())
                out[f"remove{i}"] = attempt(lambda: os.remove(name))
            out["verdict"] = list(box._verdicts[TMP][:2])
            os.symlink(os.path.join(OUTSIDE, "victim"), os.path.join(TMP, "evil"))
            out["through_symlink"] = attempt(lambda: open(os.path.join(TMP, "evil"), "w"))
            out["new_name"] = attempt(lambda: open(os.path.join(TMP, "n9"), "w").close())
            out["up_and_out"] = attempt(lambda: open(TMP + "/../outside/x", "w"))
        for name in ("a", "b"):
            open(os.path.join(WORK, name), "w").close()
        with box.activate(None):
            out["read_work"] = attempt(lambda: open(os.path.join(WORK, "a")).close())
            out["work_verdict"] = list(box._verdicts[WORK][:2])
            # the code root is a name in WORK: not one the verdict may allow
            out["code_dir_read"] = attempt(lambda: os.close(os.open(CODE, os.O_RDONLY)))
            out["write_work"] = attempt(lambda: open(os.path.join(WORK, "b"), "w"))
        out["victim"] = os.path.exists(os.path.join(OUTSIDE, "victim"))
    """)
    assert all(out.pop(f"{op}{i}") == "ok" for op in ("write", "read", "remove")
               for i in range(3))
    assert out == {"verdict": [True, True], "through_symlink": "blocked:file.write",
                   "new_name": "ok", "up_and_out": "blocked:file.write", "read_work": "ok",
                   "work_verdict": [False, False], "code_dir_read": "blocked:file.read-source",
                   "write_work": "blocked:file.write", "victim": False}
