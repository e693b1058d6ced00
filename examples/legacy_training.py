"""Train a small MLP on three Gaussian blobs: one program in three stages of migration (examples/README.md)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable

torch.manual_seed(0)
rng = np.random.RandomState(0)

# Three Gaussian blobs in the plane, one per class.
N = 300
centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]], dtype=np.float32)
labels = rng.randint(0, 3, size=N)
points = centres[labels] + 0.5 * rng.randn(N, 2).astype(np.float32)
X = torch.from_numpy(points)
Y = torch.from_numpy(labels).long()


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(2, 16)
        self.fc2 = nn.Linear(16, 3)
        nn.init.xavier_uniform(self.fc1.weight)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net()
criterion = nn.CrossEntropyLoss(size_average=False)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for epoch in range(5):
    total = 0.0
    for i in range(0, N, 50):
        inputs = Variable(X[i:i + 50])
        targets = Variable(Y[i:i + 50])
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        total += loss.data[0]
        loss.backward()
        optimizer.step()
    print('epoch %d loss %.4f' % (epoch, total / N))

# Evaluation: volatile inputs meant "no graph" in 0.3.
inputs = Variable(X, volatile=True)
probs = F.softmax(model(inputs))
_, predicted = torch.max(probs.data, 1)
correct = (predicted == Y).sum()
print('accuracy %.3f' % (float(correct) / N))
