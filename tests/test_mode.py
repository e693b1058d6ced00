"""Legacy mode: 0.3 semantics inside the block, stock torch (identical objects) outside."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import legacy_variable
from source_lines import line_of
from legacy_variable import Variable, collecting, configure, legacy_mode
from legacy_variable.runtime import mode as lv_mode
from legacy_variable.runtime.mode import provenance

#: Every attribute legacy mode may replace: (owner, name).
PATCHED = [
    (torch.Tensor, name)
    for name in (
        "__getitem__", "__setattr__", "numpy", "backward", "grad",
        *provenance.TRACKED_METHODS, *provenance.TRACKED_INPLACE,
    )
] + [(torch.autograd, "backward"), (warnings, "_showwarnmsg")]


def _snapshot():
    return {
        (id(owner), name): (getattr(owner, name), name in vars(owner)) for owner, name in PATCHED
    }


@pytest.fixture(autouse=True)
def _collect_quietly():
    previous = configure("ignore")  # collectors still see every occurrence
    yield
    configure(previous)


def _line_of(marker: str) -> int:
    return line_of(__file__, marker)


def _found(collector):
    return [(d.code, d.line) for d in collector.diagnostics]


# ---------------------------------------------------------------- on / off


def test_every_patch_is_restored_to_the_identical_object():
    before = _snapshot()
    filters = list(warnings.filters)
    with legacy_mode():
        during = _snapshot()
        assert lv_mode.active()
    after = _snapshot()
    for key, (obj, own) in before.items():
        assert after[key][0] is obj, key
        assert after[key][1] == own, key
    assert any(during[k][0] is not before[k][0] for k in before)
    assert warnings.filters == filters
    assert not lv_mode.active()


def test_global_enable_and_nested_blocks():
    before = _snapshot()
    legacy_variable.install(mode=True)
    try:
        assert lv_mode.active()
        with legacy_mode():
            assert lv_mode.active()
        assert lv_mode.active()  # the global enablement outlives the block
    finally:
        legacy_variable.uninstall()
    assert not lv_mode.active()
    assert all(_snapshot()[k][0] is v[0] for k, v in before.items())
    # and the other way round: disable_globally() does not end an open block
    with legacy_mode():
        lv_mode.enable_globally()
        lv_mode.disable_globally()
        assert lv_mode.active()
    assert not lv_mode.active()


def test_outside_the_mode_stock_behaviour_is_back():
    loss = torch.ones(3, requires_grad=True).sum()
    with legacy_mode():
        assert loss.data[0] == 3.0
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        loss.data[0]
    with pytest.raises(TypeError, match="retain_variables"):
        loss.backward(retain_variables=True)


def test_legacy_mode_installs_the_shim_for_the_block_only():
    assert not legacy_variable.is_installed()
    with legacy_mode():
        assert torch.autograd.Variable is Variable
    assert not legacy_variable.is_installed()


# ---------------------------------------------------------------- LV104


def test_scalar_index_gives_a_number_for_data_and_the_tensor_for_a_graph_node():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with collecting() as found, legacy_mode():
        number = loss.data[0]  # marker: data-index
        same = loss[0]  # marker: graph-index
        assert loss[-1] is loss
    assert isinstance(number, float) and number == 5.0
    assert same is loss
    same.backward()
    assert w.grad.tolist() == [2.0, 4.0]
    lines = [line for code, line in _found(found) if code == "LV104"]
    assert lines[:2] == [_line_of("marker: data-index"), _line_of("marker: graph-index")]


def test_ordinary_indexing_is_untouched():
    t = torch.arange(6.0).view(2, 3)
    with collecting() as found, legacy_mode():
        assert torch.equal(t[0], torch.tensor([0.0, 1.0, 2.0]))
        assert t[1, 2].item() == 5.0
        with pytest.raises(IndexError):
            t[5]
        with pytest.raises(IndexError):
            torch.tensor(1.0)[1]
    assert found.diagnostics == []


# ---------------------------------------------------------------- LV106 / LV207 / LV206


def test_retain_variables_means_retain_graph():
    x = torch.ones(2, requires_grad=True)
    with collecting() as found, legacy_mode():
        y = (x * x).sum()
        y.backward(retain_variables=True)
        y.backward()
        z = (x * 3).sum()
        torch.autograd.backward(z, retain_variables=True)
        torch.autograd.backward(z)
    assert x.grad.tolist() == [10.0, 10.0]
    assert [c for c, _ in _found(found)] == ["LV106", "LV106"]


def test_numpy_on_a_tensor_that_requires_grad_returns_the_detached_array():
    x = torch.ones(3, requires_grad=True)
    with collecting() as found, legacy_mode():
        array = x.numpy()  # marker: numpy
        plain = torch.zeros(2).numpy()
    assert isinstance(array, np.ndarray) and array.tolist() == [1.0, 1.0, 1.0]
    assert plain.tolist() == [0.0, 0.0]
    assert _found(found) == [("LV207", _line_of("marker: numpy"))]


def test_require_grad_typo_is_reported_and_otherwise_stock():
    x = torch.ones(3)
    with collecting() as found, legacy_mode():
        x.require_grad = True  # marker: typo
        x.requires_grad = True
    assert x.__dict__["require_grad"] is True
    assert _found(found) == [("LV206", _line_of("marker: typo"))]
    assert "`x.require_grad`" in found.diagnostics[0].message


# ---------------------------------------------------------------- LV103 volatile


def test_volatile_is_infectious_and_builds_no_graph():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    assert all(p.requires_grad for p in model.parameters())
    with collecting() as found, legacy_mode():
        x = Variable(torch.randn(5, 4), volatile=True)  # marker: volatile
        out = model(x)
        loss = F.cross_entropy(out, torch.tensor([0, 1, 0, 1, 0]))
        assert x.volatile and out.volatile
    assert out.grad_fn is None and not out.requires_grad
    assert loss.grad_fn is None and not loss.requires_grad
    with torch.no_grad():
        expected = model(x.as_subclass(torch.Tensor))
    assert torch.equal(out.as_subclass(torch.Tensor), expected)
    assert ("LV103", _line_of("marker: volatile")) in _found(found)
    # grad mode is restored after each volatile op
    assert torch.is_grad_enabled()


def test_volatile_eval_saves_nothing_for_backward():
    model = nn.Sequential(nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh())
    saved = []

    def pack(t):
        saved.append(t.numel() * t.element_size())
        return t

    with legacy_mode(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(Variable(torch.randn(8, 16), volatile=True))
        assert saved == []
        model(Variable(torch.randn(8, 16)))  # the stock path builds a graph
    assert sum(saved) > 0


def test_volatile_tensors_pickle_as_plain_tensors(tmp_path):
    with legacy_mode():
        v = Variable(torch.arange(3.0), volatile=True)
        torch.save(v, tmp_path / "v.pt")
    loaded = torch.load(tmp_path / "v.pt")
    assert type(loaded) is torch.Tensor and loaded.tolist() == [0.0, 1.0, 2.0]


# ---------------------------------------------------------------- LV201 / LV203


def test_c_var_names_the_inputs_the_wrap_and_the_read():
    with collecting() as found, legacy_mode():
        a = torch.Tensor([1.0, 2.0, 3.0])
        b = torch.Tensor([4.0, 5.0, 6.0])
        c = a + b
        c_var = Variable(c, requires_grad=True)  # marker: wrap
        c_var.backward(torch.ones_like(c_var))
        assert a.grad is None  # marker: read-a
        assert c_var.grad.tolist() == [1.0, 1.0, 1.0]
    by_code = {}
    for d in found.diagnostics:
        by_code.setdefault(d.code, []).append(d)
    wrap_line = _line_of("marker: wrap")
    (lv201,) = by_code["LV201"]
    assert lv201.line == wrap_line
    assert "`a`, `b`" in lv201.message
    (lv203,) = by_code["LV203"]
    assert lv203.line == _line_of("marker: read-a")
    assert lv203.message.startswith(
        f"`a.grad` is always None here: `a` only flowed into the new leaf made at line {wrap_line},"
    )
    assert lv203.arg("wrap_line") == wrap_line and lv203.arg("variant") == "flowed_into"
    assert dict(lv203.related)["wrap_site"].endswith(f":{wrap_line}")


def test_wrap_of_a_graph_node_points_reads_of_its_leaves_at_the_wrap():
    with collecting() as found, legacy_mode():
        a = torch.ones(3, requires_grad=True)
        c = a * 2
        c_var = Variable(c, requires_grad=True)  # marker: graph-wrap
        (c_var ** 2).sum().backward()
        assert a.grad is None  # marker: graph-read
    codes = _found(found)
    assert ("LV201", _line_of("marker: graph-wrap")) in codes  # from the shim itself
    assert [c for c, _ in codes].count("LV201") == 1
    (lv203,) = [d for d in found.diagnostics if d.code == "LV203"]
    assert lv203.line == _line_of("marker: graph-read") and "`a` only flowed into" in lv203.message


def test_grad_that_can_only_be_none_says_why():
    with collecting() as found, legacy_mode(), warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("default")
        plain = torch.ones(2)
        assert plain.grad is None  # marker: plain
        w = torch.ones(2, requires_grad=True)
        hidden = w * 2
        assert hidden.grad is None  # marker: nonleaf
        assert w.grad is None  # before backward: fine
        hidden.sum().backward()
        assert w.grad is not None
        frozen = nn.Parameter(torch.ones(2), requires_grad=False)
        assert frozen.grad is None  # deliberate: no report
    assert shown == []  # torch's own non-leaf UserWarning is replaced by LV203
    messages = {d.line: d.message for d in found.diagnostics if d.code == "LV203"}
    assert set(messages) == {_line_of("marker: plain"), _line_of("marker: nonleaf")}
    assert "does not require grad" in messages[_line_of("marker: plain")]
    assert "is not a leaf (computed by MulBackward0)" in messages[_line_of("marker: nonleaf")]


def test_torch_internal_grad_reads_are_not_reported():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1))
    model[0].weight.requires_grad_(False)  # optimizer skips grads that are None
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with collecting() as found, legacy_mode():
        for _ in range(3):
            opt.zero_grad()
            model(torch.randn(8, 4)).pow(2).mean().backward()
            opt.step()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    assert found.diagnostics == []


def test_provenance_holds_no_strong_references():
    import gc
    import weakref

    def compute_and_wrap():
        a = torch.ones(3)
        c = a + 1
        Variable(c, requires_grad=True)
        return weakref.ref(a), weakref.ref(c)

    with legacy_mode():
        refs = compute_and_wrap()
        gc.collect()
        assert [r() for r in refs] == [None, None]
        assert len(provenance.origins) == 0 and len(provenance.wrapped_into) == 0


# ---------------------------------------------------------------- torch's warnings


class LegacyDouble(torch.autograd.Function):
    def forward(self, x):
        return x * 2

    def backward(self, grad):
        return grad * 2


def test_torch_legacy_warnings_are_reported_under_catalog_codes_at_the_user_line():
    t = torch.ones(2, 3)
    with collecting() as found, legacy_mode(), warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("default")
        nn.CrossEntropyLoss(size_average=False)  # marker: LV113
        F.softmax(t)  # marker: LV114
        nn.init.xavier_uniform(torch.empty(3, 3))  # marker: LV116
        nn.utils.clip_grad_norm([nn.Parameter(torch.ones(2))], 1.0)  # marker: LV117
        torch.range(0, 3)  # marker: LV118
        t.volatile = True  # marker: LV111
        LegacyDouble()  # marker: LV112
        F.softmax(t)  # again
    expected = [
        (code, _line_of(f"marker: {code}"))
        for code in ("LV113", "LV114", "LV116", "LV117", "LV118", "LV111", "LV112")
    ]
    got = _found(found)
    assert got[:7] == expected
    assert len(got) == 8 and got[7][0] == "LV114"  # repeats are counted too
    # none of torch's anonymous warnings got through
    lv_warning = legacy_variable.LegacyVariableWarning
    assert [w for w in shown if not issubclass(w.category, lv_warning)] == []


def test_unrelated_warnings_pass_through():
    with legacy_mode(), warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        warnings.warn("something else", UserWarning)
    assert [str(w.message) for w in shown] == ["something else"]


# ---------------------------------------------------------------- threads


def test_the_mode_acts_in_threads_the_program_starts():
    results = []

    def worker():
        loss = torch.ones(2).sum()
        results.append(loss.data[0])

    with collecting() as found, legacy_mode():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert results == [2.0]
    assert [d.code for d in found.diagnostics] == ["LV104"]


def test_strict_policy_raises_at_the_first_occurrence():
    configure("error")
    with legacy_mode(), pytest.raises(legacy_variable.LegacyVariableWarning, match="LV104"):
        torch.ones(2).sum().data[0]


def test_volatile_results_print_like_plain_tensors():
    with legacy_mode():
        v = Variable(torch.tensor([1.0, 2.0]), volatile=True)
        total = v.sum()
    assert repr(total) == "tensor(3.)" and "{}".format(v) == "tensor([1., 2.])"
    assert isinstance(total, torch.Tensor)


def test_trace_ops_sees_torch_functions_for_provenance():
    def article(trace_ops):
        with collecting() as found, legacy_mode(trace_ops=trace_ops):
            a = torch.ones(3)
            b = torch.ones(3)
            c = F.relu(torch.cat([a, b]))
            c_var = Variable(c, requires_grad=True)
            c_var.sum().backward()
            assert b.grad is None
        return {d.code: d.message for d in found.diagnostics}

    default = article(trace_ops=False)
    assert "LV201" not in default and "does not require grad" in default["LV203"]
    traced = article(trace_ops=True)
    assert "`b`" in traced["LV201"] and "`b` only flowed into the new leaf" in traced["LV203"]
    # the mode is thread-local and gone after the block
    assert torch._C._len_torch_function_stack() == 0


def test_mode_registers_with_the_shims_public_hook():
    from legacy_variable.runtime import shim

    assert shim.mode_hook() is None
    with legacy_mode():
        assert shim.mode_hook() is not None
        with legacy_mode():
            assert shim.mode_hook() is not None
        assert shim.mode_hook() is not None  # the outer block still holds the mode
    assert shim.mode_hook() is None
