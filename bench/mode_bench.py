"""Legacy mode's cost, side by side in one process (not a test).

    .venv/bin/python bench/mode_bench.py [--reps 11]

Time (process CPU time, robust to other load on shared cores): an MLP training-step loop and a small conv-net loop, stock vs inside ``legacy_mode()``,
variants interleaved per repetition, median of the per-repetition ratios (targets: MLP
<= 1.10x, conv <= 1.05x). Also the per-call cost of the patched entry points.
Memory: what a volatile eval loop keeps for backward -- stock ``Variable(x, volatile=True)``
vs legacy mode vs ``torch.no_grad()`` (target: legacy mode == no_grad), counted with
``saved_tensors_hooks`` (bytes saved for backward per forward) and by the graph the kept
outputs hold.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import timeit
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

import legacy_variable
from legacy_variable import legacy_mode
from legacy_variable.runtime.shim import STOCK_VARIABLE as _STOCK_VARIABLE


def mlp_setup():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(64, 256), torch.randint(0, 10, (64,))
    return model, opt, x, y


def mlp_loop(model, opt, x, y, steps=200):
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()


def mlp_loop_legacy_idioms(model, opt, x, y, steps=200):
    """The same loop as 0.3 code wrote it: Variable wraps and loss.data[0] each step."""
    Variable = legacy_variable.Variable
    for _ in range(steps):
        inputs, targets = Variable(x), Variable(y)
        opt.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        opt.step()
        loss.data[0]


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(x.view(x.size(0), -1))


def conv_setup():
    torch.manual_seed(0)
    model = ConvNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    return model, opt, x, y


def conv_loop(model, opt, x, y, steps=30):
    mlp_loop(model, opt, x, y, steps)


def timed(fn, *args) -> float:
    # CPU time of this process, not wall time: the 2 shared cores of the dev box are
    # busy with other work, and waiting for a core is not legacy mode's cost.
    # (torch.set_num_threads(1) keeps all the work on this process's one thread.)
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def compare(name, setup, loop, reps, legacy_loop=None, trace_ops=False):
    args = setup()
    loop(*args)  # warm-up
    with legacy_mode(trace_ops=trace_ops):
        (legacy_loop or loop)(*args)
    stock, legacy = [], []
    for _ in range(reps):
        stock.append(timed(loop, *args))
        with legacy_mode(trace_ops=trace_ops):
            legacy.append(timed(legacy_loop or loop, *args))
    ratios = sorted(b / a for a, b in zip(stock, legacy))
    print(
        f"{name:<44} stock {statistics.median(stock) * 1e3:8.1f} ms   legacy mode "
        f"{statistics.median(legacy) * 1e3:8.1f} ms   ratio x{statistics.median(ratios):.3f} "
        f"[{ratios[0]:.3f}-{ratios[-1]:.3f}]"
    )
    return statistics.median(ratios)


def per_call_costs():
    t1 = torch.arange(8.0)
    a, b = torch.ones(8), torch.ones(8)
    w = torch.ones(8, requires_grad=True)
    p = nn.Parameter(torch.ones(8))
    p.grad = torch.ones(8)
    cases = {
        "t[0] (1-D indexing)": lambda: t1[0],
        "a + b (plain tensors: provenance recorded)": lambda: a + b,
        "w * b (requires grad: no record)": lambda: w * b,
        "p.grad (set)": lambda: p.grad,
        "t.foo = 1 (__setattr__)": lambda: setattr(t1, "foo", 1),
    }
    print("\nper-call cost, us (median of 5 x 20000 calls)")
    for label, fn in cases.items():
        stock = min(timeit.repeat(fn, number=20000, repeat=5)) / 20000 * 1e6
        with legacy_mode():
            legacy = min(timeit.repeat(fn, number=20000, repeat=5)) / 20000 * 1e6
        print(f"  {label:<44} stock {stock:6.3f}   legacy mode {legacy:6.3f}")


def volatile_memory():
    torch.manual_seed(0)
    layers = [torch.randn(512, 512, requires_grad=True) * 0.05 for _ in range(8)]
    layers = [w.detach().requires_grad_() for w in layers]
    batches = [torch.randn(256, 512) for _ in range(5)]

    def forward(h):
        for w in layers:
            h = torch.tanh(h @ w)
        return h

    def measure(variant):
        saved = [0]

        def pack(t):
            saved[0] += t.numel() * t.element_size()
            return t

        kept = []
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            for x in batches:
                if variant == "stock Variable(volatile=True)":
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        v = _STOCK_VARIABLE(x, volatile=True)
                    kept.append(forward(v))
                elif variant == "legacy mode Variable(volatile=True)":
                    with legacy_mode():
                        kept.append(forward(legacy_variable.Variable(x, volatile=True)))
                else:
                    with torch.no_grad():
                        kept.append(forward(x))
        graphs = sum(o.grad_fn is not None for o in kept)
        return saved[0], graphs

    print("\nvolatile eval loop: 5 batches 256x512 through 8 x tanh(h @ W[512x512]), outputs kept")
    for variant in ("stock Variable(volatile=True)", "legacy mode Variable(volatile=True)",
                    "torch.no_grad()"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            saved, graphs = measure(variant)
        print(f"  {variant:<40} saved for backward {saved / 2**20:8.1f} MiB   "
              f"outputs holding a graph {graphs}/5")


VARIANTS = ("stock Variable(volatile=True)", "legacy mode Variable(volatile=True)",
            "torch.no_grad()")


def _peak_rss_child(variant: str) -> None:
    """In a fresh process: RSS growth (MiB) across an eval loop that keeps its outputs
    (what the loop holds on to: the outputs, plus their graphs where one is built)."""

    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    torch.manual_seed(0)
    weights = [(torch.randn(1024, 1024) * 0.03).requires_grad_() for _ in range(8)]
    batches = [torch.randn(512, 1024) for _ in range(10)]
    if variant == VARIANTS[1]:
        legacy_variable.install(mode=True)
    base = rss()
    kept = []
    warnings.simplefilter("ignore")
    legacy_variable.configure("ignore")
    for x in batches:
        if variant == VARIANTS[0]:
            h = _STOCK_VARIABLE(x, volatile=True)
        elif variant == VARIANTS[1]:
            h = legacy_variable.Variable(x, volatile=True)
        else:
            h = x
        with torch.no_grad() if variant == VARIANTS[2] else _nullcontext():
            for w in weights:
                h = torch.tanh(h @ w)
        kept.append(h)
    print((rss() - base) / 2**20)


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def peak_memory():
    import subprocess
    import sys

    print("\nRSS held after the loop, fresh process per variant: 10 batches 512x1024 through "
          "8 x tanh(h @ W[1024x1024]), outputs kept (outputs alone: 20 MiB)")
    for variant in VARIANTS:
        out = subprocess.run(
            [sys.executable, __file__, "--peak-rss", variant],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        print(f"  {variant:<40} +{float(out):8.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=11)
    parser.add_argument("--peak-rss", metavar="VARIANT", help=argparse.SUPPRESS)
    parser.add_argument("--memory-only", action="store_true")
    opts = parser.parse_args()
    if opts.peak_rss:
        _peak_rss_child(opts.peak_rss)
        return
    if opts.memory_only:
        volatile_memory()
        peak_memory()
        return
    torch.set_num_threads(1)
    legacy_variable.configure("ignore")
    print(f"torch {torch.__version__}, 1 thread, {opts.reps} interleaved repetitions\n")
    compare("MLP 3xLinear(256), 200 steps", mlp_setup, mlp_loop, opts.reps)
    compare("conv net, 30 steps", conv_setup, conv_loop, opts.reps)
    compare(
        "MLP, 0.3 idioms under mode vs modern stock",
        mlp_setup, mlp_loop, opts.reps, legacy_loop=mlp_loop_legacy_idioms,
    )
    compare("MLP, opt-in legacy_mode(trace_ops=True)", mlp_setup, mlp_loop, opts.reps,
            trace_ops=True)
    per_call_costs()
    volatile_memory()
    peak_memory()


if __name__ == "__main__":
    main()
