#!/usr/bin/env python3
"""Writes a network defined in PyTorch as a TorchScript file, for `--model torchscript:PATH`:

  script_model.py resnet20 OUT.pt [--classes 10]   CIFAR ResNet-20 as layerout's built-in (basic
                                                   blocks, option-A shortcuts): the "comparable
                                                   network" of scripts/bench-own-networks
  script_model.py small-cnn OUT.pt [--classes 10]  a small CNN for 1x28x28 images (Fashion-MNIST)
  script_model.py reused OUT.pt [--classes 10]     a tiny 1x28x28 CNN applying one conv twice
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin: int, planes: int, stride: int):
        super().__init__()
        # Registered conv, bn, conv, bn: each BatchNorm right after its conv (one freeze unit).
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride = stride
        self.pad = planes - cin

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        s = x
        if self.stride != 1 or self.pad != 0:
            s = x[:, :, ::self.stride, ::self.stride]
            s = F.pad(s, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + s)


class ResNet20(nn.Module):
    def __init__(self, classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for stage in range(3):
            planes = 16 << stage
            for b in range(3):
                blocks.append(Block(cin, planes, 2 if stage > 0 and b == 0 else 1))
                cin = planes
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class SmallCnn(nn.Module):
    def __init__(self, classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class Reused(nn.Module):
    """One conv applied twice (its weight's gradient arrives twice per step): tests the
    data-parallel all-reduce's fallback for parameters used more than once."""

    def __init__(self, classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 7 * 7, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv2(x)))), 2)
        return self.fc(x.flatten(1))


NETWORKS = {'resnet20': ResNet20, 'small-cnn': SmallCnn, 'reused': Reused}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('network', choices=sorted(NETWORKS))
    ap.add_argument('out')
    ap.add_argument('--classes', type=int, default=10)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.jit.script(NETWORKS[args.network](args.classes)).save(args.out)


if __name__ == '__main__':
    main()
