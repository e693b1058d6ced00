"""LV104 says only what the evidence allows: no claim on receivers of unknown shape, and
nothing at all on module parameters (always at least 1-D)."""

from __future__ import annotations

import ast

from legacy_variable.lint.checkers import check_module


def _lv104(source: str):
    return [d for d in check_module(ast.parse(source), source, "m.py") if d.code == "LV104"]


def test_known_loss_receiver_is_certain_and_fixable():
    src = "import torch.nn.functional as F\nloss = F.mse_loss(a, b)\nv = loss.data[0]\n"
    (diag,) = _lv104(src)
    assert (diag.line, diag.column) == (3, 5)
    assert diag.message == (
        "indexing a 0-dim result with `[0]` raises on modern PyTorch; use `.item()` for a "
        "Python number"
    )
    assert diag.fix is not None


def test_unknown_receiver_is_reported_with_a_conditional_message_and_no_fix():
    src = "import torch\ndef f(g_loss):\n    return g_loss.data[0]\n"
    (diag,) = _lv104(src)
    assert (diag.line, diag.column, diag.fix) == (3, 12, None)
    assert diag.message == (
        "indexing a tensor of unknown shape with `[0]` raises if it is 0-dim (losses and full "
        "reductions are, since PyTorch 0.4); use `.item()` for a Python number"
    )


def test_module_parameters_are_never_reported():
    src = (
        "import torch.nn as nn\nlayer = nn.Linear(2, 3)\n"
        "print(layer.weight.data[0], layer.bias.data[0])\n"
    )
    assert _lv104(src) == []


def test_unknown_receivers_not_named_as_losses_are_not_guessed():
    """Issue 13, from the 2017 repositories: a critic's value (shape (1, 1)), WGAN's
    ``errD`` (shape (1,)), an argmax over a (1, C) output: ``[0]`` is right on each."""
    src = (
        "import torch\n"
        "def step(values, rewards, netD, fake, output, idx2char):\n"
        "    for value, reward in zip(values, rewards):\n"
        "        reward_diff = reward - value.data[0]\n"
        "    errD = netD(fake)\n"
        "    val, idx = output.max(1)\n"
        "    print(errD.data[0], idx2char[idx.data[0]])\n"
        "    value_loss = 0\n"
        "    for reward in rewards:\n"
        "        value_loss += torch.nn.functional.smooth_l1_loss(reward, reward)\n"
        "    return value_loss.data[0]\n"
    )
    assert [(d.line, d.column) for d in _lv104(src)] == [(11, 12)]
