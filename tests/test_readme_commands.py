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


def test_readme_shows_a_lint_only_install_and_a_runtime_install():
    blocks = _bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    lint_only = [b for b in blocks if "pip install" in b and "torch" not in b and "[" not in b]
    runtime = [b for b in blocks if '".[runtime]"' in b]
    assert lint_only == ["python3 -m pip install ."]
    # torch pinned before the runtime extra, or pip may choose a multi-GB CUDA build.
    assert runtime and runtime[0].index('"torch==2.13.0"') < runtime[0].index('".[runtime]"')


def test_every_check_flag_the_readme_names_exists():
    import argparse

    from legacy_variable.lint.command import add_parser

    parser = argparse.ArgumentParser()
    check = add_parser(parser.add_subparsers())
    known = {o for action in check._actions for o in action.option_strings}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Use")
    section = readme[start : readme.index("pytest plugin options", start)]
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b", section))
    named -= {"--legacy-variable", "--trust-pickles", "--epochs", "-V", "-m"}  # other commands' flags
    assert named and named <= known, sorted(named - known)
