// `layerout bench --model NAME [--classes N] [--batch B] [--steps N] [--warmup N] [--threads T]
//                 [--device D] [--masks LIST] [--json] [--out DIR]`
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchmark } from '../bench/bench';
import { DEFAULT_MASKS, MASK_HELP } from '../bench/masks';
import { BN_MODES } from '../model';
import { MODEL_NAMES, type DeviceName, type ModelName } from '../models';
import type { BnMode } from '../native';
import { benchMarkdown, benchSvg } from '../report/bench-report';
import { parseArgs, UsageError, type OptionDefs } from './args';

export const BENCH_OPTIONS: OptionDefs = {
  model: { type: 'string', help: MODEL_NAMES.join(', '), choices: MODEL_NAMES },
  classes: { type: 'int', help: 'classes (default 10)', min: 2 },
  batch: { type: 'int', help: 'batch size (default 128)', min: 1 },
  steps: { type: 'int', help: 'timed steps per mask (default 10)', min: 1 },
  warmup: { type: 'int', help: 'warm-up steps per mask (default 2)', min: 1 },
  threads: { type: 'int', help: 'libtorch threads (default: all cores)', min: 1 },
  device: { type: 'string', help: 'cpu, cuda, cuda:N or auto' },
  masks: { type: 'string', help: `comma-separated: ${MASK_HELP}` },
  bn: { type: 'string', help: 'BatchNorm of frozen units', choices: BN_MODES },
  json: { type: 'flag', help: 'print one JSON object' },
  out: { type: 'string', help: 'write bench.json, bench.md and bench.svg here' },
};

export async function runBench(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { options, positional } = parseArgs(argv, BENCH_OPTIONS);
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  if (!options.model) throw new UsageError(`--model is required (${BENCH_OPTIONS.model.help})`);
  const masks = options.masks ? String(options.masks).split(',') : DEFAULT_MASKS;
  const result = await runBenchmark({
    model: options.model as ModelName,
    classes: options.classes as number | undefined,
    batch: options.batch as number | undefined,
    steps: options.steps as number | undefined,
    warmup: options.warmup as number | undefined,
    threads: options.threads as number | undefined,
    device: options.device as DeviceName | undefined,
    bn: options.bn as BnMode | undefined,
    masks,
    onProgress: options.json ? undefined : (m) => process.stderr.isTTY && process.stderr.write(`\r${m}   `),
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
    if (process.stderr.isTTY) err('');
    out(benchMarkdown(result));
  }
  return 0;
}
