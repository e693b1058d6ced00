"""The linear unified diff behind ``--diff`` (issue 14: a big file with many fixes)."""

from __future__ import annotations

import difflib
import os
import re
import sys
import time

from hypothesis import given, settings, strategies as st

from legacy_variable.lint import textdiff

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from scale_bench import legacy_module  # noqa: E402


def apply(a: list[str], diff: str) -> list[str]:
    """Apply a unified diff to ``a``, checking every context and removed line."""
    out: list[str] = []
    cursor = 0
    lines = diff.splitlines(True)
    k = 2 if lines else 0
    while k < len(lines):
        header = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@\n", lines[k])
        assert header, lines[k]
        start, length = int(header.group(1)), int(header.group(2) or 1)
        start = start - 1 if length else start  # an empty range names the line before it
        out.extend(a[cursor:start])
        cursor = start
        k += 1
        while k < len(lines) and not lines[k].startswith("@@"):
            sign, line = lines[k][0], lines[k][1:]
            if sign in " -":
                assert a[cursor] == line
                cursor += 1
            if sign in " +":
                out.append(line)
            k += 1
    out.extend(a[cursor:])
    return out


_lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n", "x = 1\n", "\n"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_lines, _lines, st.integers(1, 8))
def test_the_diff_turns_a_into_b(a, b, window):
    textdiff.WINDOW = window  # small windows exercise the widening
    try:
        diff = textdiff.unified_diff(a, b, "f.py", "f.py")
    finally:
        textdiff.WINDOW = 64
    assert (diff == "") == (a == b)
    assert apply(a, diff) == b


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("ab\n", max_size=6).map(lambda s: s + "\n"), min_size=1, max_size=30), st.data())
def test_in_place_edits_read_as_difflib_writes_them(a, data):
    # The shape of a fix: some lines changed in place, none moved.
    b = list(a)
    for k in data.draw(st.sets(st.integers(0, len(a) - 1), max_size=3)):
        b[k] = "changed %d\n" % k
    if len(set(a) | set(b)) == len(a) + len(set(b) - set(a)):  # distinct lines: one best alignment
        expected = "".join(difflib.unified_diff(a, b, fromfile="f.py", tofile="f.py"))
        assert textdiff.unified_diff(a, b, "f.py", "f.py") == expected


def test_a_big_file_with_thousands_of_fixes_is_diffed_in_linear_time():
    from legacy_variable.lint.adapters import _lines as lines_of

    timings = []
    for size in (5_000, 20_000):
        a = lines_of(legacy_module(size))
        # As the fixes leave it: a third of the lines edited in place, a few dropped.
        b = [line.replace("Variable(", "(") for k, line in enumerate(a) if k % 500 != 7]
        started = time.perf_counter()
        diff = textdiff.unified_diff(a, b, "m.py", "m.py")
        timings.append(time.perf_counter() - started)
        assert apply(a, diff) == b
    # 4x the lines: about 4x the time (difflib: about 20x, and 16 s at 20,000 lines).
    assert timings[1] < 10 * timings[0] + 0.5, timings
