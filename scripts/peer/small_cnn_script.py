#!/usr/bin/env python3
"""Writes a small CNN for 1x28x28 images (Fashion-MNIST) as a TorchScript file, to try
`layerout train --model torchscript:PATH` on a network defined in PyTorch.

  small_cnn_script.py OUT.pt [--classes 10]
"""
import argparse

import torch
import torch.nn as nn


class SmallCnn(nn.Module):
    def __init__(self, classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--classes', type=int, default=10)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.jit.script(SmallCnn(args.classes)).save(args.out)


if __name__ == '__main__':
    main()
