"""Progress bars: redrawn often on a terminal, sparsely into a log file."""

from __future__ import annotations

import io
import sys
import time

import pytest

from sign2gpt.io import progress_bar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stderr", "interval"), [(_Terminal(), 0.1), (io.StringIO(), 30.0)])
def test_the_redraw_interval_follows_stderr(monkeypatch, stderr, interval):
    monkeypatch.setattr(sys, "stderr", stderr)
    bar = progress_bar(range(3), file=stderr)
    assert bar.mininterval == interval
    assert list(bar) == [0, 1, 2]


def _redraws(monkeypatch, stderr: io.StringIO) -> int:
    monkeypatch.setattr(sys, "stderr", stderr)
    for _ in progress_bar(range(6), file=stderr, desc="work"):
        time.sleep(0.06)
    return stderr.getvalue().count("\r")


def test_a_log_file_gets_fewer_redraws_than_a_terminal(monkeypatch):
    terminal = _redraws(monkeypatch, _Terminal())
    log_file = _redraws(monkeypatch, io.StringIO())
    assert log_file == 2  # the first draw and the final one
    assert terminal > log_file
