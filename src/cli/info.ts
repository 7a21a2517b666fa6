// `layerout info [--model NAME]`: a model's freeze units, or the runtime and the model list.
import { Model } from '../model';
import { isTorchScriptSource, modelCatalog, modelNames, type DeviceName } from '../models';
import { loadNative } from '../native';
import { applyDefaults, parseCommand, UsageError, type CommandSpec, type OptionDefs } from './args';
import { fieldOptions } from './field-options';
import { MODEL_HELP, modelOption, parseInputShape, resolveModelArg, withUnitsFile } from './model-arg';

export const INFO_OPTIONS: OptionDefs = {
  model: modelOption({ help: `${MODEL_HELP} (without it: libtorch version, CUDA and the model list)` }),
  classes: { type: 'int', help: 'number of classes', min: 2, default: 10 },
  ...fieldOptions((name) => name === 'device', 'never'),
  input: { type: 'string', arg: 'CxHxW', help: 'input shape of a torchscript:PATH model, or of a resizable built-in (the ResNets, vgg16, mlp), e.g. 1x28x28' },
  units: { type: 'string', arg: 'FILE.json', help: 'a torchscript:PATH model\'s freeze units: [{"name": ..., "params": ["pattern", ...]}, ...]' },
  json: { type: 'flag', help: 'print one JSON object' },
};

export const INFO_COMMAND: CommandSpec = {
  name: 'info',
  summary: "A model's freeze units, parameter counts and multiply-adds per sample.",
  options: INFO_OPTIONS,
};

export function runInfo(argv: string[], out: (line: string) => void): void {
  const options = applyDefaults(parseCommand(argv, INFO_COMMAND).options, INFO_OPTIONS);
  const runtime = loadNative().runtimeInfo();
  if (!options.model) {
    out(`libtorch ${runtime.torchVersion}, CUDA ${runtime.cudaAvailable ? `yes (${runtime.cudaDevices} GPU)` : 'no'}, data parallel ${runtime.c10d ? 'yes (c10d/Gloo)' : 'no (built without Gloo headers: install libgloo-dev and rebuild)'}`);
    out(`models: ${modelNames().join(', ')}`);
    const catalog = modelCatalog();
    const width = Math.max(...catalog.map((m) => m.name.length)) + 2;
    for (const m of catalog) out(`  ${m.name.padEnd(width)}input ${m.input}`);
    return;
  }
  const source = withUnitsFile(resolveModelArg(String(options.model)), options.units as string | undefined);
  const inputShape = parseInputShape(options.input as string | undefined);
  if (isTorchScriptSource(source) && !inputShape) throw new UsageError('--model torchscript:PATH needs --input CxHxW');
  const model = new Model({ model: source, classes: options.classes as number, device: options.device as DeviceName, inputShape });
  const { info } = model;
  const layers = info.layers.map(({ index, name, kind, params, macs }) => ({ index, name, kind, params, macs }));
  if (options.json) {
    out(JSON.stringify({ model: info.model, classes: info.classes, totalParams: info.totalParams, device: info.device, layers }));
    return;
  }
  out(`${info.model}: ${info.totalParams.toLocaleString('en-US')} parameters, ${layers.length} freeze units, input ${info.inputShape.join('x')}, ${info.classes} classes, on ${info.device} (libtorch ${runtime.torchVersion})`);
  out(`${'#'.padStart(4)}  ${'unit'.padEnd(24)}${'kind'.padEnd(8)}${'params'.padStart(12)}${'MACs/sample'.padStart(16)}`);
  for (const l of layers) {
    out(`${String(l.index).padStart(4)}  ${l.name.padEnd(24)}${l.kind.padEnd(8)}${l.params.toLocaleString('en-US').padStart(12)}${(l.macs === null ? 'unknown' : l.macs.toLocaleString('en-US')).padStart(16)}`);
  }
}
