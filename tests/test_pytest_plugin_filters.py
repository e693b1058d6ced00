"""The plugin and the user's warning filters: tracebacks of a LegacyVariableWarning
raised as an error end at the user's line (our frames hidden), and a user
``-W error::UserWarning`` does not turn torch's legacy warnings into failures."""

from __future__ import annotations

import pytest

SUITE = '''
import torch
from torch.autograd import Variable


def test_scalar_index():
    loss = torch.ones(2).sum()
    value = loss.data[0]
    assert value == 2


def test_wrap():
    x = Variable(torch.ones(3))
    assert x.sum().item() == 3


def test_torch_range():
    assert torch.range(0, 2).tolist() == [0.0, 1.0, 2.0]
'''


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_legacy=SUITE)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--legacy-variable", *args)


def _traceback_locations(text: str) -> list[str]:
    # pytest --tb=long prints "path:line: ExceptionName" after each entry's source
    return [line for line in text.splitlines() if ".py:" in line and line.split(":")[-1].strip().endswith(("Warning", "Error"))]


def test_error_filter_traceback_ends_at_the_users_line(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "-W", "error::DeprecationWarning", "--tb=long", "-k", "scalar_index or wrap")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "legacy_variable/runtime" not in out and "legacy_variable" + "\\runtime" not in out
    assert "test_legacy.py:7: LegacyVariableWarning" in out  # value = loss.data[0]
    assert "test_legacy.py:12: LegacyVariableWarning" in out  # Variable(...)
    result.stdout.fnmatch_lines(["E   *LegacyVariableWarning: LV104*"])


def test_ini_filterwarnings_error_traceback_ends_at_the_users_line(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfilterwarnings =\n    error\n")
    result = _run(pytester, "--tb=short", "-k", "scalar_index")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "legacy_variable/" not in out.split("test_scalar_index")[1].split("short test summary")[0]
    result.stdout.fnmatch_lines(["test_legacy.py:7: in test_scalar_index", "    value = loss.data[0]"])


def test_user_error_userwarning_does_not_fail_torch_legacy_warnings(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "-W", "error::UserWarning", "-k", "torch_range")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["LV118*torch-range*"])


def test_without_legacy_mode_a_user_error_filter_is_untouched(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_legacy=SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error::UserWarning", "-k", "torch_range")
    result.assert_outcomes(failed=1)


LOOP_SUITE = '''
import torch
from torch.autograd import Variable


def test_loop_a():
    for _ in range(5):
        Variable(torch.ones(2))


def test_loop_b():
    for _ in range(3):
        Variable(torch.ones(2))
'''


def test_pytest_gets_one_warning_per_site_per_test_and_the_table_every_occurrence(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_loops=LOOP_SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--legacy-variable", "--legacy-variable-report", "r.json"
    )
    result.assert_outcomes(passed=2, warnings=2)
    result.stdout.fnmatch_lines(["LV101*variable-wrapper*8*2*"])
    import json

    data = json.loads((pytester.path / "r.json").read_text())
    assert sorted((d["test"].split("::")[1], d["count"]) for d in data) == [
        ("test_loop_a", 5), ("test_loop_b", 3)]
