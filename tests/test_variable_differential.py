"""Differential: the shim against stock ``torch.autograd.Variable`` on a table of inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from legacy_variable import Variable, configure
from legacy_variable.runtime.shim import STOCK_VARIABLE as STOCK


@pytest.fixture(autouse=True)
def _quiet():
    previous = configure("ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    configure(previous)


def _leaf():
    return torch.tensor([1.0, 2.0, 3.0], requires_grad=True)


CASES = {
    "plain": lambda: ((torch.tensor([1.0, 2.0]),), {}),
    "requires_grad_kw": lambda: ((torch.tensor([1.0, 2.0]),), {"requires_grad": True}),
    "requires_grad_positional": lambda: ((torch.tensor([1.0, 2.0]), True), {}),
    "requires_grad_int": lambda: ((torch.tensor([1.0]),), {"requires_grad": 1}),
    "requires_grad_str": lambda: ((torch.tensor([1.0]),), {"requires_grad": "yes"}),
    "requires_grad_none": lambda: ((torch.tensor([1.0]),), {"requires_grad": None}),
    "volatile": lambda: ((torch.tensor([1.0]),), {"volatile": True}),
    "volatile_positional": lambda: ((torch.tensor([1.0]), False, True), {}),
    "volatile_and_rg": lambda: ((torch.tensor([1.0]),), {"volatile": True, "requires_grad": True}),
    "empty": lambda: ((), {}),
    "none": lambda: ((None,), {}),
    "none_rg": lambda: ((None,), {"requires_grad": True}),
    "data_kw": lambda: ((), {"data": torch.ones(2)}),
    "numpy": lambda: ((np.ones(2),), {}),
    "float": lambda: ((3.0,), {}),
    "list": lambda: (([1.0, 2.0],), {}),
    "long": lambda: ((torch.tensor([1, 2]),), {}),
    "long_rg": lambda: ((torch.tensor([1, 2]),), {"requires_grad": True}),
    "bool_rg": lambda: ((torch.tensor([True]),), {"requires_grad": True}),
    "double": lambda: ((torch.tensor([1.0], dtype=torch.float64),), {"requires_grad": True}),
    "complex_rg": lambda: ((torch.tensor([1 + 1j]),), {"requires_grad": True}),
    "leaf_rg": lambda: ((_leaf(),), {}),
    "leaf_rg_rewrap": lambda: ((_leaf(),), {"requires_grad": True}),
    "nonleaf": lambda: ((_leaf() * 2,), {}),
    "nonleaf_rewrap": lambda: ((_leaf() * 2,), {"requires_grad": True}),
    "parameter": lambda: ((torch.nn.Parameter(torch.ones(2)),), {}),
    "zero_dim": lambda: ((torch.tensor(3.5),), {"requires_grad": True}),
    "unknown_kw": lambda: ((torch.ones(1),), {"foo": 1}),
    "name_kw": lambda: ((torch.ones(1),), {"name": "x"}),
    "grad_fn_kw": lambda: ((torch.ones(1),), {"_grad_fn": 3}),
    "too_many": lambda: ((torch.ones(1), False, False, None, "n", 1), {}),
}


def _outcome(factory, fn):
    args, kwargs = CASES[factory]()
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # compare exception *types*, as stock raises them
        return ("raise", type(exc)), args
    return ("ok", result), args


@pytest.mark.parametrize("case", sorted(CASES))
def test_shim_matches_stock(case):
    (stock_kind, stock), stock_args = _outcome(case, STOCK)
    (shim_kind, shim), shim_args = _outcome(case, Variable)
    assert shim_kind == stock_kind, (stock, shim)
    if stock_kind == "raise":
        assert shim is stock
        return
    assert type(shim) is type(stock) is torch.Tensor
    assert shim.dtype == stock.dtype
    assert shim.shape == stock.shape
    assert torch.equal(shim.detach(), stock.detach())
    assert shim.requires_grad == stock.requires_grad
    assert shim.is_leaf == stock.is_leaf
    assert shim.grad_fn is None and stock.grad_fn is None
    source = shim_args[0] if shim_args else None
    if isinstance(source, torch.Tensor):
        # A detached alias: same storage, shared version counter, not the same object.
        assert shim.data_ptr() == source.data_ptr()
        assert shim is not source
        before = source._version
        with torch.no_grad():
            shim.add_(0)
        assert source._version == before + 1


def test_gradients_match_stock():
    base = torch.tensor([1.0, -2.0, 3.0])
    for maker in (STOCK, Variable):
        leaf = maker(base.clone(), requires_grad=True)
        (leaf.exp() * 2).sum().backward()
        assert torch.allclose(leaf.grad, 2 * base.exp())
