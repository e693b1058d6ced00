"""What a long legacy training script pays for ``legacy-variable run`` (not a test).

    .venv/bin/python bench/run_cost_bench.py [--iterations N] [--reps 5]

A char-RNN training script written as 0.3 code (``Variable`` wraps per step, ``volatile``
sampling, ``loss.data[0]``, an optimizer step) runs in fresh processes, interleaved per
repetition: under ``legacy-variable run`` (default policy, report at exit), and the same
script after ``legacy-variable check --fix --unsafe-fixes`` under plain ``python`` on stock
torch. The script times itself (process CPU time, robust to other load on shared cores)
from iteration N to 4N, and reads its resident memory and tracemalloc-free RSS at N and
4N. Reported: per-iteration cost of each and the median ratio (issue 18's budget: whole
process <= 1.10x), and memory growth from N to 4N (it must not grow with N).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Timing and memory probes at the end of each iteration: no legacy idiom, so the fixer
#: leaves them alone and both variants measure the same way.
SCRIPT = textwrap.dedent(
    """\
    import json
    import sys
    import time

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.autograd import Variable

    N = int(sys.argv[1])
    torch.manual_seed(0)
    torch.set_num_threads(1)
    TEXT = torch.randint(0, 40, (33,))
    VOCAB, HIDDEN = 40, 64


    def rss_kib():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4


    class CharRNN(nn.Module):
        def __init__(self):
            super(CharRNN, self).__init__()
            self.embed = nn.Embedding(VOCAB, HIDDEN)
            self.gru = nn.GRU(HIDDEN, HIDDEN)
            self.out = nn.Linear(HIDDEN, VOCAB)

        def forward(self, char, hidden):
            output, hidden = self.gru(self.embed(char).view(1, 1, -1), hidden)
            return self.out(output.view(1, -1)), hidden

        def init_hidden(self):
            return Variable(torch.zeros(1, 1, HIDDEN))


    def train(model, opt, inputs, targets):
        hidden = model.init_hidden()
        opt.zero_grad()
        loss = 0
        for c in range(inputs.size(0)):
            output, hidden = model(inputs[c], hidden)
            loss += F.cross_entropy(output, targets[c].view(1))
        loss.backward()
        opt.step()
        return loss.data[0] / inputs.size(0)


    def sample(model):
        hidden = Variable(torch.zeros(1, 1, HIDDEN), volatile=True)
        char = Variable(TEXT[:1], volatile=True)
        output, hidden = model(char, hidden)
        return output.data.max(1)[1][0]


    model = CharRNN()
    opt = torch.optim.Adam(model.parameters(), lr=0.005)
    total = 0
    marks = {}
    for it in range(1, 4 * N + 1):
        inputs = Variable(TEXT[:-1])
        targets = Variable(TEXT[1:])
        total += train(model, opt, inputs, targets)
        if it % 10 == 0:
            sample(model)
        if it in (N, 4 * N):
            marks[it] = (time.process_time(), rss_kib())
    (t_n, rss_n), (t_4n, rss_4n) = marks[N], marks[4 * N]
    print(json.dumps({"us": (t_4n - t_n) / (3 * N) * 1e6, "rss_n": rss_n, "rss_4n": rss_4n}))
    """
)


def _measure(command: list[str], cwd: str) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=500, help="N (the run is 4N)")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="run-cost-bench-")
    try:
        legacy = os.path.join(work, "char_rnn.py")
        fixed = os.path.join(work, "char_rnn_fixed.py")
        with open(legacy, "w", encoding="utf-8") as fh:
            fh.write(SCRIPT)
        shutil.copy(legacy, fixed)
        subprocess.run(
            [sys.executable, "-m", "legacy_variable", "check", "--no-cache", "--fix",
             "--unsafe-fixes", "-q", fixed],
            cwd=work, capture_output=True, env=dict(os.environ, PYTHONPATH=ROOT),
        )
        with open(fixed, encoding="utf-8") as fh:
            remaining = [line.strip() for line in fh if "Variable(" in line or "data[0]" in line]
        # Expected: `volatile=True` wraps (no safe rewrite: `torch.no_grad()` is by hand);
        # stock torch runs them as plain detaches with a warning.
        print("left by the fixer:", *remaining, sep="\n  ")

        n = str(args.iterations)
        runs: dict[str, list[dict]] = {"run": [], "fixed": []}
        for _ in range(args.reps):
            runs["run"].append(_measure(
                [sys.executable, "-m", "legacy_variable", "run", legacy, n], work))
            runs["fixed"].append(_measure([sys.executable, fixed, n], work))
        ratios = [r["us"] / f["us"] for r, f in zip(runs["run"], runs["fixed"])]
        print(f"char-RNN training step, N={n} (4N={4 * args.iterations}), reps={args.reps}, "
              f"load {os.getloadavg()[0]:.2f}")
        print(f"{'variant':<34}{'us/iter':>10}{'RSS@N KiB':>12}{'RSS@4N KiB':>12}{'growth':>9}")
        for name, label in (("fixed", "fixed script, stock torch"),
                            ("run", "legacy script, legacy-variable run")):
            rows = runs[name]
            us = statistics.median(r["us"] for r in rows)
            rss_n = statistics.median(r["rss_n"] for r in rows)
            rss_4n = statistics.median(r["rss_4n"] for r in rows)
            print(f"{label:<34}{us:>10.1f}{rss_n:>12.0f}{rss_4n:>12.0f}{rss_4n - rss_n:>9.0f}")
        print(f"ratio run / fixed (median of per-rep ratios): {statistics.median(ratios):.3f}x "
              f"(min {min(ratios):.3f}, max {max(ratios):.3f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
