"""Indexing with 0.3's byte masks (LV126): ``x[mask.byte()]`` and ``x[mask.byte()] = v``
select exactly what the bool mask selects, in value and gradient, and are reported at the
user's line -- also when torch's own deprecation warning is what tells."""

from __future__ import annotations

import sys
import warnings

import pytest
import torch

from legacy_variable import collecting, configure, legacy_mode
from legacy_variable.runtime import slots


@pytest.fixture(autouse=True)
def _quiet():
    previous = configure("ignore")  # collectors still see every occurrence
    yield
    configure(previous)


def _line(offset: int = 0) -> int:
    return sys._getframe(1).f_lineno + offset


def _reports(seen):
    return [(d.code, d.line, d.arg("callee")) for d in seen.diagnostics]


def _data():
    x = torch.tensor([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]], requires_grad=True)
    return x, (x < 0).byte()  # 0.3: comparisons gave ByteTensors


def _zero_negatives(x, mask):
    """A 2017 helper: clamp through a byte mask, as 0.3 comparisons returned them."""
    y = x.clone()
    y[mask] = 0
    return y


def test_stock_assignment_through_a_byte_mask_raises():
    x, mask = _data()
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        _zero_negatives(x, mask)


def test_stock_byte_mask_read_warns_at_the_users_line():
    x, mask = _data()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        x[mask]; line = _line()  # noqa: E702
    assert [(w.category, w.filename, w.lineno) for w in seen] == [(UserWarning, __file__, line)]


def test_read_selects_as_the_bool_mask_in_value_and_gradient():
    x, mask = _data()
    expected = x[mask.bool()]
    expected.sum().backward()
    expected_grad, x.grad = x.grad.clone(), None
    with legacy_mode(), collecting() as seen:
        got = x[mask]; line = _line()  # noqa: E702
        rows = x[0, mask[0]]; rows_line = _line()  # noqa: E702
        got.sum().backward()
    assert got.tolist() == expected.tolist() == [-1.0, -3.0, -5.0]
    assert rows.tolist() == [-1.0, -3.0]
    assert torch.equal(x.grad, expected_grad)
    assert _reports(seen) == [("LV126", line, "indexing"), ("LV126", rows_line, "indexing")]


@pytest.mark.parametrize("value", [0, 0.0, torch.tensor(0.0)], ids=["int", "float", "0-dim"])
def test_assignment_of_a_number_restores_0_3_in_value_and_gradient(value):
    x, mask = _data()
    expected = x.clone()
    expected[mask.bool()] = value
    expected.pow(2).sum().backward()
    expected_grad, x.grad = x.grad.clone(), None
    with legacy_mode(), collecting() as seen:
        got = _zero_negatives(x, mask)
    got.pow(2).sum().backward()
    assert got.tolist() == expected.tolist() == [[0.0, 2.0, 0.0], [4.0, 0.0, 6.0]]
    assert torch.equal(x.grad, expected_grad)
    # reported where the helper assigns, the user's line inside it
    assert _reports(seen) == [("LV126", _zero_negatives.__code__.co_firstlineno + 3, "indexing")]


def test_assignment_of_a_tensor_and_through_a_tuple_index():
    base = torch.arange(6.0).reshape(2, 3)
    mask = torch.tensor([[1, 0, 2], [0, 3, 0]], dtype=torch.uint8)  # non-zero selects
    expected = base.clone()
    expected[mask.bool()] = torch.tensor([10.0, 20.0, 30.0])
    expected[0, mask[0].bool()] = 7.0
    with legacy_mode(), collecting() as seen:
        got = base.clone()
        got[mask] = torch.tensor([10.0, 20.0, 30.0]); line = _line()  # noqa: E702
        got[0, mask[0]] = 7.0; tuple_line = _line()  # noqa: E702
    assert torch.equal(got, expected)
    assert _reports(seen) == [("LV126", line, "indexing"), ("LV126", tuple_line, "indexing")]


def test_where_with_a_byte_condition():
    x, mask = _data()
    with legacy_mode(), collecting() as seen:
        got = torch.where(mask, torch.zeros_like(x), x); line = _line()  # noqa: E702
    assert torch.equal(got, torch.where(mask.bool(), torch.zeros_like(x), x))
    assert _reports(seen) == [("LV126", line, "torch.where")]


def test_bool_masks_and_other_errors_are_stock():
    x, mask = _data()
    y = x.detach().clone()
    with legacy_mode(), collecting() as seen:
        y[mask.bool()] = 0
        picked = y[y > 1]
        with pytest.raises(RuntimeError, match="shape mismatch"):
            y[mask] = torch.ones(4)  # wrong count: torch's error, nothing written
        with pytest.raises(IndexError):
            y[mask[:, :2]] = 1.0
    assert picked.tolist() == [2.0, 4.0, 6.0]
    assert y.tolist() == [[0.0, 2.0, 0.0], [4.0, 0.0, 6.0]]
    assert [d.code for d in seen.diagnostics] == ["LV126"]  # the read in the failing call


def test_suite_warnings_as_errors_do_not_fail_the_legacy_read():
    x, mask = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a 2017 suite's setting
        with legacy_mode(), collecting() as seen:
            got = x[mask]
            got.sum().backward()  # the graph indexes again: torch warns once more
    assert got.tolist() == [-1.0, -3.0, -5.0]
    assert x.grad.tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert [d.code for d in seen.diagnostics] == ["LV126"]  # the read, not the backward


def test_under_an_error_policy_the_assignment_raises_at_the_users_line_unchanged():
    x, mask = _data()
    y = x.detach().clone()
    previous = configure("error")
    try:
        with legacy_mode(), pytest.raises(Warning, match="LV126") as raised:
            y[mask] = 0
    finally:
        configure(previous)
    assert raised.value.__context__ is None  # not chained to torch's RuntimeError
    assert torch.equal(y, x.detach())


def test_setitem_leaves_the_sequence_slots_as_they_were():
    class Own(torch.Tensor):  # its own __setitem__: its slot is filled, as in stock Python
        def __setitem__(self, index, value):
            super().__setitem__(index, value)

    own = slots.sq_ass_item(Own)
    assert own is not None
    assert slots.sq_ass_item(torch.Tensor) is None
    with legacy_mode():
        class Sub(torch.Tensor):
            pass

        assert slots.sq_ass_item(torch.Tensor) is None
        assert slots.sq_ass_item(torch.nn.Parameter) is None
        assert slots.sq_ass_item(Sub) is None
        assert slots.sq_ass_item(Own) == own
        assert torch.tensor([torch.tensor(1), torch.tensor(2)]).tolist() == [1, 2]
    assert "__setitem__" not in vars(torch.Tensor)
    assert slots.sq_ass_item(torch.Tensor) is None and slots.sq_ass_item(Sub) is None
    assert slots.sq_ass_item(Own) == own


class _Noisy(torch.Tensor):
    """A subclass whose ``__torch_function__`` warns for its caller (stacklevel=2)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is torch.Tensor.__getitem__:
            warnings.warn("noisy read", UserWarning, stacklevel=2)
        return super().__torch_function__(func, types, args, kwargs or {})


def test_other_warnings_raised_inside_the_index_wrapper_name_the_users_line():
    noisy = torch.arange(3.0).as_subclass(_Noisy)
    with warnings.catch_warnings(record=True) as stock:
        warnings.simplefilter("always")
        noisy[1]; stock_line = _line()  # noqa: E702
    with legacy_mode(), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        noisy[1]; line = _line()  # noqa: E702
    assert [(w.filename, w.lineno) for w in stock] == [(__file__, stock_line)]
    assert [(str(w.message), w.filename, w.lineno) for w in seen] == [("noisy read", __file__, line)]


# ---- the static face: a byte mask in an assignment's index is reported and fixed ----------
_ASSIGNED = """\
import torch
y = torch.randn(8)
y[(y.abs() > 2).byte()] = 0
z = y[(y > 0).byte()]
del y[(y > 0).byte()]
"""


def test_linter_reports_byte_masks_in_reads_and_assignments_and_fixes_both():
    from lint_helpers import fix_source, found

    assert found(_ASSIGNED, "LV126") == [("LV126", 3, 3), ("LV126", 4, 7)]
    fixed = fix_source(_ASSIGNED)
    assert fixed.splitlines()[2:4] == ["y[(y.abs() > 2).bool()] = 0", "z = y[(y > 0).bool()]"]
    # the fixed assignment gives on stock torch what legacy mode gives the original
    values = torch.tensor([3.0, -1.0, -4.0, 0.5])
    stock = values.clone()
    stock[(stock.abs() > 2).bool()] = 0
    legacy = values.clone()
    with legacy_mode():
        legacy[(legacy.abs() > 2).byte()] = 0
    assert torch.equal(stock, legacy)
