"""lint/overlap.py: a read-only run over paths checks most files while this process reads
the star imports, and parses each facts file once; its reports are those of the two
passes (``project.collect``, then the check)."""

from __future__ import annotations

import ast

import pytest

from legacy_variable.lint import api, engine, overlap, parallel, project
from legacy_variable.lint.api import check

pytestmark = pytest.mark.skipif(not parallel.FORK, reason="the overlap is used only where the check forks")

PLAIN = "import torch\nfrom torch.autograd import Variable\n\n\ndef f{i}(x):\n    return Variable(x, volatile=True).data[0]\n"


def _tree(root, plain: int = 40) -> None:
    """A project whose facts cross files every way: a module sets the default tensor
    type (every constructor's fix depends on it), a package star-imports a module that
    binds ``Variable``, a script star-imports a sibling, and one star import is written
    across lines: its text shows a star import, but only the parse shows of which module."""
    (root / "pyproject.toml").write_text("[tool.legacy-variable]\n")
    (root / "common.py").write_text("import torch\ntorch.set_default_tensor_type('torch.DoubleTensor')\n")
    (root / "ctor.py").write_text("import torch\nx = torch.Tensor([1, 2])\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("from .layers import *\n")
    (root / "pkg" / "layers.py").write_text("import torch\nfrom torch.autograd import Variable as Variable\n")
    (root / "pkg" / "use.py").write_text(
        "from . import *\n\n\ndef g(x):\n    return Variable(x, volatile=True)\n")
    # Written across lines: the text shows a star import, but not of which module; the
    # parse does.
    (root / "split.py").write_text("from \\\n    helper import *\ny = Variable(torch.zeros(1))\n")
    (root / "helper.py").write_text("import torch\nfrom torch.autograd import Variable\n")
    (root / "helper_user.py").write_text("from helper import *\nz = Variable(torch.ones(1))\n")
    for i in range(plain):
        (root / f"plain{i:03d}.py").write_text(PLAIN.format(i=i))


def _seen(result) -> list:
    return [(d.path, d.line, d.column, d.code, d.message, d.fix) for d in result.diagnostics]


def _counting_parses(monkeypatch, root) -> list[str]:
    """The texts of ``root``'s files that ``ast.parse`` is given from now on, one entry a
    parse (what else is parsed, such as a rule's example on first import, is left out)."""
    texts = {path.read_text() for path in root.rglob("*.py")}
    parsed: list[str] = []
    real_parse = ast.parse

    def counting(source, *args, **kwargs):
        text = source if isinstance(source, str) else source.decode()
        if text in texts:
            parsed.append(text)
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting)
    return parsed


def _two_passes(monkeypatch, root, **options):
    with monkeypatch.context() as patch:
        patch.setattr(overlap, "applies", lambda _options: False)
        return check([str(root)], cwd=str(root), **options)


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_the_overlapped_run_reports_what_the_two_passes_do(tmp_path, monkeypatch, jobs):
    _tree(tmp_path)
    taken = []
    real_take = overlap._Here.take
    monkeypatch.setattr(overlap._Here, "take", lambda self, rel: taken.append(rel) or real_take(self, rel))
    result = check([str(tmp_path)], cwd=str(tmp_path), jobs=jobs)
    # This process checked the star-reachable files itself (the overlap, not the fallback).
    assert sorted(taken) == ["helper.py", "helper_user.py", "pkg/__init__.py", "pkg/layers.py", "pkg/use.py",
                             "split.py"]
    assert _seen(result) == _seen(_two_passes(monkeypatch, tmp_path, jobs=jobs))
    found = {(d.path, d.code): d for d in result.diagnostics}
    # The default type set in common.py reaches ctor.py's fix; Variable reaches pkg/use.py
    # through two star imports, and split.py through the one split across lines.
    assert found["ctor.py", "LV107"].fix.message == "Use `torch.tensor(..., dtype=torch.get_default_dtype())`"
    assert ("pkg/use.py", "LV101") in found and ("pkg/use.py", "LV103") in found
    assert ("split.py", "LV101") in found and ("helper_user.py", "LV101") in found


def test_each_facts_file_is_parsed_once(tmp_path, monkeypatch):
    """The files that hold a star import or a setter, and the modules they star-import,
    are parsed for their facts and checked from that one tree (here in one process, where
    every parse can be counted)."""
    _tree(tmp_path, plain=4)
    parsed = _counting_parses(monkeypatch, tmp_path)
    check([str(tmp_path)], cwd=str(tmp_path), jobs=1)
    overlapped = sorted(parsed)
    parsed.clear()
    _two_passes(monkeypatch, tmp_path, jobs=1)
    # Each text once, but common.py's: parsed before anything is checked, for the default
    # type that every file's check needs, and checked by another process.
    twice = (tmp_path / "common.py").read_text()
    assert {text: overlapped.count(text) for text in overlapped if overlapped.count(text) != (2 if text == twice else 1)} == {}
    # The two passes parse these twice: pkg/__init__, layers, use, split, helper, helper_user.
    assert len(parsed) - len(overlapped) == 6


def test_past_the_held_budget_a_file_is_parsed_again_with_the_same_reports(tmp_path, monkeypatch):
    _tree(tmp_path, plain=4)
    parsed = _counting_parses(monkeypatch, tmp_path)
    kept = check([str(tmp_path)], cwd=str(tmp_path), jobs=1)
    with_trees = len(parsed)
    parsed.clear()
    monkeypatch.setattr(overlap, "_HELD_CHARS", 0)
    again = check([str(tmp_path)], cwd=str(tmp_path), jobs=1)
    assert _seen(again) == _seen(kept)
    assert len(parsed) == with_trees + 6  # each star-importing file and module once more


def test_a_guess_the_parse_disproves_is_checked_again(tmp_path, monkeypatch):
    """The helpers check split.py's target (helper.py) as if nothing star-imported it; the
    parse says otherwise, and its report is made again with the facts that say so."""
    _tree(tmp_path)
    # helper_user.py names helper in one line; without it, helper.py is reached only
    # through split.py's star import, which the text does not show.
    (tmp_path / "helper_user.py").unlink()
    checked_again = []
    real = api._check_files
    monkeypatch.setattr(api, "_check_files", lambda files, *a, **k: checked_again.append(
        sorted(display for _, display in files)) or real(files, *a, **k))
    result = check([str(tmp_path)], cwd=str(tmp_path), jobs=2)
    assert [name.replace("\\", "/").rpartition("/")[2] for name in checked_again[-1]] == ["helper.py"]
    assert _seen(result) == _seen(_two_passes(monkeypatch, tmp_path, jobs=2))
    # helper.py's Variable import is used through the star import: LV102 must not remove
    # it, as it would under the common facts the helpers checked helper.py with.
    unused = [d for d in result.diagnostics if d.path == "helper.py" and d.code == "LV102"]
    assert len(unused) == 1 and unused[0].fix is None
    (tmp_path / "split.py").unlink()
    alone = check([str(tmp_path / "helper.py")], cwd=str(tmp_path), jobs=1)
    assert [d.fix is not None for d in alone.diagnostics if d.code == "LV102"] == [True]


def test_star_imports_that_are_most_of_the_tree_come_first(tmp_path, monkeypatch):
    """When the star-importing files would keep this process busy longer than the helpers,
    the facts are read first, as by the two passes: every report the same."""
    _tree(tmp_path, plain=0)
    for i in range(40):
        (tmp_path / f"star{i:03d}.py").write_text(f"from helper import *\nv{i} = Variable(torch.ones(1))\n")
    here = []
    monkeypatch.setattr(overlap._Here, "force", lambda self, wanted: here.append(wanted) or {})
    result = check([str(tmp_path)], cwd=str(tmp_path), jobs=2)
    assert here == []  # the star-imported modules were read by the helpers, not here
    assert _seen(result) == _seen(_two_passes(monkeypatch, tmp_path, jobs=2))
    assert sum(d.code == "LV101" for d in result.diagnostics) >= 40


def test_fixes_are_never_made_under_a_guess():
    options = engine.Options(settings=None, fix=True)  # type: ignore[arg-type]
    assert not overlap.applies(options)


def test_the_cache_after_an_overlapped_run_serves_the_same(tmp_path, monkeypatch):
    _tree(tmp_path)
    cache = tmp_path / ".cache"
    cold = check([str(tmp_path)], cwd=str(tmp_path), jobs=2, cache=str(cache))
    monkeypatch.setattr(engine, "process_file", lambda *a, **k: pytest.fail("checked again"))
    warm = check([str(tmp_path)], cwd=str(tmp_path), jobs=2, cache=str(cache))
    assert _seen(warm) == _seen(cold)
    assert project.FactsStore(str(cache)).entries  # the facts were stored as they were learnt


def test_progress_counts_the_parents_own_files_too(tmp_path):
    _tree(tmp_path)
    calls: list[tuple[int, int]] = []
    check([str(tmp_path)], cwd=str(tmp_path), jobs=2, progress=lambda done, total: calls.append((done, total)))
    files = 8 + 40
    assert {total for _, total in calls} == {files}
    assert calls[0][0] == 0 and calls[-1] == (files, files)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
