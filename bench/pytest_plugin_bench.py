"""Cost of ``pytest --legacy-variable`` on a legacy suite that passes with and without it.

Generates a 0.3-style suite in a temporary directory -- tests that wrap inputs in
``Variable``, train a small MLP for a few steps and evaluate under ``volatile=True`` --
and runs it with plain pytest, with the plugin (shim only, ``--legacy-variable-mode=off``)
and with the plugin and legacy mode (the default), interleaved, reporting medians.

``tests`` is the time spent running the tests (the whole per-test protocol: setup, call,
teardown, every plugin's per-test hooks), summed by a hook in the generated conftest --
pytest's ``--durations`` rounds to 10 ms, too coarse for 10 ms tests. ``process`` is the
whole ``python -m pytest`` wall time: start-up, the torch import, collection and the
summary included. (pytest's own "in N s" is not used: with the plugin, torch is imported
before the session clock starts, which would flatter the plugin.)

    .venv/bin/python bench/pytest_plugin_bench.py [--files 4] [--tests 10] [--steps 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST_FILE = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable

torch.manual_seed({seed})
X = torch.randn(64, 16)
Y = torch.randn(64, 1)


def make_model():
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))

'''

TEST_CASE = '''
def test_train_{index}():
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    first = None
    for step in range({steps}):
        inputs, targets = Variable(X), Variable(Y)
        optimizer.zero_grad()
        loss = F.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
    evaluation = model(Variable(X, volatile=True))
    assert evaluation.shape == (64, 1)
    assert loss.item() <= first
'''


# torch's first backward and optimizer step pay seconds of one-time initialisation; paid
# here, at conftest import, it stays out of the per-test figures of every variant.
CONFTEST = '''
import os
import time

import pytest
import torch

_spent = [0.0]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        _spent[0] += time.perf_counter() - start


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_TESTS_TIME"], "w") as out:
        out.write(repr(_spent[0]))


_model = torch.nn.Linear(2, 1)
_optimizer = torch.optim.SGD(_model.parameters(), lr=0.1)
_model(torch.ones(1, 2)).sum().backward()
_optimizer.step()
'''


def write_suite(root: Path, files: int, tests: int, steps: int) -> None:
    (root / "conftest.py").write_text(CONFTEST)
    for f in range(files):
        body = TEST_FILE.format(seed=f) + "".join(
            TEST_CASE.format(index=t, steps=steps) for t in range(tests)
        )
        (root / f"test_legacy_{f}.py").write_text(body)


def run(root: Path, extra: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        # One intra-op thread: on a shared 2-core box torch's thread pool spins and
        # turns neighbours' load into noise larger than the effect measured.
        env={
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "BENCH_TESTS_TIME": str(root / "tests_time.txt"),
        },
    )
    process = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"suite failed with {extra}:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    tests = float((root / "tests_time.txt").read_text())
    return tests, process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--tests", type=int, default=10)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    variants = {
        "plain pytest": [],
        "--legacy-variable --legacy-variable-mode=off": ["--legacy-variable", "--legacy-variable-mode=off"],
        "--legacy-variable (mode on)": ["--legacy-variable"],
        # What pytest's own per-occurrence warning records cost, counts unchanged.
        "--legacy-variable -W ignore::...LegacyVariableWarning": [
            "--legacy-variable", "-W", "ignore::legacy_variable.LegacyVariableWarning",
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_suite(root, args.files, args.tests, args.steps)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        run(root, [])  # warm the file cache and bytecode
        for _ in range(args.repeat):
            for name, extra in variants.items():
                times[name].append(run(root, extra))

    n_tests = args.files * args.tests
    print(
        f"suite: {args.files} files x {args.tests} tests x {args.steps} training steps "
        f"({n_tests} tests); median of {args.repeat} runs"
    )
    base_tests = statistics.median(s for s, _ in times["plain pytest"])
    base_process = statistics.median(p for _, p in times["plain pytest"])
    print(f"{'variant':56} {'tests s':>10} {'ratio':>7} {'process s':>10} {'ratio':>7}")
    for name, samples in times.items():
        tests = statistics.median(s for s, _ in samples)
        process = statistics.median(p for _, p in samples)
        print(
            f"{name:56} {tests:10.2f} {tests / base_tests:7.3f} "
            f"{process:10.2f} {process / base_process:7.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
