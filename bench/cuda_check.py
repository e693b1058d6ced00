"""GPU-only paths, checked on a machine with CUDA (CI has none; tests never need a GPU).

    python bench/cuda_check.py

1. The shim on CUDA tensors matches stock torch.autograd.Variable (device, dtype,
   flags, storage sharing).
2. A 2017 snippet with ``.cuda(async=True)`` (a SyntaxError today) is fixed by the
   linter to ``non_blocking=True`` and the fixed code runs on the GPU with the same values.
3. ``.type(torch.cuda.FloatTensor)`` and its linter fix agree on the GPU.
4. Peak GPU memory of a volatile evaluation loop: stock ``Variable(volatile=True)`` vs
   legacy mode vs ``torch.no_grad()`` (legacy mode should equal no_grad).

Prints one line per check and exits 1 if a check fails.
"""

from __future__ import annotations

import ast
import sys
import warnings

import torch

from legacy_variable import Variable, configure
from legacy_variable.lint import engine
from legacy_variable.lint.fixer import fix_to_fixed_point
from legacy_variable.rules import RULES
from legacy_variable.runtime.shim import STOCK_VARIABLE as STOCK

failures: list[str] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail else ""))
    if not ok:
        failures.append(name)


def fix(source: str) -> str:
    codes = frozenset(RULES)
    outcome = fix_to_fixed_point(
        source, lambda text: engine.analyze(text, "snippet.py", codes), lambda d: d.fix is not None
    )
    return outcome.text


def shim_on_cuda() -> None:
    t = torch.randn(4, device="cuda")
    for kwargs in ({}, {"requires_grad": True}):
        a, b = STOCK(t, **kwargs), Variable(t, **kwargs)
        same = (
            a.device == b.device
            and a.dtype == b.dtype
            and a.requires_grad == b.requires_grad
            and a.is_leaf == b.is_leaf
            and b.data_ptr() == t.data_ptr()
            and torch.equal(a.detach(), b.detach())
        )
        check(f"shim on CUDA {kwargs or 'plain'}", same)


ASYNC_SNIPPET = """\
import torch
from torch.autograd import Variable
x = torch.arange(6.0).pin_memory()
y = Variable(x.cuda(async=True))
z = (y * 2).sum()
"""


def async_fix_runs_on_gpu() -> None:
    try:
        ast.parse(ASYNC_SNIPPET)
        check("async= snippet is a SyntaxError", False)
    except SyntaxError:
        check("async= snippet is a SyntaxError", True)
    fixed = fix(ASYNC_SNIPPET)
    namespace: dict = {}
    exec(compile(fixed, "fixed.py", "exec"), namespace)
    torch.cuda.synchronize()
    check(
        "fixed async= snippet runs on CUDA",
        "non_blocking=True" in fixed and namespace["z"].item() == 30.0,
        fixed.splitlines()[3].strip(),
    )


TYPE_SNIPPET = """\
import torch
x = torch.arange(4)
y = x.type(torch.cuda.FloatTensor)
"""


def type_cast_fix_on_gpu() -> None:
    before: dict = {}
    exec(TYPE_SNIPPET, before)
    fixed = fix(TYPE_SNIPPET)  # LV108's CUDA fix is unsafe: applied here to compare
    after: dict = {}
    exec(fixed, after)
    a, b = before["y"], after["y"]
    check(
        ".type(torch.cuda.FloatTensor) and its fix agree on CUDA",
        a.device == b.device and a.dtype == b.dtype and torch.equal(a, b),
        fixed.splitlines()[2].strip(),
    )


def volatile_memory() -> None:
    from legacy_variable import legacy_mode

    layers = [torch.randn(1024, 1024, device="cuda", requires_grad=True) for _ in range(8)]

    def evaluate(make_input, context=None):
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        kept = []
        for _ in range(10):
            h = make_input(torch.randn(512, 1024, device="cuda"))
            for w in layers:
                h = torch.tanh(h @ w)
            kept.append(h)
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - base
        held = torch.cuda.memory_allocated() - base
        graph = any(k.grad_fn is not None for k in kept)
        del kept
        return peak, held, graph

    mib = 1 << 20
    stock_peak, stock_held, stock_graph = evaluate(lambda x: STOCK(x, volatile=True))
    with legacy_mode():
        legacy_peak, legacy_held, legacy_graph = evaluate(lambda x: Variable(x, volatile=True))
    with torch.no_grad():
        ng_peak, ng_held, ng_graph = evaluate(lambda x: x)
    print(
        f"      volatile eval, 10 batches x 8 layers: peak / held MiB -- "
        f"stock {stock_peak / mib:.0f} / {stock_held / mib:.0f} (graph {stock_graph}), "
        f"legacy mode {legacy_peak / mib:.0f} / {legacy_held / mib:.0f} (graph {legacy_graph}), "
        f"no_grad {ng_peak / mib:.0f} / {ng_held / mib:.0f} (graph {ng_graph})"
    )
    check(
        "legacy-mode volatile holds what no_grad holds on the GPU",
        not legacy_graph and legacy_held == ng_held and stock_held > legacy_held,
    )


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check")
        return 0
    configure("ignore")
    warnings.simplefilter("ignore")
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}")
    shim_on_cuda()
    async_fix_runs_on_gpu()
    type_cast_fix_on_gpu()
    volatile_memory()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
