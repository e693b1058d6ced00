"""A long legacy training script costs ``legacy-variable run`` the same memory at 4N
iterations as at N: the report's collector keeps one counter per site, and nothing else
the shim, legacy mode or the warnings machinery keeps grows per iteration.

A char-RNN training loop written as 0.3 code (``Variable`` wraps each step, ``volatile``
evaluation, ``loss.data[0]``, an optimizer step) runs in this process twice: through
``run`` (the runner's collector, the default "once" policy, warnings shown), and inside
``legacy_mode()``. At iterations N and 4N a probe records every table's size, the warning
registries and tracemalloc's count of live Python memory; they must not grow with N.
"""

from __future__ import annotations

import gc
import os
import sys
import textwrap
import tracemalloc
import types
import warnings

import pytest

import legacy_variable
from legacy_variable import legacy_mode
from legacy_variable.runtime import emission, frames
from legacy_variable.runtime import run as run_module
from legacy_variable.runtime.mode import data_unwrapping, optimizer_step, provenance
from legacy_variable.runtime.patches import loss_targets

N = 60

#: The loop as a 2017 char-RNN tutorial wrote it. ``probe.checkpoint`` is the test's.
CHAR_RNN = textwrap.dedent(
    """\
    import sys

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.autograd import Variable

    probe = sys.modules["_lv_probe"]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    TEXT = torch.LongTensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    VOCAB, HIDDEN = 10, 12


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
    for it in range(1, probe.iterations + 1):
        inputs = Variable(TEXT[:-1])
        targets = Variable(TEXT[1:])
        total += train(model, opt, inputs, targets)
        if it % 5 == 0:
            sample(model)
        probe.checkpoint(it, globals())
    """
)


def _sizes(script_globals: dict) -> dict[str, object]:
    collector = run_module._current.collector
    registry = script_globals.get("__warningregistry__", {})
    return {
        "collector sites": len(collector.tally.first_seen()) if collector else None,
        "provenance.origins": len(provenance.origins),
        "provenance.wrapped_into": len(provenance.wrapped_into),
        "loss_targets": len(loss_targets._vectors) + len(loss_targets._elements),
        "data_unwrapping.data_results": len(data_unwrapping.data_results),
        "optimizer_step.before": len(optimizer_step._watch.before),
        "emission.seen": len(emission.state.seen),
        "emission.site_seen": len(emission.state.site_seen),
        "emission.site_diagnostics": len(emission._site_diagnostics),
        "emission.columns": len(emission._columns),
        "frames.internal_files": len(frames._internal_files),
        # The script's registry: one entry per (message, category, line) warned once.
        "__warningregistry__": len(registry),
        # Set when the filters change: a loop that mutated them would reset the memo
        # above and warn through the slow path again every time.
        "__warningregistry__ version": registry.get("version"),
        "warnings.onceregistry": len(warnings.onceregistry),
        "warnings.filters": len(warnings.filters),
    }


#: Where per-occurrence records would be allocated: emission, the collectors (``run``'s
#: and the tally behind it), the shim and frame records.
_EMISSION_FILES = [
    tracemalloc.Filter(True, os.path.join(os.path.dirname(legacy_variable.__file__), *parts))
    for parts in (("runtime", "emission.py"), ("runtime", "run.py"), ("tally.py",),
                  ("diagnostics.py",), ("runtime", "shim.py"), ("runtime", "frames.py"))
]


class _Probe(types.ModuleType):
    def __init__(self, iterations: int) -> None:
        super().__init__("_lv_probe")
        self.iterations = iterations
        self.at: dict[int, tuple[dict, int, int]] = {}

    def checkpoint(self, it: int, script_globals: dict) -> None:
        if it == N // 2:
            # Traced from here only: a snapshot of torch's import would take minutes.
            tracemalloc.start()
        if it in (N, 4 * N):
            gc.collect()
            snapshot = tracemalloc.take_snapshot()
            self.at[it] = (
                _sizes(script_globals),
                sum(stat.size for stat in snapshot.statistics("filename")),
                sum(stat.size for stat in
                    snapshot.filter_traces(_EMISSION_FILES).statistics("filename")),
            )


def _assert_bounded(probe: _Probe) -> None:
    sizes_n, memory_n, emission_n = probe.at[N]
    sizes_4n, memory_4n, emission_4n = probe.at[4 * N]
    assert sizes_4n == sizes_n
    # 3N more iterations with ~5 diagnostics each: what emission and the collector hold
    # does not change. A record per occurrence -- even a list slot referring to one shared
    # Diagnostic -- would hold 8 bytes or more each (> 1.4 KB here).
    assert emission_4n - emission_n < 512, (emission_n, emission_4n)
    # Everything Python holds, torch included, is noisier: torch's caches move (alone,
    # ~100 bytes per iteration here, decaying over thousands of iterations; more after
    # other tests in the same worker), so this only rules out records of a few hundred
    # bytes per occurrence.
    assert (memory_4n - memory_n) / (3 * N) < 1_000, (memory_n, memory_4n)


@pytest.fixture
def probe(monkeypatch):
    probe = _Probe(4 * N)
    monkeypatch.setitem(sys.modules, "_lv_probe", probe)
    yield probe
    tracemalloc.stop()


def test_run_keeps_one_counter_per_site_and_nothing_grows(probe, tmp_path, capsys):
    script = tmp_path / "char_rnn.py"
    script.write_text(CHAR_RNN)
    report = tmp_path / "report.json"

    assert run_module.run(script=str(script), report_path=str(report)) == 0

    _assert_bounded(probe)
    sizes = probe.at[4 * N][0]
    assert 5 <= sizes["collector sites"] <= 12
    assert sizes["__warningregistry__"] > 0  # warnings were shown, once per site
    # ... and the per-site counts are every occurrence: 4N training steps.
    import json

    counts = {(d["code"], d["location"]["row"]): d["count"] for d in json.loads(report.read_text())}
    assert counts[("LV101", 53)] == counts[("LV101", 54)] == 4 * N  # inputs, targets
    assert counts[("LV104", 39)] == 4 * N  # loss.data[0]
    assert counts[("LV103", 43)] == counts[("LV103", 44)] == 4 * N // 5  # sample()


def test_legacy_mode_in_process_keeps_nothing_per_iteration(probe):
    code = compile(CHAR_RNN, "<char_rnn>", "exec")
    script_globals = {"__name__": "char_rnn"}
    with legacy_mode(), warnings.catch_warnings():
        warnings.simplefilter("default")
        exec(code, script_globals)
    _assert_bounded(probe)
