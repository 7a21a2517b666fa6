#!/usr/bin/env node
// The `layerout` command line. Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 stopped by a
// non-finite loss, 130 interrupted.
import { availableParallelism } from 'node:os';
import { UsageError, wantsHelp, type CommandSpec } from './cli/args';
import { packageVersion } from './version';
import { BENCH_COMMAND, runBench } from './cli/bench';
import { commandHelp, mainHelp } from './cli/help';
import { INFO_COMMAND, runInfo } from './cli/info';
import { EXPORT_COMMAND, runExport } from './cli/export';
import { INSPECT_COMMAND, runInspect } from './cli/inspect';
import { PREDICT_COMMAND, runPredict } from './cli/predict';
import { runStudyCommand, STUDY_COMMAND } from './cli/study';
import { runTrain, TRAIN_COMMAND } from './cli/train';
import { RunFolderConflict } from './run/folder';

type Print = (line: string) => void;

interface Command {
  spec: CommandSpec;
  run: (argv: string[], out: Print, err: Print) => Promise<number>;
}

const COMMANDS: readonly Command[] = [
  {
    spec: INFO_COMMAND,
    run: async (argv, out) => {
      runInfo(argv, out);
      return 0;
    },
  },
  { spec: TRAIN_COMMAND, run: runTrain },
  { spec: INSPECT_COMMAND, run: runInspect },
  { spec: PREDICT_COMMAND, run: runPredict },
  { spec: EXPORT_COMMAND, run: (argv, out) => runExport(argv, out) },
  { spec: BENCH_COMMAND, run: runBench },
  { spec: STUDY_COMMAND, run: runStudyCommand },
];

const SPECS = COMMANDS.map((c) => c.spec);

function find(name: string): Command {
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) throw new UsageError(`unknown command '${name}'\n\n${mainHelp(SPECS)}`);
  return command;
}

export async function main(argv: string[]): Promise<number> {
  const out: Print = (line) => process.stdout.write(line + '\n');
  const err: Print = (line) => process.stderr.write(line + '\n');
  const [name, ...rest] = argv;
  try {
    switch (name) {
      case undefined:
        err(mainHelp(SPECS)); // a command is needed: help, but as a usage error
        return 2;
      case '--version':
      case '-V':
        out(packageVersion());
        return 0;
      case 'help':
      case '--help':
      case '-h':
        if (rest.length > 1) throw new UsageError('usage: layerout help [COMMAND]');
        out(rest.length ? commandHelp(find(rest[0]).spec) : mainHelp(SPECS));
        return 0;
    }
    const command = find(name);
    if (wantsHelp(rest, command.spec.options)) {
      out(commandHelp(command.spec));
      return 0;
    }
    return await command.run(rest, out, err);
  } catch (e) {
    const where = `layerout${name && COMMANDS.some((c) => c.spec.name === name) ? ` ${name}` : ''}`;
    err(`${where}: ${(e as Error).message}`);
    if (e instanceof UsageError && e.problems) err(`(${where} --help lists every option)`);
    // The library reports bad arguments as RangeError/TypeError: usage errors too.
    // A run folder that already holds a run is a usage problem too (resume it, or --force).
    const usage = e instanceof UsageError || e instanceof RangeError || e instanceof TypeError || e instanceof RunFolderConflict;
    return usage ? 2 : 1;
  }
}

if (require.main === module) {
  // Image decoding (sharp) and file reads run on libuv's pool: one thread per core, not its default 4.
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
  // `layerout info | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // A finished command exits at once: tearing down the environment would first close the signal
    // watchers, and a Ctrl-C in that window (about 0.1 s with libtorch loaded) would kill the
    // process by the signal instead of exiting 130. Output to pipes and files is already written.
    process.exit(code);
  });
}
