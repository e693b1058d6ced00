"""Issue 8, runtime face: what real 2017-18 scripts hit beyond Variable.

Each idiom: the exact failure on stock torch 2.13, then legacy mode running it with the
numbers of a hand-written modern equivalent and a diagnostic at the user's line.
"""

from __future__ import annotations

import io
import pickle
import re
import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

import legacy_variable
from source_lines import line_of
from legacy_variable import Variable, collecting, configure, legacy_mode
from legacy_variable.runtime import mode as lv_mode
from legacy_variable.runtime import patches as legacy_patches
from legacy_variable.runtime.patches import loss_targets, trusted_load


@pytest.fixture(autouse=True)
def _collect_quietly():
    previous = configure("ignore")  # collectors still see every occurrence
    yield
    configure(previous)


def _line_of(marker: str) -> int:
    return line_of(__file__, marker)


def _found(collector, code=None):
    return [(d.code, d.line) for d in collector.diagnostics if code is None or d.code == code]


# ---------------------------------------------------------------- patches are reversible


def test_compat_patches_are_restored_to_the_identical_objects():
    def snapshot():
        return [(getattr(o, n), n in vars(o)) for o, n in legacy_patches.PATCHED]

    before = snapshot()
    with legacy_mode():
        during = snapshot()
    after = snapshot()
    assert all(a[0] is b[0] and a[1] == b[1] for a, b in zip(after, before))
    assert all(d[0] is not b[0] for d, b in zip(during, before))


# ---------------------------------------------------------------- LV119 TensorDataset


def test_tensor_dataset_keywords_raise_on_stock_torch():
    x, y = torch.randn(8, 3), torch.arange(8)
    with pytest.raises(
        TypeError,
        match=re.escape(
            "TensorDataset.__init__() got an unexpected keyword argument 'data_tensor'"
        ),
    ):
        TensorDataset(data_tensor=x, target_tensor=y)
    with pytest.raises(TypeError, match="unexpected keyword argument 'target_tensor'"):
        TensorDataset(x, target_tensor=y)


def test_tensor_dataset_keywords_are_accepted_in_legacy_mode():
    torch.manual_seed(0)
    features, labels = torch.randn(10, 3), torch.arange(10)
    with collecting() as found, legacy_mode():
        legacy = TensorDataset(data_tensor=features, target_tensor=labels)  # marker: tds-keywords
        mixed = TensorDataset(features, target_tensor=labels)  # marker: tds-mixed
        with pytest.raises(TypeError):  # not the 0.3 signature either: stock error
            TensorDataset(features, labels, target_tensor=labels)
    modern = TensorDataset(features, labels)
    for dataset in (legacy, mixed):
        assert len(dataset) == len(modern) == 10
        batches = zip(DataLoader(dataset, batch_size=4), DataLoader(modern, batch_size=4))
        for (a, b), (c, d) in batches:
            assert torch.equal(a, c) and torch.equal(b, d)
    assert _found(found) == [
        ("LV119", _line_of("marker: tds-keywords")),
        ("LV119", _line_of("marker: tds-mixed")),
    ]
    assert "`TensorDataset(features, labels)`" in found.diagnostics[0].message


# ---------------------------------------------------------------- LV112 legacy Function


class LegacyReLU(torch.autograd.Function):
    def forward(self, input):
        self.save_for_backward(input)
        return input.clamp(min=0)

    def backward(self, grad_output):
        input, = self.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class ModernReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LegacyScaledMul(torch.autograd.Function):
    """Constructor state, two inputs, state kept on self for backward, a helper method,
    ``needs_input_grad``."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def _keep(self, a, b):
        self.save_for_backward(a, b)

    def forward(self, a, b):
        self._keep(a, b)
        self.sign = torch.sign(a * b)
        return a * b * self.scale

    def backward(self, grad):
        a, b = self.saved_variables
        self.seen_needs = tuple(self.needs_input_grad)
        grad_a = grad * b * self.scale if self.needs_input_grad[0] else None
        grad_b = grad * a * self.scale if self.needs_input_grad[1] else None
        return grad_a, grad_b


class ModernScaledMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b * ctx.scale, grad * a * ctx.scale, None


def test_legacy_function_raises_on_stock_torch():
    x = torch.randn(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        relu = LegacyReLU()
    with pytest.raises(
        RuntimeError,
        match=re.escape(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        ),
    ):
        relu(x)


def test_legacy_function_runs_with_the_modern_functions_values_and_gradients():
    torch.manual_seed(0)
    x = torch.randn(4, 5)
    w = torch.randn(5, 3, requires_grad=True)
    w_modern = w.detach().clone().requires_grad_()
    with collecting() as found, legacy_mode():
        out = LegacyReLU()(x.mm(w))  # marker: legacy-call
        out.pow(2).sum().backward()
    expected = ModernReLU.apply(x.mm(w_modern))
    expected.pow(2).sum().backward()
    assert torch.equal(out, expected)
    assert torch.equal(w.grad, w_modern.grad)
    assert type(out.grad_fn).__name__ == "LegacyReLUBackward"
    assert ("LV112", _line_of("marker: legacy-call")) in _found(found)


def test_legacy_function_passes_gradcheck_like_the_hand_written_modern_one():
    torch.manual_seed(0)
    x = torch.randn(6, dtype=torch.double)
    x = (x + 0.1 * x.sign()).requires_grad_()  # away from ReLU's kink
    a = torch.randn(3, dtype=torch.double, requires_grad=True)
    b = torch.randn(3, dtype=torch.double, requires_grad=True)
    with legacy_mode():
        assert torch.autograd.gradcheck(lambda t: LegacyReLU()(t), (x,))
        assert torch.autograd.gradcheck(lambda p, q: LegacyScaledMul(2.5)(p, q), (a, b))
        legacy_relu = LegacyReLU()(x)
        legacy_mul = LegacyScaledMul(2.5)(a, b)
    assert torch.autograd.gradcheck(ModernReLU.apply, (x,))
    assert torch.autograd.gradcheck(lambda p, q: ModernScaledMul.apply(p, q, 2.5), (a, b))
    assert torch.equal(legacy_relu, ModernReLU.apply(x))
    assert torch.equal(legacy_mul, ModernScaledMul.apply(a, b, 2.5))
    ga = torch.autograd.grad(legacy_mul.sum(), (a, b))
    gm = torch.autograd.grad(ModernScaledMul.apply(a, b, 2.5).sum(), (a, b))
    assert all(torch.equal(p, q) for p, q in zip(ga, gm))


def test_legacy_function_sees_its_own_needs_input_grad_and_keeps_state_on_self():
    a = torch.randn(3, requires_grad=True)
    b = torch.randn(3)  # no gradient wanted
    with legacy_mode():
        fn = LegacyScaledMul(3.0)
        out = fn(a, b)
        out.sum().backward()
    assert fn.seen_needs == (True, False)  # the adapter's instance argument is hidden
    assert torch.equal(fn.sign, torch.sign(a.detach() * b))
    assert torch.equal(a.grad, b * 3.0)


def test_static_function_called_through_an_instance_uses_apply():
    x = torch.randn(3, requires_grad=True)
    with collecting() as found, legacy_mode():
        out = ModernReLU()(x)  # marker: static-instance
    assert torch.equal(out, ModernReLU.apply(x))
    assert ("LV112", _line_of("marker: static-instance")) in _found(found)


# ---------------------------------------------------------------- LV120 dot


MATRICES_ERROR = "1D tensors expected, but got 2D and 2D tensors"


def test_dot_of_matrices_raises_on_stock_torch():
    a, b = torch.randn(2, 3), torch.randn(2, 3)
    with pytest.raises(RuntimeError, match=re.escape(MATRICES_ERROR)):
        a.dot(b)
    with pytest.raises(RuntimeError, match=re.escape(MATRICES_ERROR)):
        torch.dot(a, b)


def test_dot_of_matrices_computes_what_0_3_computed():
    torch.manual_seed(0)
    a = torch.randn(4, 6, requires_grad=True)
    b = torch.randn(4, 6)
    c = torch.randn(24)
    with collecting() as found, legacy_mode():
        method = a.dot(b)  # marker: dot-method
        function = torch.dot(a, b)  # marker: dot-function
        flattened = a.dot(c.view(6, 4))  # marker: dot-reshaped
        vectors = torch.dot(c, c)  # 1-D: stock, no diagnostic
        with pytest.raises(RuntimeError, match="inconsistent tensor size"):
            torch.dot(c, c[:5])
        with pytest.raises(RuntimeError, match="1D tensors expected"):
            a.dot(torch.randn(5, 5))  # different element counts: 0.3 raised too
    assert torch.equal(method, (a * b).sum()) and torch.equal(function, (a * b).sum())
    assert torch.equal(flattened, (a.reshape(-1) * c.view(6, 4).reshape(-1)).sum())
    assert torch.equal(vectors, torch.dot(c, c))
    method.backward()
    assert torch.equal(a.grad, b)
    assert _found(found) == [
        ("LV120", _line_of("marker: dot-method")),
        ("LV120", _line_of("marker: dot-function")),
        ("LV120", _line_of("marker: dot-reshaped")),
    ]
    assert found.diagnostics[0].message.startswith("`Tensor.dot` of 2-D and 2-D tensors")


# ---------------------------------------------------------------- LV121 1-D index


def _one_sample_output():
    torch.manual_seed(0)
    return torch.randn(1, 3)


def test_vector_element_as_loss_target_raises_on_stock_torch():
    targets = torch.autograd.Variable(torch.LongTensor([0, 2, 1]))
    logits = _one_sample_output()
    message = re.escape("Expected input batch_size (1) to match target batch_size (0).")
    with pytest.raises(ValueError, match=message):
        F.nll_loss(F.log_softmax(logits, dim=1), targets[1])
    with pytest.raises(ValueError, match=message):
        nn.CrossEntropyLoss()(logits, targets[1])


def test_vector_element_as_loss_target_is_explained_and_computed_as_a_batch_of_one():
    logits = _one_sample_output().requires_grad_()
    criterion = nn.CrossEntropyLoss()
    with collecting() as found, legacy_mode():
        all_targets = Variable(torch.LongTensor([0, 2, 1]))
        target = all_targets[1]  # marker: index-line
        assert target.dim() == 0  # correct modern code sees the modern shape
        loss = F.nll_loss(F.log_softmax(logits, dim=1), target)  # marker: nll-call
        loss2 = criterion(logits, target)  # marker: ce-call
        loss2.backward()
    modern = F.nll_loss(F.log_softmax(logits, dim=1), torch.tensor([0, 2, 1])[1:2])
    assert torch.equal(loss, modern)
    assert torch.equal(loss2, F.cross_entropy(logits, torch.tensor([2])))
    assert logits.grad is not None
    index_line = _line_of("marker: index-line")
    assert _found(found, "LV121") == [
        ("LV121", _line_of("marker: nll-call")),
        ("LV121", _line_of("marker: ce-call")),
    ]
    d = found.diagnostics[-1]
    assert f"with an integer on line {index_line} gives" in d.message
    assert d.arg("index_line") == index_line
    assert d.message.startswith("`target` is 0-dim")
    assert dict(d.related)["index_site"].endswith(f"test_realworld_runtime.py:{index_line}")


def test_only_elements_of_variables_get_the_compatible_behaviour():
    logits = _one_sample_output()
    with collecting() as found, legacy_mode():
        plain = torch.tensor([0, 2, 1])
        with pytest.raises(ValueError, match="batch_size"):
            F.cross_entropy(logits, plain[1])  # not made by Variable(...): stock error
        v = Variable(torch.LongTensor([0, 2, 1]))
        with pytest.raises(ValueError, match="batch_size"):
            F.cross_entropy(torch.randn(2, 3), v[1])  # batch of two: not 0.3's case either
        element = v[2]
        assert element.item() == 1 and element.shape == torch.Size([])
        assert [10, 20, 30][v[1]] == 30
    assert _found(found, "LV121") == []


# ---------------------------------------------------------------- LV122 torch.load


def _whole_model_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.pth"
    torch.save(model, path)
    return model, path


def test_old_whole_model_checkpoint_is_refused_on_stock_torch(tmp_path):
    _, path = _whole_model_checkpoint(tmp_path)
    refused = re.escape("Weights only load failed.")
    with pytest.raises(pickle.UnpicklingError, match=refused) as info:
        torch.load(path)
    assert "Unsupported global: GLOBAL torch.nn.modules.container.Sequential" in str(info.value)


def test_legacy_mode_explains_the_refusal_and_never_weakens_it(tmp_path):
    _, path = _whole_model_checkpoint(tmp_path)
    assert not trusted_load.pickles_trusted()
    with collecting() as found, legacy_mode():
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            torch.load(path)  # marker: refused-load
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)  # the user's explicit choice: not ours
    assert _found(found) == [("LV122", _line_of("marker: refused-load"))]
    message = found.diagnostics[0].message
    assert (
        f"`torch.load` of '{path}' refused to unpickle `torch.nn.modules.container.Sequential`"
    ) in message
    assert "add_safe_globals" in message and "--trust-pickles" in message


def test_trusting_pickles_is_an_explicit_opt_in(tmp_path):
    model, path = _whole_model_checkpoint(tmp_path)
    x = torch.randn(5, 3)
    previous = legacy_variable.trust_pickles()
    try:
        with collecting() as found, legacy_mode():
            loaded = torch.load(path)  # marker: trusted-load
            with open(path, "rb") as stream:
                stream.read(0)
                from_stream = torch.load(stream)
            state = torch.load(io.BytesIO(_state_dict_bytes(model)))  # allowed: no diagnostic
    finally:
        legacy_variable.trust_pickles(previous)
    assert not trusted_load.pickles_trusted()
    assert torch.equal(loaded(x), model(x)) and torch.equal(from_stream(x), model(x))
    assert set(state) == set(model.state_dict())
    assert _found(found)[0] == ("LV122", _line_of("marker: trusted-load"))
    assert len(found.diagnostics) == 2
    message = found.diagnostics[0].message
    assert "and retried with `weights_only=False` because pickles are trusted" in message
    assert str(path) in trusted_load.trusted_loads()


def test_trusted_retry_replaces_an_explicit_default_weights_only(tmp_path):
    model, path = _whole_model_checkpoint(tmp_path)
    previous = legacy_variable.trust_pickles(True)
    try:
        with legacy_mode():
            loaded = torch.load(path, weights_only=None)  # torch's default, spelled out
    finally:
        legacy_variable.trust_pickles(previous)
    x = torch.randn(2, 3)
    assert torch.equal(loaded(x), model(x))


def _state_dict_bytes(model):
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue()


def test_trust_outside_legacy_mode_changes_nothing(tmp_path):
    _, path = _whole_model_checkpoint(tmp_path)
    previous = legacy_variable.trust_pickles(True)
    try:
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path)
    finally:
        legacy_variable.trust_pickles(previous)


# ---------------------------------------------------------------- LV123 printing


def test_printing_is_left_alone(capsys):
    x = torch.ones(3) * 2.5
    with collecting() as found, legacy_mode():
        print(x.sum())
        print("%s" % x.mean())
    assert capsys.readouterr().out == "tensor(7.5000)\ntensor(2.5000)\n"
    assert found.diagnostics == []


# ---------------------------------------------------------------- cost: nothing new per op


def test_no_new_work_on_the_common_ops():
    # The ops of a training step keep their stock entry points under legacy mode; only
    # the legacy call sites (dot, TensorDataset, Function instances, torch.load) and the
    # loss functions' error path are wrapped.
    with legacy_mode():
        assert torch.Tensor.relu is torch._C.TensorBase.relu
        assert torch.Tensor.t is torch._C.TensorBase.t
        assert loss_targets.vectors_alive == {}  # no Variable vector alive: one dict check


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_code_calling_the_wrapped_functions_still_scripts():
    def step(x, y):
        return F.cross_entropy(x, y) + F.nll_loss(x, y) + torch.dot(x[0], x[0])

    x, y = torch.randn(2, 3), torch.tensor([0, 1])
    with legacy_mode():
        scripted = torch.jit.script(step)
        assert torch.allclose(scripted(x, y), step(x, y))
