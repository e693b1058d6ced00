"""The report's numbers are ``check``'s numbers, for the same tree and options."""

from __future__ import annotations

import json
import re

import pytest
from report_helpers import make_tree

from legacy_variable.cli import main
from legacy_variable.migration_report import build


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture
def tree(tmp_path, monkeypatch):
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


OPTION_SETS = [
    [],
    ["--select", "LV1"],
    ["--ignore", "LV101,LV2"],
    ["--unsafe-fixes"],
    ["--per-file-ignores", "src/seed_*.py:LV2", "--extend-exclude", "legacy_suite"],
    ["src/legacy_training.py", "nb.ipynb"],
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: " ".join(o) or "defaults")
def test_json_report_counts_what_check_counts(tree, capsys, options) -> None:
    code, out = _run(capsys, "check", "-n", "--output-format", "json", *options)
    assert code in (0, 1)
    found = json.loads(out)
    code, out = _run(capsys, "check", "-n", *options)
    summary = out.splitlines()[-1] if "fixable" in out else ""
    code, out = _run(capsys, "report", "-n", "--format", "json", *options)
    assert code == 0
    data = json.loads(out)

    assert found, "the option set must leave something to count"
    assert data["summary"]["diagnostics"] == len(found)
    per_rule: dict[str, int] = {}
    per_file: dict[str, int] = {}
    for d in found:
        per_rule[d["code"]] = per_rule.get(d["code"], 0) + 1
        per_file[d["filename"]] = per_file.get(d["filename"], 0) + 1
    assert {r["code"]: r["count"] for r in data["rules"]} == per_rule
    assert {f["path"]: f["diagnostics"] for f in data["files"]} == per_file
    assert data["summary"]["files_with_legacy"] == len(per_file)

    fixable = data["summary"]["fixable"]
    assert fixable["safe"] + fixable["unsafe"] + fixable["by_hand"] == len(found)
    assert fixable["evidence"] is None  # no --evidence given
    # check's own summary line: "[*] N fixable with the `--fix` option (M hidden fixes ...)"
    shown = re.search(r"\[\*\] (\d+) fixable", summary)
    hidden = re.search(r"(\d+) hidden fix", summary)
    if "--unsafe-fixes" in options:
        assert int(shown.group(1)) == fixable["safe"] + fixable["unsafe"]
        assert hidden is None
    else:
        assert (int(shown.group(1)) if shown else 0) == fixable["safe"]
        assert (int(hidden.group(1)) if hidden else 0) == fixable["unsafe"]


def test_headline_of_the_bundled_examples(tree) -> None:
    report = build(["src"])
    assert (report.files_total, report.files_with_legacy, report.diagnostics) == (8, 5, 37)
    assert report.fix_counts() == {"safe": 15, "unsafe": 4, "evidence": None, "hand": 18}
    # LV101+LV103 on one `Variable(x, volatile=True)` line are one edit for a person
    assert report.by_hand_lines == 14
    assert [s.code for s in report.misconceptions()] == ["LV201", "LV203"]
    rules = {s.code: (s.count, s.safe, s.unsafe, s.hand, s.files) for s in report.rules()}
    assert rules["LV101"] == (12, 4, 4, 4, 5)
    assert rules["LV104"] == (5, 5, 0, 0, 2)


def test_findings_carry_their_source_line_also_in_a_notebook(tree) -> None:
    report = build(["nb.ipynb"])
    (file,) = report.files
    assert file.lines == 3  # the code cell's rows; the markdown cell has none to lint
    seen = {(x.code, x.cell, x.line): x.source for x in file.findings}
    assert seen[("LV101", 2, 2)] == "x = Variable(torch.ones(2), volatile=True)"
    assert seen[("LV104", 2, 3)] == "print(loss.data[0])"


def test_directories_add_up(tree) -> None:
    report = build(["."])
    dirs = {d.path: (d.files, d.files_with_legacy, d.diagnostics) for d in report.directories()}
    assert dirs["src/clean"] == (1, 0, 0)
    assert dirs["."] == (1, 1, 4)  # nb.ipynb: LV102, LV101, LV103, LV104
    assert "build" not in dirs  # excluded by default, as check excludes it
    assert sum(d.diagnostics for d in report.directories()) == report.diagnostics
    assert sum(d.lines for d in report.directories()) == report.lines


def test_markdown_is_a_short_pull_request_comment(tree, capsys) -> None:
    code, out = _run(capsys, "report", "-n", "src", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "### Legacy PyTorch migration report: `src`"
    assert "- **5** of 8 files have legacy code" in out
    assert ("- **37** diagnostics: 15 (41%) fixable safely with `legacy-variable check --fix`, "
            "4 (11%) more with `--unsafe-fixes`, with evidence: n/a, 18 (49%) by hand") in out
    assert "- :warning: **3** autograd misconceptions (LV2xx): bugs, not style" in out
    table = [line for line in lines if line.startswith("| [LV")]
    assert len(table) == 10
    assert table[0].startswith("| [LV101](") and table[0].endswith("| variable-wrapper | 12 | 4 | 4 | 4 |")
    assert len(lines) < 30


def test_a_clean_tree_says_so(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.py").write_text("import torch\n")
    code, out = _run(capsys, "report", "-n", "--format", "markdown")
    assert code == 0
    assert "No legacy code left: 1 files checked." in out
