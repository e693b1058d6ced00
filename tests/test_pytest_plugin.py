"""The pytest plugin, end to end: legacy suites run through pytester.

Runs that activate the plugin go through ``runpytest_subprocess``: they install the shim
behind ``torch.autograd`` and push legacy mode, process-wide state this session must not
share, and an in-process run would re-import torch submodules that pytester's module
snapshot drops between runs (torch's C extension cannot be initialised twice). Runs
that are rejected before anything is activated stay in-process (fast).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest

from legacy_variable.diagnostics import Diagnostic


# A 0.3-era suite: Variable everywhere, loss.data[0], volatile=True, the c_var trap.
LEGACY_SUITE = '''
import torch
from torch.autograd import Variable


def test_wrap():
    x = Variable(torch.ones(3))
    assert x.sum().item() == 3


def test_loss_scalar():
    w = Variable(torch.ones(2), requires_grad=True)
    loss = (w * 2).sum()
    assert loss.data[0] == 4


def test_volatile_eval():
    x = Variable(torch.ones(2), volatile=True)
    assert not (x * 2).requires_grad


def test_c_var():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    c = a + b
    c_var = Variable(c, requires_grad=True)
    c_var.backward(torch.ones(3))
    assert c_var.grad is not None
'''

# Legacy idioms that also run on stock torch (no legacy mode needed): for the gate.
SHIM_SUITE = '''
import pytest
import torch
from torch.autograd import Variable


def test_wrap():
    x = Variable(torch.ones(3))
    assert x.sum().item() == 3


@pytest.mark.parametrize("n", [1, 2, 3])
def test_wrap_loop(n):
    for _ in range(n):
        Variable(torch.ones(1))


def test_volatile():
    x = Variable(torch.ones(2), volatile=True)
    assert not (x * 2).requires_grad


@pytest.mark.legacy_variable(allow=["LV201"])
def test_c_var():
    a = torch.ones(3, requires_grad=True)
    c = a * 2
    c_var = Variable(c, requires_grad=True)
    c_var.sum().backward()
    assert a.grad is None


def test_clean():
    assert torch.ones(1).item() == 1
'''

# A conftest that binds Variable at import time, as old suites do.
SHIM_CONFTEST = '''
import pytest
from torch.autograd import Variable as ConftestVariable


@pytest.fixture
def conftest_variable():
    return ConftestVariable
'''

SHIM_CONFTEST_TEST = '''
import legacy_variable


def test_conftest_import_gets_the_shim(conftest_variable):
    assert conftest_variable is legacy_variable.Variable
'''

#: Occurrences per code in SHIM_SUITE + its conftest test.
SHIM_COUNTS = {"LV101": 9, "LV103": 1, "LV201": 1}


def summary_rows(outlines: list[str]) -> dict[str, tuple[int, int]]:
    """code -> (count, tests) from the terminal summary table."""
    rows = {}
    for line in outlines:
        match = re.match(r"(LV\d{3})\s+[a-z-]+\s+(\d+)\s+(\d+)\s", line)
        if match:
            rows[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return rows


def counts(report: list[dict]) -> dict[str, int]:
    result: dict[str, int] = {}
    for item in report:
        result[item["code"]] = result.get(item["code"], 0) + item["count"]
    return result


def run_subprocess(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


@pytest.fixture
def shim_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(SHIM_CONFTEST)
    pytester.makepyfile(test_legacy=SHIM_SUITE, test_conftest_import=SHIM_CONFTEST_TEST)
    return pytester


# --------------------------------------------------------------------------- activation


def test_legacy_suite_fails_without_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_legacy=LEGACY_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["FAILED*test_loss_scalar - IndexError: invalid index of a 0-di*"])
    result.stdout.no_fnmatch_line("*legacy-variable summary*")


def test_legacy_suite_passes_with_the_plugin_and_is_summarised(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_legacy=LEGACY_SUITE)
    result = pytester.runpytest_subprocess("--legacy-variable", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "legacy-variable: shim installed, legacy mode on",
            "*= legacy-variable summary =*",
            "code*name*count*tests*fix*first locations",
            "LV101*variable-wrapper*4*4*test_legacy.py:6, test_legacy.py:11, test_legacy.py:17, (+1 more)",
            "LV103*volatile-flag*1*1*test_legacy.py:17",
            "LV104*scalar-data-index*1*1*test_legacy.py:13",
            "LV201*rewrap-computed-tensor*1*1*test_legacy.py:25",
            "*legacy diagnostics at * call sites in 4 tests",
            "3 of 7 call sites auto-fixable with `legacy-variable check --fix`, 1 more with "
            "--unsafe-fixes",
        ]
    )
    rows = summary_rows(result.outlines)
    assert rows["LV101"] == (4, 4)
    assert rows["LV104"] == (1, 1)


def test_inactive_by_default_and_free_for_other_projects(pytester: pytest.Pytester) -> None:
    # A project that never asked: no torch import, no shim, no summary, marker known.
    pytester.makepyfile(
        test_other='''
        import sys
        import pytest

        @pytest.mark.legacy_variable(allow=["LV101"])
        def test_untouched():
            assert "torch" not in sys.modules
            assert "legacy_variable.runtime.shim" not in sys.modules
            import torch
            assert torch.autograd.Variable.__module__ == "torch.autograd.variable"
        '''
    )
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("legacy-variable: *")
    result.stdout.no_fnmatch_line("*legacy-variable summary*")


def test_disabled_with_p_no(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nlegacy_variable = true\n")
    pytester.makepyfile(
        test_other='''
        import sys

        def test_stock():
            assert "legacy_variable.runtime.shim" not in sys.modules
        '''
    )
    result = pytester.runpytest_subprocess("-p", "no:legacy_variable", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*legacy-variable summary*")
    result = pytester.runpytest_subprocess(
        "-p", "no:legacy_variable", "--legacy-variable", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --legacy-variable*"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--legacy-variable-allow=LV101,LV999"], "--legacy-variable-allow: unknown rule selector 'LV999'"),
        (["-o", "legacy_variable_mode=sometimes"], "ini legacy_variable_mode: expected one of on, off*"),
        (["--legacy-variable-mode=sometimes"], "*argument --legacy-variable-mode: invalid choice*"),
    ],
)
def test_bad_settings_are_usage_errors(pytester: pytest.Pytester, args, message) -> None:
    # Rejected before anything is installed, so in-process is safe.
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("--legacy-variable", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}"])


def test_help_lists_options_with_ini_twins(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    for option in ("--legacy-variable ", "--legacy-variable-mode", "--legacy-variable-strict",
                   "--legacy-variable-allow", "--legacy-variable-report"):
        result.stdout.fnmatch_lines([f"*{option}*"])
    for ini in ("legacy_variable ", "legacy_variable_mode", "legacy_variable_strict",
                "legacy_variable_allow", "legacy_variable_report"):
        result.stdout.fnmatch_lines([f"  {ini}*"])


# --------------------------------------------------------------------------- gate, report


def test_strict_fails_on_diagnostics_not_allowed(shim_suite: pytest.Pytester) -> None:
    result = run_subprocess(
        shim_suite, "--legacy-variable", "--legacy-variable-mode=off", "--legacy-variable-strict"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=8)
    # The marker on test_c_var accepts its LV201; the rest fails the gate.
    result.stdout.fnmatch_lines(
        [
            "legacy-variable strict: FAILED, 10 diagnostic(s) not allowed (LV101 x9, LV103 x1);"
            " accept known ones with --legacy-variable-allow=LV101,LV103 or"
            " @pytest.mark.legacy_variable(allow=[...])",
        ]
    )


def test_allow_list_and_marker_accept_and_report_is_the_linter_schema(
    shim_suite: pytest.Pytester,
) -> None:
    # Activated, strict and allow-listed from the ini; report path from the CLI.
    shim_suite.makeini(
        "[pytest]\nlegacy_variable = true\nlegacy_variable_mode = off\n"
        "legacy_variable_strict = true\nlegacy_variable_allow = LV101 volatile-flag\n"
    )
    result = run_subprocess(shim_suite, "--legacy-variable-report=out/report.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["code*name*count*tests*fix*allowed*first locations", "legacy-variable strict: passed"]
    )
    report = json.loads((shim_suite.path / "out" / "report.json").read_text())
    assert counts(report) == SHIM_COUNTS
    assert all(item["allowed"] for item in report)
    linter_keys = set(Diagnostic("LV101", "m", "f.py", 1, 1).to_json())
    for item in report:
        assert set(item) == linter_keys | {"test", "count", "allowed"}
        # Round-trips through the linter's reader.
        assert Diagnostic.from_json(item).code == item["code"]
    loops = [i for i in report if i["test"] and "test_wrap_loop" in i["test"]]
    assert sorted((i["test"].split("::")[1], i["count"]) for i in loops) == [
        ("test_wrap_loop[1]", 1), ("test_wrap_loop[2]", 2), ("test_wrap_loop[3]", 3),
    ]
    c_var = [i for i in report if i["code"] == "LV201"]
    assert c_var[0]["test"] == "test_legacy.py::test_c_var"
    assert c_var[0]["location"]["row"] == 26


def test_shim_before_conftest_and_xdist_counts_equal_the_serial_run(
    shim_suite: pytest.Pytester,
) -> None:
    common = ["--legacy-variable", "--legacy-variable-mode=off", "-p", "no:cacheprovider"]
    serial = shim_suite.runpytest_subprocess(*common, "--legacy-variable-report=serial.json")
    # test_conftest_import passing means conftest.py's import-time binding got the shim.
    serial.assert_outcomes(passed=8)
    serial.stdout.fnmatch_lines(["legacy-variable: shim installed, legacy mode off"])
    rows = summary_rows(serial.outlines)
    assert {code: n for code, (n, _) in rows.items()} == SHIM_COUNTS
    assert rows["LV101"] == (9, 6)

    distributed = shim_suite.runpytest_subprocess(
        *common, "-p", "xdist", "-n", "2", "--legacy-variable-report=xdist.json"
    )
    distributed.assert_outcomes(passed=8)
    assert summary_rows(distributed.outlines) == rows
    load = lambda name: json.loads((shim_suite.path / name).read_text())  # noqa: E731
    assert load("xdist.json") == load("serial.json")
    assert counts(load("xdist.json")) == SHIM_COUNTS


# --------------------------------------------------------------------------- warnings


def test_W_error_still_raises_and_ignore_filters_do_not_hide_counts(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfilterwarnings = ignore::DeprecationWarning\n")
    pytester.makepyfile(
        test_w='''
        import torch
        from torch.autograd import Variable

        def test_a():
            Variable(torch.ones(1))

        def test_b():
            Variable(torch.ones(1))
        '''
    )
    # The same call site in two tests: both fail, not only the first to reach it.
    result = run_subprocess(
        pytester, "--legacy-variable", "--legacy-variable-mode=off",
        "-W", "error::legacy_variable.LegacyVariableWarning",
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*LegacyVariableWarning: LV101*"])
    assert summary_rows(result.outlines) == {"LV101": (2, 2)}


# --------------------------------------------------------------------------- fixture


def test_fixture_in_a_strict_session_swallows_what_it_captures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fixture='''
        import torch
        from torch.autograd import Variable

        def test_capture(legacy_diagnostics):
            with legacy_diagnostics.capture() as got:
                Variable(torch.ones(1), volatile=True)
            assert got.codes == {"LV101", "LV103"}
        '''
    )
    result = pytester.runpytest_subprocess(
        "--legacy-variable", "--legacy-variable-strict", "-p", "no:cacheprovider",
        "-W", "error::legacy_variable.LegacyVariableWarning",
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["no legacy diagnostics", "legacy-variable strict: passed"])


def test_fixture_without_activation(legacy_diagnostics) -> None:
    # This very session loads the plugin but never activated it.
    import torch

    import legacy_variable

    with legacy_diagnostics.capture() as got:
        legacy_variable.Variable(torch.ones(1))
        legacy_variable.Variable(torch.ones(1))
    assert got.codes == {"LV101"}
    assert got.count("LV101") == 2 and len(got) == 2
    with legacy_diagnostics.capture(install=True) as got:
        assert torch.autograd.Variable is legacy_variable.Variable
        torch.autograd.Variable(torch.ones(1), volatile=True)  # noqa: LV101, LV103 (the subject)
    assert torch.autograd.Variable is not legacy_variable.Variable
    assert got.codes == {"LV101", "LV103"}
    with legacy_diagnostics.capture() as got:
        torch.ones(1) + 1
    assert got.codes == set()


def test_fixture_with_legacy_mode(legacy_diagnostics) -> None:
    import torch

    with legacy_diagnostics.capture(mode=True) as got:
        loss = (torch.ones(2, requires_grad=True) * 2).sum()
        value = loss.data[0]  # noqa: LV104 (the subject)
    assert value == 4
    assert got.codes == {"LV104"}
    assert sys.modules["legacy_variable.runtime.mode"]  # imported on demand only
