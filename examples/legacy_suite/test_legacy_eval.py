"""Legacy 0.3-style evaluation tests using volatile=True: under `pytest --legacy-variable` volatile means "no graph" again."""
import torch
import torch.nn as nn
from torch.autograd import Variable


def test_volatile_inference_records_no_graph():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x = Variable(torch.randn(4, 3), volatile=True)
    out = model(x)
    # 0.3: volatile spread to every result, so nothing required grad.
    # Stock 2.x ignores volatile (with a UserWarning) and records a graph.
    assert not out.requires_grad


def test_eval_accuracy_is_a_number():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x = Variable(torch.randn(16, 3), volatile=True)
    target = Variable(torch.zeros(16).long())
    _, predicted = torch.max(model(x).data, 1)
    correct = (predicted == target.data).sum()
    accuracy = correct / 16.0
    assert 0.0 <= float(accuracy) <= 1.0
