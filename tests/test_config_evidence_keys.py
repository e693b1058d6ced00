"""``[tool.legacy-variable]``'s ``evidence``, ``extend-evidence`` and ``docs-url`` keys, as
``check`` reads them (the report and the server read the same settings)."""

from __future__ import annotations

import json
import os

import pytest
from report_helpers import PROBE, write_evidence

from legacy_variable.cli import main


def _check(capsys, *argv):
    code = main(["check", "-n", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "probe.py").write_text(PROBE)
    lines = PROBE.splitlines()
    (tmp_path / "runs").mkdir()
    write_evidence(tmp_path / "runs" / "ev.json", [("src/probe.py", 6, 11, lines[5], "index0", {"ndim=1": 2})])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _lines(out: str) -> list[int]:
    return [d["location"]["row"] for d in json.loads(out) if d["code"] == "LV104"]


@pytest.mark.parametrize(
    "table, message",
    [
        ('evidence = "ev.json"', "'evidence' must be a list of paths"),
        ('extend-evidence = [""]', "'extend-evidence' must be a list of paths"),
        ("docs-url = 3", "'docs-url' must be a string"),
        ('docs-url = "https://docs.example/rules"', "'docs-url' must contain {code}"),
        ('docs-url = "docs/{code}.md"', "'docs-url' must be an absolute URI"),
        ('docs-url = "https://x/{code}/{name}"', "'docs-url' may hold no braces but {code}"),
    ],
)
def test_invalid_keys_are_one_line_and_exit_2(project, capsys, table, message):
    (project / "pyproject.toml").write_text(f"[tool.legacy-variable]\n{table}\n")
    code, out, err = _check(capsys)
    assert code == 2 and out == ""
    assert err.startswith("legacy-variable: error: ") and message in err and err.count("\n") == 1


def test_evidence_paths_are_relative_to_the_pyproject(project, capsys, monkeypatch):
    assert _lines(_check(capsys, "--output-format", "json")[1]) == [5, 6, 7]
    (project / "pyproject.toml").write_text('[tool.legacy-variable]\nevidence = ["runs/ev.json"]\n')
    monkeypatch.chdir(project / "src")  # run from below: still the pyproject's runs/ev.json
    assert _lines(_check(capsys, "--output-format", "json")[1]) == [5, 7]
    # the command line replaces the configured list; --config "k = v" paths are the cwd's
    write_evidence(project / "src" / "none.json", [])
    assert _lines(_check(capsys, "--output-format", "json", "--evidence", "none.json")[1]) == [5, 6, 7]
    assert _lines(_check(capsys, "--output-format", "json", "--config", 'evidence = ["none.json"]')[1]) == [5, 6, 7]
    assert _lines(_check(capsys, "--output-format", "json", "--extend-evidence", "none.json")[1]) == [5, 7]


def test_a_configured_evidence_file_that_is_missing_says_which(project, capsys):
    (project / "pyproject.toml").write_text('[tool.legacy-variable]\nevidence = ["runs/gone.json"]\n')
    code, out, err = _check(capsys)
    assert (code, out) == (2, "")
    assert err == (f"legacy-variable: error: cannot read evidence file "
                   f"{os.path.join(str(project), 'runs', 'gone.json')}: No such file or directory\n")


def test_docs_url_is_a_setting(project, capsys):
    (project / "pyproject.toml").write_text('[tool.legacy-variable]\ndocs-url = "https://docs.example/lv/{code}"\n')
    code, out, err = _check(capsys, "--show-settings")
    assert code == 0 and "docs-url = 'https://docs.example/lv/{code}'" in out.splitlines()
