#!/usr/bin/env python3
"""The PyTorch peer of layerout's benchmark: the same models, masks, batch, thread count and
timing method, plus a plain PyTorch epoch loop over in-memory tensors with the same augmentation.

  peer.py bench --model M --batch B --steps N --warmup W --threads T --device D --masks masks.json
  peer.py epoch --model M --samples N --batch B --threads T --device D --shape C,H,W --pad P --flip --erase P
  peer.py profile --model M --batch B --threads T [--steps N]
    (operator profile of N training steps with torch.profiler, grouped into convolution forward,
     input- and weight-gradient (one operator in libtorch 1.13), BatchNorm, ReLU, pooling, linear,
     loss, optimizer, other: element-wise adds and copies not attributable to one phase)
  peer.py sgd-steps --model M --weights FILE --compare FILE --input FILE --batch-shape N,C,H,W --labels L
                    [--optimizer sgd|adam|adamw --optimizer-settings JSON --phases JSON]
  peer.py optim-bench --model M --optimizer sgd|adam|adamw --batch B --steps N --warmup W --threads T [--channels-last]
  peer.py logits --model M --classes C [--hidden 64,32 --shape C,H,W] --weights FILE --input FILE --batch-shape N,C,H,W
    (loads `layerout export`'s FILE into the model with load_state_dict, then prints the logits of
     the float32 batch in --input, in eval mode)

Prints one JSON object. Run with a Python whose torch matches the addon's libtorch (Debian's
python3-torch at /usr/bin/python3 on the development machine).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- models: built from the same network specs as the addon's (src/networks) -------------

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'python'))
import layerout_torch  # noqa: E402  (the shipped PyTorch definitions)
from layerout_torch import SpecNet  # noqa: E402


def network_plan(name, classes, hidden, shape):
    """The plan of a built-in network, as layerout compiles it (python/layerout_torch.py)."""
    try:
        return layerout_torch.plan_of(name, classes, hidden if name == 'mlp' else None, shape if name == 'mlp' else None)
    except (RuntimeError, ValueError) as e:
        raise SystemExit(f'peer: {e}')


def build(name, classes, hidden=(64,), shape=(1, 28, 28)):
    return SpecNet(network_plan(name, classes, hidden, shape))


# ---- freezing and timing, as in native/freeze.cc and native/train.cc -----------------------

def set_frozen(model, mask):
    for (layer, bn), frozen in zip(model.units, mask):
        for p in layer.parameters():
            p.requires_grad_(not frozen)
            if frozen:
                p.grad = None
        # bn: 'train' (the default): a frozen unit's BatchNorm keeps training


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def tuned(args):
    """The addon's optional settings, applied the PyTorch way: channels-last model and inputs,
    bf16 autocast on CPU (the ATen dispatch level comes from ATEN_CPU_CAPABILITY in the env)."""
    fmt = torch.channels_last if getattr(args, 'channels_last', False) else torch.contiguous_format
    bf16 = getattr(args, 'bf16', False)

    def prepare(model):
        return model.to(memory_format=fmt) if fmt is torch.channels_last else model

    def forward(model, x):
        if x.dim() == 4 and fmt is torch.channels_last:
            x = x.contiguous(memory_format=fmt)
        if bf16:
            with torch.autocast('cpu', dtype=torch.bfloat16):
                return model(x).float()
        return model(x)
    return prepare, forward


def step(model, opt, x, y, device, forward=lambda m, x: m(x)):
    sync(device)
    t0 = time.perf_counter()
    loss = F.cross_entropy(forward(model, x), y)
    sync(device)
    t1 = time.perf_counter()
    loss.backward()
    sync(device)
    t2 = time.perf_counter()
    opt.step()
    opt.zero_grad(set_to_none=True)
    sync(device)
    t3 = time.perf_counter()
    return (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3


def median(v):
    s = sorted(v)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def bench(args):
    device = torch.device(args.device)
    torch.manual_seed(0)
    prepare, forward = tuned(args)
    model = prepare(build(args.model, args.classes).to(device).train())
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    masks = json.load(open(args.masks))
    assert all(len(m['mask']) == len(model.units) for m in masks), 'mask length differs from the unit count'
    c, h, w = model.input_shape
    x = torch.randn(args.batch, c, h, w, device=device)
    y = torch.arange(args.batch, device=device) % args.classes
    peaks = {}
    for m in masks:
        set_frozen(model, m['mask'])
        if device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(device)
        for _ in range(args.warmup):
            step(model, opt, x, y, device, forward)
        peaks[m['name']] = torch.cuda.max_memory_allocated(device) if device.type == 'cuda' else None
    times = {m['name']: ([], [], []) for m in masks}
    for _ in range(args.steps):
        for m in masks:
            set_frozen(model, m['mask'])
            for acc, t in zip(times[m['name']], step(model, opt, x, y, device, forward)):
                acc.append(t)
    base = median(times['none'][1])
    rows = []
    for m in masks:
        f, b, o = (median(v) for v in times[m['name']])
        rows.append({'mask': m['name'], 'forwardMs': f, 'backwardMs': b, 'optimizerMs': o,
                     'backwardRatio': b / base, 'peakMemoryBytes': peaks[m['name']]})
    return {'peer': 'pytorch', 'torch': torch.__version__, 'device': str(device), 'model': args.model,
            'batch': args.batch, 'threads': torch.get_num_threads(), 'rows': rows}


def augment(images, pad, flip, erase_p, mean, std, gen, device):
    """uint8 [B,C,h,w] -> normalised float batch of the model's size: the addon's recipe."""
    b, c, h, w = images.shape
    size = 32
    x = F.pad(images, (pad, pad, pad, pad))
    oy = torch.randint(0, x.shape[2] - size + 1, (b,), generator=gen).to(device)
    ox = torch.randint(0, x.shape[3] - size + 1, (b,), generator=gen).to(device)
    rows = (oy.view(b, 1, 1) + torch.arange(size, device=device).view(1, size, 1))
    cols = (ox.view(b, 1, 1) + torch.arange(size, device=device).view(1, 1, size))
    x = x.permute(0, 2, 3, 1)[torch.arange(b, device=device).view(b, 1, 1), rows, cols].permute(0, 3, 1, 2)
    if flip:
        f = (torch.rand(b, generator=gen) < 0.5).to(device).view(b, 1, 1, 1)
        x = torch.where(f, x.flip(3), x)
    x = (x.float() / 255 - mean) / std
    if erase_p > 0:
        apply = (torch.rand(b, generator=gen) < erase_p).to(device)
        area = (0.02 + 0.38 * torch.rand(b, generator=gen)).to(device) * size * size
        aspect = torch.exp(math.log(0.3) + (-2 * math.log(0.3)) * torch.rand(b, generator=gen)).to(device)
        eh = torch.sqrt(area * aspect).round().clamp(1, size)
        ew = torch.sqrt(area / aspect).round().clamp(1, size)
        y0 = torch.floor(torch.rand(b, generator=gen).to(device) * (size - eh + 1))
        x0 = torch.floor(torch.rand(b, generator=gen).to(device) * (size - ew + 1))
        ys = torch.arange(size, device=device).view(1, size, 1)
        xs = torch.arange(size, device=device).view(1, 1, size)
        inside = (ys >= y0.view(b, 1, 1)) & (ys < (y0 + eh).view(b, 1, 1)) & (xs >= x0.view(b, 1, 1)) & (xs < (x0 + ew).view(b, 1, 1))
        x = x.masked_fill((inside & apply.view(b, 1, 1)).unsqueeze(1), 0.0)
    return x


def epoch(args):
    device = torch.device(args.device)
    torch.manual_seed(0)
    prepare, forward = tuned(args)
    model = prepare(build(args.model, args.classes).to(device).train())
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    c, h, w = (int(v) for v in args.shape.split(','))
    gen = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (args.samples, c, h, w), generator=gen, dtype=torch.uint8).to(device)
    labels = (torch.arange(args.samples) % args.classes).to(device)
    mean = torch.full((1, c, 1, 1), 0.5, device=device)
    std = torch.full((1, c, 1, 1), 0.25, device=device)
    results = []
    for e in range(args.epochs):
        sync(device)
        t0 = time.perf_counter()
        order = torch.randperm(args.samples, generator=gen).to(device)
        for i in range(0, args.samples, args.batch):
            idx = order[i:i + args.batch]
            x = augment(images.index_select(0, idx), args.pad, args.flip, args.erase, mean, std, gen, device)
            loss = F.cross_entropy(forward(model, x), labels.index_select(0, idx))
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        sync(device)
        results.append((time.perf_counter() - t0) * 1e3)
    return {'peer': 'pytorch', 'torch': torch.__version__, 'device': str(device), 'model': args.model,
            'samples': args.samples, 'batch': args.batch, 'epochMs': results}


def logits(args):
    hidden = [int(v) for v in args.hidden.split(',')] if args.hidden else [64]
    shape = [int(v) for v in args.shape.split(',')]
    model = build(args.model, args.classes, hidden, shape)
    model.load_state_dict(torch.load(args.weights))  # strict: every name and shape must match
    model.eval()
    n, c, h, w = (int(v) for v in args.batch_shape.split(','))
    raw = open(args.input, 'rb').read()
    x = torch.frombuffer(bytearray(raw), dtype=torch.float32).view(n, c, h, w)
    with torch.no_grad():
        out = model(x)
    return {'model': args.model, 'logits': out.flatten().tolist()}


def make_optimizer(args, params):
    """torch.optim's optimizer that --optimizer names, foreach=True, with the addon's timeSteps
    settings: lr (sgd 0.01, adam/adamw 0.001), weight decay 5e-4, sgd momentum 0.9."""
    extra = json.loads(args.optimizer_settings) if args.optimizer_settings else {}
    if args.optimizer == 'sgd':
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4, foreach=True,
                               dampening=extra.get('dampening', 0), nesterov=extra.get('nesterov', False))
    kind = torch.optim.Adam if args.optimizer == 'adam' else torch.optim.AdamW
    return kind(params, lr=1e-3, weight_decay=5e-4, foreach=True, betas=tuple(extra.get('betas', (0.9, 0.999))),
                eps=extra.get('eps', 1e-8))


def sgd_steps(args):
    """--steps training steps of torch.optim's --optimizer (sgd by default; foreach=True, with the
    addon's timeSteps settings: make_optimizer) from --weights on one fixed float batch, then every
    tensor of the state dict compared bit for bit with --compare (the addon's state dict after the
    same steps). With --phases '[[MASK, STEPS], ...]' the units frozen change between phases (a
    frozen parameter's gradient is None, so torch.optim leaves it and its state alone)."""
    hidden = [int(v) for v in args.hidden.split(',')] if args.hidden else [64]
    shape = [int(v) for v in args.shape.split(',')]
    model = build(args.model, args.classes, hidden, shape)
    model.load_state_dict(torch.load(args.weights))
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    n, c, h, w = (int(v) for v in args.batch_shape.split(','))
    x = torch.frombuffer(bytearray(open(args.input, 'rb').read()), dtype=torch.float32).view(n, c, h, w)
    if args.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.tensor([int(v) for v in args.labels.split(',')])
    opt = make_optimizer(args, model.parameters())
    phases = json.loads(args.phases) if args.phases else [[[False] * len(model.units), args.steps]]
    for mask, steps in phases:
        set_frozen(model, mask)
        for _ in range(steps):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    theirs = torch.load(args.compare)
    mismatched, max_diff = [], 0.0
    for name, ours in model.state_dict().items():
        other = theirs[name].contiguous()
        ours = ours.contiguous()
        if ours.dtype == torch.float32:
            same = torch.equal(ours.view(torch.int32), other.view(torch.int32))
            max_diff = max(max_diff, (ours - other).abs().max().item())
        else:
            same = torch.equal(ours, other)
        if not same:
            mismatched.append(name)
    return {'model': args.model, 'tensors': len(theirs), 'mismatched': mismatched, 'maxAbsDiff': max_diff}


def optim_bench(args):
    """Median milliseconds of the update (opt.step() then zero_grad(set_to_none=True), as the
    addon's optimizer phase) of torch.optim's --optimizer (foreach=True, make_optimizer's settings)
    over --steps full training steps on one random batch of --batch."""
    torch.manual_seed(0)
    model = build(args.model, args.classes).train()
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = make_optimizer(args, model.parameters())
    c, h, w = model.input_shape
    x = torch.randn(args.batch, c, h, w)
    if args.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.arange(args.batch) % args.classes
    times = []
    for s in range(args.warmup + args.steps):
        _, _, o = step(model, opt, x, y, torch.device('cpu'))
        if s >= args.warmup:
            times.append(o)
    return {'peer': 'pytorch', 'torch': torch.__version__, 'model': args.model, 'optimizer': args.optimizer,
            'threads': torch.get_num_threads(), 'params': sum(p.numel() for p in model.parameters()),
            'optimizerMs': median(times)}


# Operator names of torch.profiler (CPU, libtorch 1.13) -> the phases the CPU-speed issue asks for.
# Matched in this order, first match wins (as src/profile.ts): the update's operators before their
# own names, convolution backward before its forward's prefix.
PHASES = [
    ('optimizer', ('_foreach', 'optimizer')),
    ('convolution backward (input + weight gradients)', ('aten::convolution_backward', 'mkldnnconvolutionbackward',
                                                          'aten::mkldnn_convolution_backward', 'aten::_slow_conv2d_backward')),
    ('convolution forward', ('aten::mkldnn_convolution', 'aten::_slow_conv2d_forward', 'aten::thnn_conv2d')),
    ('BatchNorm', ('batch_norm', 'batchnorm')),
    ('ReLU', ('relu', 'threshold', 'clamp_min')),
    ('pooling', ('pool',)),
    ('linear', ('aten::addmm', 'aten::mm', 'aten::linear')),
    ('loss', ('log_softmax', 'nll_loss', 'cross_entropy')),
]


def profile(args):
    from torch.profiler import ProfilerActivity, profile as run_profile
    torch.manual_seed(0)
    prepare, forward = tuned(args)
    model = build(args.model, args.classes).train()
    c, h, w = model.input_shape
    model = prepare(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, foreach=True)
    x = torch.randn(args.batch, c, h, w)
    y = torch.arange(args.batch) % args.classes
    for _ in range(2):
        step(model, opt, x, y, torch.device('cpu'), forward)
    with run_profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            step(model, opt, x, y, torch.device('cpu'), forward)
    # Self CPU time per operator (no double counting of nested calls), grouped. Operators inside
    # the optimizer's step count as the update, named as the addon names them.
    totals = {name: 0.0 for name, _ in PHASES}
    totals['other'] = 0.0
    by_op = {}
    for e in prof.events():
        parent, in_optimizer = e.cpu_parent, False
        while parent is not None and not in_optimizer:
            in_optimizer = parent.name.startswith('Optimizer.step')
            parent = parent.cpu_parent
        key = f'Optimizer.step > {e.name}' if in_optimizer else e.name
        by_op[key] = by_op.get(key, 0.0) + e.self_cpu_time_total
    for key, us in by_op.items():
        for name, needles in PHASES:
            if any(n.lower() in key.lower() for n in needles):
                totals[name] += us
                break
        else:
            totals['other'] += us
    total = sum(totals.values())
    ops = sorted(by_op.items(), key=lambda o: -o[1])
    return {'model': args.model, 'batch': args.batch, 'threads': torch.get_num_threads(), 'steps': args.steps,
            'torch': torch.__version__, 'stepMs': total / 1e3 / args.steps,
            'phases': [{'phase': k, 'ms': v / 1e3 / args.steps, 'share': v / total} for k, v in totals.items()],
            'topOperators': [{'op': k, 'ms': v / 1e3 / args.steps, 'share': v / total} for k, v in ops[:12]]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('command', choices=['bench', 'epoch', 'count', 'logits', 'profile', 'sgd-steps', 'optim-bench'])
    ap.add_argument('--model', required=True)
    ap.add_argument('--classes', type=int, default=10)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--masks')
    ap.add_argument('--samples', type=int, default=1024)
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--shape', default='3,32,32')
    ap.add_argument('--pad', type=int, default=4)
    ap.add_argument('--flip', action='store_true')
    ap.add_argument('--erase', type=float, default=0.0)
    ap.add_argument('--hidden')
    ap.add_argument('--weights')
    ap.add_argument('--input')
    ap.add_argument('--batch-shape')
    ap.add_argument('--labels')
    ap.add_argument('--compare')
    ap.add_argument('--channels-last', action='store_true')
    ap.add_argument('--bf16', action='store_true')
    ap.add_argument('--optimizer', default='sgd', choices=['sgd', 'adam', 'adamw'])
    ap.add_argument('--optimizer-settings', help='JSON: dampening, nesterov, betas, eps')
    ap.add_argument('--phases', help='JSON [[frozen mask, steps], ...] (sgd-steps)')
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.command == 'count':
        model = build(args.model, args.classes)
        out = {'model': args.model, 'units': len(model.units), 'totalParams': sum(p.numel() for p in model.parameters())}
    elif args.command == 'logits':
        out = logits(args)
    elif args.command == 'profile':
        out = profile(args)
    elif args.command == 'sgd-steps':
        out = sgd_steps(args)
    elif args.command == 'optim-bench':
        out = optim_bench(args)
    else:
        out = bench(args) if args.command == 'bench' else epoch(args)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
