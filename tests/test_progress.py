"""The progress bar: only on a terminal outside CI, throttled, fitted, erased."""

from __future__ import annotations

import io

from faasguard.progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_only_on_a_terminal_outside_ci() -> None:
    assert Progress.for_stderr({}, _Tty()) is not None
    assert Progress.for_stderr({}, io.StringIO()) is None  # piped / redirected
    assert Progress.for_stderr({"CI": "true"}, _Tty()) is None
    assert Progress.for_stderr({"CI": "1"}, _Tty()) is None
    assert Progress.for_stderr({"CI": "false"}, _Tty()) is not None
    assert Progress.for_stderr({"TERM": "dumb"}, _Tty()) is None


def test_waits_then_throttles_then_erases() -> None:
    stream, clock = _Tty(), _Clock()
    bar = Progress(stream, clock=clock, width=80)
    bar.update(0, 10, "a.yaml")
    assert stream.getvalue() == ""  # quick scans never flicker
    clock.now += 0.5
    bar.update(1, 10, "b.yaml")
    first = stream.getvalue()
    assert first.startswith("\r\x1b[K[##")
    assert "1/10 b.yaml" in first
    clock.now += 0.01
    bar.update(2, 10, "c.yaml")  # within 0.1 s: not redrawn
    assert stream.getvalue() == first
    clock.now += 0.2
    bar.update(3, 10, "d.yaml")
    assert "3/10 d.yaml" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")
    length = len(stream.getvalue())
    bar.close()  # closing twice writes nothing more
    assert len(stream.getvalue()) == length


def test_never_drawn_means_nothing_to_erase() -> None:
    stream = _Tty()
    bar = Progress(stream, clock=_Clock(), width=80)
    bar.update(1, 2, "x")
    bar.close()
    assert stream.getvalue() == ""


def test_line_fits_the_terminal_and_is_safe() -> None:
    bar = Progress(_Tty(), width=40)
    line = bar.line(5, 10, "services/" + "very-long-name/" * 10 + "serverless.yml")
    assert len(line) <= 39
    assert line.startswith("[##########..........] 5/10 ...")
    assert line.endswith("serverless.yml"[-5:])
    assert "\x1b" not in bar.line(1, 2, "evil\x1b[2J.yaml")
    assert bar.line(0, 0, "").startswith("[####################] 0/0")
