from __future__ import annotations

import contextlib
import signal
import threading
import time

import pytest
from samples import FakeContext

from faasguard.runtime.budget import TimeBudget, TimeBudgetExceeded


def spin(event: object, context: object) -> str:
    """A handler that keeps working and catches every Exception it sees."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # catches all it can, still stopped
            sum(range(1000))
    return "finished"


class BrokenContext:
    def get_remaining_time_in_millis(self) -> float:
        raise RuntimeError("no clock")


def test_limit_is_a_fraction_of_the_remaining_time() -> None:
    assert TimeBudget(0.8).limit_ms(FakeContext(remaining_ms=1000)) == 800
    assert TimeBudget(0.9, reserve_ms=300).limit_ms(FakeContext(remaining_ms=1000)) == 700
    assert TimeBudget(1).limit_ms(FakeContext(remaining_ms=50)) == 50
    assert TimeBudget(0.5, reserve_ms=100).limit_ms(FakeContext(remaining_ms=50)) == 0
    assert TimeBudget(0.5).limit_ms(None) is None
    assert TimeBudget(0.5).limit_ms(BrokenContext()) is None


@pytest.mark.parametrize("fraction", [0, -0.1, 1.01, True, "0.5", None])
def test_fraction_must_be_in_range(fraction: object) -> None:
    with pytest.raises(ValueError):
        TimeBudget(fraction)  # type: ignore[arg-type]


def test_negative_reserve_is_refused() -> None:
    with pytest.raises(ValueError):
        TimeBudget(0.5, reserve_ms=-1)


def test_alarm_stops_a_busy_handler_and_restores_the_previous_handler() -> None:
    def previous(signum: int, frame: object) -> None:
        raise AssertionError("must not fire")

    old = signal.signal(signal.SIGALRM, previous)
    try:
        start = time.monotonic()
        with pytest.raises(TimeBudgetExceeded) as info:
            TimeBudget(0.5).run(spin, {}, FakeContext(remaining_ms=200))
        elapsed = time.monotonic() - start
        assert 0.09 < elapsed < 1.0
        assert info.value.budget_ms == 100 and info.value.elapsed_ms >= 90
        assert signal.getsignal(signal.SIGALRM) is previous
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, old)


def test_a_running_timer_is_given_back() -> None:
    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        assert TimeBudget(1).run(lambda e, c: "quick", {}, FakeContext(remaining_ms=5000)) == "quick"
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 0.3
        time.sleep(0.5)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_results_and_exceptions_pass_through() -> None:
    budget = TimeBudget(0.5)
    assert budget.run(lambda e, c: ("ok", e), 1, FakeContext()) == ("ok", 1)
    with pytest.raises(KeyError):
        budget.run(lambda e, c: {}["x"], 1, FakeContext())
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_no_context_means_no_limit() -> None:
    assert TimeBudget(0.01).run(lambda e, c: "ran", {}, None) == "ran"


def test_no_time_left_refuses_at_once() -> None:
    called: list[int] = []
    with pytest.raises(TimeBudgetExceeded):
        TimeBudget(0.5).run(lambda e, c: called.append(1), {}, FakeContext(remaining_ms=1))
    assert called == []


def run_in_thread(fn: object) -> list[object]:
    out: list[object] = []

    def target() -> None:
        try:
            out.append(fn())  # type: ignore[operator]
        except BaseException as exc:
            out.append(exc)

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(5)
    return out


def test_worker_fallback_off_the_main_thread() -> None:
    budget = TimeBudget(0.5)
    start = time.monotonic()
    out = run_in_thread(lambda: budget.run(spin, {}, FakeContext(remaining_ms=200)))
    assert time.monotonic() - start < 1.5
    assert isinstance(out[0], TimeBudgetExceeded)
    assert run_in_thread(lambda: budget.run(lambda e, c: "fast", {}, FakeContext())) == ["fast"]
    failed = run_in_thread(lambda: budget.run(lambda e, c: 1 / 0, {}, FakeContext()))
    assert isinstance(failed[0], ZeroDivisionError)


def test_worker_keeps_context_variables() -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    def read(event: object, context: object) -> str:
        return var.get()

    def call() -> object:
        var.set("caller's value")
        return TimeBudget(0.5).run(read, {}, FakeContext())

    assert run_in_thread(call) == ["caller's value"]


def test_nested_budgets_restore_the_outer_one() -> None:
    inner_budget = TimeBudget(0.5)

    def outer(event: object, context: object) -> object:
        assert inner_budget.run(lambda e, c: "inner", {}, FakeContext(remaining_ms=5000)) == "inner"
        return spin(event, context)  # the outer budget must still stop this

    start = time.monotonic()
    with pytest.raises(TimeBudgetExceeded) as info:
        TimeBudget(0.5).run(outer, {}, FakeContext(remaining_ms=300))
    assert info.value.budget_ms == 150
    assert time.monotonic() - start < 1.0


def test_a_stray_alarm_keeps_the_default_action() -> None:
    """After a budgeted call our handler stays installed; an alarm that is not ours must
    still do what SIGALRM did before (here: terminate the process)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import signal, time\n"
            "from faasguard.runtime.budget import TimeBudget\n"
            "class C:\n    def get_remaining_time_in_millis(self): return 5000\n"
            "TimeBudget(0.5).run(lambda e, c: 1, {}, C())\n"
            "signal.setitimer(signal.ITIMER_REAL, 0.05)\n"
            "time.sleep(2)\nprint('survived')\n")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(root / "runtime" / "src")}, timeout=30)
    assert done.returncode == -signal.SIGALRM and "survived" not in done.stdout
