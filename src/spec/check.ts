// Checks a network spec layer by layer, following the tensor's shape, and resolves it into the
// plan the addon builds. Every error names the place (`layers[4].body[1].kernel: ...`).
import { describe } from '../validate';
import type { InitName, LayerSpec, NetworkPlan, NetworkSpec, PlanLayer } from './types';

const TYPES = ['conv', 'batchnorm', 'relu', 'maxpool', 'avgpool', 'globalavgpool', 'flatten', 'linear', 'dropout', 'residual'] as const;
const SHORTCUTS = ['identity', 'projection', 'option-a'] as const;
const INITS: readonly InitName[] = ['he-fan-out', 'he-fan-in', 'xavier'];
/** Fields each layer type may have besides `type`. */
const FIELDS: Record<(typeof TYPES)[number], readonly string[]> = {
  conv: ['out', 'kernel', 'stride', 'padding', 'bias', 'name', 'export'],
  batchnorm: ['export'],
  relu: [],
  maxpool: ['kernel', 'stride'],
  avgpool: ['kernel', 'stride'],
  globalavgpool: [],
  flatten: [],
  linear: ['out', 'bias', 'name', 'export'],
  dropout: ['p'],
  residual: ['shortcut', 'body', 'shortcutName', 'shortcutExport', 'shortcutBnExport'],
};

/** Limits that keep a spec from asking for more than a machine has (a clear error, not an OOM kill). */
const MAX_PARAMS = 1e9; // weights, momentum and gradients: 12 GB in float32
const MAX_LAYERS = 10000;
const MAX_DEPTH = 32;

type Shape = { image: true; c: number; h: number; w: number } | { image: false; f: number };

const text = (s: Shape) => (s.image ? `${s.c}x${s.h}x${s.w}` : `${s.f} features`);

class SpecError extends RangeError {
  override name = 'RangeError';
}

/** Is this value a network spec object (rather than a model name)? */
export function isNetworkSpec(value: unknown): value is NetworkSpec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'layers' in value;
}

export function planNetwork(spec: unknown, classes: number): NetworkPlan {
  if (!isNetworkSpec(spec)) throw new TypeError(`a network spec must be an object with name, input and layers, got ${describe(spec)}`);
  const extra = Object.keys(spec).filter((k) => !['name', 'input', 'layers', 'init'].includes(k));
  if (extra.length) throw new SpecError(`network spec: unknown field '${extra[0]}'; allowed: name, input, layers, init`);
  if (typeof spec.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(spec.name)) {
    throw new SpecError(`name: must be 1-64 letters, digits, '.', '_' or '-', got ${describe(spec.name)}`);
  }
  const input = spec.input;
  if (!Array.isArray(input) || input.length !== 3) throw new SpecError(`input: must be [C, H, W], got ${describe(input)}`);
  input.forEach((d, i) => positive(d, `input[${i}]`, 4096));
  const init = spec.init ?? {};
  if (typeof init !== 'object' || init === null) throw new SpecError(`init: must be an object { conv?, linear? }, got ${describe(init)}`);
  for (const [k, v] of Object.entries(init)) {
    if (k !== 'conv' && k !== 'linear') throw new SpecError(`init.${k}: unknown; allowed: conv, linear`);
    if (!INITS.includes(v as InitName)) throw new SpecError(`init.${k}: must be one of ${INITS.join(', ')}, got ${describe(v)}`);
  }
  const shape: Shape = { image: true, c: input[0], h: input[1], w: input[2] };
  const { layers, out } = planSequence(spec.layers, 'layers', shape, classes);
  if (out.image) throw new SpecError(`layers: the network ends with ${text(out)}; it must end in a linear layer with out: "classes"`);
  if (out.f !== classes) throw new SpecError(`layers: the network ends with ${out.f} features but must give one per class (${classes}); use out: "classes"`);
  checkNames(layers);
  const units = countUnits(layers);
  if (units < 1) throw new SpecError('layers: the network has no conv or linear layer, so nothing to train');
  const params = countParams(layers);
  if (params > MAX_PARAMS) {
    throw new SpecError(`layers: the network has ${params.toExponential(2)} parameters (${((params * 4) / 2 ** 30).toFixed(1)} GiB in float32, three times that to train); at most ${MAX_PARAMS.toExponential(0)} are allowed`);
  }
  return {
    name: spec.name,
    inputShape: [input[0], input[1], input[2]],
    classes,
    convInit: init.conv ?? 'he-fan-out',
    linearInit: init.linear ?? 'xavier',
    layers,
  };
}

function countParams(layers: PlanLayer[]): number {
  return layers.reduce((n, l) => {
    if (l.type === 'conv') return n + l.in * l.out * l.kernel * l.kernel + (l.bias ? l.out : 0);
    if (l.type === 'linear') return n + l.in * l.out + (l.bias ? l.out : 0);
    if (l.type === 'batchnorm') return n + 2 * l.out;
    return n + countParams(l.body) + (l.shortcut === 'projection' ? l.in * l.out + 2 * l.out : 0);
  }, 0);
}

function countUnits(layers: PlanLayer[]): number {
  return layers.reduce((n, l) => n + (l.type === 'conv' || l.type === 'linear' ? 1 : 0) + countUnits(l.body) + (l.shortcut === 'projection' ? 1 : 0), 0);
}

function planSequence(layers: unknown, where: string, start: Shape, classes: number, depth = 0): { layers: PlanLayer[]; out: Shape } {
  if (!Array.isArray(layers) || layers.length === 0) throw new SpecError(`${where}: must be a non-empty array of layers, got ${describe(layers)}`);
  if (depth > MAX_DEPTH) throw new SpecError(`${where}: residual blocks nest more than ${MAX_DEPTH} deep`);
  if (layers.length > MAX_LAYERS) throw new SpecError(`${where}: more than ${MAX_LAYERS} layers`);
  let shape = start;
  const plan: PlanLayer[] = [];
  layers.forEach((layer, i) => {
    const place = `${where}[${i}]`;
    const path = `${where.replace(/\[(\d+)\]/g, '.$1')}.${i}`;
    const previous = plan[plan.length - 1];
    const planned = planLayer(layer, place, path, shape, classes, depth, previous);
    plan.push(planned.layer);
    shape = planned.out;
  });
  return { layers: plan, out: shape };
}

function planLayer(layer: unknown, place: string, path: string, shape: Shape, classes: number, depth: number, previous?: PlanLayer): { layer: PlanLayer; out: Shape } {
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) throw new SpecError(`${place}: must be a layer object, got ${describe(layer)}`);
  // Only the layer's own fields count: nothing inherited (Object.prototype.padding = 1) leaks in.
  const l: Record<string, unknown> = Object.fromEntries(Object.keys(layer).map((k) => [k, (layer as Record<string, unknown>)[k]]));
  if (!TYPES.includes(l.type as (typeof TYPES)[number])) {
    throw new SpecError(`${place}.type: must be one of ${TYPES.join(', ')}, got ${describe(l.type)}`);
  }
  const type = l.type as LayerSpec['type'];
  const unknown = Object.keys(l).find((k) => k !== 'type' && !FIELDS[type].includes(k));
  if (unknown) throw new SpecError(`${place}.${unknown}: a ${type} layer has no field '${unknown}'; allowed: ${FIELDS[type].join(', ') || 'none'}`);
  const name = (field: string, fallback: string) => (l[field] === undefined ? fallback : layerName(l[field], `${place}.${field}`));
  const base: PlanLayer = {
    type, path, name: name('name', path), export: name('export', path), in: 0, out: 0, kernel: 0, stride: 1, padding: 0, bias: true, p: 0,
    shortcut: '', body: [], shortcutName: '', shortcutExport: '', shortcutBnExport: '',
  };
  const needImage = (what: string) => {
    if (!shape.image) throw new SpecError(`${place}: ${what} needs an image input (C x H x W), but its input is ${text(shape)} (after a flatten)`);
    return shape;
  };
  switch (type) {
    case 'conv': {
      const s = needImage('conv');
      const out = positive(l.out, `${place}.out`, 1 << 16);
      const kernel = positive(l.kernel, `${place}.kernel`, 64);
      const stride = l.stride === undefined ? 1 : positive(l.stride, `${place}.stride`, 64);
      const padding = l.padding === undefined ? 0 : whole(l.padding, `${place}.padding`, 64);
      const bias = l.bias === undefined ? true : bool(l.bias, `${place}.bias`);
      const [h, w] = [s.h + 2 * padding, s.w + 2 * padding];
      if (kernel > h || kernel > w) throw new SpecError(`${place}.kernel: ${kernel} is larger than the padded input ${h}x${w} (input ${text(s)})`);
      const out2 = { image: true as const, c: out, h: Math.floor((h - kernel) / stride) + 1, w: Math.floor((w - kernel) / stride) + 1 };
      return { layer: { ...base, in: s.c, out, kernel, stride, padding, bias }, out: out2 };
    }
    case 'batchnorm': {
      const s = needImage('batchnorm');
      if (previous?.type !== 'conv') {
        throw new SpecError(`${place}: a batchnorm must come directly after a conv (it joins that conv's freeze unit)`);
      }
      return { layer: { ...base, in: s.c, out: s.c }, out: s };
    }
    case 'relu':
    case 'dropout': {
      const p = type === 'dropout' ? fraction(l.p, `${place}.p`) : 0;
      return { layer: { ...base, p }, out: shape };
    }
    case 'maxpool':
    case 'avgpool': {
      const s = needImage(type);
      const kernel = positive(l.kernel, `${place}.kernel`, 64);
      const stride = l.stride === undefined ? kernel : positive(l.stride, `${place}.stride`, 64);
      if (kernel > s.h || kernel > s.w) throw new SpecError(`${place}.kernel: ${kernel} is larger than the input ${text(s)}`);
      const out = { image: true as const, c: s.c, h: Math.floor((s.h - kernel) / stride) + 1, w: Math.floor((s.w - kernel) / stride) + 1 };
      return { layer: { ...base, kernel, stride, in: s.c, out: s.c }, out };
    }
    case 'globalavgpool': {
      const s = needImage('globalavgpool');
      return { layer: { ...base, in: s.c, out: s.c }, out: { image: true, c: s.c, h: 1, w: 1 } };
    }
    case 'flatten': {
      const f = shape.image ? shape.c * shape.h * shape.w : shape.f;
      return { layer: { ...base, in: f, out: f }, out: { image: false, f } };
    }
    case 'linear': {
      if (shape.image) throw new SpecError(`${place}: a linear layer needs a flat input; add { "type": "flatten" } before it (its input is ${text(shape)})`);
      const out = l.out === 'classes' ? classes : positive(l.out, `${place}.out`, 1 << 20, 'a positive integer or "classes"');
      const bias = l.bias === undefined ? true : bool(l.bias, `${place}.bias`);
      return { layer: { ...base, in: shape.f, out, bias }, out: { image: false, f: out } };
    }
    case 'residual': {
      const s = needImage('residual');
      if (!SHORTCUTS.includes(l.shortcut as (typeof SHORTCUTS)[number])) {
        throw new SpecError(`${place}.shortcut: must be one of ${SHORTCUTS.join(', ')}, got ${describe(l.shortcut)}`);
      }
      const shortcut = l.shortcut as (typeof SHORTCUTS)[number];
      const body = planSequence(l.body, `${place}.body`, s, classes, depth + 1);
      const o = body.out;
      if (!o.image) throw new SpecError(`${place}.body: must keep an image shape (it ends with ${text(o)})`);
      let stride = 1;
      if (shortcut === 'identity' && (o.c !== s.c || o.h !== s.h || o.w !== s.w)) {
        throw new SpecError(`${place}.shortcut: identity needs the body to keep the shape ${text(s)}, but it gives ${text(o)}; use projection or option-a`);
      }
      if (shortcut !== 'identity') {
        stride = Math.round(s.h / o.h);
        if (stride < 1 || Math.ceil(s.h / stride) !== o.h || Math.ceil(s.w / stride) !== o.w) {
          throw new SpecError(`${place}.shortcut: ${shortcut} cannot map ${text(s)} to the body's ${text(o)} with one stride`);
        }
        if (shortcut === 'option-a' && o.c < s.c) {
          throw new SpecError(`${place}.shortcut: option-a pads channels with zeros, so the body may not reduce them (${s.c} -> ${o.c})`);
        }
      }
      const projection = shortcut === 'projection'
        ? { shortcutName: name('shortcutName', `${path}.shortcut.0`), shortcutExport: name('shortcutExport', `${path}.shortcut.0`), shortcutBnExport: name('shortcutBnExport', `${path}.shortcut.1`) }
        : {};
      if (shortcut !== 'projection') {
        const named = ['shortcutName', 'shortcutExport', 'shortcutBnExport'].find((k) => l[k] !== undefined);
        if (named) throw new SpecError(`${place}.${named}: only a projection shortcut has a module to name`);
      }
      return { layer: { ...base, in: s.c, out: o.c, stride, shortcut, body: body.layers, ...projection }, out: o };
    }
  }
}

/** A module or export name: parts of letters, digits and '_' joined by dots (`layer1.0.conv1`, `0`, `blocks.3.bns.1`). */
function layerName(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(v) || v.length > 128) {
    throw new SpecError(`${where}: must be parts of letters, digits and '_' joined by dots (like layer1.0.conv1), at most 128 characters, got ${describe(v)}`);
  }
  return v;
}

/** `layers.4.body.0` -> `layers[4].body[0]`: a layer's place as the other spec errors write it. */
const placeOf = (path: string) => path.replace(/\.(\d+)/g, '[$1]');

/**
 * Every module must have its own name (dots become '_' when registered; a BatchNorm is
 * registered as its conv's name + '_bn') and every export key its own too.
 */
function checkNames(layers: PlanLayer[]): void {
  const modules = new Map<string, string>();
  const exports = new Map<string, string>();
  // A module is registered under its name with dots turned into '_', a conv's BatchNorm as that + '_bn'.
  const claim = (map: Map<string, string>, key: string, who: string, what: string) => {
    const other = map.get(key);
    if (other !== undefined) {
      const how = what === 'module' ? ` (modules are registered with '.' turned into '_', a conv's BatchNorm as its conv's name + '_bn'; give one of them another "name")` : ' (give one of them another "export")';
      throw new SpecError(`${placeOf(who)}: its ${what} name '${key}' is also that of ${placeOf(other)}${how}`);
    }
    map.set(key, who);
  };
  const walk = (seq: PlanLayer[]) => {
    seq.forEach((l, i) => {
      if (l.type === 'conv' || l.type === 'linear') {
        const module = l.name.replace(/\./g, '_');
        claim(modules, module, l.path, 'module');
        if (seq[i + 1]?.type === 'batchnorm') claim(modules, `${module}_bn`, seq[i + 1].path, 'module');
      }
      if (l.type === 'conv' || l.type === 'linear' || l.type === 'batchnorm') claim(exports, l.export, l.path, 'export');
      if (l.type === 'residual') {
        walk(l.body);
        if (l.shortcut === 'projection') {
          const module = l.shortcutName.replace(/\./g, '_');
          claim(modules, module, `${l.path}.shortcut`, 'module');
          claim(modules, `${module}_bn`, `${l.path}.shortcut BatchNorm`, 'module');
          claim(exports, l.shortcutExport, `${l.path}.shortcut`, 'export');
          claim(exports, l.shortcutBnExport, `${l.path}.shortcut BatchNorm`, 'export');
        }
      }
    });
  };
  walk(layers);
  // A state dict holds `<export>.weight` and the like: one export key may not be another's prefix.
  const keys = [...exports.keys()].sort();
  for (let i = 1; i < keys.length; i++) {
    if (keys[i].startsWith(`${keys[i - 1]}.`)) {
      throw new SpecError(`${placeOf(exports.get(keys[i]) as string)}: its export name '${keys[i]}' lies inside '${keys[i - 1]}' (${placeOf(exports.get(keys[i - 1]) as string)}'s), so their tensors' keys would mix`);
    }
  }
}

function positive(v: unknown, where: string, max: number, what = 'a positive integer'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new SpecError(`${where}: must be ${what} (at most ${max}), got ${describe(v)}`);
  return v;
}

function whole(v: unknown, where: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new SpecError(`${where}: must be a whole number from 0 to ${max}, got ${describe(v)}`);
  return v;
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new SpecError(`${where}: must be true or false, got ${describe(v)}`);
  return v;
}

function fraction(v: unknown, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new SpecError(`${where}: must be a number in [0, 1), got ${describe(v)}`);
  return v;
}
