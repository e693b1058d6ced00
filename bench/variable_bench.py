"""Per-call cost of the Variable shim against stock torch.autograd.Variable.

    python bench/variable_bench.py [--calls N] [--repeat R]

Both run side by side in one process, interleaved, on a 3-element float tensor, with
the default emission policy ("once": after the first call per site only a set lookup).
Target (issue 2): shim <= 2.0x stock.
"""

from __future__ import annotations

import argparse
import statistics
import timeit
import warnings

import torch

from legacy_variable import Variable, configure
from legacy_variable.runtime.shim import STOCK_VARIABLE as STOCK


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    torch.set_num_threads(1)
    configure("once")
    warnings.simplefilter("ignore")
    t = torch.ones(3)
    cases = {
        "Variable(t)": (lambda: STOCK(t), lambda: Variable(t)),
        "Variable(t, requires_grad=True)": (
            lambda: STOCK(t, requires_grad=True),
            lambda: Variable(t, requires_grad=True),
        ),
    }
    print(f"{'call':<34}{'stock us':>10}{'shim us':>10}{'ratio':>8}")
    for name, (stock, shim) in cases.items():
        shim()  # the first call per site warns; measure the steady state
        stock_times, shim_times, ratios = [], [], []
        for _ in range(args.repeat):
            s = timeit.timeit(stock, number=args.calls) / args.calls * 1e6
            m = timeit.timeit(shim, number=args.calls) / args.calls * 1e6
            stock_times.append(s)
            shim_times.append(m)
            ratios.append(m / s)
        print(
            f"{name:<34}{statistics.median(stock_times):>10.3f}"
            f"{statistics.median(shim_times):>10.3f}{statistics.median(ratios):>8.2f}x"
        )


if __name__ == "__main__":
    main()
