"""Issue 18's script kinds end to end (tests/fixtures/realworld18/, data-free rewrites of
2017 tutorial shapes): the GAN loop with an optimizer step between two backwards (LV210)
and `.numpy()[0]`/`.tolist()[0]` logging (LV124) with a byte-mask assignment (LV126).

Each runs unmodified on stock torch 2.13 (fails), under ``legacy-variable run`` (runs,
with PyTorch <= 1.4's numbers: the GAN is compared with a twin whose discriminator step
writes ``p.data`` by hand -- an update the version counters do not see, which is exactly
what 0.3-1.4 optimizers did), and after ``check --fix --unsafe-fixes`` on stock torch.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_realworld_scripts import _python, _stock_batch  # one runner for both sets of scripts

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "realworld18"
GAN, LINE = "painter_gan.py", "line_fit_masked.py"


def _twin_source(source: str) -> str:
    """The GAN as PyTorch <= 1.4 ran it, in modern spelling: the discriminator's SGD step
    through ``.data`` (not seen by autograd's version counters), 0-dim values read with
    ``.item()``."""
    step = "    opt_D.step()\n"
    assert source.count(step) == 1
    twin = source.replace(step, "    for p in D.parameters():\n"
                                "        p.data.add_(p.grad.data, alpha=-0.05)\n")
    return (twin.replace("retain_variables", "retain_graph")
                .replace(".numpy()[0]", ".item()"))


class _Outcomes:
    def __init__(self, base: Path) -> None:
        dirs = {}
        for kind in ("stock", "run", "fixed", "twin"):
            dirs[kind] = base / kind
            dirs[kind].mkdir()
            for name in (GAN, LINE):
                shutil.copy(FIXTURES / name, dirs[kind] / name)
        twin = dirs["twin"] / GAN
        twin.write_text(_twin_source(twin.read_text()))
        self.run, self.report, self.remaining = {}, {}, {}
        for name in (GAN, LINE):
            report = dirs["run"] / (name + ".json")
            self.run[name] = _python("-m", "legacy_variable", "run", "-q", "--report",
                                     str(report), name, cwd=dirs["run"])
            self.report[name] = json.loads(report.read_text())
            _python("-m", "legacy_variable", "check", "--fix", "--unsafe-fixes", name,
                    cwd=dirs["fixed"])
            left = _python("-m", "legacy_variable", "check", "--output-format", "json", name,
                           cwd=dirs["fixed"])
            self.remaining[name] = [(d["code"], d["location"]["row"])
                                    for d in json.loads(left.stdout)]
        jobs = [(dirs[kind], name) for kind in ("stock", "fixed") for name in (GAN, LINE)]
        jobs.append((dirs["twin"], GAN))
        results = _stock_batch(jobs)
        self.stock = {GAN: results[0], LINE: results[1]}
        self.fixed = {GAN: results[2], LINE: results[3]}
        self.twin = results[4]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> _Outcomes:
    return _Outcomes(tmp_path_factory.mktemp("realworld18"))


def test_stock_torch_fails(outcomes):
    assert outcomes.stock[GAN]["error"] == (
        "TypeError: Tensor.backward() got an unexpected keyword argument 'retain_variables'"
    )
    assert outcomes.stock[LINE]["error"] == (
        "RuntimeError: masked_fill_ only supports boolean masks, but got mask with dtype "
        "unsigned char"
    )


def _sites(report) -> set[tuple[str, int]]:
    return {(d["code"], d["location"]["row"]) for d in report}


def test_run_gives_pytorch_1_4s_numbers_for_the_step_between_backwards(outcomes):
    run = outcomes.run[GAN]
    assert run.returncode == 0, run.stderr[-3000:]
    assert outcomes.twin["error"] is None
    assert run.stdout == outcomes.twin["stdout"]
    assert run.stdout.count("\n") == 4
    assert _sites(outcomes.report[GAN]) == {
        ("LV101", 18), ("LV101", 27), ("LV106", 34), ("LV210", 35), ("LV210", 38),
        ("LV124", 42),
    }


def test_run_restores_numpy_index_and_byte_mask_assignment(outcomes):
    run = outcomes.run[LINE]
    assert run.returncode == 0, run.stderr[-3000:]
    assert _sites(outcomes.report[LINE]) == {
        ("LV126", 10), ("LV101", 18), ("LV124", 21), ("LV124", 23),
    }
    assert run.stdout.splitlines()[-1].startswith("weight ")


def test_after_the_fix_the_line_fit_runs_on_stock_with_the_same_numbers(outcomes):
    assert outcomes.remaining[LINE] == []
    assert outcomes.fixed[LINE]["error"] is None
    assert outcomes.fixed[LINE]["stdout"] == outcomes.run[LINE].stdout


def test_after_the_fix_the_gan_keeps_its_step_between_backwards_for_a_person(outcomes):
    # LV210 has no automatic fix: moving the backward or recomputing the forward changes
    # the numbers, which is the user's decision.
    assert outcomes.remaining[GAN] == [("LV210", 37)]
    assert outcomes.fixed[GAN]["error"].startswith(
        "RuntimeError: one of the variables needed for gradient computation has been "
        "modified by an inplace operation"
    )
