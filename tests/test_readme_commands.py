"""README's two commands stay true: CI runs exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command_and_setup():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup, test_command = _bash_blocks(readme)[:2]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
    # The set-up's installs appear in CI in the same order (pinned torch first).
    installs = [part.strip() for part in setup.split("&&") if "pip install" in part]
    positions = [ci.index(cmd.replace("pip install", "pip install --quiet")) for cmd in installs]
    assert positions == sorted(positions)
    assert '"torch==2.13.0"' in installs[0]
