// Progress output: a redrawn bar on a terminal, plain lines elsewhere.
import type { EpochProgress } from '../model';
import type { EpochRecord } from '../train';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class ProgressReporter {
  private readonly tty: boolean;
  private readonly started = Date.now();
  private epochStart = Date.now();
  private epochsSeen = 0;

  constructor(
    private readonly epochs: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  batch(p: EpochProgress & { epoch: number }): void {
    if (!this.tty) return;
    const width = 24;
    const filled = Math.round((width * p.batch) / p.batches);
    const elapsed = Date.now() - this.epochStart;
    const eta = p.batch > 0 ? (elapsed / p.batch) * (p.batches - p.batch) : 0;
    const line =
      `epoch ${p.epoch}/${this.epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
      `${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${(100 * p.acc).toFixed(1)}% eta ${formatDuration(eta)}`;
    this.stream.write(`\r${line.padEnd(100)}`);
  }

  epoch(r: EpochRecord): string {
    this.epochsSeen++;
    this.epochStart = Date.now();
    const perEpoch = (Date.now() - this.started) / this.epochsSeen;
    const eta = perEpoch * (this.epochs - r.epoch);
    const line =
      `epoch ${r.epoch}/${this.epochs} lr ${r.lr.toPrecision(3)} frozen ${r.frozenUnits} units ` +
      `(${r.frozenParamsPct.toFixed(1)}% params, ideal backward -${(100 * r.idealBackwardSaving).toFixed(1)}%) ` +
      `loss ${r.trainLoss.toFixed(4)} train ${(100 * r.trainAcc).toFixed(2)}% test ${(100 * r.testAcc).toFixed(2)}% ` +
      `backward ${r.backwardMs.toFixed(0)}ms epoch ${formatDuration(r.epochMs)} eta ${formatDuration(eta)}`;
    if (this.tty) this.stream.write(`\r${' '.repeat(100)}\r`);
    return line;
  }
}
