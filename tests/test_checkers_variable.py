"""LV101 variable-wrapper, LV102 variable-import, LV103 volatile-flag, LV110
variable-type-check, LV208/LV209: detection by name resolution, and their fixes."""

import pytest

from lint_helpers import check, fix_source, found


# ---------------------------------------------------------------- name resolution
@pytest.mark.parametrize(
    "source",
    [
        "from torch.autograd import Variable\nx = Variable(t)\n",
        "from torch.autograd import Variable as V\nx = V(t)\n",
        "import torch.autograd as ag\nx = ag.Variable(t)\n",
        "import torch\nx = torch.autograd.Variable(t)\n",
        "import torch\nx = torch.autograd.variable.Variable(t)\n",
        "from torch.autograd.variable import Variable\nx = Variable(t)\n",
        "import torch as th\nx = th.autograd.Variable(t)\n",
        "from torch import autograd\nx = autograd.Variable(t)\n",
        "import torch.autograd\nx = torch.autograd.Variable(t)\n",
    ],
)
def test_variable_call_found_through_any_alias(source):
    assert ("LV101", 2, 5) in found(source, "LV101")


@pytest.mark.parametrize(
    "source",
    [
        # Look-alikes: TensorFlow, the user's own class/function, rebinding, text.
        "import tensorflow as tf\nx = tf.Variable(t)\n",
        "class Variable:\n    pass\nx = Variable(t)\n",
        "def Variable(t):\n    return t\nx = Variable(t)\n",
        "from torch.autograd import Variable\nVariable = object\nx = Variable(t)\n",
        "import torch\ns = 'Variable(x)'  # Variable(x)\n",
        "from mylib import Variable\nx = Variable(t)\n",
        "from .autograd import Variable\nx = Variable(t)\n",
    ],
)
def test_look_alikes_are_not_variable_calls(source):
    assert found(source, "LV101") == []


def test_local_shadowing_stops_resolution():
    source = """\
        from torch.autograd import Variable
        def f(Variable):
            return Variable(1)
        def g():
            Variable = make()
            return Variable(2)
        def h():
            return Variable(3)
        """
    assert found(source, "LV101") == [("LV101", 8, 12)]


def test_class_scope_names_do_not_leak_into_methods():
    source = """\
        from torch.autograd import Variable
        class Model:
            Variable = None
            def forward(self, x):
                return Variable(x)
        """
    assert found(source, "LV101") == [("LV101", 5, 16)]


def test_lambda_and_comprehension_scopes():
    source = """\
        from torch.autograd import Variable
        f = lambda Variable: Variable(1)
        xs = [Variable(t) for t in ts]
        ys = [Variable(t) for Variable in ts]
        """
    assert found(source, "LV101") == [("LV101", 3, 7)]


# ---------------------------------------------------------------- LV101 fixes
@pytest.mark.parametrize(
    "before, after",
    [
        ("x = Variable(torch.randn(3))\n", "x = torch.randn(3)\n"),
        ("x = Variable(torch.randn(3), requires_grad=True)\n",
         "x = torch.randn(3, requires_grad=True)\n"),
        ("x = Variable(torch.zeros(2, 3), True)\n", "x = torch.zeros(2, 3, requires_grad=True)\n"),
        ("x = Variable(torch.ones(3,), requires_grad=True)\n",
         "x = torch.ones(3, requires_grad=True,)\n"),
        ("x = Variable(torch.from_numpy(a), requires_grad=True)\n",
         "x = torch.from_numpy(a).requires_grad_()\n"),
        ("x = Variable(torch.randn(3), requires_grad=False)\n", "x = torch.randn(3)\n"),
        ("x = Variable(torch.randn(3), volatile=False)\n", "x = torch.randn(3)\n"),
        # A legacy constructor stays (LV107 rewrites it separately).
        ("x = Variable(torch.Tensor(2, 3))\n", "x = torch.Tensor(2, 3)\n"),
        ("x = Variable(torch.FloatTensor(a), requires_grad=True)\n",
         "x = torch.FloatTensor(a).requires_grad_()\n"),
    ],
)
def test_safe_unwrap_of_fresh_tensors(before, after):
    prefix = "import torch\nfrom torch.autograd import Variable\n"
    assert fix_source(prefix + before, select={"LV101"}) == prefix + after


def test_fresh_tensor_unwrap_then_import_removed():
    source = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.randn(3))\n"
    assert fix_source(source) == "import torch\nx = torch.randn(3)\n"


@pytest.mark.parametrize(
    "before, after",
    [
        ("y = Variable(x)\n", "y = x.detach()\n"),
        ("y = Variable(x, requires_grad=True)\n", "y = x.detach().requires_grad_()\n"),
        ("y = Variable(a + b)\n", "y = (a + b).detach()\n"),
        ("y = Variable(x.data)\n", "y = x.detach()\n"),
        ("y = Variable(batch[0]).cuda()\n", "y = batch[0].detach().cuda()\n"),
    ],
)
def test_other_arguments_get_the_unsafe_detach_fix(before, after):
    prefix = "from torch.autograd import Variable\n"
    diagnostics = [d for d in check(prefix + before) if d.code == "LV101"]
    assert diagnostics[0].fix.applicability == "unsafe"
    assert fix_source(prefix + before, select={"LV101"}) == prefix + before  # safe only
    assert fix_source(prefix + before, unsafe=True, select={"LV101"}) == prefix + after


@pytest.mark.parametrize(
    "source",
    [
        "y = Variable(x, volatile=True)\n",
        "y = Variable(x, requires_grad=flag)\n",
        "y = Variable(x, name='w')\n",
        "y = Variable()\n",
        "y = Variable(*args)\n",
    ],
)
def test_no_fix_where_meaning_would_change(source):
    source = "from torch.autograd import Variable\n" + source
    (diagnostic,) = [d for d in check(source) if d.code == "LV101"]
    assert diagnostic.fix is None


def test_message_names_the_callee_as_written():
    (d,) = [d for d in check("import torch.autograd as ag\nx = ag.Variable(t)\n") if d.code == "LV101"]
    assert d.message.startswith("`ag.Variable(...)` is a legacy wrapper")


# ---------------------------------------------------------------- LV102
def test_every_variable_import_is_reported():
    source = """\
        from torch.autograd import Variable
        from torch.autograd import Variable as V, Function
        from torch.autograd.variable import Variable
        import torch.autograd
        """
    assert found(source, "LV102") == [("LV102", 1, 28), ("LV102", 2, 28), ("LV102", 3, 37)]


def test_import_kept_while_used():
    source = "from torch.autograd import Variable\nok = isinstance(x, Variable) and flag\n"
    (d,) = [d for d in check(source) if d.code == "LV102"]
    assert d.fix is None


@pytest.mark.parametrize(
    "before, after",
    [
        ("import torch\nfrom torch.autograd import Variable\nx = 1\n", "import torch\nx = 1\n"),
        ("from torch.autograd import Variable, Function\n", "from torch.autograd import Function\n"),
        ("from torch.autograd import Function, Variable\n", "from torch.autograd import Function\n"),
        ("from torch.autograd import (Function,  # keep\n    Variable)\n",
         "from torch.autograd import (Function  # keep\n    )\n"),
        ("try:\n    from torch.autograd import Variable\nexcept ImportError:\n    pass\n",
         "try:\n    pass\nexcept ImportError:\n    pass\n"),
        ("import os; from torch.autograd import Variable\n", "import os\n"),
        ("from torch.autograd import Variable; import os\n", "import os\n"),
        ("x = 1\nfrom torch.autograd import Variable  # legacy\ny = 2\n",
         "x = 1\n  # legacy\ny = 2\n"),
        ("def f():\n    from torch.autograd import Variable\n    return 1\n",
         "def f():\n    return 1\n"),
        ("for i in x:\n    pass\nelse:\n    from torch.autograd import Variable\n",
         "for i in x:\n    pass\nelse:\n    pass\n"),
    ],
)
def test_unused_import_is_removed_safely(before, after):
    assert fix_source(before) == after


def test_deleted_import_is_kept():
    source = "from torch.autograd import Variable\ndel Variable\n"
    (d,) = check(source)
    assert d.fix is None


def test_import_in_package_init_is_an_unsafe_removal():
    source = "from torch.autograd import Variable\n"
    (d,) = check(source, path="pkg/__init__.py")
    assert d.fix.applicability == "unsafe"


def test_name_in_all_keeps_the_import():
    source = "from torch.autograd import Variable\n__all__ = ['Variable']\n"
    (d,) = check(source)
    assert d.fix is None


# ---------------------------------------------------------------- LV103 / LV209
def test_volatile_true_reported_without_fix():
    source = "from torch.autograd import Variable\nx = Variable(t, volatile=True)\n"
    (d,) = [d for d in check(source) if d.code == "LV103"]
    assert (d.line, d.column, d.fix) == (2, 17, None)


def test_volatile_false_removed():
    source = "from torch.autograd import Variable\nx = Variable(t, volatile=False, requires_grad=True)\n"
    assert fix_source(source, select={"LV103"}) == (
        "from torch.autograd import Variable\nx = Variable(t, requires_grad=True)\n"
    )


def test_volatile_and_requires_grad():
    source = "from torch.autograd import Variable\nx = Variable(t, volatile=True, requires_grad=True)\n"
    assert found(source, "LV209") == [("LV209", 2, 5)]
    assert found("from torch.autograd import Variable\nx = Variable(t, volatile=True)\n", "LV209") == []


def test_volatile_keyword_of_other_calls_is_not_lv103():
    assert found("import torch\nx = make(t, volatile=True)\n") == []


# ---------------------------------------------------------------- LV110
def test_isinstance_fixed_to_tensor():
    source = "import torch\nfrom torch.autograd import Variable\nok = isinstance(x, Variable)\n"
    assert found(source, "LV110") == [("LV110", 3, 6)]
    assert fix_source(source) == "import torch\nok = isinstance(x, torch.Tensor)\n"


def test_isinstance_tuple_and_alias():
    source = "import torch as th\nfrom torch.autograd import Variable as V\nok = isinstance(x, (V, list))\n"
    assert fix_source(source) == "import torch as th\nok = isinstance(x, (th.Tensor, list))\n"


def test_isinstance_without_torch_module_name_has_no_fix():
    source = "from torch.autograd import Variable\nok = isinstance(x, Variable)\n"
    (d,) = [d for d in check(source) if d.code == "LV110"]
    assert d.fix is None


@pytest.mark.parametrize("op", ["==", "is", "!=", "is not"])
def test_type_comparison_reported_without_fix(op):
    source = f"from torch.autograd import Variable\nok = type(x) {op} Variable\n"
    (d,) = [d for d in check(source) if d.code == "LV110"]
    assert (d.line, d.column, d.fix) == (2, 6, None)
    assert f"type(...) {op}" in d.message


def test_isinstance_against_user_variable_class_is_fine():
    source = "class Variable:\n    pass\nok = isinstance(x, Variable)\n"
    assert check(source) == []


# ---------------------------------------------------------------- LV208
@pytest.mark.parametrize(
    "source, position",
    [
        ("import torch\nx = torch.zeros(3, dtype=torch.long, requires_grad=True)\n", (2, 5)),
        ("import torch\nfrom torch.autograd import Variable\n"
         "x = Variable(torch.LongTensor([1, 2]), requires_grad=True)\n", (3, 5)),
    ],
)
def test_integer_requires_grad(source, position):
    assert found(source, "LV208") == [("LV208", *position)]


def test_integer_requires_grad_wrap_gets_no_unwrap_fix():
    source = ("import torch\nfrom torch.autograd import Variable\n"
              "x = Variable(torch.LongTensor([1, 2]), requires_grad=True)\n")
    (d,) = [d for d in check(source) if d.code == "LV101"]
    assert d.fix is None


@pytest.mark.parametrize(
    "before, after",
    [
        ("x = Variable(torch.from_numpy(a).float())\n", "x = torch.from_numpy(a).float()\n"),
        ("x = Variable(torch.randn(3).cuda(), requires_grad=True)\n",
         "x = torch.randn(3).cuda().requires_grad_()\n"),
        ("x = Variable(torch.arange(0, 4).float(), requires_grad=True)\n",
         "x = torch.arange(0, 4).float().requires_grad_()\n"),
    ],
)
def test_conversions_of_fresh_tensors_are_fresh(before, after):
    prefix = "import torch\nfrom torch.autograd import Variable\n"
    assert fix_source(prefix + before, select={"LV101"}) == prefix + after


ALIAS_HEAD = (
    "import torch\nfrom torch.autograd import Variable\n"
    "cuda = torch.cuda.is_available()\n"
    "Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor\n"
)


@pytest.mark.parametrize(
    "before, after",
    [
        # PyTorch-GAN's idiom: a module-level alias of legacy tensor types.
        ("valid = Variable(Tensor(n, 1).fill_(1.0), requires_grad=False)\n",
         "valid = Tensor(n, 1).fill_(1.0)\n"),
        ("z = Variable(Tensor(np.random.normal(0, 1, (n, 8))))\n",
         "z = Tensor(np.random.normal(0, 1, (n, 8)))\n"),
    ],
)
def test_module_level_legacy_type_alias_is_a_fresh_constructor(before, after):
    assert fix_source(ALIAS_HEAD + before, select={"LV101"}) == ALIAS_HEAD + after


def test_type_cast_through_alias_is_reported_without_fix():
    source = ALIAS_HEAD + "def f(imgs):\n    return imgs.type(Tensor)\n"
    (d,) = [d for d in check(source) if d.code == "LV108"]
    assert (d.line, d.column, d.fix) == (6, 12, None)


def test_alias_shadowed_or_rebound_is_not_trusted():
    source = ALIAS_HEAD + "Tensor = make()\nz = Variable(Tensor(3))\n"
    (d,) = [d for d in check(source) if d.code == "LV101"]
    assert d.fix.applicability == "unsafe"
    source = ALIAS_HEAD + "def f(Tensor):\n    return Variable(Tensor(3))\n"
    (d,) = [d for d in check(source) if d.code == "LV101"]
    assert d.fix.applicability == "unsafe"


@pytest.mark.parametrize(
    "before, after",
    [
        ("y = Variable(t for t in ts)\n", "y = (t for t in ts).detach()\n"),
        ("y = Variable(-x)\n", "y = (-x).detach()\n"),
        ("y = Variable(a if c else b)\n", "y = (a if c else b).detach()\n"),
        ("y = Variable(await f())\n", "y = (await f()).detach()\n"),
        ("y = Variable((a, b))\n", "y = (a, b).detach()\n"),
    ],
)
def test_detach_fix_parenthesizes_what_needs_it(before, after):
    prefix = "from torch.autograd import Variable\n"
    body = "async def g():\n    " + before if "await" in before else before
    expected = "async def g():\n    " + after if "await" in before else after
    assert fix_source(prefix + body, unsafe=True, select={"LV101"}) == prefix + expected
