// `layerout bench --model NAME ...`: the backward time each freeze mask saves.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchmark } from '../bench/bench';
import { DEFAULT_MASKS, MASK_HELP } from '../bench/masks';
import type { DeviceName, Precision } from '../models';
import type { BnMode } from '../types';
import { benchMarkdown, benchSvg } from '../report/bench-report';
import { parseCommand, type CommandSpec, type OptionDefs } from './args';
import { fieldOptions } from './field-options';
import { memoryFormat, modelOption, parseInputShape, resolveModelArg } from './model-arg';
import { StatusLine } from './progress';

export const BENCH_OPTIONS: OptionDefs = {
  model: modelOption({ required: true }),
  classes: { type: 'int', help: 'classes', min: 2, default: 10 },
  steps: { type: 'int', help: 'timed steps per mask', min: 1, default: 10 },
  warmup: { type: 'int', help: 'warm-up steps per mask', min: 1, default: 2 },
  // The run options a benchmark shares with `train` (src/config/fields.ts).
  ...fieldOptions((name) => ['batchSize', 'threads', 'device', 'channelsLast', 'precision', 'bn'].includes(name), 'never'),
  input: { type: 'string', arg: 'CxHxW', help: 'input shape of a torchscript:PATH model (e.g. 1x28x28)' },
  masks: { type: 'string', arg: 'LIST', help: `comma-separated: ${MASK_HELP}`, default: DEFAULT_MASKS.join(',') },
  json: { type: 'flag', help: 'print one JSON object' },
  out: { type: 'string', arg: 'DIR', help: 'write bench.json, bench.md and bench.svg here' },
};

export const BENCH_COMMAND: CommandSpec = {
  name: 'bench',
  summary: 'Backward time saved by freezing: forward, backward and optimizer time per freeze mask, all masks interleaved in one process.',
  options: BENCH_OPTIONS,
};

export async function runBench(argv: string[], out: (line: string) => void, _err: (line: string) => void): Promise<number> {
  const { options } = parseCommand(argv, BENCH_COMMAND);
  const status = new StatusLine(process.stderr);
  const masks = options.masks ? String(options.masks).split(',') : DEFAULT_MASKS;
  const result = await runBenchmark({
    model: resolveModelArg(String(options.model)),
    classes: options.classes as number | undefined,
    batch: options.batch as number | undefined,
    steps: options.steps as number | undefined,
    warmup: options.warmup as number | undefined,
    threads: options.threads as number | undefined,
    device: options.device as DeviceName | undefined,
    inputShape: parseInputShape(options.input as string | undefined),
    channelsLast: memoryFormat(options),
    precision: options.precision as Precision | undefined,
    bn: options.bn as BnMode | undefined,
    masks,
    onProgress: options.json ? undefined : (m) => status.show(m),
  });
  if (options.out) {
    const dir = String(options.out);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(dir, 'bench.md'), benchMarkdown(result));
    writeFileSync(join(dir, 'bench.svg'), benchSvg(result));
  }
  if (options.json) out(JSON.stringify(result));
  else {
    status.clear();
    out(benchMarkdown(result));
  }
  return 0;
}
