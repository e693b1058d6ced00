"""LV210: an optimizer step between two backward passes over one graph.

Legacy mode must give the numbers PyTorch <= 1.4 gave (the second backward reads the
weights the step already changed); a hand-written twin computes those numbers
explicitly. The linter reports the pattern only where one block proves it.
"""

from __future__ import annotations

import pytest
import torch

from legacy_variable import collecting, configure, legacy_mode
from lint_helpers import found



@pytest.fixture(autouse=True)
def _quiet():
    previous = configure("ignore")  # collectors still see every occurrence
    yield
    configure(previous)


def _nets(seed: int = 0):
    torch.manual_seed(seed)
    G = torch.nn.Linear(3, 2)
    D = torch.nn.Linear(2, 1)
    data = [(torch.randn(5, 3), torch.randn(5, 2)) for _ in range(4)]
    return G, D, data


def _gan_loop(G, D, data):
    """The classic loop (wiseodd-style vanilla GAN, with 0.3's keyword)."""
    G_solver = torch.optim.SGD(G.parameters(), lr=0.5)
    D_solver = torch.optim.SGD(D.parameters(), lr=0.5)
    for z, X in data:
        G_sample = G(z)
        D_real = torch.sigmoid(D(X))
        D_fake = torch.sigmoid(D(G_sample))
        D_loss = -torch.mean(torch.log(D_real) + torch.log(1 - D_fake))
        G_loss = -torch.mean(torch.log(D_fake))
        D_loss.backward(retain_variables=True)
        D_solver.step()  # the step
        D_solver.zero_grad()
        G_solver.zero_grad()
        G_loss.backward()  # the second backward
        G_solver.step()
        G_solver.zero_grad()


def _twin(G, D, data):
    """What PyTorch <= 1.4 computed, by hand: G's gradient flows back through D's
    linear layer with the weights D's step had already written (the saved tensor is the
    parameter itself), while every other saved value (the sigmoid's output) is the
    forward pass's."""
    lr = 0.5
    # G_loss's backward also reaches D; D's grads are zeroed before it, not after, so
    # they carry into the next iteration's D step.
    carried_W = carried_b = 0
    with torch.no_grad():
        for z, X in data:
            G_sample = z @ G.weight.T + G.bias
            real = torch.sigmoid(X @ D.weight.T + D.bias)
            fake = torch.sigmoid(G_sample @ D.weight.T + D.bias)
            n = z.shape[0]
            # D's step: d(-mean(log real + log(1 - fake))) / d(W_D, b_D)
            d_real_logit = -(1 - real) / n
            d_fake_logit = fake / n
            gW_D = d_real_logit.T @ X + d_fake_logit.T @ G_sample + carried_W
            gb_D = d_real_logit.sum(0) + d_fake_logit.sum(0) + carried_b
            D.weight -= lr * gW_D
            D.bias -= lr * gb_D
            # G's step through the *updated* D weights (<= 1.4), old activations.
            d_fake = -(1 - fake) / n  # d(-mean(log fake)) / d logit
            d_sample = d_fake @ D.weight  # updated W_D
            carried_W, carried_b = d_fake.T @ G_sample, d_fake.sum(0)
            G.weight -= lr * (d_sample.T @ z)
            G.bias -= lr * d_sample.sum(0)
    return G, D


def test_stock_torch_refuses_the_second_backward():
    G, D, data = _nets()
    with pytest.raises((RuntimeError, TypeError)):
        _gan_loop(G, D, data)


def test_legacy_mode_gives_the_numbers_of_pytorch_1_4():
    G, D, data = _nets()
    with legacy_mode(), collecting() as seen:
        _gan_loop(G, D, data)
    G2, D2, _ = _nets()
    _twin(G2, D2, data)
    torch.testing.assert_close(G.weight, G2.weight)
    torch.testing.assert_close(G.bias, G2.bias)
    torch.testing.assert_close(D.weight, D2.weight)
    reports = sorted({(d.line, d.arg("variant")) for d in seen.diagnostics if d.code == "LV210"})
    step_line = _line_of(_gan_loop, "# the step")
    backward_line = _line_of(_gan_loop, "# the second backward")
    assert reports == [(step_line, "step"), (backward_line, "backward")]
    backward_report = next(d for d in seen.diagnostics
                           if d.code == "LV210" and d.arg("variant") == "backward")
    assert f"before the step at line {step_line}" in backward_report.message


def _line_of(function, marker: str) -> int:
    import inspect

    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, line in enumerate(lines) if marker in line)


def test_after_the_mode_the_modern_error_is_back():
    G, D, data = _nets()
    with legacy_mode():
        _gan_loop(G, D, data[:1])
    with pytest.raises((RuntimeError, TypeError)):
        _gan_loop(G, D, data[:1])


def _plain_loop(model, data, retain: bool):
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    for x, y in data:
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward(retain_graph=retain)
        opt.step()
    return model


@pytest.mark.parametrize("retain", [False, True])
def test_an_ordinary_loop_is_untouched_and_unreported(retain):
    torch.manual_seed(1)
    data = [(torch.randn(4, 3), torch.randn(4, 2)) for _ in range(5)]
    torch.manual_seed(2)
    stock = _plain_loop(torch.nn.Linear(3, 2), data, retain)
    torch.manual_seed(2)
    with legacy_mode(), collecting() as seen:
        legacy = _plain_loop(torch.nn.Linear(3, 2), data, retain)
    assert torch.equal(stock.weight, legacy.weight)
    assert "LV210" not in seen.codes


def test_a_closure_step_keeps_modern_versions():
    torch.manual_seed(3)
    model = torch.nn.Linear(3, 1)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    opt = torch.optim.LBFGS(model.parameters(), max_iter=4)

    def closure():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        return loss

    versions = [p._version for p in model.parameters()]
    with legacy_mode():
        opt.step(closure)
    assert [p._version for p in model.parameters()] != versions


# ---- the linter -------------------------------------------------------------------

_GAN_SOURCE = """\
import torch

def train(G, D, loader):
    G_solver = torch.optim.Adam(G.parameters())
    D_solver = torch.optim.Adam(D.parameters())
    for X, z in loader:
        G_sample = G(z)
        D_real = D(X)
        D_fake = D(G_sample)
        D_loss = -torch.mean(torch.log(D_real) + torch.log(1 - D_fake))
        G_loss = -torch.mean(torch.log(D_fake))
        D_loss.backward(retain_variables=True)
        D_solver.step()
        reset_grad()
        G_loss.backward()
        G_solver.step()
"""


def test_linter_finds_the_gan_loop_at_the_second_backward():
    assert found(_GAN_SOURCE, "LV210", dedent=False) == [("LV210", 15, 9)]


def test_linter_counts_rows_as_python_does_past_form_feeds():
    # Form feeds (an old editor's page breaks) are no line breaks to Python, but
    # str.splitlines() breaks at each: the retained backward's row came out 8 too far,
    # past the loop, and the pattern went unseen.
    source = _GAN_SOURCE.replace("import torch\n", "import torch\n# pages " + "\x0c" * 8 + "\n", 1)
    assert found(source, "LV210", dedent=False) == [("LV210", 16, 9)]


def test_linter_message_names_the_step_line():
    from lint_helpers import check

    [diagnostic] = [d for d in check(_GAN_SOURCE, dedent=False) if d.code == "LV210"]
    assert "before the step at line 13" in diagnostic.message


@pytest.mark.parametrize("change", [
    # the second loss recomputed after the step: a new graph
    ("        G_loss = -torch.mean(torch.log(D_fake))\n", ""),
    # ... by a fresh forward pass placed after the step
    ("        reset_grad()\n",
     "        reset_grad()\n        D_fake = D(G(z))\n        G_loss = -torch.mean(torch.log(D_fake))\n"),
    # the first backward frees its graph: 0.3 failed too, a different error
    ("backward(retain_variables=True)", "backward()"),
    # the second backward before the step: the modern fix
    ("        D_solver.step()\n        reset_grad()\n        G_loss.backward()\n",
     "        G_loss.backward()\n        D_solver.step()\n        reset_grad()\n"),
    # not an optimizer's step
    ("D_solver.step()", "env.step()"),
    # bicyclegan's shape: a model run after the step on the old output; whether the
    # stepped weights are upstream of it is not visible here
    ("        G_loss = -torch.mean(torch.log(D_fake))\n",
     "        G_loss = -torch.mean(torch.log(D_fake))\n        unused = 0\n"),
])
def test_linter_stays_silent_without_proof(change):
    old, new = change
    source = _GAN_SOURCE.replace(old, new)
    if new.endswith("unused = 0\n"):
        source = source.replace("        G_loss.backward()\n",
                                "        mu = encoder(G_sample)\n        G_loss = (mu - z).abs().mean()\n"
                                "        G_loss.backward()\n")
    elif old == "        G_loss = -torch.mean(torch.log(D_fake))\n":
        source = source.replace("        G_loss.backward()\n",
                                "        G_loss = -torch.mean(torch.log(D(G(z))))\n"
                                "        G_loss.backward()\n")
    assert source != _GAN_SOURCE
    assert found(source, "LV210", dedent=False) == []


def test_linter_ignores_losses_sharing_only_an_input():
    source = """\
import torch
model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(4, 2)
loss_a = model(x).mean()
loss_a.backward(retain_graph=True)
opt.step()
loss_b = model(x).sum()
loss_b.backward()
"""
    assert found(source, "LV210", dedent=False) == []
