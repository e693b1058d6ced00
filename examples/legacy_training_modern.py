"""legacy_training.py finished by hand: the fixer's output plus the decisions it leaves to a person; no warnings."""
# legacy_training_migrated.py is what `legacy-variable check --fix --unsafe-fixes` makes of
# legacy_training.py; this file also settles the four findings it leaves (LV101/LV102/LV103
# on the volatile wrap, LV114). All changes, with the rule that reports each:
#   Variable(t) -> t (LV101, LV102), loss.data[0] -> loss.item() (LV104),
#   size_average=False -> reduction='sum' (LV113), xavier_uniform -> xavier_uniform_ (LV116),
#   volatile=True -> torch.no_grad() (LV103), softmax(x) -> softmax(x, dim=1) (LV114).
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

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
        nn.init.xavier_uniform_(self.fc1.weight)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net()
criterion = nn.CrossEntropyLoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for epoch in range(5):
    total = 0.0
    for i in range(0, N, 50):
        inputs = X[i:i + 50]
        targets = Y[i:i + 50]
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        total += loss.item()
        loss.backward()
        optimizer.step()
    print('epoch %d loss %.4f' % (epoch, total / N))

# Evaluation: no graph is recorded inside torch.no_grad().
with torch.no_grad():
    inputs = X
    probs = F.softmax(model(inputs), dim=1)
_, predicted = torch.max(probs, 1)
correct = (predicted == Y).sum()
print('accuracy %.3f' % (float(correct) / N))
