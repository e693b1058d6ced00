"""Runtime evidence (runtime/evidence.py) and ``check --evidence`` (lint/checkers/evidence.py):
a recorded run drops what it disproved, makes definite what it confirmed, and the fixed
script then prints on stock torch what the legacy run printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_variable.lint import check
from legacy_variable.runtime import evidence

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """\
import torch
import torch.nn as nn


def report(total_loss, batch_loss):
    print(round(float(total_loss.data[0]), 4), batch_loss.data[0])


total_loss = torch.nn.functional.mse_loss(torch.ones(3), torch.zeros(3)) * 1
batch_loss = torch.ones(2) * 3
report(total_loss, batch_loss)
m = nn.Linear(2, 2)
torch.save(m.state_dict(), "sd.pth")
torch.save(m, "whole.pth")
sd = torch.load("sd.pth")
path = "whole.pth"
model = torch.load(path)
model.eval()
print(sorted(sd), type(model).__name__)
"""


def _python(args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    root = tmp_path_factory.mktemp("evidence")
    (root / "script.py").write_text(SCRIPT)
    run = _python(["-m", "legacy_variable", "run", "--trust-pickles", "--record", "ev.json",
                   "script.py"], root)
    assert run.returncode == 0, run.stderr
    return root, run.stdout


def test_the_recording_names_each_site_and_what_happened(recorded):
    root, _ = recorded
    data = json.loads((root / "ev.json").read_text())
    assert data["version"] == evidence.VERSION
    lines = SCRIPT.splitlines()
    sites = {(s["line"], s["column"], s["kind"]): s["observed"] for s in data["sites"]
             if s["path"] == "script.py"}
    assert sites == {
        (6, 23, "index0"): {"ndim=0": 1},
        (6, 48, "index0"): {"ndim=1": 1},
        (15, 6, "load"): {"state_dict": 1},
        # Refused under weights_only=True, then loaded: pickles are trusted in this run.
        (17, 9, "load"): {"module": 1, "refused:module": 1},
    }
    for site in data["sites"]:
        assert site["line_hash"] == evidence.line_hash(lines[site["line"] - 1])


def test_recordings_merge(recorded, tmp_path):
    root, _ = recorded
    target = tmp_path / "merged.json"
    target.write_text((root / "ev.json").read_text())
    merged = evidence.merge(evidence.load(str(target)), evidence.load(str(root / "ev.json")))
    counts = [sum(s["observed"].values()) for s in merged["sites"]]
    assert counts == [2, 2, 2, 4]


def test_check_with_evidence(recorded):
    root, _ = recorded
    plain = check([str(root / "script.py")], select=["LV104", "LV122"], isolated=True, cwd=str(root))
    with_evidence = check([str(root / "script.py")], select=["LV104", "LV122"], isolated=True,
                          cwd=str(root), evidence=str(root / "ev.json"))
    assert [(d.code, d.line, d.column) for d in plain.diagnostics] == [
        ("LV104", 6, 23), ("LV104", 6, 48), ("LV122", 15, 6), ("LV122", 17, 9)]
    found = with_evidence.diagnostics
    # Disproved: the 1-D receiver, the state_dict load. Confirmed: the rest.
    assert [(d.code, d.line, d.column) for d in found] == [("LV104", 6, 23), ("LV122", 17, 9)]
    scalar, load = found
    assert scalar.fix.applicability == "safe" and scalar.message.startswith("indexing a 0-dim result")
    assert load.fix.applicability == "unsafe"
    assert "refused to unpickle a whole pickled model" in load.message
    assert scalar.to_json()["evidence"] == {"status": "confirmed", "observations": 1}
    assert "evidence" not in plain.diagnostics[0].to_json()


def test_fixed_with_evidence_runs_on_stock_torch_and_prints_the_same(recorded, tmp_path):
    root, legacy_output = recorded
    (tmp_path / "script.py").write_text(SCRIPT)
    result = check([str(tmp_path / "script.py")], isolated=True, cwd=str(tmp_path), fix=True,
                   unsafe_fixes=True, evidence=str(root / "ev.json"))
    assert result.fixed
    fixed = (tmp_path / "script.py").read_text()
    assert "model = torch.load(path, weights_only=False)  # legacy-variable: the file holds a " \
           "whole pickled model (seen at run time)\n" in fixed
    stock = _python(["script.py"], tmp_path)
    assert stock.returncode == 0, stock.stderr
    assert stock.stdout == legacy_output == "1.0 tensor(3.)\n['bias', 'weight'] Linear\n"


def test_stale_evidence_is_ignored(recorded, tmp_path):
    root, _ = recorded
    (tmp_path / "script.py").write_text(SCRIPT.replace("batch_loss.data[0])", "batch_loss.data[0] )"))
    result = check([str(tmp_path / "script.py")], select=["LV104"], isolated=True, cwd=str(tmp_path),
                   evidence=str(root / "ev.json"))
    assert [(d.line, d.column, d.fix) for d in result.diagnostics] == [
        (6, 23, None), (6, 48, None)]


def test_a_moved_line_keeps_its_evidence(recorded, tmp_path):
    root, _ = recorded
    (tmp_path / "script.py").write_text("# a new first line\n" + SCRIPT)
    result = check([str(tmp_path / "script.py")], select=["LV104"], isolated=True, cwd=str(tmp_path),
                   evidence=str(root / "ev.json"))
    assert [(d.line, d.column, d.fix is not None) for d in result.diagnostics] == [(7, 23, True)]


@pytest.mark.parametrize("content, message", [
    (None, "cannot read evidence file"),
    ("{", "not an evidence file"),
    ('{"version": 99, "sites": []}', "not an evidence file of version 1"),
    ('{"version": 1, "sites": [{"path": "a.py"}]}', "a site lacks its fields"),
])
def test_a_bad_evidence_file_is_a_clear_error(tmp_path, content, message):
    (tmp_path / "a.py").write_text("x = 1\n")
    if content is not None:
        (tmp_path / "ev.json").write_text(content)
    run = _python(["-m", "legacy_variable", "check", "--no-cache", "--evidence", "ev.json", "a.py"],
                  tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("legacy-variable: error: ") and message in run.stderr
    assert "Traceback" not in run.stderr
