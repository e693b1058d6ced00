"""LV104–LV118: legacy API spellings, exact positions and fixed sources."""

import pytest

from lint_helpers import check, fix_source, found

TORCH = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def _fixed(body, unsafe=False, select=None):
    return fix_source(TORCH + body, unsafe=unsafe, select=select)[len(TORCH):]


# ---------------------------------------------------------------- LV104
@pytest.mark.parametrize(
    "body, after",
    [
        ("loss = criterion(out, y)\ntotal += loss.data[0]\n",
         "loss = criterion(out, y)\ntotal += loss.item()\n"),
        ("loss = F.nll_loss(out, y)\nprint(loss.data[0])\n",
         "loss = F.nll_loss(out, y)\nprint(loss.item())\n"),
        ("loss = nn.CrossEntropyLoss()(out, y)\nv = loss[0]\n",
         "loss = nn.CrossEntropyLoss()(out, y)\nv = loss.item()\n"),
        ("correct = pred.eq(y).sum()\nacc = correct.data[0]\n",
         "correct = pred.eq(y).sum()\nacc = correct.item()\n"),
        ("s = torch.sum(x)\nv = s[0]\n", "s = torch.sum(x)\nv = s.item()\n"),
        ("v = criterion(out, y).data[0]\n", "v = criterion(out, y).item()\n"),
        ("v = (x * 2).mean().data[0]\n", "v = (x * 2).mean().item()\n"),
        ("v = self.criterion(out, y).data[0]\n", "v = self.criterion(out, y).item()\n"),
    ],
)
def test_scalar_index_with_strong_evidence_is_fixed(body, after):
    assert _fixed(body) == after


def test_scalar_index_position():
    assert found(TORCH + "loss = criterion(out, y)\ntotal += loss.data[0]\n", "LV104") == [
        ("LV104", 5, 10)
    ]


@pytest.mark.parametrize(
    "body",
    [
        "def f(loss):\n    return loss[0]\n",  # the name says loss
        "def f(state):\n    return state['loss'].data[0]\n",
        "def f(self):\n    return self.loss_G.data[0]\n",
    ],
)
def test_scalar_index_without_strong_evidence_has_no_fix(body):
    (d,) = [d for d in check(TORCH + body) if d.code == "LV104"]
    assert d.fix is None


@pytest.mark.parametrize(
    "body",
    [
        "def f(x):\n    return x[0]\n",  # plain [0], no evidence
        "data = [1, 2]\nv = data[0]\n",
        "batch = {'a': 1}\nv = batch.data[0] if False else 0\n",
        "class D:\n    def first(self):\n        return self.data[0]\n",
        "losses = []\nv = losses[0]\n",
        "arr = np.zeros(3)\nv = arr.data[0]\n",
        "v = x.data[1]\n",
        "s = 'loss.data[0]'\n",
        # Shape unknown and not named as a loss: no guess (issue 13: wrong in 8 of 14).
        "def f(out):\n    return out.data[0]\n",
        "per_sample = F.nll_loss(out, y, reduce=False)\nv = per_sample.data[0]\n",
        "def f(output):\n    val, idx = output.max(1)\n    return idx.data[0]\n",
        "def f(x):\n    return x.view(-1).data[0]\n",
        "def f(netD, fake):\n    errD = netD(fake)\n    return errD.data[0]\n",
    ],
)
def test_scalar_index_negatives(body):
    assert found("import numpy as np\n" + TORCH + body, "LV104") == []


def test_data_index_needs_torch_in_the_module():
    assert found("def f(obj):\n    return obj.data[0]\n") == []


@pytest.mark.parametrize("index", ["(0)", " ( 0 ) ", "0 "])
def test_zero_dim_index_fix_finds_the_bracket(index):
    body = f"loss = F.mse_loss(a, b)\nv = loss [{index}]\n"
    assert _fixed(body) == "loss = F.mse_loss(a, b)\nv = loss.item()\n"


def test_zero_dim_index_across_lines_is_reported_without_a_fix():
    (d,) = [d for d in check(TORCH + "loss = F.mse_loss(a, b)\nv = loss[  # first\n    0]\n",
                             dedent=False) if d.code == "LV104"]
    assert d.fix is None


# ---------------------------------------------------------------- LV105
def test_async_dict_unpacking():
    body = "x = x.cuda(**{'async': True})\n"
    assert found(TORCH + body, "LV105") == [("LV105", 4, 12)]
    assert _fixed(body) == "x = x.cuda(non_blocking=True)\n"


def test_async_dict_with_other_keys_has_no_fix():
    (d,) = check(TORCH + "x = x.to(**{'async': True, 'device': d})\n")
    assert d.code == "LV105" and d.fix is None


# ---------------------------------------------------------------- LV106
@pytest.mark.parametrize(
    "body, after, position",
    [
        ("loss.backward(retain_variables=True)\n", "loss.backward(retain_graph=True)\n", (4, 15)),
        ("torch.autograd.backward([y], [g], retain_variables=True)\n",
         "torch.autograd.backward([y], [g], retain_graph=True)\n", (4, 35)),
    ],
)
def test_retain_variables(body, after, position):
    assert found(TORCH + body, "LV106") == [("LV106", *position)]
    assert _fixed(body) == after


def test_retain_variables_on_other_calls_is_ignored():
    assert found(TORCH + "run(retain_variables=True)\n") == []


# ---------------------------------------------------------------- LV107
@pytest.mark.parametrize(
    "body, after",
    [
        ("x = torch.FloatTensor([1, 2])\n", "x = torch.tensor([1, 2], dtype=torch.float32)\n"),
        ("x = torch.Tensor([[1.5, -2], [3, 4]])\n",
         "x = torch.tensor([[1.5, -2], [3, 4]], dtype=torch.get_default_dtype())\n"),
        ("x = torch.LongTensor(2, 3)\n", "x = torch.empty(2, 3, dtype=torch.int64)\n"),
        ("x = torch.cuda.FloatTensor(4)\n",
         "x = torch.empty(4, dtype=torch.float32, device='cuda')\n"),
        ("x = torch.ByteTensor((1, 0))\n", "x = torch.tensor((1, 0), dtype=torch.uint8)\n"),
    ],
)
def test_legacy_constructor_fixes(body, after):
    assert _fixed(body) == after


@pytest.mark.parametrize(
    "body",
    ["x = torch.FloatTensor(a)\n", "x = torch.FloatTensor(n, 3)\n", "x = torch.Tensor(x.size())\n",
     "x = torch.FloatTensor([a, b])\n", "x = torch.Tensor()\n"],
)
def test_legacy_constructor_without_fix(body):
    (d,) = check(TORCH + body)
    assert (d.code, d.fix) == ("LV107", None)


def test_legacy_constructor_alias_and_negatives():
    assert found("from torch import FloatTensor\nx = FloatTensor(3)\n", "LV107") == [("LV107", 2, 5)]
    assert found(TORCH + "ok = isinstance(x, torch.Tensor)\ny = torch.tensor([1])\n") == []


# ---------------------------------------------------------------- LV108
def test_type_cast():
    body = "y = x.type(torch.LongTensor)\n"
    assert found(TORCH + body, "LV108") == [("LV108", 4, 5)]
    # ``x`` may be an nn.Module (whose ``.type`` also casts integer buffers): unsafe.
    assert _fixed(body) == body
    assert _fixed(body, unsafe=True) == "y = x.to('cpu', torch.int64)\n"
    assert _fixed("y = torch.zeros(2).type(torch.LongTensor)\n") == (
        "y = torch.zeros(2).to('cpu', torch.int64)\n"
    )
    cuda = [d for d in check(TORCH + "y = x.type(torch.cuda.FloatTensor)\n")][0]
    assert cuda.fix.applicability == "unsafe"
    assert _fixed("y = x.type(torch.cuda.FloatTensor)\n", unsafe=True) == "y = x.to('cuda', torch.float32)\n"
    assert found(TORCH + "t = x.type()\nu = x.type(torch.float32)\n") == []


# ---------------------------------------------------------------- LV109
def test_grad_data_zero():
    body = "for p in model.parameters():\n    p.grad.data.zero_()\n"
    assert found(TORCH + body, "LV109") == [("LV109", 5, 5)]
    assert _fixed(body) == "for p in model.parameters():\n    p.grad.zero_()\n"
    assert found(TORCH + "p.grad.zero_()\np.data.zero_()\n", "LV109") == []


# ---------------------------------------------------------------- LV111
def test_volatile_attribute():
    body = "flag = x.volatile\nx.volatile = True\nclass A:\n    def f(self):\n        return self.volatile\n"
    assert found(TORCH + body, "LV111") == [("LV111", 4, 8), ("LV111", 5, 1)]
    assert found("flag = x.volatile\n") == []  # no torch in the module


# ---------------------------------------------------------------- LV112
LEGACY_FN = """\
import torch
from torch.autograd import Function
class MyReLU(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x > 0).float()
y = MyReLU()(x)
"""


def test_legacy_function_detected_at_def_and_call_site():
    assert found(LEGACY_FN, "LV112") == [("LV112", 4, 5), ("LV112", 12, 5)]


def test_legacy_function_unsafe_fix():
    assert fix_source(LEGACY_FN, unsafe=True) == LEGACY_FN.replace(
        "    def forward(self, x):\n        self.save_for_backward(x)",
        "    @staticmethod\n    def forward(ctx, x):\n        ctx.save_for_backward(x)",
    ).replace("MyReLU()(x)", "MyReLU.apply(x)")
    assert fix_source(LEGACY_FN) == LEGACY_FN  # unsafe only


def test_legacy_function_with_init_is_reported_without_fix():
    source = (
        "import torch\nclass Scale(torch.autograd.Function):\n"
        "    def __init__(self, k):\n        self.k = k\n"
        "    def forward(self, x):\n        return x * self.k\n"
        "y = Scale(2)(x)\n"
    )
    diagnostics = [d for d in check(source) if d.code == "LV112"]
    assert [(d.line, d.fix) for d in diagnostics] == [(5, None), (7, None)]


def test_nn_module_forward_is_not_a_legacy_function():
    source = "import torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        return x\ny = M()(x)\n"
    assert check(source) == []


# ---------------------------------------------------------------- LV113
@pytest.mark.parametrize(
    "before, after",
    [
        ("c = nn.CrossEntropyLoss(size_average=False)\n", "c = nn.CrossEntropyLoss(reduction='sum')\n"),
        ("c = nn.MSELoss(size_average=True)\n", "c = nn.MSELoss(reduction='mean')\n"),
        ("c = nn.MSELoss(reduce=False)\n", "c = nn.MSELoss(reduction='none')\n"),
        ("c = nn.MSELoss(size_average=False, reduce=False)\n", "c = nn.MSELoss(reduction='none')\n"),
        ("c = nn.MSELoss(reduce=True, size_average=False)\n", "c = nn.MSELoss(reduction='sum')\n"),
        ("l = F.nll_loss(o, y, size_average=False)\n", "l = F.nll_loss(o, y, reduction='sum')\n"),
        ("c = nn.NLLLoss(w, size_average=False, ignore_index=0, reduce=True)\n",
         "c = nn.NLLLoss(w, reduction='sum', ignore_index=0)\n"),
        ("c = torch.nn.BCELoss(size_average=None, reduce=None)\n", "c = torch.nn.BCELoss(reduction='mean')\n"),
    ],
)
def test_reduction_kwargs(before, after):
    assert _fixed(before) == after


def test_reduction_message_and_dynamic_values():
    (d,) = check(TORCH + "c = nn.L1Loss(size_average=False)\n")
    assert (d.line, d.column) == (4, 15)
    assert "reduction='sum'" in d.message
    (d,) = check(TORCH + "c = nn.L1Loss(size_average=flag)\n")
    assert d.fix is None
    assert found(TORCH + "r = functools.reduce(f, xs)\ny = mymod.Loss(size_average=False)\n") == []


# ---------------------------------------------------------------- LV114
@pytest.mark.parametrize(
    "body, column",
    [
        ("y = F.softmax(x)\n", 5),
        ("y = F.log_softmax(self.fc(x))\n", 5),
        ("y = F.softmin(x, dim=None)\n", 5),
        ("m = nn.Softmax()\n", 5),
        ("m = nn.LogSoftmax()\n", 5),
        ("y = torch.nn.functional.softmax(x)\n", 5),
    ],
)
def test_implicit_softmax_dim(body, column):
    assert found(TORCH + body, "LV114") == [("LV114", 4, column)]


@pytest.mark.parametrize(
    "body",
    ["y = F.softmax(x, 1)\n", "y = F.softmax(x, dim=-1)\n", "m = nn.Softmax(1)\n",
     "m = nn.Softmax(dim=1)\n", "y = F.softmax(*args)\n", "y = softmax(x)\n", "y = x.softmax(1)\n"],
)
def test_explicit_softmax_dim(body):
    assert found(TORCH + body, "LV114") == []


# ---------------------------------------------------------------- LV115
@pytest.mark.parametrize(
    "before, after, unsafe",
    [
        ("y = F.sigmoid(x)\n", "y = torch.sigmoid(x)\n", False),
        ("y = F.tanh(x)\n", "y = torch.tanh(x)\n", False),
        ("y = F.upsample(x, scale_factor=2)\n", "y = F.interpolate(x, scale_factor=2)\n", False),
        ("y = F.upsample_bilinear(x, scale_factor=2)\n",
         "y = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True)\n", True),
        ("y = F.upsample_nearest(x, size=4)\n", "y = F.interpolate(x, size=4, mode='nearest')\n", True),
    ],
)
def test_deprecated_functional(before, after, unsafe):
    assert _fixed(before, unsafe=unsafe) == after
    if unsafe:
        assert _fixed(before) == before


def test_deprecated_functional_from_import_form():
    source = "from torch.nn.functional import sigmoid\ny = sigmoid(x)\n"
    (d,) = check(source)
    assert (d.code, d.fix) == ("LV115", None)
    source = "import torch\nfrom torch.nn import functional as F2\ny = F2.sigmoid(x)\n"
    assert fix_source(source) == "import torch\nfrom torch.nn import functional as F2\ny = torch.sigmoid(x)\n"


# ---------------------------------------------------------------- LV116 / LV117
@pytest.mark.parametrize(
    "name",
    ["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "uniform", "normal",
     "constant", "orthogonal", "sparse", "eye", "dirac"],
)
def test_non_inplace_init(name):
    body = f"nn.init.{name}(w)\n"
    assert found(TORCH + body, "LV116") == [("LV116", 4, 1)]
    assert _fixed(body) == f"nn.init.{name}_(w)\n"


def test_init_aliases_and_negatives():
    source = "from torch.nn import init\ninit.xavier_uniform(w)\n"
    assert fix_source(source) == "from torch.nn import init\ninit.xavier_uniform_(w)\n"
    source = "import torch\ntorch.nn.init.normal(w, 0, 0.02)\nnp.random.normal(0, 1)\n"
    assert found(source) == [("LV116", 2, 1)]
    (d,) = check("from torch.nn.init import xavier_uniform\nxavier_uniform(w)\n")
    assert d.fix is None  # the underscored name is not imported


def test_clip_grad_norm():
    body = "nn.utils.clip_grad_norm(model.parameters(), 5.0)\n"
    assert found(TORCH + body, "LV117") == [("LV117", 4, 1)]
    assert _fixed(body) == "nn.utils.clip_grad_norm_(model.parameters(), 5.0)\n"
    source = "import torch\ntorch.nn.utils.clip_grad.clip_grad_norm(ps, 1)\n"
    assert fix_source(source) == "import torch\ntorch.nn.utils.clip_grad.clip_grad_norm_(ps, 1)\n"


# ---------------------------------------------------------------- LV118
@pytest.mark.parametrize(
    "before, after",
    [
        ("r = torch.range(0, 5)\n", "r = torch.arange(0, 6, dtype=torch.get_default_dtype())\n"),
        ("r = torch.range(1, 10, 3)\n", "r = torch.arange(1, 11, 3, dtype=torch.get_default_dtype())\n"),
        ("r = torch.range(5, -1, -2)\n", "r = torch.arange(5, -2, -2, dtype=torch.get_default_dtype())\n"),
    ],
)
def test_torch_range(before, after):
    assert _fixed(before) == after


def test_torch_range_without_fix():
    for body in ("r = torch.range(0, n)\n", "r = torch.range(0, 1.5)\n", "r = torch.range(0, 5, 0.5)\n"):
        (d,) = check(TORCH + body)
        assert (d.code, d.fix) == ("LV118", None)
    assert found(TORCH + "r = range(0, 5)\n") == []


def test_scalar_index_of_arithmetic_over_zero_dim_results():
    # PyTorch-GAN's BEGAN: M = (d_loss_real + torch.abs(diff)).data[0]
    body = ("d_loss_real = torch.mean(torch.abs(x - y))\ndiff = torch.mean(g * d_loss_real - f)\n"
            "M = (d_loss_real + torch.abs(diff)).data[0]\nN = (2 * diff).data[0]\n")
    fixed = _fixed(body)
    assert fixed.endswith("M = (d_loss_real + torch.abs(diff)).item()\nN = (2 * diff).item()\n")


def test_scalar_index_fix_after_parentheses():
    body = "loss = criterion(o, t)\nv = (loss)[0]\nw = (loss * 2) [0]\n"
    assert _fixed(body) == "loss = criterion(o, t)\nv = (loss).item()\nw = (loss * 2).item()\n"


def test_volatile_of_options_objects_is_not_a_tensor():
    assert found(TORCH + "if args.volatile or opt.volatile:\n    pass\n", "LV111") == []


def test_require_grad_used_as_own_attribute_is_not_a_typo():
    source = (
        "import torch\nclass Layer:\n    def __init__(self, require_grad):\n"
        "        self.require_grad = require_grad\n"
        "    def build(self):\n        return torch.ones(2, requires_grad=self.require_grad)\n"
    )
    assert found(source, "LV206") == []


def test_scalar_index_of_an_accumulated_loss():
    body = (
        "def train(chunk):\n    loss = 0\n    for c in range(chunk):\n"
        "        loss += criterion(out[c], target[c])\n    return loss.data[0] / chunk\n"
    )
    assert _fixed(body).endswith("    return loss.item() / chunk\n")


def test_accumulated_unknowns_are_not_scalar():
    body = "def f(xs):\n    total = 0\n    for x in xs:\n        total += model(x)\n    return total.data[0]\n"
    assert [d for d in check(TORCH + body) if d.code == "LV104"] == []
