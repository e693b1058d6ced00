"""The classic Variable article's lessons in correct modern PyTorch: gradients, a.grad == [1, 1, 1], gradient descent."""
import warnings

import torch

# 1. A tensor that requires grad is what a Variable used to be: no wrapper needed.
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.sum()
y.backward()
print("x.grad:", x.grad)

# 2. Gradients reach a and b only if they are leaves that require grad *before* c is
#    computed, and backward starts from c itself (c is not a scalar, so it needs a
#    `gradient`: d(sum of c) / dc is a vector of ones).
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
c = a + b
c.retain_grad()  # only needed if c's own gradient is wanted as well
c.backward(torch.ones_like(c))
print("a.grad:", a.grad)
print("b.grad:", b.grad)
print("c.grad:", c.grad)

# 3. Gradient descent, theta = theta - lr * grad, done right: update in place under
#    no_grad (so the update is not recorded and theta stays a leaf), then reset the
#    gradient, which backward() accumulates into.
target = torch.tensor([3.0, -1.0, 0.5])
theta = torch.zeros(3, requires_grad=True)
lr = 0.25
for step in range(20):
    loss = ((theta - target) ** 2).sum()
    loss.backward()
    with torch.no_grad():
        theta -= lr * theta.grad
    theta.grad.zero_()
print("theta:", theta.detach(), "is_leaf:", theta.is_leaf, "loss:", round(loss.item(), 6))

# 4. The trap: rebinding theta outside no_grad makes it the *result* of an operation,
#    a non-leaf whose .grad is never filled. The next step has no gradient to use.
theta = torch.zeros(3, requires_grad=True)
((theta - target) ** 2).sum().backward()
theta = theta - lr * theta.grad
print("after `theta = theta - lr * theta.grad`: is_leaf:", theta.is_leaf,
      "grad_fn:", type(theta.grad_fn).__name__)
((theta - target) ** 2).sum().backward()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # torch also warns when a non-leaf's .grad is read
    print("next step's theta.grad:", theta.grad)
