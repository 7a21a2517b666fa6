"""layerout's networks in PyTorch: build any built-in or spec network from its layer plan, load
`layerout export` state dicts into it, and put the raw-input preprocessing of `predict` in front.

    import layerout_torch
    net = layerout_torch.load('model.pt')                           # reads model.pt.json beside it
    net = layerout_torch.load('model.pt', with_preprocessing=True)  # takes raw uint8 pixels N x C x H x W
    net = layerout_torch.build(layerout_torch.plan_of('resnet20', classes=10))  # a fresh network

`layerout export RUN --out model.pt` writes model.pt (torch.load-able {name: tensor}, keys as the
modules below register them) and model.pt.json (the layer plan, class names and preprocessing).
A plan (`plan_of`) is what layerout resolves a built-in name or a spec file into; it asks Node.js
for it (the package's dist/networks/print-plan.js), so the sizes are layerout's own.

Ships in the npm package as python/layerout_torch.py: add that folder to sys.path (or copy the
file); it needs only torch.
"""
import json
import os
import shutil
import subprocess

import torch
import torch.nn as nn
import torch.nn.functional as F

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

__all__ = ['SpecNet', 'Preprocess', 'build', 'plan_of', 'load', 'read_description']


def plan_of(model, classes=10, hidden=None, shape=None):
    """The layer plan of a built-in network (`'resnet20'`) or a spec file (`'net.json'`), as layerout
    builds it: Node.js runs the package's dist/networks/print-plan.js (set LAYEROUT_NODE to its path)."""
    node = os.environ.get('LAYEROUT_NODE') or shutil.which('node') or 'node'
    script = os.path.join(PACKAGE_ROOT, 'dist', 'networks', 'print-plan.js')
    args = [node, script, str(model), str(classes)]
    if hidden is not None or shape is not None:
        args.append(','.join(map(str, hidden)) if hidden else '-')
    if shape is not None:
        args.append(','.join(map(str, shape)))
    try:
        done = subprocess.run(args, capture_output=True, text=True)
    except OSError as e:
        raise RuntimeError(f'layerout_torch: cannot run Node.js ({node}) to read the network plan: {e}; set LAYEROUT_NODE to its path') from e
    if done.returncode != 0:
        raise ValueError(done.stderr.strip() or 'could not run ' + ' '.join(args))
    return json.loads(done.stdout)


class SpecNet(nn.Module):
    """A layerout network plan in PyTorch: each module registered at its export key (so the state
    dict keys are those of `layerout export`), the forward pass as native/models/spec_net.cc's."""

    def __init__(self, plan):
        super().__init__()
        # Underscored: export keys (`layers.0`, `blocks.3...`) become attributes of their own.
        self._plan = plan['layers']
        self.units = []  # (layer, BatchNorm or None), in the addon's unit order
        self.input_shape = tuple(plan['inputShape'])
        self._mods = {}  # plan path -> (module, BatchNorm or None)
        self._build(self._plan)

    def _put(self, key, module):
        parent = self
        for part in key.split('.')[:-1]:
            if part not in parent._modules:
                parent.add_module(part, nn.Module())
            parent = parent._modules[part]
        parent.add_module(key.split('.')[-1], module)
        return module

    def _build(self, layers):
        for i, l in enumerate(layers):
            t = l['type']
            if t == 'conv':
                conv = self._put(l['export'], nn.Conv2d(l['in'], l['out'], l['kernel'], l['stride'], l['padding'], bias=l['bias']))
                nxt = layers[i + 1] if i + 1 < len(layers) else None
                bn = self._put(nxt['export'], nn.BatchNorm2d(l['out'])) if nxt and nxt['type'] == 'batchnorm' else None
                self._mods[l['path']] = (conv, bn)
                self.units.append((conv, bn))
            elif t == 'linear':
                fc = self._put(l['export'], nn.Linear(l['in'], l['out'], bias=l['bias']))
                self._mods[l['path']] = (fc, None)
                self.units.append((fc, None))
            elif t == 'residual':
                self._build(l['body'])
                if l['shortcut'] == 'projection':
                    conv = self._put(l['shortcutExport'], nn.Conv2d(l['in'], l['out'], 1, l['stride'], bias=False))
                    bn = self._put(l['shortcutBnExport'], nn.BatchNorm2d(l['out']))
                    self._mods[l['path']] = (conv, bn)
                    self.units.append((conv, bn))

    def _run(self, layers, x):
        previous = None
        for l in layers:
            t = l['type']
            if t in ('conv', 'linear'):
                layer, bn = self._mods[l['path']]
                x = layer(x)
                if bn is not None:
                    x = bn(x)
            elif t == 'relu':
                x = F.relu(x, inplace=previous in ('conv', 'linear', 'residual'))
            elif t == 'maxpool':
                x = F.max_pool2d(x, l['kernel'], l['stride'])
            elif t == 'avgpool':
                x = F.avg_pool2d(x, l['kernel'], l['stride'])
            elif t == 'globalavgpool':
                x = F.adaptive_avg_pool2d(x, 1)
            elif t == 'flatten':
                x = x.flatten(1)
            elif t == 'dropout':
                x = F.dropout(x, l['p'], self.training)
            elif t == 'residual':
                x = self._run(l['body'], x) + self._shortcut(l, x)
            if t != 'batchnorm':
                previous = t
        return x

    def _shortcut(self, l, x):
        if l['shortcut'] == 'projection':
            conv, bn = self._mods[l['path']]
            return bn(conv(x))
        if l['shortcut'] != 'option-a':
            return x
        s = x if l['stride'] == 1 else x[:, :, ::l['stride'], ::l['stride']]
        pad = l['out'] - l['in']
        return F.pad(s, (0, 0, 0, 0, pad // 2, pad - pad // 2)) if pad > 0 else s

    def forward(self, x):
        return self._run(self._plan, x)


class Preprocess(nn.Module):
    """What layerout's `predict` does to raw inputs: uint8 pixels N x C x h x w are cast to float,
    centred by zero-padding to the network's input H x W, then normalised as
    (x - 255 mean) * (1 / std / 255) per channel; a table's raw features N x F are standardised
    with the training split's mean and std and shaped N x 1 x 1 x F."""

    def __init__(self, preprocessing, input_shape):
        super().__init__()
        self.kind = preprocessing['kind']
        self.input_shape = tuple(input_shape)
        if self.kind == 'pixels':
            c = self.input_shape[0]
            self.register_buffer('mean', torch.tensor([m * 255.0 for m in preprocessing['mean']], dtype=torch.float32).view(1, c, 1, 1))
            self.register_buffer('inv_std', torch.tensor([1.0 / s / 255.0 for s in preprocessing['std']], dtype=torch.float32).view(1, c, 1, 1))
        elif self.kind == 'table':
            self.register_buffer('mean', torch.tensor(preprocessing['mean'], dtype=torch.float32))
            self.register_buffer('std', torch.tensor(preprocessing['std'], dtype=torch.float32))
        else:
            raise ValueError(f"unknown preprocessing kind {self.kind!r}")

    def forward(self, x):
        if self.kind == 'table':
            return ((x.float() - self.mean) / self.std).view(-1, *self.input_shape)
        x = x.float()
        dh, dw = self.input_shape[1] - x.shape[2], self.input_shape[2] - x.shape[3]
        if dh < 0 or dw < 0:
            raise ValueError(f'inputs are {x.shape[2]}x{x.shape[3]}, larger than the network\'s {self.input_shape[1]}x{self.input_shape[2]}')
        if dh or dw:
            x = F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))
        return (x - self.mean) * self.inv_std


def build(plan):
    """A fresh network from a plan (plan_of's result) or an export description (FILE.json)."""
    if plan.get('format') == 'layerout-export':
        if plan['plan'] is None:
            raise ValueError('this export is a TorchScript module: open it with torch.jit.load')
        plan = {'layers': plan['plan'], 'inputShape': plan['inputShape']}
    return SpecNet(plan)


def read_description(path):
    """The FILE.json that `layerout export` writes beside FILE."""
    with open(path + '.json', encoding='utf8') as f:
        description = json.load(f)
    if description.get('format') != 'layerout-export':
        raise ValueError(f'{path}.json is not a layerout export description')
    return description


def load(path, with_preprocessing=False, map_location='cpu'):
    """The exported network with its weights, in eval mode; with_preprocessing puts Preprocess in
    front, so it takes raw inputs as the training data stored them. The result has `.class_names`."""
    description = read_description(path)
    if description['plan'] is None:
        net = torch.jit.load(path, map_location=map_location)
    else:
        net = build(description)
        net.load_state_dict(torch.load(path, map_location=map_location))
    net.eval()
    if with_preprocessing:
        net = nn.Sequential(Preprocess(description['preprocessing'], description['inputShape']), net).eval()
    net.class_names = description['outputNames']
    return net
