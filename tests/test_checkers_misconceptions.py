"""LV201–LV207: the autograd misconceptions, followed through one scope."""

import pytest

from lint_helpers import check, fix_source

HEAD = "import torch\nfrom torch.autograd import Variable\n"

# The article's example (variable_article_zh.txt), verbatim apart from blank lines.
ARTICLE_PLAIN = HEAD + """\
a = torch.Tensor([1.0, 2.0, 3.0])
b = torch.Tensor([4.0, 5.0, 6.0])
c = a + b
c_var = Variable(c, requires_grad=True)
c_var.backward(torch.ones_like(c_var))
print(a.grad)
print(b.grad)
"""

ARTICLE_REQUIRES_GRAD = HEAD + """\
a = torch.ones(3, requires_grad=True)
b = torch.ones(3, requires_grad=True)
c = a + b
c_var = Variable(c, requires_grad=True)
c_var.backward(torch.ones_like(c_var))
print(a.grad)
"""


def _codes(source, *codes):
    return [(d.code, d.line, d.column) for d in check(source) if d.code in codes]


def test_article_plain_tensors():
    assert _codes(ARTICLE_PLAIN, "LV201", "LV203") == [
        ("LV201", 6, 9), ("LV203", 8, 7), ("LV203", 9, 7)
    ]
    by_code = {}
    for d in check(ARTICLE_PLAIN):
        by_code.setdefault(d.code, d)
    assert "gradients will not reach `a`, `b`" in by_code["LV201"].message
    assert by_code["LV201"].message.startswith("`Variable(c, requires_grad=True)`")
    assert by_code["LV203"].message == (
        "`a.grad` is always None here: `a` only flowed into the new leaf made at line 6, "
        "which started a new graph; call backward on a result computed from `a` itself"
    )


def test_article_requires_grad_tensors():
    assert _codes(ARTICLE_REQUIRES_GRAD, "LV201", "LV203") == [("LV201", 6, 9), ("LV203", 8, 7)]


def test_wrap_reported_without_later_grad_read_when_inputs_require_grad():
    source = HEAD + "w = torch.randn(3, requires_grad=True)\nh = w.mm(x)\nv = Variable(h, requires_grad=True)\n"
    (d,) = [d for d in check(source) if d.code == "LV201"]
    assert (d.line, d.column) == (5, 5)
    assert "gradients will not reach `w`" in d.message


def test_direct_expression_wrap():
    source = HEAD + "w = torch.randn(3, requires_grad=True)\nv = Variable(torch.cat([w, w * 2]), requires_grad=True)\n"
    (d,) = [d for d in check(source) if d.code == "LV201"]
    assert d.message.startswith("`Variable(torch.cat([w, w * 2]), requires_grad=True)`")


@pytest.mark.parametrize(
    "body",
    [
        # The gradient-penalty idiom (WGAN-GP): a new leaf from .data on purpose.
        "alpha = torch.rand(4, 1)\n"
        "interp = Variable(alpha * real.data + (1 - alpha) * fake.data, requires_grad=True)\n"
        "print(real.grad)\n",
        "alpha = torch.rand(4, 1)\n"
        "x = alpha * real.data + (1 - alpha) * fake.data\n"
        "x = Variable(x, requires_grad=True)\n",
        # Wraps of .data, .detach(), clones of data, fresh tensors, numpy conversions.
        "w = torch.ones(3, requires_grad=True)\nv = Variable(w.data, requires_grad=True)\nprint(w.grad)\n",
        "w = torch.ones(3, requires_grad=True)\nv = Variable(w.detach(), requires_grad=True)\n",
        "w = torch.ones(3, requires_grad=True)\nd = w.data.clone()\nv = Variable(d, requires_grad=True)\n",
        "v = Variable(torch.zeros(3), requires_grad=True)\n",
        "v = Variable(torch.from_numpy(arr), requires_grad=True)\n",
        # Computed from unknowns and nobody expects their gradients.
        "def f(a, b):\n    c = a + b\n    return Variable(c, requires_grad=True)\n",
    ],
)
def test_intended_new_leaves_are_not_reported(body):
    assert _codes(HEAD + body, "LV201", "LV202", "LV203") == []


def test_other_use_of_an_input_keeps_lv203_quiet():
    source = ARTICLE_REQUIRES_GRAD.replace(
        "print(a.grad)\n", "(a * 3).sum().backward()\nprint(a.grad)\n"
    )
    assert _codes(source, "LV203") == []
    assert _codes(source, "LV201") == [("LV201", 6, 9)]


def test_nested_scopes_are_separate():
    source = HEAD + """\
a = torch.ones(3, requires_grad=True)
def f(a):
    c = a * 2
    return Variable(c, requires_grad=True)
def g():
    a = torch.ones(3, requires_grad=True)
    c = a * 2
    v = Variable(c, requires_grad=True)
    return a.grad
"""
    assert _codes(source, "LV201", "LV203") == [("LV201", 10, 9), ("LV203", 11, 12)]


def test_reassignment_clears_the_wrap_relation():
    source = ARTICLE_REQUIRES_GRAD.replace(
        "print(a.grad)\n", "a = torch.ones(3, requires_grad=True)\nprint(a.grad)\n"
    )
    assert _codes(source, "LV203") == []


# ---------------------------------------------------------------- LV203 on its own
def test_grad_of_a_tensor_that_does_not_require_grad():
    source = "import torch\nx = torch.ones(3)\ny = (x * 2).sum()\nprint(x.grad)\n"
    (d,) = [d for d in check(source) if d.code == "LV203"]
    assert (d.line, d.column) == (4, 7)
    assert d.message == (
        "`x.grad` is always None here: `x` does not require grad; create it with "
        "requires_grad=True (or call `x.requires_grad_()`) before computing with it"
    )


def test_grad_of_a_non_leaf():
    source = "import torch\nw = torch.ones(3, requires_grad=True)\ny = w * 2\ny.sum().backward()\ng = y.grad\n"
    (d,) = [d for d in check(source) if d.code == "LV203"]
    assert (d.line, d.column) == (5, 5)
    assert "`y` is not a leaf (computed at line 3)" in d.message
    assert dict(d.args) == {"target": "y", "variant": "not_leaf", "computed_line": 3}


@pytest.mark.parametrize(
    "body",
    [
        "x = torch.ones(3)\nx.requires_grad = True\nprint(x.grad)\n",
        "x = torch.ones(3)\nx.requires_grad_()\nprint(x.grad)\n",
        "x = torch.ones(3)\nsetup(x)\nprint(x.grad)\n",
        "w = torch.ones(3, requires_grad=True)\ny = w * 2\ny.retain_grad()\nprint(y.grad)\n",
        "w = torch.ones(3, requires_grad=True)\nprint(w.grad)\n",
        "x = torch.ones(3)\nx = make()\nprint(x.grad)\n",
        "def f(x):\n    return x.grad\n",
        "for p in model.parameters():\n    print(p.grad)\n",
    ],
)
def test_grad_reads_that_may_be_set(body):
    assert _codes("import torch\n" + body, "LV203") == []


# ---------------------------------------------------------------- LV202
def test_detaching_wrap():
    source = HEAD + "w = torch.ones(3, requires_grad=True)\nh = Variable(w * 2)\n"
    assert _codes(source, "LV202") == [("LV202", 4, 5)]
    fixed = fix_source(source, unsafe=True)
    assert fixed == "import torch\nw = torch.ones(3, requires_grad=True)\nh = (w * 2).detach()\n"


def test_wrapping_plain_tensors_is_not_lv202():
    source = HEAD + "x = torch.ones(3)\nh = Variable(x * 2)\nk = Variable(y)\n"
    assert _codes(source, "LV202") == []


# ---------------------------------------------------------------- LV204
def test_nonscalar_backward():
    source = "import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\ny.backward()\n"
    assert _codes(source, "LV204") == [("LV204", 4, 1)]


@pytest.mark.parametrize(
    "body",
    [
        "x = torch.ones(1, requires_grad=True)\ny = x * 2\ny.backward()\n",
        "x = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n",
        "x = torch.ones(3, requires_grad=True)\ny = x * 2\ny.backward(torch.ones(3))\n",
        "x = torch.ones(n, requires_grad=True)\ny = x * 2\ny.backward()\n",
        "y = model(x)\ny.backward()\n",
        "loss = criterion(o, t)\nloss.backward()\n",
    ],
)
def test_backward_without_evidence_of_non_scalar(body):
    assert _codes("import torch\n" + body, "LV204") == []


# ---------------------------------------------------------------- LV205
def test_data_mutation_of_a_computed_tensor():
    source = "import torch\nx = torch.ones(3, requires_grad=True)\ny = x.exp()\ny.data.zero_()\ny.data[0] = 1\n"
    assert _codes(source, "LV205") == [("LV205", 4, 1), ("LV205", 5, 1)]


@pytest.mark.parametrize(
    "body",
    [
        "for p in model.parameters():\n    p.data.add_(-lr, p.grad.data)\n",
        "for p in model.parameters():\n    p.data -= lr * p.grad.data\n",
        "m.weight.data.normal_(0.0, 0.02)\nm.bias.data.fill_(0)\n",
        "w = torch.ones(3, requires_grad=True)\nw.data.clamp_(-1, 1)\n",
        "x = torch.ones(3)\nx.data[0] = 2\n",
    ],
)
def test_legitimate_data_updates(body):
    assert _codes("import torch\n" + body, "LV205") == []


# ---------------------------------------------------------------- LV206
def test_require_grad_typo():
    source = "import torch\nx = torch.ones(3)\nx.require_grad = True\nself.w.require_grad = False\n"
    assert _codes(source, "LV206") == [("LV206", 3, 1), ("LV206", 4, 1)]
    assert fix_source(source) == source.replace("require_grad", "requires_grad")
    (d,) = [d for d in check(source) if d.line == 4]
    assert d.message.startswith("`self.w.require_grad` is a typo")


def test_require_grad_read_or_keyword_is_not_lv206():
    assert _codes("import torch\nv = x.require_grad\n", "LV206") == []


@pytest.mark.parametrize(
    "source",
    [
        # A user class's own flag, perhaps read in another module.
        "import torch\nclass Layer:\n    def __init__(self):\n        self.require_grad = True\n",
        # Not a torch module at all.
        "import tensorflow as tf\nx.require_grad = True\n",
    ],
)
def test_require_grad_store_that_is_not_the_typo(source):
    assert _codes(source, "LV206") == []


# ---------------------------------------------------------------- LV207
def test_numpy_on_requires_grad():
    source = "import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\na = x.numpy()\nb = y.numpy()\n"
    assert _codes(source, "LV207") == [("LV207", 4, 5), ("LV207", 5, 5)]
    assert fix_source(source) == source.replace(".numpy()", ".detach().numpy()")


def test_numpy_on_plain_tensors_or_data():
    source = "import torch\nx = torch.ones(3, requires_grad=True)\na = x.data.numpy()\nb = x.detach().numpy()\nc = torch.ones(2).numpy()\n"
    assert _codes(source, "LV207") == []
