"""A legacy PyTorch 0.3-style test module: fails on stock PyTorch 2.x, passes under `pytest --legacy-variable`."""
import torch
import torch.nn as nn
from torch.autograd import Variable


def make_batch():
    torch.manual_seed(0)
    x = Variable(torch.randn(8, 3))
    y = Variable(torch.randn(8, 1))
    return x, y


def test_loss_is_a_python_number():
    x, y = make_batch()
    model = nn.Linear(3, 1)
    loss = nn.MSELoss()(model(x), y)
    value = loss.data[0]  # 0.3: a Python float; stock 2.x: IndexError
    assert isinstance(value, float)
    assert value > 0


def test_sgd_step_lowers_the_loss():
    x, y = make_batch()
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.MSELoss(size_average=True)
    before = criterion(model(x), y)
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    after = criterion(model(x), y)
    assert after.data[0] < before.data[0]


def test_gradient_of_a_variable():
    x = Variable(torch.ones(3), requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    assert x.grad.data.tolist() == [2.0, 2.0, 2.0]
    assert y.data[0] == 6.0
