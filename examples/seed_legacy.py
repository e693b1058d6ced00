"""The classic Variable article's examples, exactly as written, run on modern PyTorch: a.grad prints None."""
# The code below is quoted unchanged from the article that migration_guide.md corrects
# ("The classic lesson, corrected"). Run it on PyTorch 2.x: the first print shows the
# gradient the article promises, the last two print `None` where it promises [1, 1, 1].
import torch

from torch.autograd import Variable

x = torch.Tensor([1.0, 2.0, 3.0])

x_var = Variable(x, requires_grad=True)

y = x_var.sum()

y.backward()

print(x_var.grad)

a = torch.Tensor([1.0, 2.0, 3.0])

b = torch.Tensor([4.0, 5.0, 6.0])

c = a + b

c_var = Variable(c, requires_grad=True)

c_var.backward(torch.ones_like(c_var))

print(a.grad)

print(b.grad)
