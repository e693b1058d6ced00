"""A 2017 suite's byte-mask tests under its own warnings-as-errors configuration (pyro
0.1.2's ``filterwarnings``): plain pytest fails the legacy ones, ``--legacy-variable``
passes them, and the tests that already passed keep passing."""

from __future__ import annotations

import pytest

SUITE = '''
import torch


def _data():
    x = torch.tensor([[-1.0, 2.0], [3.0, -4.0]])
    return x, (x < 0).byte()


def test_byte_mask_read():
    x, mask = _data()
    assert x[mask].tolist() == [-1.0, -4.0]


def test_byte_mask_assignment():
    x, mask = _data()
    x[mask] = 0
    assert x.tolist() == [[0.0, 2.0], [3.0, 0.0]]


def test_bool_mask_and_list_of_0dim_tensors():
    x, mask = _data()
    x[mask.bool()] = 0
    assert torch.tensor([x.sum(), x.max()]).tolist() == [5.0, 3.0]
'''

INI = """[pytest]
filterwarnings =
    error
    ignore::DeprecationWarning
    once::DeprecationWarning
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeini(INI)
    pytester.makepyfile(test_masks=SUITE)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_plain_pytest_fails_the_byte_mask_tests(pytester: pytest.Pytester) -> None:
    result = _run(pytester)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "FAILED test_masks.py::test_byte_mask_read - UserWarning: indexing with*",
        "FAILED test_masks.py::test_byte_mask_assignment - RuntimeError: masked_fill_*",
    ])


def test_the_plugin_passes_them_and_reports_each_at_the_users_line(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--legacy-variable")
    result.assert_outcomes(passed=3)
    out = result.stdout.str()
    assert "test_masks.py:11: LegacyVariableWarning: LV126" in out  # x[mask]
    assert "test_masks.py:16: LegacyVariableWarning: LV126" in out  # x[mask] = 0
    assert "legacy_variable/runtime" not in out
