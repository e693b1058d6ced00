"""The files-done counter of ``check`` on a terminal (issue 14): stderr only, only for runs
longer than about a second, never when stderr is not a terminal or with ``-q``."""

from __future__ import annotations

import io
import sys

import pytest

from legacy_variable.cli import main
from legacy_variable.lint import check, progress

LEGACY = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.randn(3))\n"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_counter_waits_a_second_then_redraws_at_most_ten_times_a_second():
    stream, clock = FakeTerminal(), Clock()
    counter = progress.TerminalCounter(stream, clock)
    counter(1, 120)
    clock.now += 0.9
    counter(2, 120)
    assert stream.getvalue() == ""  # a quick run shows nothing
    clock.now += 0.2
    counter(3, 120)
    clock.now += 0.06
    counter(4, 120)  # too soon after the last redraw
    clock.now += 0.06
    counter(5, 120)
    counter(120, 120)  # the last one always
    counter.close()
    assert stream.getvalue() == (
        "\r[  3/120 files]" "\r[  5/120 files]" "\r[120/120 files]" "\r" + " " * 15 + "\r"
    )


def test_closing_a_counter_that_never_drew_writes_nothing():
    stream = FakeTerminal()
    counter = progress.TerminalCounter(stream, Clock())
    counter(1, 2)
    counter.close()
    assert stream.getvalue() == ""


@pytest.mark.parametrize(
    "stream, quiet, term, shown",
    [
        (FakeTerminal(), False, "xterm", True),
        (io.StringIO(), False, "xterm", False),  # redirected, piped, CI logs
        (FakeTerminal(), True, "xterm", False),  # -q
        (FakeTerminal(), False, "dumb", False),
    ],
)
def test_counter_only_on_a_terminal_and_not_quiet(monkeypatch, stream, quiet, term, shown):
    monkeypatch.setenv("TERM", term)
    assert (progress.terminal_counter(quiet, stream) is not None) is shown


def test_check_reports_every_file_through_the_callback(project):
    for n in range(5):
        (project / f"m{n}.py").write_text(LEGACY)
    (project / "clean.py").write_text("x = 1\n")
    calls: list[tuple[int, int]] = []
    check(cache=False, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 6), *((n, 6) for n in range(1, 7))]


def test_check_counts_cached_files_as_done_at_once(project):
    for n in range(3):
        (project / f"m{n}.py").write_text(LEGACY)
    check(cache=True)
    (project / "new.py").write_text(LEGACY)
    calls: list[tuple[int, int]] = []
    check(cache=True, progress=lambda done, total: calls.append((done, total)))
    assert calls[0][1] == 4 and calls[-1] == (4, 4)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.parametrize("quiet", [False, True])
def test_the_command_draws_on_a_terminal_stderr_and_erases_it(project, capsys, monkeypatch, quiet):
    for n in range(3):
        (project / f"m{n}.py").write_text(LEGACY)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.setenv("TERM", "xterm")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(["check", "--no-cache", "--output-format", "concise", *(["-q"] if quiet else []), "."])
    out = capsys.readouterr().out
    assert code == 1
    assert "\r" not in out and "files]" not in out  # stdout stays clean
    if quiet:
        assert terminal.getvalue() == ""
    else:
        drawn = terminal.getvalue()
        assert drawn.startswith("\r[0/3 files]") and "\r[3/3 files]" in drawn
        assert drawn.endswith("\r" + " " * len("[3/3 files]") + "\r")


def test_the_command_draws_nothing_when_stderr_is_not_a_terminal(project, capsys, monkeypatch):
    (project / "m.py").write_text(LEGACY)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    assert main(["check", "--no-cache", "."]) == 1
    assert capsys.readouterr().err == ""
