// `layerout info --model NAME [--classes N] [--json]`
import { Model } from '../model';
import { MODEL_NAMES, type DeviceName, type ModelName } from '../models';
import { loadNative } from '../native';
import { parseArgs, type OptionDefs } from './args';

export const INFO_OPTIONS: OptionDefs = {
  model: { type: 'string', help: `model name: ${MODEL_NAMES.join(', ')}`, choices: MODEL_NAMES },
  classes: { type: 'int', help: 'number of classes (default 10)', min: 2 },
  device: { type: 'string', help: 'cpu, cuda, cuda:N or auto (default cpu)' },
  json: { type: 'flag', help: 'print one JSON object' },
};

export function runInfo(argv: string[], out: (line: string) => void): void {
  const { options } = parseArgs(argv, INFO_OPTIONS);
  const runtime = loadNative().runtimeInfo();
  if (!options.model) {
    out(`libtorch ${runtime.torchVersion}, CUDA ${runtime.cudaAvailable ? `yes (${runtime.cudaDevices} GPU)` : 'no'}`);
    out(`models: ${MODEL_NAMES.join(', ')}`);
    return;
  }
  const model = new Model({
    model: options.model as ModelName,
    classes: (options.classes as number) ?? 10,
    device: options.device as DeviceName | undefined,
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
