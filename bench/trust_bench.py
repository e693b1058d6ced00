"""Issue 13's targets, measured: trust in the fixer on real code.

    python bench/trust_bench.py [--repos DIR ...]

1. A realistic multi-module project with a non-default default dtype
   (``set_default_tensor_type('torch.DoubleTensor')`` in a shared module) and star imports
   (tests/test_lint_project.py's fixture): run under ``legacy-variable run``, then
   ``check --fix`` (safe fixes only) and run on stock torch: a behaviour-changing safe fix
   shows as a different output. Target: 0.
2. LV104 on receivers of unknown shape and LV122 on the repositories given (default: every
   directory in /tmp/realrepos): each site with its source line, for a hand check of the
   precision (target >= 95%).
3. The legacy scripts of tests/fixtures/realworld: each is recorded under legacy mode
   (runtime/evidence.py's Recorder, as ``run --record`` will), fixed with
   ``check --fix --unsafe-fixes --evidence``, and run on stock torch. Target: every script
   that runs under legacy mode prints the same after the fix.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable



def _run(args, cwd, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([PYTHON, *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=timeout)


def project_target(work: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import test_lint_project as fixture

    project = work / "project"
    project.mkdir()
    for name, text in (("common.py", fixture.COMMON), ("model.py", fixture.MODEL),
                       ("train.py", fixture.TRAIN)):
        (project / name).write_text(text)
    legacy = _run(["-m", "legacy_variable", "run", "train.py"], project)
    fixed = _run(["-m", "legacy_variable", "check", "--no-cache", "--fix", "--output-format",
                  "concise", "."], project)
    stock = _run(["train.py"], project)
    same = stock.returncode == 0 and stock.stdout == legacy.stdout
    print("1. multi-module project, DoubleTensor default, star imports")
    print(f"   fixed: {fixed.stdout.strip().splitlines()[-1] if fixed.stdout.strip() else '-'}")
    print(f"   behaviour-changing safe fixes: {0 if same else 'some (output differs)'}"
          "  (target 0)")
    if not same:
        print("   legacy:", legacy.stdout, "\n   stock:", stock.stdout, stock.stderr[-500:])


def repos_target(repos: list[Path]) -> None:
    print("2. LV104 (unknown shape) and LV122 on public 2017-18 repositories, for a hand check")
    for repo in repos:
        run = _run(["-m", "legacy_variable", "check", "--no-cache", "--select", "LV104,LV122",
                    "--output-format", "json", "--exit-zero", str(repo)], ROOT)
        try:
            found = json.loads(run.stdout)
        except json.JSONDecodeError:
            print(f"   {repo.name}: check failed: {run.stderr[-300:]}")
            continue
        unknown = [d for d in found if d["code"] == "LV104" and "unknown shape" in d["message"]]
        loads = [d for d in found if d["code"] == "LV122"]
        print(f"   {repo.name}: LV104-unknown {len(unknown)}, LV122 {len(loads)}")
        for d in unknown + loads:
            line = _line(d)
            print(f"     {d['code']} {os.path.relpath(d['filename'], repo)}:{d['location']['row']}"
                  f"  {line}")


def _line(d: dict) -> str:
    try:
        with open(d["filename"], encoding="utf-8", errors="replace") as handle:
            if d["filename"].endswith(".ipynb"):
                return f"(cell {d.get('cell')})"
            return handle.read().splitlines()[d["location"]["row"] - 1].strip()[:90]
    except (OSError, IndexError):
        return ""


def _checkpoint(directory: Path) -> None:
    import numpy as np
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    torch.save({"epoch": 7, "model": model, "best_prec": np.float64(0.875)},
               directory / "checkpoint.pth.tar")


def scripts_target(work: Path) -> None:
    print("3. tests/fixtures/realworld: record, fix with --unsafe-fixes --evidence, run stock")
    same = ran = 0
    for script in sorted((ROOT / "tests" / "fixtures" / "realworld").glob("*.py")):
        directory = work / script.stem
        directory.mkdir()
        shutil.copy(script, directory / script.name)
        if script.name == "load_checkpoint.py":
            _checkpoint(directory)
        legacy = _run(["-m", "legacy_variable", "run", "--trust-pickles", "--record",
                       "evidence.json", script.name], directory)
        if legacy.returncode != 0:
            print(f"   {script.name}: does not run under legacy mode: {legacy.stderr[-200:]}")
            continue
        ran += 1
        _run(["-m", "legacy_variable", "check", "--no-cache", "--fix", "--unsafe-fixes",
              "--evidence", "evidence.json", script.name], directory)
        stock = _run([script.name], directory)
        ok = stock.returncode == 0 and stock.stdout == legacy.stdout
        same += ok
        tail = "" if ok else f"  {(stock.stderr.strip().splitlines() or ['output differs'])[-1][:120]}"
        print(f"   {script.name}: {'same output' if ok else 'DIFFERS'}{tail}")
    print(f"   {same} of {ran} scripts that run under legacy mode print the same after the fix"
          " (target: all)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", nargs="*", type=Path,
                        help="repositories to check (default: the directories in /tmp/realrepos)")
    args = parser.parse_args()
    repos = args.repos
    if repos is None:
        base = Path("/tmp/realrepos")
        repos = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    with tempfile.TemporaryDirectory(prefix="lv-trust-") as temp:
        work = Path(temp)
        project_target(work)
        repos_target(repos)
        scripts_target(work)


if __name__ == "__main__":
    main()
