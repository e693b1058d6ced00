"""Project-wide facts (lint/project.py): star imports resolved across modules, imports
kept while a star-importer uses them, constructor fixes right under the project's default
dtype; and the end-to-end promise: fixing a realistic multi-module project with a
non-default default dtype and star imports changes nothing it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_variable.lint import check
from legacy_variable.lint.project import FileFacts, ProjectFacts, collect, module_name

ROOT = Path(__file__).resolve().parent.parent

COMMON = """\
import torch

# Double precision everywhere: the numerics of the finite-difference checks need it.
torch.set_default_tensor_type('torch.DoubleTensor')
torch.manual_seed(0)
"""

MODEL = """\
import torch
from torch.autograd import Variable
from common import *


def features(values):
    return Variable(torch.Tensor(values))


def weights():
    return Variable(torch.Tensor(2, 2).fill_(0.5), requires_grad=True)
"""

TRAIN = """\
from model import *

x = features([[1, 2], [3, 4]])
w = weights()
y = torch.mm(x, w)
print(y.dtype, y.sum().item())
steps = torch.range(0, 3)
print(steps.dtype, steps.tolist())
mask = torch.FloatTensor([1, 0])
print(mask.dtype)
z = Variable(torch.Tensor([0.5, 1.5]), volatile=True)
print(z.dtype, z.tolist())
"""


def write_project(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def project(tmp_path):
    write_project(tmp_path, {"common.py": COMMON, "model.py": MODEL, "train.py": TRAIN})
    return tmp_path


def found(result, name):
    [report] = [r for r in result.files if r.path.endswith(name)]
    return [(d.code, d.line, d.column) for d in report.diagnostics]


def _run(args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


# ---------------------------------------------------------------------- the facts
def test_module_names():
    assert module_name("pkg/model.py") == "pkg.model"
    assert module_name("pkg/__init__.py") == "pkg"
    assert module_name("my-scripts/x.py") is None
    assert module_name("notes.ipynb") is None


def test_facts_of_a_project(project):
    facts = collect([(str(project / n), n) for n in ("common.py", "model.py", "train.py")])
    train, model, common = facts.view("train.py"), facts.view("model.py"), facts.view("common.py")
    # torch comes through model's star import of common, and Variable from model itself.
    assert dict(train.star_bindings) == {"Variable": "torch.autograd.Variable", "torch": "torch"}
    assert model.star_needed == {"Variable", "torch", "features", "weights"}
    assert common.star_needed == frozenset()  # model binds torch itself
    assert train.default_setters == ("common.py:4",)
    assert not train.default_is_float32 and train.default_is_cpu
    assert train.fingerprint() and train.fingerprint() != model.fingerprint()


def test_all_limits_what_a_star_import_brings(tmp_path):
    write_project(tmp_path, {
        "lib/__init__.py": "",
        "lib/util.py": "from torch.autograd import Variable as V\nimport torch as t\n__all__ = ['t']\n",
        "lib/run.py": "from .util import *\nprint(V, t)\n",
    })
    facts = collect([(str(tmp_path / n), n) for n in ("lib/__init__.py", "lib/util.py", "lib/run.py")])
    assert dict(facts.view("lib/run.py").star_bindings) == {"t": "torch"}
    assert facts.view("lib/util.py").star_needed == {"t"}


def test_a_project_that_sets_no_default_is_float32_and_fingerprint_free(tmp_path):
    write_project(tmp_path, {"a.py": "import torch\nx = torch.Tensor([1, 2])\n"})
    view = collect([(str(tmp_path / "a.py"), "a.py")]).view("a.py")
    assert view.default_is_float32 and view.fingerprint() == ""
    assert not FileFacts.UNKNOWN.default_is_float32  # type: ignore[attr-defined]


def test_a_cuda_default_tensor_type_is_seen():
    record = (True, (), None, (), (), (), (("set_default_tensor_type", 3, "'torch.cuda.FloatTensor'"),))
    assert not ProjectFacts({"a.py": record}).view("a.py").default_is_cpu


# ---------------------------------------------------------------------- what rules make of them
def test_variable_through_a_star_import_is_reported(project):
    result = check([str(project)], select=["LV101"], isolated=True, cwd=str(project))
    assert found(result, "train.py") == [("LV101", 11, 5)]


def test_the_import_a_star_importer_uses_is_reported_without_a_fix(project):
    result = check([str(project)], select=["LV102"], isolated=True, cwd=str(project))
    [report] = [r for r in result.files if r.path.endswith("model.py")]
    [diagnostic] = report.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.fix) == ("LV102", 2, None)


def test_a_file_checked_alone_keeps_the_ruff_like_removal():
    result = check(source="from torch.autograd import Variable\nimport torch\n", filename="m.py",
                   select=["LV102"], isolated=True)
    [diagnostic] = result.files[0].diagnostics
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "safe"


def test_constructor_fixes_follow_the_default(project):
    check([str(project)], fix=True, isolated=True, cwd=str(project))
    model = (project / "model.py").read_text()
    train = (project / "train.py").read_text()
    assert "torch.tensor(values" not in model  # a variable argument: no fix
    assert "torch.empty(2, 2).fill_(0.5).requires_grad_()" in model
    assert "steps = torch.arange(0, 4, dtype=torch.get_default_dtype())" in train
    # float32 whatever the default: the typed constructor stays exact.
    assert "mask = torch.tensor([1, 0], dtype=torch.float32)" in train
    assert "from torch.autograd import Variable" in model


def test_in_a_float32_project_the_fix_names_float32(tmp_path):
    write_project(tmp_path, {"a.py": "import torch\nx = torch.Tensor([1, 2])\nr = torch.range(0, 2)\n"})
    check([str(tmp_path)], fix=True, isolated=True, cwd=str(tmp_path))
    assert (tmp_path / "a.py").read_text() == (
        "import torch\nx = torch.tensor([1, 2], dtype=torch.float32)\n"
        "r = torch.arange(0, 3, dtype=torch.float32)\n")


def test_typed_cpu_constructor_fix_is_unsafe_under_a_cuda_default(tmp_path):
    write_project(tmp_path, {
        "setup.py": "import torch\ntorch.set_default_tensor_type(torch.cuda.FloatTensor)\n",
        "a.py": "import torch\nx = torch.FloatTensor([1, 2])\n",
    })
    result = check([str(tmp_path)], select=["LV107"], isolated=True, cwd=str(tmp_path))
    [report] = [r for r in result.files if r.path.endswith("a.py")]
    assert [d.fix.applicability for d in report.diagnostics] == ["unsafe"]


def test_a_change_in_the_setting_module_rechecks_its_dependants(tmp_path):
    write_project(tmp_path, {"common.py": "import torch\n",
                             "a.py": "import torch\nr = torch.range(0, 2)\n"})
    cache = str(tmp_path / ".cache")

    def fix_of_a():
        result = check([str(tmp_path)], select=["LV118"], isolated=True, cwd=str(tmp_path), cache=cache)
        [report] = [r for r in result.files if r.path.endswith("a.py")]
        return report.diagnostics[0].fix.edits[-1].content

    assert fix_of_a() == ", dtype=torch.float32"
    assert fix_of_a() == ", dtype=torch.float32"  # served by the cache
    (tmp_path / "common.py").write_text("import torch\ntorch.set_default_dtype(torch.float64)\n")
    assert fix_of_a() == ", dtype=torch.get_default_dtype()"
    (tmp_path / "common.py").write_text("import torch\n")
    assert fix_of_a() == ", dtype=torch.float32"


# ---------------------------------------------------------------------- end to end
def test_fixing_the_project_changes_nothing_it_prints(project, tmp_path_factory):
    """0 behaviour-changing fixes: the original under ``legacy-variable run`` and the fixed
    copy (safe and unsafe fixes) under stock torch print the same."""
    original = _run(["-m", "legacy_variable", "run", "train.py"], project)
    assert original.returncode == 0, original.stderr
    assert "torch.float64 10.0" in original.stdout  # the default really is double

    result = check([str(project)], fix=True, unsafe_fixes=True, isolated=True, cwd=str(project))
    assert any(r.fixed for r in result.files)
    fixed = _run(["train.py"], project)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == original.stdout
    assert fixed.stdout.splitlines()[1:3] == [
        "torch.float64 [0.0, 1.0, 2.0, 3.0]", "torch.float32"]


def test_a_sibling_module_in_a_folder_that_is_no_package(tmp_path):
    """practical-pytorch's ``char-rnn-classification/predict.py`` gets torch and Variable
    from ``from model import *``: the folder name is no identifier, the script's folder is
    on sys.path all the same."""
    write_project(tmp_path, {
        "char-rnn/model.py": "import torch\nfrom torch.autograd import Variable\n",
        "char-rnn/predict.py": "from model import *\nrnn = torch.load('rnn.pt')\n"
                               "def evaluate(x):\n    return rnn(Variable(x))\n",
    })
    result = check([str(tmp_path)], select=["LV101", "LV122"], isolated=True, cwd=str(tmp_path))
    assert found(result, "predict.py") == [("LV122", 2, 7), ("LV101", 4, 16)]


def test_a_chain_of_star_imports_is_followed_round_by_round(tmp_path):
    """``__all__`` alone no longer makes the facts pass parse a file: a star-imported one
    is parsed whatever it holds, one round per level of the chain, serially or in
    parallel, and a second run reads the same records from the store."""
    write_project(tmp_path, {
        "base.py": "from torch.autograd import Variable as V\nimport torch\n__all__ = ['V']\n",
        "middle.py": "from base import *\n",
        "top.py": "from middle import *\nx = V(torch.ones(1))\n",
        "alone.py": "__all__ = ['nothing']\n",
    })
    files = [(str(tmp_path / n), n) for n in ("alone.py", "base.py", "middle.py", "top.py")]
    for path, _ in files:  # older than the stat's clock tick: the store may trust it
        os.utime(path, (1_500_000_000, 1_500_000_000))
    calls: list[int] = []

    def mapper(function, items):
        calls.append(len(items))
        return [function(item) for item in items]

    facts = collect(files, str(tmp_path / "cache"), mapper=mapper)
    assert calls == [4, 1]  # every file, then base.py, reached through middle.py
    assert not facts.records["alone.py"][0] and facts.records["base.py"][0]
    assert dict(facts.view("middle.py").star_bindings) == {"V": "torch.autograd.Variable"}
    assert dict(facts.view("top.py").star_bindings) == {"V": "torch.autograd.Variable"}
    assert facts.view("base.py").star_needed == {"V"}
    calls.clear()
    again = collect(files, str(tmp_path / "cache"), mapper=mapper)
    assert calls == []  # nothing read: the stats are unchanged
    assert again.view("top.py") == facts.view("top.py") and again.view("base.py") == facts.view("base.py")
