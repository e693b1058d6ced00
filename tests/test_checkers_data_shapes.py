"""LV119 tensor-dataset-keywords, LV120 dot-of-matrices, LV122 torch-load-weights-only,
LV123 print-reduction-tensor."""

import pytest

from lint_helpers import check, fix_source, found

HEAD = "import torch\nfrom torch.utils.data import TensorDataset\n"


# ---------------------------------------------------------------- LV119
@pytest.mark.parametrize(
    "before, after",
    [
        ("d = TensorDataset(data_tensor=x, target_tensor=y)\n", "d = TensorDataset(x, y)\n"),
        ("d = TensorDataset(target_tensor=y, data_tensor=x)\n", "d = TensorDataset(x, y)\n"),
        ("d = TensorDataset(data_tensor=x)\n", "d = TensorDataset(x)\n"),
        ("d = torch.utils.data.TensorDataset(data_tensor=a[0],\n    target_tensor=b)\n",
         "d = torch.utils.data.TensorDataset(a[0], b)\n"),
    ],
)
def test_tensor_dataset_keywords(before, after):
    assert fix_source(HEAD + before) == HEAD + after


def test_tensor_dataset_position_message_and_unfixable_forms():
    (d,) = check(HEAD + "d = TensorDataset(data_tensor=x, target_tensor=y)\n")
    assert (d.code, d.line, d.column) == ("LV119", 3, 19)
    assert d.message.endswith("pass the tensors positionally: `TensorDataset(x, y)`")
    (d,) = check(HEAD + "d = TensorDataset(target_tensor=y)\n")
    assert d.fix is None
    (d,) = check(HEAD + "d = TensorDataset(x, target_tensor=y)\n")
    assert d.fix is None
    assert found(HEAD + "d = TensorDataset(x, y)\nother = MyDataset(data_tensor=x)\n") == []


# ---------------------------------------------------------------- LV120
@pytest.mark.parametrize(
    "body, after",
    [
        ("w = torch.randn(3, 4)\ns = w.dot(w)\n", "w = torch.randn(3, 4)\ns = (w * w).sum()\n"),
        ("w = torch.randn(3, 4)\nv = torch.randn(12)\ns = torch.dot(w, v)\n",
         "w = torch.randn(3, 4)\nv = torch.randn(12)\ns = (w.reshape(-1) * v.reshape(-1)).sum()\n"),
        ("m = torch.zeros((2, 2))\ns = (m + 1).dot(m)\n",
         "m = torch.zeros((2, 2))\ns = ((m + 1).reshape(-1) * m.reshape(-1)).sum()\n"),
    ],
)
def test_dot_of_matrices(body, after):
    source = "import torch\n" + body
    assert fix_source(source) == source  # unsafe only
    assert fix_source(source, unsafe=True) == "import torch\n" + after


def test_dot_message():
    (d,) = check("import torch\nw = torch.randn(3, 4)\nv = torch.randn(12)\ns = torch.dot(w, v)\n")
    assert (d.code, d.line, d.column) == ("LV120", 4, 5)
    assert d.message.startswith("`torch.dot` of 1-D and 2-D tensors")


@pytest.mark.parametrize(
    "body",
    [
        "v = torch.randn(3)\ns = v.dot(v)\n",
        "def f(a, b):\n    return a.dot(b)\n",
        "import numpy as np\nm = np.ones((2, 2))\ns = np.dot(m, m)\nt = m.dot(m)\n",
    ],
)
def test_dot_without_evidence(body):
    assert found("import torch\n" + body, "LV120") == []


# ---------------------------------------------------------------- LV122
@pytest.mark.parametrize(
    "body, column",
    [
        ("model = torch.load('model.pth')\n", 9),
        ("path = os.path.join(d, 'net.pth.tar')\nckpt = torch.load(path)\n", 8),
        ("ckpt = torch.load(f'{run}/best.ckpt', map_location='cpu')\n", 8),
    ],
)
def test_torch_load_of_a_checkpoint(body, column):
    source = "import os\nimport torch\n" + body
    diagnostics = [d for d in check(source) if d.code == "LV122"]
    assert [(d.line, d.column, d.fix) for d in diagnostics] == [
        (source.count("\n"), column, None)
    ]


def test_torch_load_message_names_the_file():
    (d,) = check("import torch\nm = torch.load('model.pth')\n")
    assert d.message.startswith("`torch.load` of `'model.pth'` may be refused if the file holds a pickled object")


@pytest.mark.parametrize(
    "body",
    [
        "model.load_state_dict(torch.load('model.pth'))\n",
        "state = torch.load('model.pth')\nmodel.load_state_dict(state)\n",
        "m = torch.load('model.pth', weights_only=False)\n",
        "m = torch.load(path)\n",  # nothing says it is a checkpoint
        "data = torch.load('cache.bin')\n",
        "import pickle\nm = pickle.load(open('model.pkl', 'rb'))\n",
    ],
)
def test_torch_load_negatives(body):
    assert found("import torch\n" + body, "LV122") == []


# ---------------------------------------------------------------- LV123
@pytest.mark.parametrize(
    "body, after",
    [
        ("x = torch.ones(3) * 2.5\nprint(x.sum())\n", "x = torch.ones(3) * 2.5\nprint(x.sum().item())\n"),
        ("print('total', torch.sum(x))\n", "print('total', torch.sum(x).item())\n"),
        ("y = torch.randn(4)\nprint('%d: %s' % (i, y.mean()))\n",
         "y = torch.randn(4)\nprint('%d: %s' % (i, y.mean().item()))\n"),
        ("y = torch.randn(4)\ns = 'max %r' % y.max()\n", "y = torch.randn(4)\ns = 'max %r' % y.max().item()\n"),
    ],
)
def test_printed_reduction(body, after):
    source = "import torch\n" + body
    assert fix_source(source) == source  # unsafe: the printed text changes
    assert fix_source(source, unsafe=True) == "import torch\n" + after


def test_printed_reduction_position_and_message():
    (d,) = check("import torch\nx = torch.ones(3)\nprint(x.sum())\n")
    assert (d.code, d.line, d.column) == ("LV123", 3, 7)
    assert d.message.startswith("`x.sum()` is a 0-dim tensor")


@pytest.mark.parametrize(
    "body",
    [
        "import numpy as np\na = np.ones(3)\nprint(a.sum())\n",
        "def f(xs):\n    print(xs.sum())\n",  # unknown receiver
        "x = torch.ones(3)\nprint(x.sum(0))\nprint(x.sum().item())\n",
        "x = torch.ones(3)\nprint('%.2f' % x.sum())\nprint('%d %s' % (x.sum(), 'a'))\n",
        "print = log\nx = torch.ones(3)\nprint(x.sum())\n",
    ],
)
def test_printed_reduction_negatives(body):
    assert found("import torch\n" + body, "LV123") == []


@pytest.mark.parametrize(
    "body, line, column",
    [
        # practical-pytorch's generate.py: the path is a variable, the result is called.
        ("def generate(path, prime):\n    decoder = torch.load(path)\n"
         "    return decoder(prime)\n", 4, 15),
        ("model = torch.load(args.model)\nmodel.eval()\n", 3, 9),
        ("net = torch.load(opt.netG)\nfor p in net.parameters():\n    p.requires_grad = False\n",
         3, 7),
        ("torch.load(checkpoint_file).eval()\n", 3, 1),
    ],
)
def test_whole_model_loads_are_refused_whatever_the_path(body, line, column):
    """Issue 13: loads whose path is a variable were missed; the result used as a model
    says the file holds a whole pickled one, and the message says it is refused."""
    [d] = [d for d in check("import os\nimport torch\n" + body) if d.code == "LV122"]
    assert (d.line, d.column, d.fix) == (line, column, None)
    assert "is refused: the code uses what it loads as a model" in d.message


@pytest.mark.parametrize(
    "body",
    [
        "state = torch.load(path)\nprint(state['epoch'])\n",
        "x = torch.load(path)\nx = Net()\nx.eval()\n",  # rebound: the model is another object
        "t = torch.load(path)\nprint(t.size())\n",
    ],
)
def test_loads_not_used_as_models_are_not_called_refused(body):
    assert [d for d in check("import torch\n" + body) if d.code == "LV122"] == []
