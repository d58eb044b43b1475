"""Time budget: stop the handler before the platform's hard timeout.

`TimeBudget(0.8)` gives the handler 80% of what `context.get_remaining_time_in_millis()`
reports when the invocation starts; the rest is left for the guard to answer (504 for
HTTP shapes, `GuardError` otherwise), write its audit event and flush logs, instead of
Lambda killing the process mid-write with a bare "Task timed out".

How the handler is stopped:

- on the main thread (where Lambda's Python runtime calls handlers), a `SIGALRM` timer
  (`signal.setitimer`) raises `TimeBudgetExceeded` inside the handler at the deadline.
  It is a `BaseException`, so a handler's `except Exception:` does not swallow it. It
  cannot interrupt a single long C call (a blocking socket read without timeout, a huge
  regex); Python only delivers signals between bytecodes, so the handler stops when that
  call returns. Give network clients their own timeouts below the budget.
  An application's running timer is given back afterwards and its `SIGALRM` handler put
  back after each call; with no Python handler there, ours stays installed and treats
  alarms that are not its own as the default action would.
- on any other thread (a local test server, a framework calling handlers from a pool),
  signals are not available. The handler then runs in a daemon worker thread and the
  guard stops waiting at the deadline. The worker cannot be killed: it keeps running in
  the background and its side effects may still happen. The caller gets its answer in
  time, which is what the budget promises.

Imported only when a guard has `time_budget=`.
"""

from __future__ import annotations

import os
import signal
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


class TimeBudgetExceeded(BaseException):  # BaseException on purpose, see above
    """The handler ran out of its time budget. Carries the budget and the time used."""

    def __init__(self, budget_ms: float, elapsed_ms: float) -> None:
        super().__init__(f"time budget of {budget_ms:.0f} ms exceeded after {elapsed_ms:.0f} ms")
        self.budget_ms = budget_ms
        self.elapsed_ms = elapsed_ms


class TimeBudget:
    """A fraction of the invocation's remaining time, plus an optional fixed reserve.

    `limit_ms(context)` is min(remaining * fraction, remaining - reserve_ms); None when
    the context cannot tell (local calls without a Lambda context): no limit then.
    """

    __slots__ = ("fraction", "reserve_ms")

    def __init__(self, fraction: float, *, reserve_ms: float = 0.0) -> None:
        if isinstance(fraction, bool) or not isinstance(fraction, int | float) \
                or not 0 < fraction <= 1:
            raise ValueError(f"time_budget must be a fraction in (0, 1], not {fraction!r}")
        if reserve_ms < 0:
            raise ValueError("reserve_ms must not be negative")
        self.fraction = float(fraction)
        self.reserve_ms = float(reserve_ms)

    def limit_ms(self, context: object) -> float | None:
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return None
        try:
            left = float(remaining())
        except Exception:  # a broken or fake context must not break the call
            return None
        return max(0.0, min(left * self.fraction, left - self.reserve_ms))

    def run(self, fn: Callable[..., object], *args: object) -> object:
        """Call `fn(*args)` within the budget; raise `TimeBudgetExceeded` when it runs out."""
        context = args[1] if len(args) > 1 else None
        limit = self.limit_ms(context)
        if limit is None:
            return fn(*args)
        if limit < 1.0:
            raise TimeBudgetExceeded(limit, 0.0)
        if threading.current_thread() is threading.main_thread():
            return _run_with_alarm(fn, args, limit)
        return _run_in_worker(fn, args, limit)


class _Run:
    """The budgeted call in progress on the main thread."""

    __slots__ = ("done", "limit_ms", "start")

    def __init__(self, limit_ms: float) -> None:
        self.limit_ms = limit_ms
        self.start = time.perf_counter()
        self.done = False


_current: list[_Run | None] = [None]
# What SIGALRM did before our handler took over: called (or re-delivered) for alarms
# that are not ours, so an application timer keeps working.
_replaced: list[object] = [signal.SIG_DFL]


def _on_alarm(signum: int, frame: object) -> None:
    run = _current[0]
    if run is not None:
        if not run.done:
            raise TimeBudgetExceeded(run.limit_ms, (time.perf_counter() - run.start) * 1000)
        return  # the call finished a moment ago: a late alarm of ours
    previous = _replaced[0]
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_DFL:  # the default action (terminate), as if we were not here
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGALRM)


def _run_with_alarm(fn: Callable[..., object], args: tuple[object, ...], limit_ms: float) -> object:
    # Installing a signal handler costs ~10 µs, so ours stays installed between calls
    # when SIGALRM had no Python handler; an application handler is put back after each
    # call instead, and chained to meanwhile.
    installed = signal.getsignal(signal.SIGALRM)
    restore = None
    if installed is not _on_alarm:
        _replaced[0] = installed
        signal.signal(signal.SIGALRM, _on_alarm)
        if callable(installed):
            restore = installed
    outer = _current[0]
    run = _Run(limit_ms)
    _current[0] = run
    previous_timer = signal.setitimer(signal.ITIMER_REAL, limit_ms / 1000)
    try:
        result = fn(*args)
        run.done = True  # an alarm landing from here on is ignored
        return result
    finally:
        run.done = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        _current[0] = outer
        if restore is not None:
            signal.signal(signal.SIGALRM, restore)
        if previous_timer[0] > 0:  # an outer budget or the application's timer: give it back
            used = time.perf_counter() - run.start
            signal.setitimer(signal.ITIMER_REAL, max(previous_timer[0] - used, 0.001),
                             previous_timer[1])


def _run_in_worker(fn: Callable[..., object], args: tuple[object, ...], limit_ms: float) -> object:
    import contextvars
    start = time.perf_counter()
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["result"] = fn(*args)
        except BaseException as exc:  # handed to the waiting thread as is
            outcome["error"] = exc

    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(work,), daemon=True,
                              name="faasguard-budget")
    worker.start()
    worker.join(limit_ms / 1000)
    if worker.is_alive():
        raise TimeBudgetExceeded(limit_ms, (time.perf_counter() - start) * 1000)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("result")
