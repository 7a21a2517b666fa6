// `layerout info [--model NAME]`: a model's freeze units, or the runtime and the model list.
import { Model } from '../model';
import { modelNames, type DeviceName, type ModelName } from '../models';
import { loadNative } from '../native';
import { applyDefaults, parseCommand, type CommandSpec, type OptionDefs } from './args';

export const INFO_OPTIONS: OptionDefs = {
  model: { type: 'string', arg: 'NAME', help: 'model (without it: libtorch version, CUDA and the model list)', choices: modelNames },
  classes: { type: 'int', help: 'number of classes', min: 2, default: 10 },
  device: { type: 'string', arg: 'DEVICE', help: 'cpu, cuda, cuda:N or auto', default: 'cpu' },
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
    out(`libtorch ${runtime.torchVersion}, CUDA ${runtime.cudaAvailable ? `yes (${runtime.cudaDevices} GPU)` : 'no'}`);
    out(`models: ${modelNames().join(', ')}`);
    return;
  }
  const model = new Model({
    model: options.model as ModelName,
    classes: options.classes as number,
    device: options.device as DeviceName,
  });
  const { info } = model;
  const layers = info.layers.map(({ index, name, kind, params, macs }) => ({ index, name, kind, params, macs }));
  if (options.json) {
    out(JSON.stringify({ model: info.model, classes: info.classes, totalParams: info.totalParams, device: info.device, layers }));
    return;
  }
  out(`${info.model}: ${info.totalParams.toLocaleString('en-US')} parameters, ${layers.length} freeze units, input ${info.inputShape.join('x')}, ${info.classes} classes, on ${info.device} (libtorch ${runtime.torchVersion})`);
  out(`${'#'.padStart(4)}  ${'unit'.padEnd(24)}${'kind'.padEnd(8)}${'params'.padStart(12)}${'MACs/sample'.padStart(16)}`);
  for (const l of layers) {
    out(`${String(l.index).padStart(4)}  ${l.name.padEnd(24)}${l.kind.padEnd(8)}${l.params.toLocaleString('en-US').padStart(12)}${l.macs.toLocaleString('en-US').padStart(16)}`);
  }
}
