"""The idiom groups of legacy suites on torch 2.13, each from a realistic snippet: what
0.3 did, restored by legacy mode and reported; stock torch again after the mode."""

from __future__ import annotations

import warnings

import pytest
import torch

from legacy_variable import Variable, collecting, configure, legacy_mode
from legacy_variable.runtime.shim import VariableMeta
from lint_helpers import fix_source, found


@pytest.fixture(autouse=True)
def _quiet():
    previous = configure("ignore")  # collectors still see every occurrence
    yield
    configure(previous)


def _codes(seen) -> list[str]:
    return [d.code for d in seen.diagnostics]


# ---- LV125: is_cuda read on the tensor class ------------------------------------------


def _to_device(x):
    """A 2017 helper: the tensor's type said where it lived."""
    return "cuda" if type(x).is_cuda else "cpu"


def test_stock_class_read_is_a_truthy_descriptor():
    assert _to_device(torch.ones(2)) == "cuda"


def test_class_read_is_0_3s_false_and_instance_reads_are_untouched():
    x = torch.ones(2)
    with legacy_mode(), collecting() as seen:
        device = _to_device(x)
        default_is_cuda = torch.Tensor.is_cuda
        instance = (x.is_cuda, x.is_sparse, torch.ones(2).to_sparse().is_sparse)
    assert device == "cpu" and default_is_cuda is False
    assert instance == (False, False, True)
    assert _codes(seen) == ["LV125", "LV125"]
    assert "is_cuda" not in vars(torch.Tensor)  # the original descriptor is back
    assert bool(torch.Tensor.is_cuda)


def test_library_class_reads_see_the_descriptor():
    import inspect

    with legacy_mode():
        members = dict(inspect.getmembers(torch.Tensor))
    assert members["is_cuda"] is torch._C.TensorBase.is_cuda


# ---- LV126: byte masks -----------------------------------------------------------------


def _clip_negative(x):
    mask = (x < 0).byte()  # 0.3: comparisons gave ByteTensors
    return x.masked_fill(mask, 0.0), x.masked_select(mask), torch.masked_select(x, mask)


def test_stock_byte_masks_raise():
    with pytest.raises(RuntimeError, match="boolean masks"):
        _clip_negative(torch.randn(5))


def test_byte_masks_select_as_in_0_3():
    x = torch.tensor([-1.0, 2.0, -3.0, 4.0])
    with legacy_mode(), collecting() as seen:
        filled, selected, selected_fn = _clip_negative(x)
        y = x.clone()
        y.masked_fill_((x > 0).byte(), 1.0)
        plain = x.masked_fill(x > 0, 1.0)  # a bool mask: stock, nothing reported
    assert filled.tolist() == [0.0, 2.0, 0.0, 4.0]
    assert selected.tolist() == selected_fn.tolist() == [-1.0, -3.0]
    assert y.tolist() == plain.tolist() == [-1.0, 1.0, -3.0, 1.0]
    assert _codes(seen) == ["LV126"] * 4
    assert {d.arg("callee") for d in seen.diagnostics} == {"masked_fill", "masked_select",
                                                          "masked_fill_"}


# ---- LV111: reading .volatile ----------------------------------------------------------


def _evaluating(batch) -> bool:
    return batch.volatile  # 0.3: a plain flag


def test_volatile_read_does_not_warn_under_user_warning_errors():
    x = torch.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the suite's setting
        with pytest.raises(UserWarning, match="volatile was removed"):
            _evaluating(x)
        with legacy_mode(), collecting() as seen:
            flag = _evaluating(x)
            volatile = _evaluating(Variable(torch.ones(2), volatile=True))
    assert flag is False and volatile is True
    assert "LV111" in _codes(seen)


# ---- LV127: .data is not a Variable ----------------------------------------------------


def _to_numpy(x):
    """torchnet-style: unwrap Variables until a tensor is left."""
    while isinstance(x, Variable):
        x = x.data
    return x.numpy()


def test_stock_unwrapping_never_ends():
    # The loop's condition stays true whatever `.data` returns: `_to_numpy` never ends.
    x = Variable(torch.ones(2), requires_grad=True)
    for _ in range(3):
        x = x.data
        assert isinstance(x, Variable)


def test_unwrapping_stops_after_data_as_in_0_3():
    v = Variable(torch.arange(3.0), requires_grad=True)
    with legacy_mode(), collecting() as seen:
        array = _to_numpy(v * 2)
        still = isinstance(v, Variable) and isinstance(v * 2, Variable)
    assert array.tolist() == [0.0, 2.0, 4.0] and still
    assert "LV127" in _codes(seen)
    assert VariableMeta.__dict__["__instancecheck__"].__module__ == "legacy_variable.runtime.shim"


# ---- LV128: set_default_tensor_type under warnings-as-errors ---------------------------


def test_set_default_tensor_type_at_import_under_user_warning_errors():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            with pytest.raises(UserWarning, match="set_default_tensor_type"):
                torch.set_default_tensor_type("torch.DoubleTensor")
            with legacy_mode(), collecting() as seen:
                torch.set_default_tensor_type("torch.DoubleTensor")
                dtype = torch.Tensor([1]).dtype
    finally:
        torch.set_default_dtype(torch.float32)
    assert dtype == torch.float64
    assert _codes(seen) == ["LV128"]


# ---- not restored: 1-D tensor elements and plain-tensor reductions as numbers -----------


def test_tensor_elements_stay_tensors_so_modern_code_keeps_passing():
    # 0.3 gave Python numbers here; restoring that would break every modern use of the
    # element (`t[0].item()`, `t.sum().backward()`), so legacy mode leaves it as it is.
    t = torch.tensor([1.0, 2.0])
    with legacy_mode():
        element, total = t[0], t.sum()
        assert element.item() == 1.0 and total.item() == 3.0
    assert isinstance(element, torch.Tensor) and element.dim() == 0
    assert isinstance(total, torch.Tensor) and total.dim() == 0


# ---- the linter --------------------------------------------------------------------------

_SNIPPETS = """\
import torch
from torch.autograd import Variable

def prepare(x, target):
    if type(x).is_cuda:
        target = target.cuda()
    keep = x.masked_select((target > 0).byte())
    return keep

def to_tensor(x):
    while isinstance(x, Variable):
        x = x.data
    return x

def unwrap(x):
    if isinstance(x, Variable):
        return unwrap(x.data)
    return x

def fine(x, mask):
    return x.is_cuda, x.masked_select(mask), isinstance(x.data, torch.Tensor)
"""


def test_linter_finds_each_idiom_and_fixes_what_is_safe():
    assert [f for f in found(_SNIPPETS, dedent=False) if f[0] in ("LV125", "LV126", "LV127")] \
        == [("LV125", 5, 8), ("LV126", 7, 28), ("LV127", 11, 11), ("LV127", 16, 8)]
    fixed = fix_source(_SNIPPETS)
    assert "    if x.is_cuda:\n" in fixed
    assert "x.masked_select((target > 0).bool())" in fixed


def test_linter_leaves_a_torch_tensor_class_read_without_a_fix():
    source = "import torch\nprint(torch.Tensor.is_cuda)\n"
    assert found(source, dedent=False) == [("LV125", 2, 7)]
    assert fix_source(source) == source


def test_every_second_round_patch_is_undone_exactly():
    from torch.optim import optimizer

    owners = [
        (torch.Tensor, ("masked_fill", "masked_fill_", "masked_select", "masked_scatter",
                        "masked_scatter_", "is_cuda", "is_sparse", "data", "volatile",
                        "tolist", "numpy")),
        (torch, ("masked_fill", "masked_select", "masked_scatter", "set_default_tensor_type")),
        (torch.autograd, ("backward",)),
        (VariableMeta, ("__instancecheck__",)),
    ]

    def snapshot():
        return {(id(o), n): vars(o).get(n, "<absent>") for o, names in owners for n in names}

    before = snapshot()
    hooks = (len(optimizer._global_optimizer_pre_hooks), len(optimizer._global_optimizer_post_hooks))
    with legacy_mode():
        assert snapshot() != before
        assert len(optimizer._global_optimizer_post_hooks) == hooks[1] + 1
    after = snapshot()
    assert all(after[k] is before[k] for k in before)
    assert (len(optimizer._global_optimizer_pre_hooks),
            len(optimizer._global_optimizer_post_hooks)) == hooks


def _unwrap_pair(x, y):
    """pyro 0.1.2's test helper: compare two Variables or two tensors, never a mix."""
    if isinstance(x, Variable) and isinstance(y, Variable):
        return x.data, y.data
    elif isinstance(x, Variable) or isinstance(y, Variable):
        raise AssertionError("cannot compare {} and {}".format(type(x), type(y)))
    return x, y


def _zeros_like(x):
    """pyro 0.1.2's polyfill: the recursive unwrapping form."""
    if isinstance(x, Variable):
        return Variable(_zeros_like(x.data))
    return torch.zeros(x.size())


def test_a_data_result_is_a_variable_where_no_unwrapping_shows():
    # Stock torch passes this (every tensor is a Variable); the mode must too: `.data`
    # alone does not make a tensor "not a Variable" for a check that does not unwrap.
    v = Variable(torch.ones(2), requires_grad=True)
    with legacy_mode(), collecting() as seen:
        _unwrap_pair(v, v)
        x, y = _unwrap_pair(v.data, torch.Tensor([1.0, 1.0]))
        again = _unwrap_pair(v.data, torch.ones(2))
        zeros = _zeros_like(v)
    assert torch.equal(x, y) and torch.equal(*again)
    assert zeros.tolist() == [0.0, 0.0]
    assert _codes(seen) == ["LV127", "LV101"]  # the recursion once; its Variable(...) wrap
