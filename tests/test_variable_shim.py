"""The runtime shim: stock semantics, real tensors, diagnostics at the user's line."""

from __future__ import annotations

import warnings

import pytest
import torch

import legacy_variable
from source_lines import line_of
from legacy_variable import LegacyVariableWarning, Variable, configure


@pytest.fixture(autouse=True)
def _always():
    previous = configure("always")
    yield
    configure(previous)


def _line_of(marker: str) -> int:
    return line_of(__file__, marker)


def _codes(record) -> list[str]:
    return [w.message.code for w in record if issubclass(w.category, LegacyVariableWarning)]


# ---------------------------------------------------------------- the seed's examples


def test_seed_example_sum_backward_fills_grad_of_the_wrapped_leaf():
    x = torch.Tensor([1.0, 2.0, 3.0])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        x_var = Variable(x, requires_grad=True)
    y = x_var.sum()
    y.backward()
    assert torch.equal(x_var.grad, torch.tensor([1.0, 1.0, 1.0]))
    assert x.grad is None  # the wrapped tensor itself never gets a gradient


def test_seed_c_var_example_leaves_inputs_without_grad():
    a = torch.Tensor([1.0, 2.0, 3.0])
    b = torch.Tensor([4.0, 5.0, 6.0])
    c = a + b
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        c_var = Variable(c, requires_grad=True)
    c_var.backward(torch.ones_like(c_var))
    assert a.grad is None and b.grad is None
    assert torch.equal(c_var.grad, torch.ones(3))
    assert c_var.is_leaf


def test_c_var_with_history_emits_LV201_at_the_wrap_line():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
    c = a + b
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        c_var = Variable(c, requires_grad=True)  # WRAP-LV201
    c_var.backward(torch.ones_like(c_var))
    assert a.grad is None
    lv201 = [w for w in record if getattr(w.message, "code", None) == "LV201"]
    assert len(lv201) == 1
    warning = lv201[0]
    assert warning.category is LegacyVariableWarning
    assert issubclass(warning.category, DeprecationWarning)
    assert warning.filename == __file__
    assert warning.lineno == _line_of("# WRAP-LV201")
    assert str(warning.message).startswith("LV201 ")
    assert _codes(record) == ["LV101", "LV201"]


def test_plain_wrap_emits_only_LV101_with_column():
    t = torch.ones(2)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        Variable(t)  # PLAIN-WRAP
    assert _codes(record) == ["LV101"]
    diag = record[0].message.diagnostic
    assert (diag.path, diag.line) == (__file__, _line_of("# PLAIN-WRAP"))
    assert diag.column == 9  # the call starts in column 9 (1-based)


def test_detaching_wrap_emits_LV202():
    w = torch.ones(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        h = Variable(w * 2)
    assert _codes(record) == ["LV101", "LV202"]
    assert not h.requires_grad and h.grad_fn is None


def test_volatile_emits_LV103_and_both_flags_LV209():
    t = torch.ones(2)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        Variable(t, volatile=True)
    assert _codes(record) == ["LV101", "LV103"]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="volatile and require_grad"):
            Variable(t, volatile=True, requires_grad=True)
    assert _codes(record) == ["LV209"]


def test_integer_requires_grad_emits_LV208_and_raises_stock_error():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="floating point and complex"):
            Variable(torch.zeros(2, dtype=torch.long), requires_grad=True)
    assert _codes(record) == ["LV208"]


# ---------------------------------------------------------------- emission policy


def _emit_in_loop(n: int):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(n):
            Variable(torch.ones(1))
    return record


def test_once_policy_warns_once_per_call_site():
    configure("once")
    assert len(_codes(_emit_in_loop(5))) == 1


def test_always_policy_warns_every_call():
    configure("always")
    assert len(_codes(_emit_in_loop(5))) == 5


def test_ignore_policy_is_silent_but_collectors_still_count():
    configure("ignore")
    with legacy_variable.collecting() as got:
        record = _emit_in_loop(3)
    assert _codes(record) == []
    assert [d.code for d in got.diagnostics] == ["LV101"] * 3


def test_a_collector_started_after_the_site_memo_counts_every_call():
    # Under "once" the shim remembers the last site and returns early there; a collector
    # starting afterwards must still see every occurrence at that very site, and the
    # memo must work again once it stops.
    configure("once")
    t = torch.ones(2)

    def wrap():
        return Variable(t)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            wrap()  # the site's warning, then memo hits
        with legacy_variable.collecting() as got:
            for _ in range(4):
                wrap()
        for _ in range(2):
            wrap()
        with legacy_variable.collecting() as again:
            wrap()
    assert [d.code for d in got.diagnostics] == ["LV101"] * 4
    assert [d.code for d in again.diagnostics] == ["LV101"]


def test_error_policy_raises_the_warning():
    configure("error")
    with pytest.raises(LegacyVariableWarning, match="^LV101 "):
        Variable(torch.ones(1))


def test_python_warning_filters_still_apply():
    configure("always")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LegacyVariableWarning)
        with pytest.raises(LegacyVariableWarning):
            Variable(torch.ones(1))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("ignore", DeprecationWarning)
        Variable(torch.ones(1))
    assert record == []


def test_configure_rejects_unknown_action():
    with pytest.raises(ValueError, match="action must be one of"):
        configure("loud")


def test_env_var_sets_initial_action(tmp_path):
    import subprocess
    import sys

    code = "import legacy_variable.runtime.emission as e; print(e.current_action())"
    env = dict(__import__("os").environ, LEGACY_VARIABLE="error")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "error", out.stderr


# ---------------------------------------------------------------- isinstance / type


def test_isinstance_true_for_every_tensor_and_type_check_false():
    for value in (torch.ones(1), torch.zeros(1, dtype=torch.long), torch.nn.Parameter(torch.ones(1))):
        assert isinstance(value, Variable)
    assert not isinstance(1.0, Variable)
    assert type(Variable(torch.ones(1))) is torch.Tensor
    assert type(torch.ones(1)) != Variable
    assert not issubclass(torch.Tensor, Variable)


def test_subclass_of_variable_returns_plain_tensor_like_stock():
    class MyVar(Variable):
        def __init__(self, *a, **k):  # pragma: no cover - must not run, as in stock
            raise AssertionError("__init__ must not be called")

    out = MyVar(torch.ones(2))
    assert type(out) is torch.Tensor
