#!/usr/bin/env node
// The `layerout` command line.
import { UsageError, usage } from './cli/args';
import { BENCH_OPTIONS, runBench } from './cli/bench';
import { INFO_OPTIONS, runInfo } from './cli/info';
import { INSPECT_OPTIONS, runInspect, runTrain, TRAIN_OPTIONS } from './cli/train';

const HELP = `usage: layerout <command> [options]
  info     --model NAME [--classes N] [--json]      a model's freeze units and parameter counts
  train    --model NAME --data SPEC --epochs N ...   train with a freeze policy (layerout train --help)
  inspect  CHECKPOINT [--json]                       a checkpoint's epoch, policy state and unit digests
  bench    --model NAME [--json] ...                 backward time saved by freezing (layerout bench --help)`;

export async function main(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(line + '\n');
  const err = (line: string) => process.stderr.write(line + '\n');
  const [command, ...rest] = argv;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      const defs = { info: INFO_OPTIONS, train: TRAIN_OPTIONS, inspect: INSPECT_OPTIONS, bench: BENCH_OPTIONS } as const;
      if (command in defs) {
        out(usage(command, defs[command as keyof typeof defs]));
        return 0;
      }
    }
    switch (command) {
      case 'info':
        runInfo(rest, out);
        return 0;
      case 'train':
        return await runTrain(rest, out, err);
      case 'inspect':
        return await runInspect(rest, out);
      case 'bench':
        return await runBench(rest, out, err);
      case undefined:
      case 'help':
      case '--help':
        out(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'\n${HELP}`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError || e instanceof TypeError) {
      err(`layerout ${command ?? ''}: ${e.message}`);
      return 2;
    }
    err(`layerout ${command ?? ''}: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  // `layerout info | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
