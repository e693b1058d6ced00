"""bench/real_repos.py (issue 7, item 5) on a tiny repository: the counts it reports, and
that the directory it is given is never modified."""

import importlib.util
import os
import sys

BENCH = os.path.join(os.path.dirname(__file__), "..", "bench", "real_repos.py")


def _load():
    spec = importlib.util.spec_from_file_location("real_repos", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_repos"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_reports_counts_and_leaves_the_given_directory_alone(tmp_path, capsys):
    bench = _load()
    repo = tmp_path / "old-repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "train.py").write_text(
        "import torch\nfrom torch.autograd import Variable\n"
        "x = Variable(torch.randn(3)).cuda(async=True)\nprint(x.sum().data[0])\n"
    )
    (repo / "pkg" / "py2.py").write_text("print 'hello'\n")
    (repo / "pkg" / "clean.py").write_text("import torch\ny = torch.ones(2)\n")
    before = bench.tree_digest(str(repo))
    assert bench.main([str(repo), "--json", str(tmp_path / "out.json")]) == 0
    assert bench.tree_digest(str(repo)) == before
    out = capsys.readouterr().out
    assert "| old-repo | 3 | 7 | 2 | 1 | 0 |" in out
    result = bench.validate(str(repo))
    assert result.diagnostics["LV105"] == 1 and result.diagnostics["LV001"] == 1
    assert result.fixes["LV105"] == 1 and result.fixes["LV101"] == 1
    assert result.broken_by_fix == []
