"""A one-line progress bar on stderr, for long scans in a terminal.

It appears only when stderr is a terminal, ``CI`` is not set and ``TERM`` is not
``dumb`` (``--no-progress`` turns it off too), so logs and pipes never see it. It
waits a moment before drawing, so quick scans never flicker, redraws at most about
ten times a second, and erases itself when done.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

BAR_WIDTH = 20


def _enabled(stream: TextIO, env: Mapping[str, str]) -> bool:
    ci = env.get("CI", "").strip().lower()
    if ci not in ("", "0", "false", "no"):
        return False
    if env.get("TERM", "") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class Progress:
    def __init__(self, stream: TextIO, *, interval: float = 0.1, delay: float = 0.3,
                 clock: Callable[[], float] = time.monotonic, width: int | None = None) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.width = width
        self.started = clock()
        self.delay = delay
        self.last_draw: float | None = None
        self.drawn = False

    @classmethod
    def for_stderr(cls, env: Mapping[str, str] | None = None,
                   stream: TextIO | None = None) -> Progress | None:
        """A bar on stderr, or None where one would not be seen or would get in the way."""
        stream = stream or sys.stderr
        return cls(stream) if _enabled(stream, os.environ if env is None else env) else None

    def _columns(self) -> int:
        if self.width:
            return self.width
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return 80

    def line(self, done: int, total: int, current: str) -> str:
        """The text of the bar, fitted to the terminal width."""
        columns = max(self._columns() - 1, 20)  # never write into the last column
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        counter = f"{done}/{total}"
        head = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {counter} "
        room = columns - len(head)
        # A file name can hold terminal escapes; never write them raw.
        current = "".join(c if c.isprintable() else "?" for c in current)
        if room < 4:
            return head[:columns]
        if len(current) > room:
            current = "..." + current[-(room - 3):]
        return head + current

    def update(self, done: int, total: int, current: str) -> None:
        now = self.clock()
        if now - self.started < self.delay:
            return
        if self.last_draw is not None and now - self.last_draw < self.interval:
            return
        self.last_draw = now
        self.stream.write("\r\033[K" + self.line(done, total, current))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the bar so the report starts on a clean line."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False
