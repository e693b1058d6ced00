"""Issue 8, static face: each legacy snippet is flagged at the exact place, and where a fix
exists the fixed snippet runs on stock torch with the numbers legacy mode gives the
original (the fixed code is executed in this process, outside legacy mode)."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import pytest
import torch

from legacy_variable import collecting, configure, legacy_mode
from lint_helpers import check, fix_source


@pytest.fixture(autouse=True)
def _quiet():
    previous = configure("ignore")
    yield
    configure(previous)


def _found(source, *codes):
    return [(d.code, d.line, d.column) for d in check(source, dedent=False) if d.code in codes]


def _exec(source: str) -> tuple[dict, str]:
    namespace = {"__name__": "__snippet__"}
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(source, "snippet.py", "exec"), namespace)
    return namespace, out.getvalue()


def _legacy(source: str) -> tuple[dict, str, set]:
    with collecting() as found, legacy_mode():
        namespace, out = _exec(source)
    return namespace, out, {d.code for d in found.diagnostics}


# ---------------------------------------------------------------- LV119


TENSOR_DATASET = """\
import torch
from torch.utils.data import TensorDataset
torch.manual_seed(0)
x, y = torch.randn(8, 3), torch.arange(8)
dataset = TensorDataset(data_tensor=x, target_tensor=y)
first = dataset[3]
"""


def test_tensor_dataset_keywords_are_flagged_and_fixed_safely():
    assert _found(TENSOR_DATASET, "LV119") == [("LV119", 5, 25)]
    with pytest.raises(TypeError, match="unexpected keyword argument 'data_tensor'"):
        _exec(TENSOR_DATASET)
    legacy, _, codes = _legacy(TENSOR_DATASET)
    assert "LV119" in codes
    fixed = fix_source(TENSOR_DATASET)  # safe fixes only
    assert "dataset = TensorDataset(x, y)\n" in fixed
    modern, _ = _exec(fixed)
    assert all(torch.equal(a, b) for a, b in zip(modern["first"], legacy["first"]))


def test_tensor_dataset_fix_is_not_offered_for_an_incomplete_legacy_call():
    source = "import torch.utils.data as data\nds = data.TensorDataset(target_tensor=t)\n"
    diagnostics = [d for d in check(source, dedent=False) if d.code == "LV119"]
    assert [(d.line, d.column) for d in diagnostics] == [(2, 25)]
    assert diagnostics[0].fix is None


# ---------------------------------------------------------------- LV112


CUSTOM_RELU = """\
import torch
from torch.autograd import Variable


class MyReLU(torch.autograd.Function):
    def forward(self, input):
        self.save_for_backward(input)
        return input.clamp(min=0)

    def backward(self, grad_output):
        input, = self.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


torch.manual_seed(0)
x = torch.randn(4, 3)
w = Variable(torch.randn(3, 2), requires_grad=True)
out = MyReLU()(x.mm(w))
relu = MyReLU()
out2 = relu(x.mm(w) - 0.5)
(out.sum() + out2.sum()).backward()
grad = w.grad
"""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_legacy_function_is_flagged_and_the_unsafe_fix_runs_on_stock_torch():
    assert _found(CUSTOM_RELU, "LV112") == [
        ("LV112", 6, 5), ("LV112", 10, 5), ("LV112", 20, 7), ("LV112", 21, 8),
    ]
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward"):
        _exec(CUSTOM_RELU)
    legacy, _, codes = _legacy(CUSTOM_RELU)
    assert "LV112" in codes
    fixed = fix_source(CUSTOM_RELU, unsafe=True)
    assert (
        "    @staticmethod\n    def forward(ctx, input):\n        ctx.save_for_backward(input)"
    ) in fixed
    assert "out = MyReLU.apply(x.mm(w))\n" in fixed
    assert "relu = MyReLU.apply\n" in fixed
    assert check(fixed, dedent=False) == []
    modern, _ = _exec(fixed)
    for name in ("out", "out2", "grad"):
        assert torch.equal(modern[name], legacy[name]), name


# ---------------------------------------------------------------- LV120


MATRICES_ERROR = "1D tensors expected, but got 2D and 2D tensors"
DOT = """\
import torch
import torch.nn as nn
torch.manual_seed(0)
layer = nn.Linear(4, 3)
w = layer.weight.data
similarity = w.dot(w)
m = torch.randn(2, 6)
cross = torch.dot(m, torch.randn(3, 4))
v = torch.randn(5)
inner = v.dot(v)
"""


def test_dot_of_matrices_is_flagged_on_evidence_and_fixed_with_0_3s_value():
    assert _found(DOT, "LV120") == [("LV120", 6, 14), ("LV120", 8, 9)]  # not the 1-D dot
    with pytest.raises(RuntimeError, match=re.escape(MATRICES_ERROR)):
        _exec(DOT)
    legacy, _, codes = _legacy(DOT)
    assert "LV120" in codes
    fixed = fix_source(DOT, unsafe=True)
    assert "similarity = (w * w).sum()\n" in fixed
    assert "cross = (m.reshape(-1) * torch.randn(3, 4).reshape(-1)).sum()\n" in fixed
    assert "inner = v.dot(v)\n" in fixed
    modern, _ = _exec(fixed)
    for name in ("similarity", "cross", "inner"):
        assert torch.equal(modern[name], legacy[name]), name


def test_dot_without_evidence_of_matrices_is_left_alone():
    source = "import torch\ndef f(a, b):\n    return a.dot(b) + torch.dot(a, b)\n"
    assert _found(source, "LV120") == []


# ---------------------------------------------------------------- LV122


LOAD = """\
import io
import torch
import torch.nn as nn
model = torch.load('checkpoints/model_best.pth.tar')
net = nn.Linear(2, 2)
net.load_state_dict(torch.load('weights.pth'))
state = torch.load('weights.pth')
net.load_state_dict(state)
trusted = torch.load('model.pth', weights_only=False)
path = 'runs/epoch_10.pt'
again = torch.load(path, map_location=lambda storage, loc: storage)
stream = torch.load(io.BytesIO(b''))
"""


def test_torch_load_of_a_checkpoint_path_is_reported_without_a_fix():
    diagnostics = [d for d in check(LOAD, dedent=False) if d.code == "LV122"]
    assert [(d.line, d.column) for d in diagnostics] == [(4, 9), (11, 9)]
    assert all(d.fix is None for d in diagnostics)
    assert diagnostics[0].message.startswith(
        "`torch.load` of `'checkpoints/model_best.pth.tar'` may be refused if the file holds a pickled object"
    )


# ---------------------------------------------------------------- LV123


PRINTS = """\
import torch
x = torch.ones(3) * 2.5
print(x.sum())
print('mean %s' % x.mean())
print('sum %.4f' % x.sum())
print(torch.sum(x), x.max())
print('{}'.format(x.sum()))
"""


def _numbers(text: str) -> list[float]:
    return [round(float(n), 4) for n in re.findall(r"-?\d+\.\d+|-?\d+", text)]


def test_printed_reductions_are_flagged_and_fixed_with_item():
    assert _found(PRINTS, "LV123") == [
        ("LV123", 3, 7), ("LV123", 4, 19), ("LV123", 6, 7), ("LV123", 6, 21),
    ]
    _, stock_out = _exec(PRINTS)
    _, legacy_out, codes = _legacy(PRINTS)
    assert legacy_out == stock_out  # legacy mode leaves printing alone
    assert "LV123" not in codes
    assert legacy_out.splitlines()[0] == "tensor(7.5000)"
    fixed = fix_source(PRINTS, unsafe=True)
    assert "print(x.sum().item())\n" in fixed
    assert "print(torch.sum(x).item(), x.max().item())\n" in fixed
    _, fixed_out = _exec(fixed)
    assert fixed_out.splitlines()[0] == "7.5"
    assert _numbers(fixed_out) == _numbers(legacy_out)


# ---------------------------------------------------------------- LV121


VECTOR_TARGET = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable
torch.manual_seed(0)
targets = Variable(torch.LongTensor([0, 2, 1]))
output = F.log_softmax(torch.randn(1, 3), dim=1)
loss = F.nll_loss(output, targets[1])
criterion = nn.CrossEntropyLoss()
target = targets[2]
loss2 = criterion(output, target)
number = target.item()
ok = F.nll_loss(output, targets[1:2])
"""


def test_vector_element_as_loss_target_is_flagged_and_fixed_as_a_batch_of_one():
    assert _found(VECTOR_TARGET, "LV121") == [("LV121", 8, 27), ("LV121", 11, 27)]
    second = [d for d in check(VECTOR_TARGET, dedent=False) if d.code == "LV121"][1]
    assert "with an integer on line 10 gives" in second.message
    assert second.arg("index_line") == 10
    message = "Expected input batch_size (1) to match target batch_size (0)."
    with pytest.raises(ValueError, match=re.escape(message)):
        _exec(VECTOR_TARGET)
    legacy, _, codes = _legacy(VECTOR_TARGET)
    assert "LV121" in codes
    fixed = fix_source(VECTOR_TARGET, unsafe=True)
    assert "loss = F.nll_loss(output, targets[1].view(1))\n" in fixed
    assert "loss2 = criterion(output, target.view(1))\n" in fixed
    assert "number = target.item()\n" in fixed  # other uses keep the modern element
    assert check(fixed, dedent=False) == []
    modern, _ = _exec(fixed)
    for name in ("loss", "loss2", "number", "ok"):
        assert modern[name] == legacy[name], name


def test_element_of_a_tensor_not_shown_to_be_1d_is_left_alone():
    source = (
        "import torch.nn.functional as F\n"
        "def step(output, targets, i):\n"
        "    return F.nll_loss(output, targets[i])\n"
    )
    assert _found(source, "LV121") == []
