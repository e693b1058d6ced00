"""Issue 13's evidence round trip on real scripts: for each script (copied to a scratch
folder), ``legacy-variable run --record ev.json``, then ``check --fix --unsafe-fixes``
once without and once with ``--evidence ev.json``, then each fixed copy on stock torch
(plain ``python``, no legacy mode); prints whether the stock output equals the legacy run's
and how many findings the evidence judged.

    python bench/evidence_roundtrip.py SCRIPT.py [...] [--seed-free] [--timeout 120]

Scripts must be data-free (or bring their data next to them); stdout is compared as is, so
scripts that print timings or unseeded randomness differ by nature (listed as such).
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


def _run(args, cwd, timeout):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", "PYTHONHASHSEED": "0"}
    try:
        return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                              env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def roundtrip(script: Path, timeout: int) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="lv-evidence-"))
    out: dict = {"script": str(script)}
    try:
        for name in ("legacy", "plain", "evidence"):
            shutil.copytree(script.parent, scratch / name, ignore=shutil.ignore_patterns(".git", "*.ipynb"))
        legacy = _run(["-m", "legacy_variable", "run", "-q", "--trust-pickles", "--record",
                       str(scratch / "ev.json"), script.name], scratch / "legacy", timeout)
        if legacy is None or legacy.returncode != 0:
            out["legacy"] = "timeout" if legacy is None else legacy.stderr.strip().splitlines()[-1]
            return out
        out["legacy"] = "ok"
        for name, extra in (("plain", []), ("evidence", ["--evidence", str(scratch / "ev.json")])):
            fixed = _run(["-m", "legacy_variable", "check", "--no-cache", "--fix", "--unsafe-fixes",
                          "--output-format", "json", *extra, script.name], scratch / name, timeout)
            remaining = json.loads(fixed.stdout or "[]")
            out[f"{name}_remaining"] = sorted({d["code"] for d in remaining})
            judged = _run(["-m", "legacy_variable", "check", "--no-cache", "--output-format", "json",
                           *extra, script.name], script.parent, timeout)
            if name == "evidence":
                found = json.loads(judged.stdout or "[]")
                out["evidence_judged"] = sorted(
                    (d["code"], d["location"]["row"], d["evidence"]["status"]) for d in found
                    if d.get("evidence"))
            stock = _run([script.name], scratch / name, timeout)
            if stock is None:
                out[name] = "timeout"
            elif stock.returncode != 0:
                out[name] = "fails: " + stock.stderr.strip().splitlines()[-1][:120]
            else:
                out[name] = "same output" if stock.stdout == legacy.stdout else "different output"
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scripts", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=180)
    args = parser.parse_args()
    for script in args.scripts:
        print(json.dumps(roundtrip(script.resolve(), args.timeout)), flush=True)


if __name__ == "__main__":
    main()
