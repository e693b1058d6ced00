"""install()/uninstall(): the shim behind torch.autograd.Variable, restored exactly."""

from __future__ import annotations

import io
import sys
import threading
import warnings

import pytest
import torch

import legacy_variable
from legacy_variable import Variable, configure, install, installed, uninstall
from legacy_variable import is_installed


def _places():
    module = sys.modules["torch.autograd.variable"]
    return (
        torch.autograd.Variable,
        module.Variable,
        torch.autograd.variable.Variable,  # attribute of the function that shadows the module
    )


@pytest.fixture(autouse=True)
def _clean():
    previous = configure("ignore")
    originals = _places()
    yield originals
    uninstall()
    configure(previous)
    assert _places() == originals


def test_install_replaces_all_three_places_and_uninstall_restores_identity(_clean):
    originals = _clean
    install()
    assert _places() == (Variable, Variable, Variable)
    assert is_installed()
    uninstall()
    after = _places()
    assert all(a is b for a, b in zip(after, originals))


def test_install_is_idempotent():
    originals = _places()
    install()
    install()
    uninstall()
    assert all(a is b for a, b in zip(_places(), originals))
    uninstall()  # a second uninstall is harmless
    assert all(a is b for a, b in zip(_places(), originals))


def test_installed_context_manager_restores_and_nests():
    originals = _places()
    with installed():
        with installed():
            assert torch.autograd.Variable is Variable
        assert torch.autograd.Variable is Variable  # inner block did not uninstall
    assert all(a is b for a, b in zip(_places(), originals))


def test_installed_leaves_a_global_legacy_mode_as_it_found_it():
    from legacy_variable.runtime import mode as lv_mode

    lv_mode.enable_globally()
    try:
        with installed():
            pass
        assert lv_mode.active()  # the block's exit did not end the global mode
    finally:
        lv_mode.disable_globally()
    install()
    with installed(mode=True):
        assert lv_mode.active()
    assert is_installed() and not lv_mode.active()  # shim was there before; mode was not


def test_unmodified_legacy_import_gets_the_shim():
    with installed():
        from torch.autograd import Variable as V1
        from torch.autograd.variable import Variable as V2
        import torch.autograd.variable as legacy_module

        assert V1 is V2 is legacy_module.Variable is Variable
        out = V1(torch.ones(2), requires_grad=True)
        assert type(out) is torch.Tensor and out.requires_grad and out.is_leaf


def test_execution_engine_kept_for_checkpoint_and_module_tracker():
    with installed():
        assert torch.autograd.Variable._execution_engine is not None
        lin = torch.nn.Linear(3, 3)
        x = torch.randn(2, 3, requires_grad=True)
        from torch.utils.checkpoint import checkpoint

        out = checkpoint(lin, x, use_reentrant=True)
        out.sum().backward()
        assert x.grad is not None
        from torch.utils.module_tracker import ModuleTracker

        with ModuleTracker():
            lin(x).sum().backward()


def test_parameter_save_load_and_deepcopy_work_with_shim():
    import copy

    with installed():
        p = torch.nn.Parameter(torch.autograd.Variable(torch.ones(2)))
        assert isinstance(p, torch.nn.Parameter)
        buffer = io.BytesIO()
        v = torch.autograd.Variable(torch.arange(3.0), requires_grad=True)
        torch.save({"v": v, "model": torch.nn.Linear(2, 2).state_dict()}, buffer)
        buffer.seek(0)
        loaded = torch.load(buffer)
        assert type(loaded["v"]) is torch.Tensor and loaded["v"].requires_grad
        assert torch.equal(loaded["v"].detach(), torch.arange(3.0))
        copy.deepcopy(torch.nn.Linear(2, 2))


def test_legacy_pickle_naming_the_variable_class_loads():
    # 0.1-era pickles rebuilt a Variable through cls.__new__(cls) plus a 5-tuple state.
    import pickle

    with installed():
        # torch's Tensor.__setstate__ reads it as (data, _, hooks, requires_grad, _).
        legacy_state = (torch.arange(3.0), None, None, True, None)
        obj = Variable.__new__(Variable)
        obj.__setstate__(legacy_state)
        assert torch.equal(obj.detach(), torch.arange(3.0)) and obj.requires_grad
        assert pickle.loads(pickle.dumps(torch.autograd.Variable)) is Variable


def test_fx_symbolic_trace_through_installed_variable():
    class M(torch.nn.Module):
        def forward(self, x):
            return torch.autograd.Variable(x) * 2

    with installed():
        gm = torch.fx.symbolic_trace(M())
    targets = [str(n.target) for n in gm.graph.nodes]
    assert "detach" in targets
    assert torch.equal(gm(torch.ones(2)), torch.full((2,), 2.0))


def test_torch_compile_fullgraph_with_installed_variable():
    with installed():

        def f(x):
            return torch.autograd.Variable(x, requires_grad=False) * 2

        compiled = torch.compile(f, fullgraph=True, backend="eager")
        out = compiled(torch.ones(2))
    assert torch.equal(out, torch.full((2,), 2.0))


def test_install_is_thread_safe():
    originals = _places()
    errors = []

    def churn():
        try:
            for _ in range(200):
                install()
                uninstall()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=churn) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(a is b for a, b in zip(_places(), originals))


def test_package_exports_runtime_names_lazily():
    assert legacy_variable.Variable is Variable
    with pytest.raises(AttributeError):
        legacy_variable.not_a_thing  # noqa: B018


def test_shim_emits_at_user_line_through_installed_name():
    configure("always")
    with installed():
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            torch.autograd.Variable(torch.ones(1))
    assert [w.message.code for w in record] == ["LV101"]
    assert record[0].filename == __file__
