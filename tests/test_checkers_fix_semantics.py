"""Safe fixes keep modern-PyTorch semantics: run each snippet before and after the fix on
the installed torch and compare what it computed (the checkers themselves never import
torch; this test does, to hold them to their word)."""

import warnings

import pytest

torch = pytest.importorskip("torch")

from lint_helpers import fix_source  # noqa: E402

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch.autograd import Variable\n"

SNIPPETS = [
    "result = Variable(torch.ones(2, 3))\n",
    "result = Variable(torch.ones(2, 3), requires_grad=True)\n",
    "result = Variable(torch.arange(0, 4).float(), requires_grad=True)\n",
    "result = Variable(torch.Tensor([1, 2]), requires_grad=True)\n",
    "result = torch.FloatTensor([1, 2.5])\n",
    "result = torch.Tensor([[1, 2], [3, 4]])\n",
    "result = torch.LongTensor([1, -2])\n",
    "result = torch.ByteTensor([1, 0])\n",
    "result = torch.DoubleTensor(2, 3).shape\n",
    "result = torch.range(0, 5)\n",
    "result = torch.range(1, 10, 3)\n",
    "result = torch.range(5, -1, -2)\n",
    "result = torch.zeros(2, dtype=torch.long).type(torch.FloatTensor)\n",
    "result = nn.MSELoss(size_average=False, reduce=False)(torch.ones(3), torch.zeros(3))\n",
    "result = nn.MSELoss(size_average=False)(torch.ones(3), torch.zeros(3))\n",
    "result = F.l1_loss(torch.ones(3), torch.zeros(3), reduce=True, size_average=True)\n",
    "result = F.sigmoid(torch.ones(3))\n",
    "result = F.tanh(torch.ones(3))\n",
    "result = F.upsample(torch.ones(1, 1, 2, 2), scale_factor=2)\n",
    "w = torch.empty(3, 3)\ntorch.manual_seed(0)\nnn.init.xavier_uniform(w)\nresult = w\n",
    "x = torch.ones(3, requires_grad=True)\n(x * 2).sum().backward(retain_variables=True)\nresult = x.grad\n",
    "x = torch.ones(3, requires_grad=True)\n(x * 2).sum().backward()\nx.grad.data.zero_()\nresult = x.grad\n",
    "x = torch.ones(3, requires_grad=True)\nresult = torch.from_numpy(x.numpy())\n",
    "x = torch.ones(3)\nx.require_grad = True\nresult = x.requires_grad\n",
    "result = isinstance(torch.ones(1), Variable)\n",
    "loss = F.mse_loss(torch.ones(3), torch.zeros(3))\nresult = loss.data[0]\n",
]


def _run(code):
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(compile(code, "<snippet>", "exec"), namespace)
        except Exception as error:  # the legacy form may raise: that is the point
            return ("raised", type(error).__name__)
    return namespace["result"]


def _same(before, after):
    if isinstance(before, torch.Tensor):
        return (
            isinstance(after, torch.Tensor)
            and before.dtype == after.dtype
            and before.shape == after.shape
            and before.requires_grad == after.requires_grad
            and before.is_leaf == after.is_leaf
            and torch.equal(before, after)
        )
    return before == after


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_safe_fix_keeps_the_result(snippet):
    source = HEAD + snippet
    fixed = fix_source(source)
    assert fixed != source, "expected a safe fix"
    before, after = _run(source), _run(fixed)
    if isinstance(before, tuple) and before and before[0] == "raised":
        # Legacy code that raises today (e.g. loss.data[0]): the fix makes it run.
        assert not (isinstance(after, tuple) and after and after[0] == "raised"), fixed
        return
    if snippet.startswith("x = torch.ones(3)\nx.require_grad"):
        assert before is False and after is True  # the typo fixed: the intent now holds
        return
    assert _same(before, after), (fixed, before, after)


# Data that keeps a graph when an argument has one: dropping the wrapper would keep it too,
# so no safe fix may drop it (``Variable`` detaches).
GRAPH_CARRYING_WRAPS = [
    "mu = torch.zeros(3, requires_grad=True)\nresult = Variable(torch.normal(mu, 1.0))\n",
    "p = torch.full((3,), 0.5, requires_grad=True)\nresult = Variable(torch.bernoulli(p))\n",
    "mu = torch.ones(3, requires_grad=True)\nresult = Variable(torch.zeros(3).copy_(mu))\n",
    "w = torch.tensor(2.0, requires_grad=True)\nresult = Variable(torch.zeros(3).fill_(w))\n",
]


@pytest.mark.parametrize("snippet", GRAPH_CARRYING_WRAPS)
def test_safe_fixes_keep_the_detach_of_graph_carrying_data(snippet):
    source = HEAD + "torch.manual_seed(0)\n" + snippet
    fixed = fix_source(source)
    assert _same(_run(source), _run(fixed)), fixed


def test_literal_arguments_keep_the_safe_unwrap():
    source = HEAD + "result = Variable(torch.zeros(3).fill_(2.0))\n"
    assert "Variable(" not in fix_source(source)
