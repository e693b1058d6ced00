"""Docs quote real output (issue 15, item 10): each quoted finding and each cited line
number is checked against the tool and the example files, so the docs cannot drift."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "legacy_training.py"
SOURCE_LINES = EXAMPLE.read_text(encoding="utf-8").splitlines()

#: What a cited line of the example must contain for each rule the docs cite on it.
IDIOM = {"LV101": "Variable(", "LV103": "volatile=True", "LV104": ".data[0]", "LV113": "size_average",
         "LV114": "F.softmax(", "LV116": "xavier_uniform("}


def _text_blocks(markdown: str) -> list[str]:
    return re.findall(r"```text\n(.*?)```", markdown, flags=re.S)


def test_the_tours_findings_are_lines_of_real_check_output():
    tour = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    quoted = [line for block in _text_blocks(tour) for line in block.splitlines() if "legacy_training.py:" in line]
    assert len(quoted) >= 2
    done = subprocess.run(
        [sys.executable, "-m", "legacy_variable", "check", "--no-cache", "--output-format", "concise",
         "examples/legacy_training.py"],
        cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    real = done.stdout.splitlines()
    for line in quoted:
        assert line in real, f"{line!r} is not what `check` prints"


def test_the_guides_worked_example_cites_the_lines_where_the_idioms_are():
    guide = (ROOT / "migration_guide.md").read_text(encoding="utf-8")
    cited = 0
    # The stock-PyTorch traceback: the line number, then that line's code.
    for number, code in re.findall(r'legacy_training\.py", line (\d+), in <module>\n\s+(.+)', guide):
        assert SOURCE_LINES[int(number) - 1].strip() == code.strip()
        cited += 1
    # The run report: "LVxxx name  xN  at path:line, path:line".
    for rule, places in re.findall(r"^(LV\d{3}) [a-z-]+\s+x\d+\s+at (.+)$", guide, flags=re.M):
        for number in re.findall(r"legacy_training\.py:(\d+)", places):
            assert IDIOM[rule] in SOURCE_LINES[int(number) - 1], (rule, number)
            cited += 1
    assert cited >= 5
