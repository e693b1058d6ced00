"""Runtime reports (``run --report``, ``pytest --legacy-variable-report``) merged into the
static picture: which static findings ran, what only the runtime saw, counts per site."""

from __future__ import annotations

import json
import os
import re

import pytest
from report_helpers import cli, make_tree

from legacy_variable.diagnostics import Diagnostic
from legacy_variable.migration_report import build
from legacy_variable.migration_report.model import ReportError
from legacy_variable.rules import Code
from legacy_variable.tally import Entry


@pytest.fixture
def tree(tmp_path, monkeypatch):
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _site(code, path, line, column=5, **args):
    return Diagnostic.of(code, path, line, column, args=args or None)


def test_pytest_report_marks_executed_findings_and_runtime_only_sites(tree) -> None:
    model = os.path.join("src", "legacy_suite", "test_legacy_model.py")
    entries = [
        # the same site in two tests: one site, counts summed, two tests
        Entry(_site(Code.SCALAR_DATA_INDEX, model, 33), "t.py::test_a", False, 40),
        Entry(_site(Code.SCALAR_DATA_INDEX, model, 33), "t.py::test_b", False, 2),
        # an absolute path (a module's __file__), another rule on a line the linter reports
        Entry(_site(Code.VARIABLE_WRAPPER, str(tree / model), 9), "t.py::test_a", False, 1),
        # a site the linter cannot see
        Entry(_site(Code.GRAD_ALWAYS_NONE, model, 31), "t.py::test_c", False, 3),
    ]
    (tree / "pytest.json").write_text(json.dumps([e.to_json() for e in entries]))
    report = build(["src"], runtime=["pytest.json"])
    rt = report.runtime
    sites = {(s.code, s.path, s.line): (s.count, s.tests, s.static) for s in rt.sites}
    assert sites == {
        ("LV104", "src/legacy_suite/test_legacy_model.py", 33): (42, 2, True),
        ("LV101", "src/legacy_suite/test_legacy_model.py", 9): (1, 1, True),
        ("LV203", "src/legacy_suite/test_legacy_model.py", 31): (3, 1, False),
    }
    # line 33 holds two LV104 findings (`after.data[0] < before.data[0]`): both ran
    assert (rt.executed, rt.static_total, len(rt.runtime_only), rt.occurrences) == (3, 37, 1, 46)
    (model_stat,) = [f for f in report.files if f.path == "src/legacy_suite/test_legacy_model.py"]
    ran = [(x.code, x.line, x.column, x.runtime) for x in model_stat.findings if x.runtime]
    assert ran == [("LV101", 9, 9, 1), ("LV104", 33, 12, 42), ("LV104", 33, 28, 42)]
    assert rt.runtime_only[0].source == open(model).read().splitlines()[30].rstrip()

    from legacy_variable.migration_report.html import render

    page = render(report)
    bar = page[page.index('<svg class="chart runtime-bar"'):]
    bar = bar[: bar.index("</svg>")]
    assert re.findall(r'class="mark rt-([\w-]+)".*?<title>(.*?)</title>', bar) == [
        ("ran", "static findings executed: 3"),
        ("not-ran", "static findings not executed: 34"),
        ("runtime-only", "sites seen only at run time: 1"),
    ]
    assert page.index('id="runtime"') > page.index('id="files"')


def test_run_report_of_a_real_run_matches_the_static_findings(tree) -> None:
    # `legacy-variable run` from the script's own directory: the report's paths are
    # relative to there, not to where the report is built.
    done = cli("run", "--quiet", "--report", str(tree / "run.json"), "legacy_training.py",
               cwd=str(tree / "src"))
    assert done.returncode == 0, done.stderr
    done = cli("report", "-n", "src", "--runtime", "run.json", "--format", "json", cwd=str(tree))
    assert done.returncode == 0, done.stderr
    rt = json.loads(done.stdout)["runtime"]
    assert (rt["static_executed"], rt["static_total"], rt["runtime_only_sites"]) == (8, 37, 0)
    assert {(s["code"], s["line"]) for s in rt["by_site"]} == {
        ("LV116", 25), ("LV113", 32), ("LV101", 38), ("LV101", 39), ("LV104", 42),
        ("LV101", 48), ("LV103", 48), ("LV114", 49),
    }
    assert {s["path"] for s in rt["by_site"]} == {"src/legacy_training.py"}


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not JSON"),
    ('{"a": 1}', "expected a JSON list of diagnostics"),
    ('[{"code": "LV101"}]', "item 0 is not a diagnostic object"),
])
def test_bad_runtime_report_is_one_clear_error(tree, content, message) -> None:
    (tree / "bad.json").write_text(content)
    with pytest.raises(ReportError, match=message):
        build(["src"], runtime=["bad.json"])
    done = cli("report", "src", "--runtime", "bad.json", cwd=str(tree))
    assert done.returncode == 2
    assert done.stderr.startswith("legacy-variable: error: runtime report 'bad.json'")
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tree / "legacy-variable-report.html").exists()


def test_missing_runtime_report(tree) -> None:
    done = cli("report", "src", "--runtime", "nope.json", cwd=str(tree))
    assert done.returncode == 2
    assert done.stderr == "legacy-variable: error: runtime report 'nope.json': No such file or directory\n"
