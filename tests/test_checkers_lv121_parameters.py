"""LV121 across a function parameter: the char-RNN ``def train(..., target)`` whose every
call in the module passes a 1-D tensor, and ``target[i]`` is a loss target in a loop."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from legacy_variable.lint import check

# The pattern of practical-pytorch's conditional-char-rnn notebook (2017), reduced.
CHAR_RNN = textwrap.dedent("""\
    import random
    import torch
    import torch.nn as nn
    from torch.autograd import Variable

    letters = "abcdefgh"
    model = nn.Linear(len(letters), len(letters))
    criterion = nn.CrossEntropyLoss()


    def make_input(line):
        tensor = torch.zeros(len(line), 1, len(letters))
        for i, ch in enumerate(line):
            tensor[i][0][letters.find(ch)] = 1
        return Variable(tensor)


    def make_target(line):
        indexes = [letters.find(line[i]) for i in range(1, len(line))]
        indexes.append(0)
        tensor = torch.LongTensor(indexes)
        return Variable(tensor)


    def random_training_set():
        line = random.choice(["abc", "hgfe"])
        line_input = make_input(line)
        line_target = make_target(line)
        return line_input, line_target


    def train(input_line_tensor, target_line_tensor):
        loss = 0
        for i in range(input_line_tensor.size()[0]):
            output = model(input_line_tensor[i])
            loss += criterion(output, target_line_tensor[i])
        return loss
    """)


def _lv121(source, tmp_path):
    (tmp_path / "m.py").write_text(source)
    result = check(["m.py"], isolated=True, cwd=str(tmp_path), select=["LV121"])
    return [(d.line, d.column, d.arg("target")) for d in result.diagnostics]


@pytest.mark.parametrize("caller", [
    "train(*random_training_set())",
    "inp, tgt = random_training_set()\nx = make_input('ab')\ntrain(x, make_target('ab'))",
    "tgt = make_target('abc')\ntrain(make_input('abc'), target_line_tensor=tgt)",
    "for _ in range(2):\n    train(*random_training_set())\ntrain(*random_training_set())",
])
def test_every_call_passes_a_vector(tmp_path, caller):
    assert _lv121(CHAR_RNN + caller + "\n", tmp_path) == [(36, 35, "target_line_tensor[i]")]


@pytest.mark.parametrize("caller", [
    # One call passes something unknown.
    "train(*random_training_set())\ntrain(x, y)",
    # The function escapes: someone else may call it with anything.
    "train(*random_training_set())\ncallbacks = [train]",
    # Not called at all in the module.
    "pass",
    # The name is rebound: the calls may reach another function.
    "train(*random_training_set())\ntrain = None",
    # A helper returning a tuple of another width.
    "def pair():\n    return make_input('a'), make_target('a'), 1\ntrain(*pair())",
    # The target element of the helper's tuple is 2-D.
    "def pair():\n    return make_input('a'), make_input('a')\ntrain(*pair())",
    "train(*random_training_set(), **extra)",
])
def test_silent_when_not_every_use_is_shown(tmp_path, caller):
    assert _lv121(CHAR_RNN + caller + "\n", tmp_path) == []


def test_a_rebound_parameter_is_silent(tmp_path):
    source = CHAR_RNN.replace("    loss = 0\n",
                              "    loss = 0\n    target_line_tensor = target_line_tensor.view(-1, 1)\n")
    assert source != CHAR_RNN
    assert _lv121(source + "train(*random_training_set())\n", tmp_path) == []


#: char-rnn-generation/train.py: ``char_tensor`` comes from ``from helpers import *``, so
#: nothing in the module shows what the sequences are.
STAR_HELPER = textwrap.dedent("""\
    import torch.nn as nn
    from helpers import *
    criterion = nn.CrossEntropyLoss()

    def random_training_set():
        return char_tensor("ab"), char_tensor("bc")

    def train(inp, target):
        loss = 0
        for c in range(2):
            loss += criterion(decoder(inp[c]), target[c])
        return loss

    train(*random_training_set())
    """)


def test_a_helper_from_another_module_is_silent(tmp_path):
    assert _lv121(STAR_HELPER, tmp_path) == []


def test_the_finding_is_real_on_stock_torch(tmp_path):
    """The reported loop raises on torch 2.x; the rule's `.view(1)` makes it run."""
    script = CHAR_RNN + "random.seed(0)\nprint(float(train(*random_training_set())) > 0)\n"
    (tmp_path / "m.py").write_text(script)
    run = subprocess.run([sys.executable, "m.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert "Expected input batch_size (1) to match target batch_size (0)" in run.stderr
    fixed = script.replace("target_line_tensor[i])", "target_line_tensor[i].view(1))")
    (tmp_path / "m.py").write_text(fixed)
    run = subprocess.run([sys.executable, "m.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout == "True\n", run.stderr


@pytest.mark.parametrize("seen, expected", [
    ({"ndim=1": 4}, [(11, 44, "confirmed", 4)]),
    ({"ndim=1": 3, "ndim=2": 1}, []),
    ({"ndim=2": 1}, []),
])
def test_a_recorded_run_shows_what_the_code_does_not(tmp_path, seen, expected):
    """char-rnn-generation/train.py: the sequence comes from a star-imported helper; the
    run saw ``target[c]``'s receiver 1-D at ``c == 0`` (the recorder's "index0")."""
    import json

    from legacy_variable.evidence_file import line_hash

    source = STAR_HELPER
    (tmp_path / "m.py").write_text(source)
    line = source.splitlines()[10]
    (tmp_path / "ev.json").write_text(json.dumps({"version": 1, "sites": [
        {"path": "m.py", "line": 11, "column": 44, "line_hash": line_hash(line), "kind": "index0",
         "observed": seen}]}))
    result = check(["m.py"], isolated=True, cwd=str(tmp_path), select=["LV121"],
                   evidence=str(tmp_path / "ev.json"))
    assert [(d.line, d.column, d.arg("evidence"), d.arg("observations"))
            for d in result.diagnostics] == expected
