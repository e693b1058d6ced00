"""Issue 13's recall gaps and message truths, each from a realistic 2017-18 snippet."""

from __future__ import annotations

from lint_helpers import check, fix_source


def _codes(source: str, code: str):
    return [(d.line, d.column) for d in check(source, dedent=False) if d.code == code]


CHAR_RNN = """\
import torch
import torch.nn as nn
from torch.autograd import Variable

criterion = nn.CrossEntropyLoss()


def str2tensor(string):
    tensor = [ord(c) for c in string]
    tensor = torch.LongTensor(tensor)
    if torch.cuda.is_available():
        tensor = tensor.cuda()
    return Variable(tensor)


def train(decoder, line):
    input = str2tensor(line[:-1])
    target = str2tensor(line[1:])
    hidden = decoder.init_hidden()
    loss = 0
    for c in range(len(input)):
        output, hidden = decoder(input[c], hidden)
        loss += criterion(output, target[c])
    return loss
"""


def test_lv121_in_a_char_rnn_training_loop():
    """PyTorchZeroToAll 13_3_char_rnn.py: the target sequence comes from a helper that
    builds a 1-D LongTensor; ``target[c]`` is 0-dim since 0.4 and CrossEntropyLoss with a
    (1, C) input refuses it."""
    assert _codes(CHAR_RNN, "LV121") == [(23, 35)]
    fixed = fix_source(CHAR_RNN, unsafe=True, select={"LV121"})
    assert "loss += criterion(output, target[c].view(1))" in fixed


def test_lv121_not_for_a_helper_that_returns_a_matrix():
    source = CHAR_RNN.replace("tensor = [ord(c) for c in string]",
                              "tensor = [[ord(c)] for c in string]")
    assert _codes(source, "LV121") == []


DOT_FROM_NUMPY = """\
import numpy as np
import torch

features = np.random.randn(4, 3)
x = torch.from_numpy(features).float()
w = torch.from_numpy(np.ones((4, 3))).float()
score = x.dot(w)
v = torch.from_numpy(np.zeros(3))
ok = v.dot(v)
"""


def test_lv120_dot_of_2d_tensors_made_from_numpy():
    assert _codes(DOT_FROM_NUMPY, "LV120") == [(7, 9)]
    fixed = fix_source(DOT_FROM_NUMPY, unsafe=True, select={"LV120"})
    assert "score = (x.reshape(-1) * w.reshape(-1)).sum()" in fixed


def test_lv208_on_an_arange_of_integers_and_no_fix_that_still_raises():
    """``torch.arange(0, 3)`` is int64 since 0.4: requiring grad on it raises, so the wrap
    gets no fix (the old one wrote ``t.arange(0, 3, requires_grad=True)``, which raises
    too) and LV208 says why."""
    source = ("import torch as t\nfrom torch.autograd import Variable as V\n"
              "x = V(t.arange(0, 3), requires_grad=True)\n"
              "y = t.arange(0, 3, requires_grad=True)\n"
              "z = t.arange(0., 3., requires_grad=True)\n"
              "w = V(t.randperm(4), requires_grad=True)\n")
    assert _codes(source, "LV208") == [(3, 5), (4, 5), (6, 5)]
    assert [d.fix for d in check(source, dedent=False) if d.code == "LV101"] == [None, None]
    assert fix_source(source, unsafe=True) == source  # nothing that would still raise


GRADIENT_PENALTY = """\
import torch
from torch import autograd
from torch.autograd import Variable


def gradient_penalty(D, real, fake):
    alpha = torch.rand(real.size(0), 1)
    interpolates = Variable(alpha * real.data + (1 - alpha) * fake.data, requires_grad=True)
    out = D(interpolates)
    grads = autograd.grad(out, interpolates, torch.ones(out.size()), create_graph=True)[0]
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()
"""


def test_lv101_says_a_new_leaf_is_intentional_and_points_at_detach_requires_grad():
    [d] = [d for d in check(GRADIENT_PENALTY, dedent=False) if d.code == "LV101"]
    assert (d.line, d.column) == (8, 20)
    assert d.message.endswith(
        "with `requires_grad=True` on a computed value it starts a new leaf (as a gradient "
        "penalty's interpolate must): keep that with `(...).detach().requires_grad_()`, not "
        "the tensor itself")
    fixed = fix_source(GRADIENT_PENALTY, unsafe=True, select={"LV101"})
    assert ("interpolates = (alpha * real.data + (1 - alpha) * fake.data)"
            ".detach().requires_grad_()") in fixed


def test_lv101_plain_message_elsewhere():
    [d] = [d for d in check("import torch\nfrom torch.autograd import Variable\n"
                            "x = Variable(torch.ones(2))\n", dedent=False) if d.code == "LV101"]
    assert d.message.endswith("returns a detached tensor; use the tensor itself")


PREDICT = """\
import torch


def evaluate(model, x, y):
    output = model(x)
    _, predict = torch.max(output, 1)
    print(predict.data[0][0] == y.data[0][0])
    top = output.data.max(1)[1]
    kept = output.data.max(1, keepdim=True)[1]
    return top[0][0], kept[0][0]
"""


def test_lv104_on_a_dimension_reduction_indexed_twice():
    """0.1's ``torch.max(output, 1)`` kept the dimension, so ``predict.data[0][0]`` was a
    number; today ``predict.data[0]`` is 0-dim and the second ``[0]`` raises. Not with
    ``keepdim=True``, and not on ``y`` (shape unknown)."""
    found = [(d.line, d.column, d.fix) for d in check(PREDICT, dedent=False) if d.code == "LV104"]
    assert found == [(7, 11, None), (10, 12, None)]
