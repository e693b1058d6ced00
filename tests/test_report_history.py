"""``--history N``: the legacy count per commit, read from git objects only."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from report_helpers import cli

from legacy_variable.migration_report import build
from legacy_variable.migration_report.model import ReportError

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def commit(repo, message: str, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        path = repo / name
        if text is None:
            git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    commit(tmp_path, "legacy", {
        "pyproject.toml": "[project]\nname = 'demo'\n",
        "pkg/a.py": "from torch.autograd import Variable\nx = Variable(t)\ny = loss.data[0]\n",
        "pkg/b.py": "from torch.autograd import Variable\nz = Variable(t, volatile=True)\n",
        "build/gen.py": "from torch.autograd import Variable\nw = Variable(t)\n",  # excluded, as check excludes it
        "other/c.py": "import torch\nq = torch.autograd.Variable(t)\n",
    })
    commit(tmp_path, "fix a", {"pkg/a.py": "y = loss.item()\n"})
    commit(tmp_path, "drop b", {"pkg/b.py": None})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_trend_per_commit_oldest_first(repo) -> None:
    report = build(["."], history=10)
    points = [(p.subject, p.diagnostics, p.files_with_legacy, p.files) for p in report.history]
    # a.py: LV102, LV101, LV104; b.py: LV102, LV101, LV103; other/c.py: LV101
    assert points == [("legacy", 7, 3, 3), ("fix a", 4, 2, 3), ("drop b", 1, 1, 2)]
    assert report.history[-1].commit == git(repo, "rev-parse", "HEAD").strip()
    # HEAD is the clean working tree: the trend ends where the headline stands
    assert report.history[-1].diagnostics == report.diagnostics


def test_history_is_limited_to_n_commits_and_to_the_path(repo) -> None:
    report = build(["pkg"], history=2)
    assert [(p.subject, p.diagnostics) for p in report.history] == [("fix a", 3), ("drop b", 0)]


def test_history_of_several_paths(repo) -> None:
    report = build(["pkg/a.py", "other"], history=3)
    assert [p.diagnostics for p in report.history] == [4, 1, 1]
    assert report.history[-1].diagnostics == report.diagnostics


def test_history_never_touches_the_working_tree(repo) -> None:
    edited = "from torch.autograd import Variable\nv = Variable(t)\nw = Variable(u)\n"
    (repo / "pkg" / "a.py").write_text(edited)  # uncommitted
    status = git(repo, "status", "--porcelain")
    report = build(["."], history=3)
    assert [p.diagnostics for p in report.history] == [7, 4, 1]
    assert report.diagnostics == 4  # the working tree: import and two wraps here, one in other/c.py
    assert git(repo, "status", "--porcelain") == status
    assert (repo / "pkg" / "a.py").read_text() == edited


def test_json_and_html_carry_the_trend(repo) -> None:
    done = cli("report", "-n", "--history", "3", "--format", "json", cwd=str(repo))
    assert done.returncode == 0, done.stderr
    history = json.loads(done.stdout)["history"]
    assert [(h["subject"], h["diagnostics"]) for h in history] == [("legacy", 7), ("fix a", 4), ("drop b", 1)]
    done = cli("report", "-n", "--history", "3", "-o", "r.html", cwd=str(repo))
    assert done.returncode == 0, done.stderr
    page = (repo / "r.html").read_text()
    assert page.count('class="mark point"') == 3 and page.count('class="mark line"') == 1


def test_outside_a_git_repository(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(ReportError, match="--history needs a git repository: '.' is not inside one"):
        build(["."], history=3)
    done = cli("report", "--history", "0", cwd=str(tmp_path))
    assert done.returncode == 2 and "expected at least 1 commit" in done.stderr
