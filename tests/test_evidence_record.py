"""The recording faces (``run --record``, ``pytest --legacy-variable-record``) and what
``check --evidence`` makes of constructor and wrap observations: recorded, fixed, and the
fixed program prints on stock torch what the legacy run printed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_variable.evidence_file import line_hash
from legacy_variable.lint import check

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """\
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable

torch.manual_seed(0)
model = nn.Linear(3, 2)
torch.save(model.state_dict(), "weights.pth")
model.load_state_dict(torch.load("weights.pth"))
x = Variable(torch.Tensor(np.arange(6.0).reshape(2, 3)))
target = Variable(torch.zeros(2, 2))
out = model(x)
loss = ((out - target) ** 2).mean()
print(round(loss.data[0], 4))
print(round(float(out.view(-1).data[0]), 4))
scale = torch.ones(2)
print(Variable(scale).sum().item())
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)  # imports Dynamo while recording
"""


def _python(args, cwd, **env):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **env}
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=180)


def _sites(path: Path, name: str) -> dict:
    data = json.loads(path.read_text())
    return {(s["line"], s["column"], s["kind"]): s["observed"] for s in data["sites"]
            if s["path"] == name}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    root = tmp_path_factory.mktemp("record")
    (root / "pyproject.toml").write_text("")
    (root / "train.py").write_text(SCRIPT)
    run = _python(["-m", "legacy_variable", "run", "-q", "--record", "ev.json", "train.py"], root)
    assert run.returncode == 0, run.stderr
    return root, run.stdout


def test_run_record_writes_each_site(recorded):
    root, output = recorded
    assert output == "0.7351\n-0.6521\n2.0\n"
    assert _sites(root / "ev.json", "train.py") == {
        (9, 23, "load"): {"state_dict": 1},
        (10, 5, "wrap"): {"no-grad": 1},
        (10, 14, "ctor"): {"float32 ndarray": 1},
        (11, 10, "wrap"): {"no-grad": 1},
        (14, 13, "index0"): {"ndim=0": 1},
        (15, 19, "index0"): {"ndim=1": 1},
        (17, 7, "wrap"): {"no-grad": 1},
    }


def test_a_second_recording_merges_into_the_file(recorded, tmp_path):
    root, _ = recorded
    (tmp_path / "train.py").write_text(SCRIPT)
    (tmp_path / "ev.json").write_text((root / "ev.json").read_text())
    run = _python(["-m", "legacy_variable", "run", "-q", "--record", "ev.json", "train.py"], tmp_path)
    assert run.returncode == 0, run.stderr
    sites = _sites(tmp_path / "ev.json", "train.py")
    assert sites[(14, 13, "index0")] == {"ndim=0": 2} and sites[(10, 14, "ctor")] == {"float32 ndarray": 2}


def test_check_evidence_fix_then_stock_torch_prints_the_same(recorded, tmp_path):
    root, legacy_output = recorded
    (tmp_path / "train.py").write_text(SCRIPT)
    result = check([str(tmp_path / "train.py")], isolated=True, cwd=str(tmp_path), fix=True,
                   unsafe_fixes=True, evidence=str(root / "ev.json"))
    fixed = (tmp_path / "train.py").read_text()
    assert "from torch.autograd import Variable" not in fixed
    # Disproved: the 1-D receiver keeps its [0] (a 1-D element, the same number), the
    # state_dict load needs nothing. Confirmed: the loss's .item(); the ndarray constructor.
    assert "print(round(loss.item(), 4))\n" in fixed
    assert "print(round(float(out.view(-1).data[0]), 4))\n" in fixed
    assert 'model.load_state_dict(torch.load("weights.pth"))\n' in fixed
    assert "x = torch.tensor(np.arange(6.0).reshape(2, 3), dtype=torch.float32)\n" in fixed
    assert "print(scale.detach().sum().item())\n" in fixed
    assert [d.code for d in result.diagnostics if d.code in ("LV104", "LV122")] == []
    stock = _python(["train.py"], tmp_path)
    assert stock.returncode == 0, stock.stderr
    assert stock.stdout == legacy_output


def test_json_output_names_the_evidence(recorded):
    root, _ = recorded
    run = _python(["-m", "legacy_variable", "check", "--no-cache", "--output-format", "json",
                   "--evidence", "ev.json", "--select", "LV101,LV107", "train.py"], root)
    found = {(d["code"], d["location"]["row"], d["location"]["column"]):
             (d.get("evidence"), d["fix"]["applicability"] if d["fix"] else None)
             for d in json.loads(run.stdout)}
    assert found == {
        ("LV101", 10, 5): (None, "safe"),  # a fresh tensor: safe without evidence
        ("LV107", 10, 14): ({"status": "confirmed", "observations": 1}, "safe"),
        ("LV101", 11, 10): (None, "safe"),
        ("LV101", 17, 7): ({"status": "confirmed", "observations": 1}, "safe"),
    }
    plain = _python(["-m", "legacy_variable", "check", "--no-cache", "--output-format", "json",
                     "--select", "LV101,LV107", "train.py"], root)
    assert {(d["code"], d["location"]["row"]): d["fix"] and d["fix"]["applicability"]
            for d in json.loads(plain.stdout)} == {
        ("LV101", 10): "safe", ("LV107", 10): None, ("LV101", 11): "safe", ("LV101", 17): "unsafe"}


def test_a_path_recorded_from_another_root_still_matches(recorded, tmp_path):
    root, _ = recorded
    project = tmp_path / "project"
    (project / "char-rnn").mkdir(parents=True)
    (project / "char-rnn" / "train.py").write_text(SCRIPT)
    data = json.loads((root / "ev.json").read_text())
    for site in data["sites"]:
        site["path"] = "char-rnn/" + site["path"]
    (tmp_path / "ev.json").write_text(json.dumps(data))
    # Checked from inside char-rnn/: its own relative path is train.py.
    result = check(["train.py"], isolated=True, cwd=str(project / "char-rnn"),
                   select=["LV104"], evidence=str(tmp_path / "ev.json"))
    assert [(d.line, d.arg("evidence")) for d in result.diagnostics] == [(14, "confirmed")]


def test_a_failing_program_still_saves_what_it_saw(tmp_path):
    (tmp_path / "boom.py").write_text(
        "import torch\nloss = torch.ones(2).sum()\nprint(loss.data[0])\nraise SystemExit(3)\n")
    run = _python(["-m", "legacy_variable", "run", "-q", "--record", "ev.json", "boom.py"], tmp_path)
    assert run.returncode == 3
    assert _sites(tmp_path / "ev.json", "boom.py") == {(3, 7, "index0"): {"ndim=0": 1}}


@pytest.mark.parametrize("setup, message", [
    (lambda d: None, "--record missing/ev.json: directory "),
    (lambda d: (d / "missing").mkdir(), "--record missing/ev.json: is a directory"),
    (lambda d: (d / "missing").mkdir() or (d / "missing" / "ev.json").write_text("notes"),
     "--record missing/ev.json: exists and not an evidence file"),
])
def test_a_bad_record_path_is_refused_before_the_program_runs(tmp_path, setup, message):
    if "is a directory" in message:
        (tmp_path / "missing" / "ev.json").mkdir(parents=True)
    else:
        setup(tmp_path)
    (tmp_path / "side_effect.py").write_text("open('ran', 'w').close()\n")
    run = _python(["-m", "legacy_variable", "run", "--record", "missing/ev.json", "side_effect.py"],
                  tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("legacy-variable run: error: " + message), run.stderr
    assert not (tmp_path / "ran").exists()
    if "not an evidence file" in message:
        assert (tmp_path / "missing" / "ev.json").read_text() == "notes"  # left alone


# ----------------------------------------------------------------------------- pytest
TESTS = """\
import torch
from torch.autograd import Variable
import pytest


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_loss(n):
    loss = ((torch.ones(n) * 2) ** 2).mean()
    assert loss.data[0] == 4.0


def test_batch():
    out = torch.ones(4) * 2
    assert out.data[0] == 2.0


def test_wrap():
    w = torch.ones(2, requires_grad=True)
    h = Variable(w * 2, requires_grad=True)
    h.sum().backward()
    assert w.grad is None
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_pytest_records_and_workers_add_up(tmp_path, workers):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_legacy.py").write_text(TESTS)
    run = _python(["-m", "pytest", "-q", "-p", "no:cacheprovider", *workers,
                   "--legacy-variable-record", "ev.json", "tests"], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"evidence recorded to {tmp_path / 'ev.json'}" in run.stdout
    # Every one of the four parametrized runs counted, whichever worker ran it.
    assert _sites(tmp_path / "ev.json", "tests/test_legacy.py") == {
        (9, 12, "index0"): {"ndim=0": 4},
        (14, 12, "index0"): {"ndim=1": 1},
        (19, 9, "wrap"): {"non-leaf": 1},
    }
    (tmp_path / "tests" / "test_legacy.py").write_text(TESTS)
    result = check(["tests/test_legacy.py"], isolated=True, cwd=str(tmp_path),
                   select=["LV104", "LV201"], evidence=str(tmp_path / "ev.json"))
    assert [(d.code, d.line, d.arg("evidence"), d.fix and d.fix.applicability)
            for d in result.diagnostics] == [
        ("LV104", 9, "confirmed", "safe"), ("LV201", 19, "confirmed", None)]


def test_pytest_record_from_the_ini_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nlegacy_variable_record = "out/ev.json"\n')
    (tmp_path / "out").mkdir()
    (tmp_path / "test_legacy.py").write_text(TESTS)
    run = _python(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "batch"], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert _sites(tmp_path / "out" / "ev.json", "test_legacy.py") == {
        (14, 12, "index0"): {"ndim=1": 1}}


def test_pytest_refuses_a_bad_record_path(tmp_path):
    (tmp_path / "test_legacy.py").write_text(TESTS)
    run = _python(["-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "--legacy-variable-record", "nowhere/ev.json"], tmp_path)
    assert run.returncode == 4
    assert run.stderr.startswith("ERROR: --legacy-variable-record "), run.stderr
    assert f"directory {tmp_path / 'nowhere'} does not exist" in run.stderr


# ------------------------------------------------------------ hand-written evidence
def _evidence(tmp_path: Path, source: str, sites: list[tuple]) -> str:
    # Each line as the recording reads it (linecache: a text file's universal newlines).
    lines = io.StringIO(source).readlines()
    data = {"version": 1, "sites": [
        {"path": "m.py", "line": line, "column": column, "line_hash": line_hash(lines[line - 1]),
         "kind": kind, "observed": observed} for line, column, kind, observed in sites]}
    path = tmp_path / "ev.json"
    path.write_text(json.dumps(data))
    return str(path)


WRAPS = """\
import torch
from torch.autograd import Variable
a = torch.ones(3, requires_grad=True)
c = a * 2
c_var = Variable(c, requires_grad=True)
h = Variable(a)
"""


def test_wrap_evidence_is_found_past_a_form_feed(tmp_path):
    # A form feed is no line break to Python (nor to the recording's linecache);
    # str.splitlines() counts one, and then hashed the wrong line for every later row.
    source = WRAPS.replace("c = a * 2\n", "c = a * 2  # \x0c page break\n")
    (tmp_path / "m.py").write_text(source)
    ev = _evidence(tmp_path, source, [(5, 9, "wrap", {"non-leaf": 2}), (6, 5, "wrap", {"leaf": 1})])
    result = check(["m.py"], isolated=True, cwd=str(tmp_path), select=["LV201", "LV202"], evidence=ev)
    assert [(d.code, d.line, d.arg("evidence")) for d in result.diagnostics] \
        == [("LV201", 5, "confirmed"), ("LV202", 6, "confirmed")]


@pytest.mark.parametrize("seen, expected", [
    # The wrapped value had history: the cut is real, the finding definite.
    ({"non-leaf": 2}, [("LV201", 5, "confirmed"), ("LV202", 6, "confirmed")]),
    ({"non-leaf": 1, "no-grad": 1}, [("LV201", 5, "confirmed"), ("LV202", 6, "confirmed")]),
    # Never any history (say, under no_grad): nothing was cut.
    ({"no-grad": 3}, []),
])
def test_wrap_evidence_confirms_or_drops_the_misconception(tmp_path, seen, expected):
    (tmp_path / "m.py").write_text(WRAPS)
    observed = {"leaf": 1} if "non-leaf" in seen else seen
    ev = _evidence(tmp_path, WRAPS, [(5, 9, "wrap", seen), (6, 5, "wrap", observed)])
    result = check(["m.py"], isolated=True, cwd=str(tmp_path), select=["LV201", "LV202"], evidence=ev)
    assert [(d.code, d.line, d.arg("evidence")) for d in result.diagnostics] == expected


def test_a_detach_fix_stays_unsafe_where_the_wrap_cut_history(tmp_path):
    (tmp_path / "m.py").write_text(WRAPS)
    ev = _evidence(tmp_path, WRAPS, [(6, 5, "wrap", {"leaf": 2})])
    result = check(["m.py"], isolated=True, cwd=str(tmp_path), select=["LV101"], evidence=ev)
    [wrap] = [d for d in result.diagnostics if d.line == 6]
    assert wrap.fix.applicability == "unsafe" and wrap.arg("evidence") is None


def test_a_detach_of_data_stays_unsafe(tmp_path):
    source = "import torch\nfrom torch.autograd import Variable\nt = torch.ones(2)\nh = Variable(t.data)\n"
    (tmp_path / "m.py").write_text(source)
    ev = _evidence(tmp_path, source, [(4, 5, "wrap", {"no-grad": 1})])
    [wrap] = check(["m.py"], isolated=True, cwd=str(tmp_path), select=["LV101"], evidence=ev).diagnostics
    # ``.detach()`` shares the version counter that ``.data`` did not.
    assert wrap.fix.applicability == "unsafe"


CTORS = """\
import torch
rows = [[1, 2], [3, 4]]
a = torch.Tensor(rows)
b = torch.Tensor(n)
c = torch.Tensor([1, 2])
d = torch.Tensor(rows)
"""


def test_constructor_evidence(tmp_path):
    (tmp_path / "m.py").write_text(CTORS)
    ev = _evidence(tmp_path, CTORS, [
        (3, 5, "ctor", {"float32 data": 2}),
        (4, 5, "ctor", {"float32 sizes": 1}),
        # The fix names float32, the run made float64 (a default set where the static
        # pass cannot see it): the fix is withdrawn.
        (5, 5, "ctor", {"float64 data": 1}),
        # Seen with two kinds of argument: no fix.
        (6, 5, "ctor", {"float32 data": 1, "float32 tensor": 1}),
    ])
    result = check(["m.py"], isolated=True, cwd=str(tmp_path), evidence=ev)
    by_line = {d.line: d for d in result.diagnostics}
    assert by_line[3].fix.applicability == "safe" and by_line[4].fix.applicability == "safe"
    assert by_line[5].fix is None and by_line[5].arg("evidence") == "fix_withdrawn"
    assert by_line[6].fix is None and by_line[6].arg("evidence") is None
    fixed = check(["m.py"], isolated=True, cwd=str(tmp_path), fix=True, evidence=ev)
    assert fixed.fixed
    assert (tmp_path / "m.py").read_text() == (
        "import torch\n"
        "rows = [[1, 2], [3, 4]]\n"
        "a = torch.tensor(rows, dtype=torch.float32)\n"
        "b = torch.empty(n)\n"
        "c = torch.Tensor([1, 2])\n"
        "d = torch.Tensor(rows)\n"
    )


def test_constructor_fix_under_a_project_default_dtype_names_no_dtype(tmp_path):
    source = CTORS.replace("import torch\n", "import torch\ntorch.set_default_dtype(torch.float64)\n", 1)
    (tmp_path / "m.py").write_text(source)
    ev = _evidence(tmp_path, source, [(4, 5, "ctor", {"float64 data": 1})])
    fixed = check(["m.py"], isolated=True, cwd=str(tmp_path), fix=True, select=["LV107"], evidence=ev)
    assert fixed.fixed
    assert "a = torch.tensor(rows, dtype=torch.get_default_dtype())\n" in (tmp_path / "m.py").read_text()


def test_processes_saving_at_once_lose_nothing(tmp_path):
    """The folder lock: concurrent read-merge-replace cycles (xdist workers finishing
    together) each add their counts."""
    code = (
        "import sys\n"
        "from legacy_variable.runtime.evidence import Recorder\n"
        "for _ in range(25):\n"
        "    r = Recorder('.')\n"
        "    r.sites[('a.py', 1, 1, 'h', 'index0')] = {'ndim=0': 1}\n"
        "    r.save(sys.argv[1])\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, "ev.json"], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert _sites(tmp_path / "ev.json", "a.py") == {(1, 1, "index0"): {"ndim=0": 100}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.json"]  # no temporary left


def test_forked_dataloader_workers_record_too(tmp_path):
    script = (
        "import torch\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "\n"
        "\n"
        "class Rows(Dataset):\n"
        "    def __len__(self):\n"
        "        return 6\n"
        "\n"
        "    def __getitem__(self, i):\n"
        "        row = torch.Tensor([i, i + 1])\n"
        "        return row, row.sum().data[0]\n"
        "\n"
        "\n"
        "loader = DataLoader(Rows(), batch_size=2, num_workers=2, multiprocessing_context='fork')\n"
        "print(sum(float(s.sum()) for _, s in loader))\n"
    )
    (tmp_path / "rows.py").write_text(script)
    run = _python(["-m", "legacy_variable", "run", "-q", "--record", "ev.json", "rows.py"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "36.0\n"
    # Every item was made in a worker: the parent saw none of these sites.
    assert _sites(tmp_path / "ev.json", "rows.py") == {
        (10, 15, "ctor"): {"float32 data": 6},
        (11, 21, "index0"): {"ndim=0": 6},
    }


LOAD_IN_A_STRINGED_CALL = 'import torch\nmodel = g(torch.load("m.pth"), """\nnotes""")\nmodel.eval()\n'


def test_the_weights_only_comment_goes_after_the_string_not_into_it(tmp_path):
    # The end of the call's row is inside the string: a comment there would be text.
    (tmp_path / "m.py").write_text(LOAD_IN_A_STRINGED_CALL)
    ev = _evidence(tmp_path, LOAD_IN_A_STRINGED_CALL, [(2, 11, "load", {"refused:module": 1})])
    check(["m.py"], isolated=True, cwd=str(tmp_path), select=["LV122"], evidence=ev, fix=True,
          unsafe_fixes=True)
    assert (tmp_path / "m.py").read_text() == (
        'import torch\nmodel = g(torch.load("m.pth", weights_only=False), """\nnotes""")'
        "  # legacy-variable: the file holds a whole pickled model (seen at run time)\nmodel.eval()\n"
    )
