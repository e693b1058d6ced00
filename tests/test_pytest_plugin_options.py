"""Options that mean "use the plugin" turn it on; an invalid LEGACY_VARIABLE is refused."""

from __future__ import annotations

import json

import pytest

SUITE = '''
import torch


def test_scalar():
    assert torch.ones(2).sum().data[0] == 2
'''


def test_strict_implies_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_legacy=SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--legacy-variable-strict")
    result.stdout.fnmatch_lines(["legacy-variable: shim installed, legacy mode on, strict"])
    # the test passes (legacy mode restored .data[0]); the gate fails the run
    result.assert_outcomes(passed=1)
    assert result.ret != 0


def test_report_implies_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_legacy=SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--legacy-variable-report", "r.json"
    )
    result.assert_outcomes(passed=1)
    data = json.loads((pytester.path / "r.json").read_text())
    assert [(d["code"], d["count"]) for d in data] == [("LV104", 1)]


def test_invalid_env_action_is_a_usage_error(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.setenv("LEGACY_VARIABLE", "loud")
    pytester.makepyfile(test_legacy=SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--legacy-variable")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: LEGACY_VARIABLE='loud' is not a valid action; expected one of once, always, error, ignore*"]
    )
