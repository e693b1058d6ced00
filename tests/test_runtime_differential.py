"""Differential, property-based: random autograd programs run three ways agree.

Each generated program is a straight-line list of steps over a few named tensors. It is
executed from identical seeded inputs with (1) stock ``torch.autograd.Variable``, (2) the
shim ``legacy_variable.Variable``, (3) the shim inside ``legacy_mode()``, and the runs are
compared step by step (outcome: ok / exception type) and at the end (every named tensor's
values, dtype, shape, ``requires_grad``, ``is_leaf``, and every leaf's ``.grad``).

(1) and (2) must agree exactly. (3) must agree with (1) except where a documented
legacy-mode compatibility behaviour applies, and each of those is asserted explicitly:

* volatile is infectious: a name computed from ``Variable(x, volatile=True)`` is a
  ``LegacyVolatileTensor`` that requires no grad and has no history (its *values* still
  equal stock's), so ``backward`` from it raises where stock may succeed;
* ``x[0]`` / ``x.data[0]`` on a 0-dim tensor: stock raises IndexError, the mode returns the
  tensor itself (when it requires grad) or the Python number;
* ``.numpy()`` on a tensor that requires grad: stock raises RuntimeError, the mode returns
  the detached array.

Volatility is modelled on 0.3 (``volatile_names``): ``Variable(v)`` / ``Variable(v.data,
requires_grad=True)`` start a fresh, non-volatile leaf, and an in-place op into a tensor
that requires grad keeps stock semantics even with a volatile operand (it raises on a leaf,
and is recorded in the graph of a non-leaf).

Budget: HYPOTHESIS_PROFILE (tests/conftest.py) -- ``ci`` by default, ``dev`` for more.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import event, example, given
from hypothesis import strategies as st

from legacy_variable import Variable, configure, legacy_mode
from legacy_variable.runtime.mode import LegacyVolatileTensor
from legacy_variable.runtime.shim import STOCK_VARIABLE as STOCK


@pytest.fixture(autouse=True, scope="module")
def _quiet():
    previous = configure("ignore")
    yield
    configure(previous)


# ---------------------------------------------------------------- programs


@dataclass(frozen=True)
class Input:
    name: str
    shape: tuple[int, ...]
    dtype: str  # "float32" | "float64" | "int64"
    requires_grad: bool


@dataclass(frozen=True)
class Step:
    """``out = op(*args)``; in-place ops and probes bind no name (``out`` is None)."""

    op: str
    args: tuple[str, ...]
    out: str | None = None
    dim: int | None = None


@dataclass(frozen=True)
class Program:
    seed: int
    inputs: tuple[Input, ...]
    steps: tuple[Step, ...]
    #: the name whose ``.sum().backward()`` ends the program (None: no backward)
    final: str | None


UNARY = ("exp", "tanh", "relu", "pow2", "sum", "mean", "sum_dim", "mean_dim", "data")
BINARY = ("add", "mul", "sub", "div", "matmul", "mm")
WRAPS = ("wrap", "wrap_rg", "wrap_volatile")
INPLACE = ("add_", "mul_", "zero_")
PROBES = ("index0", "data_index0", "numpy")
SHAPES = ((), (3,), (2, 3), (3, 2))


# ---------------------------------------------------------------- the interpreter


def _inputs(program: Program) -> dict[str, torch.Tensor]:
    """Fresh input tensors, identical for every run of the same program."""
    generator = torch.Generator().manual_seed(program.seed)
    tensors = {}
    for spec in program.inputs:
        if spec.dtype == "int64":
            t = torch.randint(-3, 4, spec.shape, generator=generator)
        else:
            t = torch.randn(spec.shape, generator=generator, dtype=getattr(torch, spec.dtype))
        tensors[spec.name] = t.requires_grad_(spec.requires_grad)
    return tensors


def _apply(step: Step, env: dict, variable_ctor):
    """Run one step; returns what it evaluated to (bound to ``step.out`` if any)."""
    a = env[step.args[0]]
    b = env[step.args[1]] if len(step.args) > 1 else None
    op = step.op
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    if op == "sub":
        return a - b
    if op == "div":
        return a / b
    if op == "matmul":
        return a @ b
    if op == "mm":
        return torch.mm(a, b)
    if op == "exp":
        return a.exp()
    if op == "tanh":
        return torch.tanh(a)
    if op == "relu":
        return torch.relu(a)
    if op == "pow2":
        return a**2
    if op == "sum":
        return a.sum()
    if op == "mean":
        return a.mean()
    if op == "sum_dim":
        return a.sum(dim=step.dim)
    if op == "mean_dim":
        return a.mean(step.dim)
    if op == "data":
        return a.data
    if op == "wrap":
        return variable_ctor(a)
    if op == "wrap_rg":
        return variable_ctor(a, requires_grad=True)
    if op == "wrap_volatile":
        return variable_ctor(a, volatile=True)
    if op == "add_":
        return a.add_(b)
    if op == "mul_":
        return a.mul_(b)
    if op == "zero_":
        return a.zero_()
    if op == "index0":
        return a[0]  # noqa: LV104 -- the legacy idiom under test
    if op == "data_index0":
        return a.data[0]  # noqa: LV104
    if op == "numpy":
        return a.numpy()
    raise AssertionError(op)


@dataclass
class Outcome:
    """One step's result: "ok" (with ``value``), "raise" (with ``error``) or "skip" (an
    operand is unbound because an earlier step raised)."""

    kind: str
    error: type | None = None
    value: object = None
    #: the first operand, as it was when the step ran (what a probe looked at)
    source: "Snap | None" = None


@dataclass
class Snap:
    """What is compared of one tensor."""

    type: type
    dtype: torch.dtype
    shape: tuple[int, ...]
    values: torch.Tensor
    requires_grad: bool
    is_leaf: bool
    grad: torch.Tensor | None


def _plain(t: torch.Tensor) -> torch.Tensor:
    with torch._C.DisableTorchFunctionSubclass():
        return t.as_subclass(torch.Tensor).detach().clone()


def _snap(t: torch.Tensor) -> Snap:
    grad = t.grad if t.is_leaf else None  # (.grad of a non-leaf only warns)
    return Snap(
        type(t), t.dtype, tuple(t.shape), _plain(t), t.requires_grad, t.is_leaf,
        None if grad is None else _plain(grad),
    )


@dataclass
class Run:
    outcomes: list[Outcome]
    backward: Outcome | None
    final: dict[str, Snap]


def _run(program: Program, variable_ctor) -> Run:
    env: dict = _inputs(program)
    outcomes = []
    for step in program.steps:
        if any(name not in env for name in step.args):
            outcomes.append(Outcome("skip"))
            continue
        source = _snap(env[step.args[0]]) if step.op in PROBES else None
        try:
            value = _apply(step, env, variable_ctor)
        except Exception as exc:  # compared by type across the runs
            outcomes.append(Outcome("raise", error=type(exc), source=source))
            continue
        if step.out is not None:
            env[step.out] = value
        if isinstance(value, torch.Tensor):
            value = _snap(value)
        elif isinstance(value, np.ndarray):
            value = value.copy()  # .numpy() shares memory; later in-place ops show in it
        outcomes.append(Outcome("ok", value=value, source=source))
    backward = None
    if program.final is not None and program.final in env:
        try:
            env[program.final].sum().backward()
        except Exception as exc:
            backward = Outcome("raise", error=type(exc))
        else:
            backward = Outcome("ok")
    final = {name: _snap(t) for name, t in env.items()}
    return Run(outcomes, backward, final)


#: What legacy mode replaces while it is on; each must be the identical object after.
_PATCHED = ("backward", "__getitem__", "numpy", "__setattr__", "grad", "__add__", "__iadd__")


def execute(program: Program, variable_ctor, mode: bool) -> Run:
    """Run ``program`` with ``variable_ctor`` as ``Variable``, in legacy mode if ``mode``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stock's volatile warning, the mode's re-reports
        if not mode:
            return _run(program, variable_ctor)
        before = [vars(torch.Tensor).get(n) for n in _PATCHED] + [torch.autograd.backward]
        with legacy_mode():
            run = _run(program, variable_ctor)
        after = [vars(torch.Tensor).get(n) for n in _PATCHED] + [torch.autograd.backward]
        assert all(x is y for x, y in zip(before, after)), "legacy mode left a patch behind"
        return run


# ---------------------------------------------------------------- generation


@st.composite
def programs(draw) -> Program:
    n_inputs = draw(st.integers(1, 3))
    inputs = []
    for i in range(n_inputs):
        shape = draw(st.sampled_from(SHAPES))
        dtype = draw(st.sampled_from(("float32",) * 4 + ("float64",) * 2 + ("int64",)))
        rg = dtype != "int64" and draw(st.sampled_from((True, True, False)))
        inputs.append(Input(f"x{i}", shape, dtype, rg))
    names = [spec.name for spec in inputs]
    ops = st.sampled_from(UNARY + BINARY + WRAPS * 2 + INPLACE + PROBES)
    steps = []
    final = None
    for i in range(draw(st.integers(1, 8))):
        op = draw(ops)
        first = draw(st.sampled_from(names))
        if op in BINARY or op in ("add_", "mul_"):
            args = (first, draw(st.sampled_from(names)))
        else:
            args = (first,)
        dim = draw(st.integers(-1, 1)) if op.endswith("_dim") else None
        out = None
        if op not in INPLACE and op not in PROBES:
            out = f"v{i}"
            names.append(out)
            final = out
        steps.append(Step(op, args, out, dim))
    if final is None or draw(st.integers(0, 9)) == 0:
        final = draw(st.sampled_from(names))
    return Program(draw(st.integers(0, 2**16)), tuple(inputs), tuple(steps), final)


# ---------------------------------------------------------------- comparison


def _same_values(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.is_floating_point():
        return torch.allclose(a, b, rtol=0, atol=0, equal_nan=True)
    return torch.equal(a, b)


def _assert_same_tensor(got: Snap, want: Snap, where: str) -> None:
    assert got.type is want.type is torch.Tensor, where
    assert (got.dtype, got.shape) == (want.dtype, want.shape), where
    assert _same_values(got.values, want.values), where
    assert (got.requires_grad, got.is_leaf) == (want.requires_grad, want.is_leaf), where
    assert (got.grad is None) == (want.grad is None), where
    if want.grad is not None:
        assert _same_values(got.grad, want.grad), where


def _assert_same_value(got, want, where: str) -> None:
    if isinstance(want, Snap):
        assert isinstance(got, Snap), where
        _assert_same_tensor(got, want, where)
    elif isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray) and got.dtype == want.dtype, where
        np.testing.assert_array_equal(got, want, err_msg=where)
    else:
        assert type(got) is type(want), where
        assert got == want or (math.isnan(got) and math.isnan(want)), where


def _assert_same_run(got: Run, want: Run) -> None:
    """Exact agreement: the shim against stock."""
    assert len(got.outcomes) == len(want.outcomes)
    for i, (g, w) in enumerate(zip(got.outcomes, want.outcomes)):
        where = f"step {i}"
        assert (g.kind, g.error) == (w.kind, w.error), where
        if w.kind == "ok":
            _assert_same_value(g.value, w.value, where)
    assert (got.backward is None) == (want.backward is None)
    if want.backward is not None:
        assert (got.backward.kind, got.backward.error) == (want.backward.kind, want.backward.error)
    assert got.final.keys() == want.final.keys()
    for name in want.final:
        _assert_same_tensor(got.final[name], want.final[name], name)


def volatile_names(program: Program) -> set[str]:
    """Names legacy mode must make volatile: results of ``Variable(x, volatile=True)`` and of
    every op with a volatile operand (``.data`` included). A plain ``Variable(v)`` wrap
    starts a fresh non-volatile leaf, as ``Variable(v.data)`` did in 0.3; in-place ops never
    change the target's volatility."""
    volatile = set()
    for step in program.steps:
        if step.out is None:
            continue
        if step.op == "wrap_volatile":
            volatile.add(step.out)
        elif step.op not in ("wrap", "wrap_rg") and volatile.intersection(step.args):
            volatile.add(step.out)
    return volatile


def _returns_volatile(step: Step, volatile: set[str], stock_value) -> bool:
    """Whether an in-place op's or a probe's (unbound) result is volatile in legacy mode:
    ``v[0]``, ``v.add_(x)``, and ``x.add_(v)`` when ``x`` requires no grad (in-place ops
    into a tensor that requires grad keep stock semantics, result included)."""
    if step.out is not None or not isinstance(stock_value, Snap):
        return False
    if step.args[0] in volatile:
        return True
    return step.op in INPLACE and bool(volatile.intersection(step.args)) and not (
        stock_value.requires_grad
    )


def _assert_volatile(got: Snap, want: Snap, where: str) -> None:
    """Infectious volatile: stock's values, but no grad and no history."""
    assert got.type is LegacyVolatileTensor, where
    assert (got.dtype, got.shape) == (want.dtype, want.shape), where
    assert _same_values(got.values, want.values), where
    assert not got.requires_grad and got.is_leaf and got.grad is None, where


def _assert_legacy_probe(step: Step, got: Outcome, want: Outcome, where: str) -> bool:
    """A documented difference of a probe step, asserted; False when none applies."""
    if want.kind != "raise":
        return False
    if step.op in ("index0", "data_index0") and want.error is IndexError and (
        want.source.shape == ()
    ):
        # 0.3 scalar indexing: the graph node itself, or the number
        assert got.kind == "ok", where
        if step.op == "index0" and got.source.requires_grad:
            assert isinstance(got.value, Snap) and got.value.requires_grad, where
            assert _same_values(got.value.values, want.source.values), where
        else:
            _assert_same_value(got.value, want.source.values.item(), where)
        return True
    if step.op == "numpy" and want.error is RuntimeError and want.source.requires_grad:
        # .numpy() on a tensor that requires grad (or made volatile): the detached array
        assert got.kind == "ok", where
        np.testing.assert_array_equal(got.value, want.source.values.numpy(), err_msg=where)
        return True
    return False


def _assert_legacy_run(program: Program, got: Run, want: Run) -> None:
    """Legacy mode against stock: equal except the documented behaviours, asserted."""
    volatile = volatile_names(program)
    for i, (step, g, w) in enumerate(zip(program.steps, got.outcomes, want.outcomes)):
        where = f"step {i} ({step.op})"
        if step.op in PROBES and _assert_legacy_probe(step, g, w, where):
            continue
        assert (g.kind, g.error) == (w.kind, w.error), where
        if w.kind != "ok":
            continue
        if step.out in volatile:
            _assert_volatile(g.value, w.value, where)
        elif _returns_volatile(step, volatile, w.value):
            _assert_volatile(g.value, w.value, where)
        else:
            _assert_same_value(g.value, w.value, where)
    assert got.final.keys() == want.final.keys()
    assert (got.backward is None) == (want.backward is None)
    if want.backward is not None and program.final in volatile:
        # infectious volatile: no graph, so backward raises (stock's may succeed)
        assert got.backward.kind == "raise" and got.backward.error is RuntimeError
        for name, snap in got.final.items():
            assert snap.grad is None, name
    elif want.backward is not None:
        assert (got.backward.kind, got.backward.error) == (want.backward.kind, want.backward.error)
    for name in want.final:
        if name in volatile:
            _assert_volatile(got.final[name], want.final[name], name)
        elif want.backward is not None and program.final in volatile:
            g, w = got.final[name], want.final[name]
            _assert_same_tensor(g, Snap(**{**w.__dict__, "grad": None}), name)
        else:
            _assert_same_tensor(got.final[name], want.final[name], name)


# ---------------------------------------------------------------- the property


def _p(inputs, steps, final, seed=0):
    return Program(seed, tuple(Input(*spec) for spec in inputs), tuple(steps), final)


#: The article's c_var program: c = a + b; c_var = Variable(c, requires_grad=True).
C_VAR = _p(
    [("a", (3,), "float32", True), ("b", (3,), "float32", True)],
    [Step("add", ("a", "b"), "c"), Step("wrap_rg", ("c",), "c_var")],
    "c_var",
)
#: volatile input through a Linear whose parameters require grad: x @ w + bias.
VOLATILE_LINEAR = _p(
    [("x", (2, 3), "float32", False), ("w", (3, 2), "float32", True),
     ("bias", (2,), "float32", True)],
    [Step("wrap_volatile", ("x",), "xv"), Step("mm", ("xv", "w"), "h"),
     Step("add", ("h", "bias"), "out"), Step("relu", ("out",), "y"),
     Step("index0", ("y",)), Step("numpy", ("y",))],
    "y",
)
#: in-place on a leaf that requires grad (raises), then on a non-leaf (recorded).
INPLACE_LEAF = _p(
    [("w", (3,), "float32", True), ("x", (3,), "float32", False)],
    [Step("add_", ("w", "x")), Step("zero_", ("w",)), Step("mul", ("w", "x"), "y"),
     Step("mul_", ("y", "x")), Step("sum", ("y",), "loss"), Step("index0", ("loss",)),
     Step("data_index0", ("loss",))],
    "loss",
)
#: an integer tensor wrapped with requires_grad=True (raises), then used plainly.
INT_REQUIRES_GRAD = _p(
    [("n", (3,), "int64", False)],
    [Step("wrap_rg", ("n",), "bad"), Step("wrap", ("n",), "ok"),
     Step("mean", ("ok",), "m"), Step("relu", ("ok",), "r"), Step("numpy", ("r",))],
    "r",
)
#: in-place with a volatile operand into tensors that require grad: stock semantics.
VOLATILE_INPLACE = _p(
    [("w", (3,), "float32", True), ("x", (3,), "float32", False)],
    [Step("wrap_volatile", ("x",), "xv"), Step("add_", ("w", "xv")),
     Step("mul", ("w", "x"), "y"), Step("mul_", ("y", "xv")), Step("sum", ("y",), "loss")],
    "loss",
)
#: 0.3's `Variable(v.data, requires_grad=True)` after a volatile pass: a fresh graph.
VOLATILE_REWRAP = _p(
    [("x", (2, 3), "float32", False), ("w", (3,), "float32", True)],
    [Step("wrap_volatile", ("x",), "xv"), Step("tanh", ("xv",), "h"),
     Step("data", ("h",), "hd"), Step("wrap_rg", ("hd",), "leaf"),
     Step("matmul", ("leaf", "w"), "y")],
    "y",
)


@given(programs())
@example(C_VAR)
@example(VOLATILE_LINEAR)
@example(INPLACE_LEAF)
@example(INT_REQUIRES_GRAD)
@example(VOLATILE_INPLACE)
@example(VOLATILE_REWRAP)
def test_stock_shim_and_legacy_mode_agree(program):
    stock = execute(program, STOCK, mode=False)
    _assert_same_run(execute(program, Variable, mode=False), stock)
    legacy = execute(program, Variable, mode=True)
    _assert_legacy_run(program, legacy, stock)
    # what the budget reached (pytest --hypothesis-show-statistics)
    event(f"backward: stock {stock.backward and stock.backward.kind}, "
          f"legacy {legacy.backward and legacy.backward.kind}")
    event(f"steps raising: {sum(o.kind == 'raise' for o in stock.outcomes) > 0}")
    event(f"volatile: {bool(volatile_names(program))}")


# ---------------------------------------------------------------- the edge cases, spelled out


def test_c_var_leaves_the_inputs_without_gradients_in_all_three_runs():
    for ctor, mode in ((STOCK, False), (Variable, False), (Variable, True)):
        run = execute(C_VAR, ctor, mode)
        assert run.backward.kind == "ok"
        assert run.final["a"].grad is None and run.final["b"].grad is None
        assert run.final["c_var"].grad.tolist() == [1.0, 1.0, 1.0]


def test_in_place_on_a_leaf_that_requires_grad_raises_in_all_three_runs():
    for ctor, mode in ((STOCK, False), (Variable, False), (Variable, True)):
        run = execute(INPLACE_LEAF, ctor, mode)
        assert [o.error for o in run.outcomes[:2]] == [RuntimeError, RuntimeError]


def test_volatile_operand_does_not_make_in_place_ops_on_graph_tensors_silent():
    """Regression: under legacy mode a volatile operand ran ``w.add_(xv)`` under no_grad,
    so an in-place op on a leaf that requires grad silently succeeded (stock and 0.3
    raise), and ``y.mul_(xv)`` on a graph node went unrecorded: wrong gradients."""
    stock = execute(VOLATILE_INPLACE, STOCK, mode=False)
    legacy = execute(VOLATILE_INPLACE, Variable, mode=True)
    assert legacy.outcomes[1].error is RuntimeError is stock.outcomes[1].error
    assert legacy.backward.kind == "ok" == stock.backward.kind
    assert _same_values(legacy.final["w"].grad, stock.final["w"].grad)


def test_rewrapping_volatile_data_with_requires_grad_starts_a_graph():
    """Regression: ``Variable(v.data, requires_grad=True)`` under legacy mode returned a
    volatile leaf, so nothing computed from it had a graph (0.3 and stock build one)."""
    legacy = execute(VOLATILE_REWRAP, Variable, mode=True)
    assert legacy.final["leaf"].type is torch.Tensor
    assert legacy.backward.kind == "ok"
    assert legacy.final["leaf"].grad is not None
