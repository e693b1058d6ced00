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
    # (No "with evidence" clause without --evidence: not known is not 0, and not "n/a".)
    assert ("- **37** diagnostics: 15 (41%) fixable safely with `legacy-variable check --fix`, "
            "4 (11%) more with `--unsafe-fixes`, 18 (49%) by hand") in out
    assert "- :warning: **3** autograd misconceptions (LV2xx): bugs, not style" in out
    assert "| Rule | Name | Count | Safe fix | Unsafe fix | By hand |" in lines
    table = [line for line in lines if line.startswith("| LV")]
    assert len(table) == 10
    # No docs-url configured: no link (a file:// page on this machine means nothing in a PR).
    assert table[0] == "| LV101 | variable-wrapper | 12 | 4 | 4 | 4 |"
    assert len(lines) < 30


def test_a_clean_tree_says_so(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.py").write_text("import torch\n")
    code, out = _run(capsys, "report", "-n", "--format", "markdown")
    assert code == 0
    assert "No legacy code left: 1 files checked." in out


# -- evidence: the numbers of `check --evidence`, split by what the evidence earned

EVIDENCE_SETS = [
    ["--evidence", "ev.json"],
    ["--evidence", "ev.json", "--evidence", "ev_cast.json"],
    ["--evidence", "ev.json", "--unsafe-fixes", "--select", "LV1"],
    ["--evidence", "ev.json", "src/probe.py", "src/legacy_training.py"],
]


@pytest.mark.parametrize("options", EVIDENCE_SETS, ids=lambda o: " ".join(o))
def test_with_evidence_the_report_counts_what_check_evidence_counts(tree, capsys, options) -> None:
    from report_helpers import probe_evidence

    probe_evidence(tree)
    code, out = _run(capsys, "check", "-n", "--output-format", "json", *options)
    found = json.loads(out)
    code, out = _run(capsys, "check", "-n", *options)
    summary = out.splitlines()[-1]
    code, out = _run(capsys, "report", "-n", "--format", "json", *options)
    assert code == 0
    data = json.loads(out)
    baseline = [o for o in options if o not in ("--evidence", "ev.json", "ev_cast.json")]
    code, out = _run(capsys, "check", "-n", "--output-format", "json", *baseline)
    unjudged = json.loads(out)

    fixable = data["summary"]["fixable"]
    assert data["summary"]["diagnostics"] == len(found)
    assert {r["code"]: r["count"] for r in data["rules"]} == {
        c: sum(d["code"] == c for d in found) for c in {d["code"] for d in found}}
    safe_now = sum(1 for d in found if d["fix"] and d["fix"]["applicability"] == "safe")
    unsafe_now = sum(1 for d in found if d["fix"] and d["fix"]["applicability"] == "unsafe")
    assert fixable["safe"] + fixable["evidence"] == safe_now
    assert fixable["unsafe"] == unsafe_now
    assert fixable["safe"] + fixable["evidence"] + fixable["unsafe"] + fixable["by_hand"] == len(found)
    assert sum(r["evidence"] for r in data["rules"]) == fixable["evidence"]
    # the probe: `loss.data[0]` seen 0-dim gets its safe fix through the evidence only;
    # `total_loss.data[0]` seen 1-D is disproved; the cast was safe without evidence
    assert fixable["evidence"] == 1
    assert fixable["safe"] == sum(1 for d in unjudged if d["fix"] and d["fix"]["applicability"] == "safe")
    assert data["summary"]["evidence"]["disproved"] == 1 == len(unjudged) - len(found)
    assert data["summary"]["evidence"]["files"] == [o for o in options if o.startswith("ev")]
    shown = re.search(r"\[\*\] (\d+) fixable", summary)
    if "--unsafe-fixes" in options:
        assert int(shown.group(1)) == safe_now + unsafe_now
    else:
        assert int(shown.group(1)) == safe_now


def test_evidence_in_the_markdown_and_per_rule(tree, capsys) -> None:
    from report_helpers import probe_evidence

    probe_evidence(tree)
    code, out = _run(capsys, "report", "-n", "src", "--format", "markdown", "--evidence", "ev.json")
    assert code == 0
    assert ("- **40** diagnostics: 16 (40%) fixable safely with `legacy-variable check --fix`, "
            "1 (2%) more safely with the recorded evidence (`--evidence`), 4 (10%) more with "
            "`--unsafe-fixes`, 19 (48%) by hand") in out
    assert "- evidence from `ev.json`: 1 finding disproved by the recorded runs (not counted)" in out
    assert "| Rule | Name | Count | Safe fix | With evidence | Unsafe fix | By hand |" in out
    assert "| LV104 | scalar-data-index | 7 | 5 | 1 | 0 | 1 |" in out.splitlines()


def test_configured_evidence_counts_as_given_and_the_command_line_replaces_or_extends_it(
        tree, capsys) -> None:
    from report_helpers import probe_evidence, write_evidence

    probe_evidence(tree)
    (tree / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n\n[tool.legacy-variable]\nevidence = [\"ev.json\"]\n")
    write_evidence(tree / "empty.json", [])

    def numbers(*argv):
        code, out = _run(capsys, "report", "-n", "src", "--format", "json", *argv)
        assert code == 0
        data = json.loads(out)
        return data["summary"]["diagnostics"], data["summary"]["fixable"]["evidence"], data["summary"]["evidence"]

    # configured: as `--evidence ev.json` (a path relative to the pyproject.toml)
    assert numbers() == (40, 1, {"files": ["ev.json"], "disproved": 1})
    # --evidence replaces the configured list (as ruff's --select replaces select)
    assert numbers("--evidence", "empty.json") == (41, 0, {"files": ["empty.json"], "disproved": 0})
    # --extend-evidence adds to it (as ruff's --extend-select)
    assert numbers("--extend-evidence", "empty.json")[2] == {"files": ["ev.json", "empty.json"], "disproved": 1}
    # and check agrees: the configured evidence drops the disproved finding there too
    code, out = _run(capsys, "check", "-n", "src", "--output-format", "json")
    assert len(json.loads(out)) == 40
    code, out = _run(capsys, "check", "-n", "src", "--show-settings")
    assert f"evidence = [{str(tree / 'ev.json')!r}]" in out.splitlines()
