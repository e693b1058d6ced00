"""What recording costs (``run --record``) on top of legacy mode, in the worst case: a loop
that does nothing but observed operations (``t[0]`` and ``torch.Tensor([...])``), timed
side by side in one process, alternating with and without a started Recorder.

    python bench/evidence_overhead.py [iterations]

Prints each pair and the ratio; say the machine's load (``uptime``) next to any number.
"""

from __future__ import annotations

import sys
import time

import torch

import legacy_variable
from legacy_variable.runtime import evidence


def work(n: int) -> float:
    t = torch.ones(3)
    total = 0.0
    for _ in range(n):
        total += float(t[0])
        torch.Tensor([1.0, 2.0])  # noqa: LV107 - the observed legacy call itself
    return total


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with legacy_variable.legacy_mode():
        work(1000)
        for _ in range(3):
            start = time.perf_counter()
            work(n)
            plain = time.perf_counter() - start
            # Root: this file's folder, so that the loop's sites are recorded.
            recorder = evidence.Recorder(__file__.rpartition("/")[0] or ".").start()
            start = time.perf_counter()
            work(n)
            recording = time.perf_counter() - start
            recorder.stop()
            assert recorder.sites, "nothing recorded"
            print(f"legacy mode {plain:.3f}s  + recording {recording:.3f}s  ratio {recording / plain:.2f}")


if __name__ == "__main__":
    main()
