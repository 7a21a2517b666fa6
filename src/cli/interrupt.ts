// Ctrl-C and SIGTERM during a long command: the first stops the work within one batch (the run
// folder stays resumable, its lock released); a second Ctrl-C quits at once.
export interface Interrupt {
  signal: AbortSignal;
  /** Stops listening; call when the work is over. */
  dispose(): void;
}

export function onInterrupt(err: (line: string) => void, hint = ''): Interrupt {
  const controller = new AbortController();
  let interrupts = 0;
  const handler = () => {
    if (++interrupts > 1) process.exit(130);
    err(`\ninterrupt: stopping within one batch (press Ctrl-C again to quit at once)${hint}`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
