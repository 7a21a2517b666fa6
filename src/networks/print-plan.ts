// Prints the plan of a built-in network or a spec file as JSON, so PyTorch (python/layerout_torch.py)
// builds its modules from the same spec as the addon:
//   node dist/networks/print-plan.js NAME|SPEC.json [CLASSES] [HIDDEN e.g. 64,32, or - for none] [SHAPE e.g. 1,28,28]
// HIDDEN is the mlp's only; SHAPE that of the resizable networks (the ResNets, vgg16, the mlp).
import { existsSync, readFileSync } from 'node:fs';
import { planNetwork } from '../spec/check';
import { BUILTIN_NETWORKS, builtinInputShape } from './catalog';

const USAGE = 'usage: node dist/networks/print-plan.js NAME|SPEC.json [CLASSES] [HIDDEN e.g. 64,32, or -] [SHAPE e.g. 1,28,28]';

function main(argv: string[]): void {
  if (argv.length < 1 || argv.length > 4) throw new RangeError(USAGE);
  const [name, classesText = '10', hiddenText = '64', shapeText] = argv;
  if (name.endsWith('.json') && existsSync(name)) {
    if (argv.length > 2) throw new RangeError(`${name}: a spec file takes only CLASSES (its input and layers are in the file)`);
    let spec: unknown;
    try {
      spec = JSON.parse(readFileSync(name, 'utf8'));
    } catch (e) {
      throw new RangeError(`${name} is not valid JSON: ${(e as Error).message}`);
    }
    process.stdout.write(JSON.stringify(planNetwork(spec, classCount(classesText))) + '\n');
    return;
  }
  const entry = BUILTIN_NETWORKS.find((e) => e.name === name);
  if (!entry) throw new RangeError(`unknown built-in network '${name}'; allowed: ${BUILTIN_NETWORKS.map((e) => e.name).join(', ')}`);
  const numbers = (text: string) => text.split(',').map((t) => {
    if (!/^\d+$/.test(t)) throw new RangeError(`not a list of whole numbers: '${text}'`);
    return Number(t);
  });
  const shape = shapeText ? numbers(shapeText) : entry.inputShape;
  if (shape.length !== 3) throw new RangeError(`the input shape must be C,H,W, got '${shapeText}'`);
  const classes = [classCount(classesText)];
  if (!entry.configurable && argv.length > 2 && hiddenText !== '-') throw new RangeError(`${name} takes no HIDDEN (only the mlp does); give - in its place`);
  if (!entry.resizable && shapeText !== undefined) throw new RangeError(`${name} takes no SHAPE (its input is fixed at ${entry.inputShape.join('x')})`);
  const hidden = hiddenText === '-' ? [] : numbers(hiddenText);
  const spec = entry.spec({ hidden, inputShape: builtinInputShape(entry, shape) });
  process.stdout.write(JSON.stringify(planNetwork(spec, classes[0])) + '\n');
}

function classCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 2) throw new RangeError(`CLASSES must be one whole number of at least 2, got '${text}'`);
  return Number(text);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`print-plan: ${(e as Error).message}\n`);
  process.exit(2);
}
