"""The lab network (see README): importable without train.py's command line."""
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, w=(24, 48, 96, 128), dim=128):
        super().__init__()
        self.c1 = nn.Conv2d(1, w[0], 5, 2, 2, bias=False); self.b1 = nn.BatchNorm2d(w[0])
        self.c2 = nn.Conv2d(w[0], w[1], 3, 2, 1, bias=False); self.b2 = nn.BatchNorm2d(w[1])
        self.c3 = nn.Conv2d(w[1], w[2], 3, 2, 1, bias=False); self.b3 = nn.BatchNorm2d(w[2])
        self.c4 = nn.Conv2d(w[2], w[3], 3, 1, 1, bias=False); self.b4 = nn.BatchNorm2d(w[3])
        self.fc = nn.Linear(w[3], dim)
    def forward(self, x):
        x = self.b1(self.c1(x).abs())  # abs: a lightness-inverted copy gives the same
        x = F.relu(self.b2(self.c2(x)))
        x = F.relu(self.b3(self.c3(x)))
        x = F.relu(self.b4(self.c4(x)))
        x = x.clamp(min=1e-6).pow(3).mean(dim=(2, 3)).pow(1 / 3)  # GeM
        return F.normalize(self.fc(x), dim=1)
