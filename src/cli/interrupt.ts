// Ctrl-C and SIGTERM during a long command: the first stops the work within one batch (the run
// folder stays resumable, its lock released); a second quits (130) as soon as no file is half-written.
import { LAUNCHED_ENV } from '../distributed/launch';
import { writesSettled } from '../run/atomic';

export interface Interrupt {
  signal: AbortSignal;
  /** Stops listening; call when the work is over. */
  dispose(): void;
}

/**
 * `isTail()` says whether the work's last batch is done: an interrupt then has nothing left to
 * stop (the run finishes writing and completes, exit 0), and says so instead of "stopping". A
 * second interrupt quits with 130 once no run-folder file is being written, so the folder stays
 * consistent (every write is atomic; the lock is a stale one the next start takes over).
 */
export function onInterrupt(err: (line: string) => void, hint = '', isTail: () => boolean = () => false): Interrupt {
  if (process.env[LAUNCHED_ENV] && process.send) return fromLauncher();
  const controller = new AbortController();
  let interrupts = 0;
  const handler = () => {
    if (++interrupts > 2) process.exit(130); // a third: at once, even with a write stuck (a hung network disk)
    if (interrupts > 1) {
      err('interrupt: quitting once the file being written is complete (Ctrl-C again to quit at once)');
      void writesSettled().then(() => process.exit(130));
      return;
    }
    if (isTail()) err('\ninterrupt: the last batch is done; the run is finishing (press Ctrl-C again to quit)');
    else err(`\ninterrupt: stopping within one batch (press Ctrl-C again to quit)${hint}`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      // The work is over but the process is still finishing (summary lines, the lock): a signal
      // now quits with 130 like a second Ctrl-C, instead of killing the process by the signal.
      if (!process.listeners('SIGINT').includes(late)) {
        process.on('SIGINT', late);
        process.on('SIGTERM', late);
      }
    },
  };
}

function late(): void {
  void writesSettled().then(() => process.exit(130));
}

/**
 * A rank started by `--nproc`: the terminal's Ctrl-C reaches every process of the group, but only
 * the launcher acts on it (it tells each rank, so they stop at the same batch). The launcher
 * going away stops the rank too; SIGTERM still stops it like Ctrl-C.
 */
function fromLauncher(): Interrupt {
  const controller = new AbortController();
  const stop = (message?: unknown) => {
    controller.abort();
    // Another rank failed: a rank still blocked in the rendezvous cannot notice, so it leaves.
    // process.exit would wait for the blocked native call (Node joins its worker threads), so the
    // rank kills itself; its run folder writes are atomic, so nothing is half-written.
    if ((message as { stop?: string } | undefined)?.stop === 'failure') {
      setTimeout(() => {
        process.stderr.write('stopping: another rank failed\n');
        process.kill(process.pid, 'SIGKILL');
      }, 3000).unref();
    }
  };
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', stop);
  process.on('message', stop);
  process.on('disconnect', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', stop);
      process.off('message', stop);
      process.off('disconnect', stop);
      if (process.connected) process.disconnect();
    },
  };
}
