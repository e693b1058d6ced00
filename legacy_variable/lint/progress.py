"""A files-done counter on the terminal while a long check runs, as pytest counts tests.

Shown on stderr only when it is a terminal, and only once a run has taken longer than
``DELAY`` seconds: a quick check prints nothing extra, and output redirected to a file, a
pipe or CI logs never holds control characters. The line is erased when the run ends, so
the diagnostics that follow start on a clean line.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, TextIO

#: Runs shorter than this show no counter.
DELAY = 1.0
#: At most this often is the line redrawn.
INTERVAL = 0.1

Progress = Callable[[int, int], None]


class TerminalCounter:
    """``counter(done, total)`` redraws ``[done/total files]``; ``close()`` erases it."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.started < DELAY:
            return
        if self.drawn_at is not None and now - self.drawn_at < INTERVAL and done < total:
            return
        self.drawn_at = now
        text = f"[{done:>{len(str(total))}}/{total} files]"
        self.width = len(text)
        self._write("\r" + text)

    def close(self) -> None:
        if self.drawn_at is not None:
            self._write("\r" + " " * self.width + "\r")
            self.drawn_at = None

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken terminal costs the counter, never the run


def terminal_counter(quiet: bool, stream: TextIO | None = None) -> TerminalCounter | None:
    """A counter on ``stream`` (stderr) when it is a terminal and the run is not quiet."""
    stream = sys.stderr if stream is None else stream
    if quiet or os.environ.get("TERM") == "dumb":
        return None
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return TerminalCounter(stream)
