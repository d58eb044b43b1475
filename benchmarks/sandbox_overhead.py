"""Cost of the sandbox on an I/O-heavy handler (target: under 10%).

    python benchmarks/sandbox_overhead.py [--calls 300] [--files 100] [--connects 40]
                                          [--size 512]

The handler writes `--files` files of `--size` bytes (new names on every call) in a
temporary directory, reads each back, deletes it, then opens `--connects` TCP
connections to a local server (a thread), sends a few bytes and reads a `--size`
response on each. Every file and socket operation is an audited event the sandbox
checks: `open` (write and read), `os.remove`, `socket.getaddrinfo`, `socket.connect`.
The defaults are the worst case: tiny payloads, so the handler is almost nothing but
system calls, each with its audit event (about 460 per call). A handler that moves
data (`--files 20 --connects 10 --size 65536`) pays the same per event on fewer events;
one that waits on services (`--latency-ms 2 --clock wall`: each response after 2 ms,
timed in wall time, which is what Lambda bills) pays it on a much longer call.

Modes:
- bare:      no sandbox at all;
- installed: a Sandbox built, so the hook is installed, but no invocation active (the
             cost every event in the process pays once a Sandbox exists);
- active:    the call inside `Sandbox(...).activate()`, with a policy that allows
             what the handler does (tmp read-write, the server's address:port, reads
             checked against a code root).
An audit hook cannot be removed, so two worker interpreters run side by side, one
bare and one hooked, and the parent asks them for one call at a time: a round is one
bare, one installed and one active call, in rotating order. Each figure compares calls
of the same round, so drift on a busy machine hits both sides alike: it is the median,
over all rounds, of the ratio of CPU time of the handler's thread (`time.thread_time`:
the work done, kernel time included; less disturbed by other jobs than wall time).

The two workers are pinned to the same CPU, a different one every block of rounds:
on a virtual machine the CPUs can differ in speed by a quarter or more, so two
processes left to the scheduler can differ by more than the thing being measured.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("bare", "installed", "active")
BLOCK = 10  # rounds on one CPU before both workers move to the next


def _server(size: int, latency: float) -> int:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(128)

    def loop() -> None:
        while True:
            conn, _ = server.accept()
            conn.recv(16)
            if latency:
                time.sleep(latency)  # a round trip to a service elsewhere
            conn.sendall(b"y" * size)  # the response the handler reads
            conn.close()

    threading.Thread(target=loop, daemon=True).start()
    port: int = server.getsockname()[1]
    return port


_calls = [0]


def _handler(directory: str, port: int, files: int, connects: int, size: int) -> None:
    payload = b"x" * size
    _calls[0] += 1
    for index in range(files):
        path = f"{directory}/f{_calls[0]}-{index}"  # new names every call: no cache hits
        with open(path, "wb") as out:
            out.write(payload)
        with open(path, "rb") as src:
            src.read()
        os.remove(path)
    for _ in range(connects):
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(b"ping")
            while conn.recv(65536):
                pass


def child(kind: str, files: int, connects: int, size: int, latency: float,
          clock: str) -> None:
    """A worker interpreter: "bare" (no sandbox) or "hooked" (a Sandbox built, so the
    hook is installed). For each line on stdin ("inactive" or "active") it runs one
    call and prints the CPU time of its thread, in µs."""
    sys.path.insert(0, str(ROOT / "runtime" / "src"))
    port = _server(size, latency)
    now = time.perf_counter if clock == "wall" else time.thread_time
    with tempfile.TemporaryDirectory(prefix="fg-sandbox-bench-") as directory:
        sandbox = None
        if kind == "hooked":
            from faasguard.runtime.sandbox import Sandbox
            sandbox = Sandbox(network=[f"127.0.0.1:{port}"], tmp="read-write",
                              tmp_dir=directory, code_paths=[str(ROOT / "benchmarks")])
        for _ in range(3):  # warm-up: imports, caches
            _handler(directory, port, files, connects, size)
        for line in sys.stdin:
            if line.startswith("pin "):
                _pin(int(line.split()[1]))
                print("pinned", flush=True)
                continue
            start = now()
            if line.strip() == "active" and sandbox is not None:
                with sandbox.activate(None):
                    _handler(directory, port, files, connects, size)
            else:
                _handler(directory, port, files, connects, size)
            print(f"{(now() - start) * 1e6:.1f}", flush=True)


def _pin(cpu: int) -> None:
    """Every thread of this process (the handler's and the server's) onto `cpu`."""
    for task in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(task), {cpu})


class _Worker:
    def __init__(self, kind: str, args: argparse.Namespace) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--child", kind, "--files", str(args.files),
             "--connects", str(args.connects), "--size", str(args.size),
             "--latency-ms", str(args.latency_ms), "--clock", args.clock],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, mode: str) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(mode + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def pin(self, cpu: int) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"pin {cpu}\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--connects", type=int, default=40)
    parser.add_argument("--size", type=int, default=512,
                        help="bytes per file written and read, and per response received "
                             "(default 512: nearly all the time goes to system calls)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="the server waits this long before each response, as a "
                             "service in the same region would (default 0)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="time the handler's CPU time (default; the strictest) or its "
                             "wall time (what Lambda bills)")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="leave the workers to the scheduler")
    parser.add_argument("--child", choices=("bare", "hooked"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.files, args.connects, args.size, args.latency_ms / 1000,
              args.clock)
        return
    bare, hooked = _Worker("bare", args), _Worker("hooked", args)
    steps = [(bare, "inactive", "bare"), (hooked, "inactive", "installed"),
             (hooked, "active", "active")]
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpus = sorted(os.sched_getaffinity(0)) if args.pin and hasattr(os, "sched_setaffinity") \
        else []
    try:
        for index in range(args.calls):
            if cpus and index % BLOCK == 0:
                cpu = cpus[index // BLOCK % len(cpus)]
                bare.pin(cpu)
                hooked.pin(cpu)
            rotation = index % len(steps)  # no mode always goes first
            for worker, command, mode in steps[rotation:] + steps[:rotation]:
                times[mode].append(worker.call(command))
    finally:
        bare.close()
        hooked.close()

    def ratio(mode: str, base: str) -> float:
        pairs = [on / off for on, off in zip(times[mode], times[base], strict=True) if off > 0]
        return (statistics.median(pairs) - 1) * 100

    print(f"I/O-heavy handler: {args.files} files of {args.size:,} bytes written, read and "
          f"removed + {args.connects} TCP connects receiving {args.size:,} bytes each per "
          f"call{f' after {args.latency_ms:g} ms' if args.latency_ms else ''}; "
          f"{args.clock} time; {args.calls} rounds of one call per "
          f"mode; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{'workers pinned together' if cpus else 'workers not pinned'}\n")
    print(f"| mode | median {args.clock} µs per call | vs bare (paired) |")
    print("|---|---:|---:|")
    for mode in MODES:
        shown = "" if mode == "bare" else f"{ratio(mode, 'bare'):+.1f}%"
        print(f"| {mode} | {statistics.median(times[mode]):,.0f} | {shown} |")
    print(f"\nactive vs installed (paired): {ratio('active', 'installed'):+.1f}%")


if __name__ == "__main__":
    main()
