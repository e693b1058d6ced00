"""Long-running legacy scripts: nothing legacy mode keeps grows per iteration.

A char-RNN-style training loop full of 0.3 idioms runs 2,000 iterations under the mode;
every table, registry and memo the mode keeps has the same size after iteration 200 as
after iteration 2,000 (they are per call site or per live tensor, never per event).
"""

from __future__ import annotations

import gc
import sys
import warnings

import pytest
import torch
import torch.nn.functional as F

from legacy_variable import Variable, configure, legacy_mode
from legacy_variable.runtime import emission, frames
from legacy_variable.runtime.mode import data_unwrapping, optimizer_step, provenance
from legacy_variable.runtime.patches import loss_targets, tensor_class_attributes


def _sizes() -> dict[str, int]:
    gc.collect()
    module = sys.modules[__name__]
    return {
        "provenance.origins": len(provenance.origins),
        "provenance.wrapped_into": len(provenance.wrapped_into),
        "loss_targets.vectors": len(loss_targets._vectors),
        "loss_targets.elements": len(loss_targets._elements),
        "data_unwrapping.data_results": len(data_unwrapping.data_results),
        "optimizer_step.before": len(optimizer_step._watch.before),
        "emission.seen": len(emission.state.seen),
        "emission.site_seen": len(emission.state.site_seen),
        "emission.columns": len(emission._columns),
        "frames.internal_files": len(frames._internal_files),
        "class_attributes.user_files": len(tensor_class_attributes._user_files),
        "__warningregistry__": len(getattr(module, "__warningregistry__", {})),
        "warnings.filters": len(warnings.filters),
    }


def _train(iterations: int, checkpoints: dict[int, dict[str, int]]) -> None:
    torch.manual_seed(0)
    vocab, hidden = 8, 16
    embed = torch.nn.Embedding(vocab, hidden)
    rnn = torch.nn.GRUCell(hidden, hidden)
    out = torch.nn.Linear(hidden, vocab)
    params = [*embed.parameters(), *rnn.parameters(), *out.parameters()]
    opt = torch.optim.SGD(params, lr=0.01)
    total = 0.0
    for it in range(1, iterations + 1):
        line = Variable(torch.randint(0, vocab, (3,)))
        h = Variable(torch.zeros(1, hidden))
        loss = 0
        for t in range(2):
            h = rnn(embed(line[t:t + 1]), h)
            loss = loss + F.cross_entropy(out(h), line[t + 1:t + 2])
        opt.zero_grad()
        loss.backward(retain_variables=True)
        opt.step()
        total += loss.data[0] + loss.data.numpy()[0] * 0
        if type(h).is_cuda or h.volatile:
            raise AssertionError("0.3 answers: a CPU tensor, not volatile")
        x = h
        while isinstance(x, Variable):
            x = x.data
        if it in checkpoints:
            checkpoints[it] = _sizes()


@pytest.mark.parametrize("policy", ["once", "always"])
def test_a_2000_iteration_loop_keeps_every_table_bounded(policy):
    previous = configure(policy)
    checkpoints: dict[int, dict[str, int]] = {200: {}, 2000: {}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with legacy_mode():
                _train(2000, checkpoints)
    finally:
        configure(previous)
    assert checkpoints[2000] == checkpoints[200]
    # ... and the per-site records are a handful, not per iteration.
    assert checkpoints[2000]["emission.seen"] < 20
    assert checkpoints[2000]["data_unwrapping.data_results"] < 5
