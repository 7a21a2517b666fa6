// `layerout train --nproc N`: N local worker processes (ranks 0..N-1) of one data-parallel job,
// meeting through a file store in a private temporary folder (nothing listens beyond loopback).
// The launcher only watches: Ctrl-C asks every rank to stop at the same batch (a second one
// kills them), and a rank that fails stops the others, so no process outlives the job.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LaunchOptions {
  nproc: number;
  /** libtorch threads for the whole job: each rank gets an equal share (at least 1). */
  threads: number;
  /** Seconds a rank waits for the others (the ranks get --dist-timeout in `args`); after a failure the rest get this long to stop by themselves. */
  timeoutSeconds: number;
  /** The CLI script and the train arguments, without --nproc and --threads. */
  script: string;
  args: string[];
  err: (line: string) => void;
}

/** Marks a worker process started by the launcher (its Ctrl-C comes from the launcher). */
export const LAUNCHED_ENV = 'LAYEROUT_LAUNCHED';

/** Removes `--name VALUE` and `--name=VALUE` from an argument list. */
export function withoutOption(args: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) i++;
    else if (!args[i].startsWith(`--${name}=`)) out.push(args[i]);
  }
  return out;
}

export async function launchLocal(options: LaunchOptions): Promise<number> {
  const { nproc, err } = options;
  const dir = mkdtempSync(join(tmpdir(), 'layerout-dp-'));
  const threads = Math.max(1, Math.floor(options.threads / nproc));
  const children: ChildProcess[] = [];
  const codes: (number | null)[] = new Array(nproc).fill(null);
  let failure: { rank: number; code: number } | undefined;
  let stopping = 0;
  let killTimer: NodeJS.Timeout | undefined;

  const stopAll = (why: 'interrupt' | 'failure') => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null && child.connected) child.send({ stop: why });
    }
  };
  const killAll = (signal: NodeJS.Signals) => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const onSignal = () => {
    if (++stopping > 1) {
      err('interrupt: killing every rank');
      killAll('SIGKILL');
      return;
    }
    err(`\ninterrupt: every rank stops at the same batch (press Ctrl-C again to kill them)`);
    stopAll('interrupt');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const done = Array.from({ length: nproc }, (_, rank) => {
      const child = spawn(process.execPath, [options.script, ...options.args, '--threads', String(threads)], {
        env: {
          ...process.env,
          [LAUNCHED_ENV]: '1',
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          WORLD_SIZE: String(nproc),
          LAYEROUT_STORE_FILE: join(dir, 'store'),
        },
        // Rank 0 reports; the others' lines (errors only) are prefixed with their rank.
        stdio: rank === 0 ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      children.push(child);
      if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => line.trim() && err(`[rank ${rank}] ${line}`));
      return new Promise<void>((resolve) => {
        child.on('exit', (code, signal) => {
          codes[rank] = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
          // 130: stopped by Ctrl-C; 3: every rank stopped at the same non-finite loss. Neither is a failure.
          // Ranks killed by a second Ctrl-C were stopped by the user, not lost.
          const failed = code !== 0 && code !== 3 && !(stopping && code === 130) && stopping < 2;
          if (failed && !failure) {
            failure = { rank, code: codes[rank] as number };
            err(`layerout: rank ${rank} ${signal ? `was killed (${signal})` : `exited with code ${code}`}; stopping the other ranks`);
            // The others notice the lost rank at their next collective; whatever is still
            // running after the timeout is terminated, then killed.
            stopAll('failure');
            killTimer = setTimeout(() => {
              killAll('SIGTERM');
              killTimer = setTimeout(() => killAll('SIGKILL'), 5000);
            }, 1000 * options.timeoutSeconds + 5000);
          }
          resolve();
        });
        child.on('error', (e) => {
          err(`layerout: could not start rank ${rank}: ${e.message}`);
          codes[rank] = 1;
          resolve();
        });
      });
    });
    await Promise.all(done);
  } finally {
    if (killTimer) clearTimeout(killTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
  // A lost or failed rank is the job's failure: exit 1, as the help says, whatever the rank's own
  // code was (137 when it was killed, 2 when it refused its run folder).
  if (failure) return 1;
  if (stopping > 1) return 130;
  return codes[0] ?? 1;
}
