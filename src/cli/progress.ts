// Progress output: a redrawn bar on a terminal, plain lines elsewhere.
import type { EpochProgress, EpochRecord } from '../types';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** What the progress output writes to: a stream, a TTY or not, maybe with a width. */
export type ProgressStream = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };

/**
 * One line redrawn in place with \r. It never reaches the last column: a line that fills the
 * terminal's width wraps on many terminals, and \r then redraws only the wrapped part.
 */
export class StatusLine {
  private shown = 0;
  constructor(private readonly stream: ProgressStream) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** Usable characters: one less than the terminal's width (80 when unknown). */
  get width(): number {
    const columns = this.stream.columns;
    return Math.max(1, (columns && columns > 0 ? columns : 80) - 1);
  }

  /** Draws `text` (cut to the width); padding covers what the previous, longer line left. */
  show(text: string): void {
    if (!this.enabled) return;
    const line = text.slice(0, this.width);
    this.stream.write(`\r${line.padEnd(Math.min(this.shown, this.width))}`);
    this.shown = line.length;
  }

  clear(): void {
    if (!this.enabled || !this.shown) return;
    this.stream.write(`\r${' '.repeat(Math.min(this.shown, this.width))}\r`);
    this.shown = 0;
  }
}

const BAR_MAX = 24;
const BAR_MIN = 5;

/**
 * The batch line for `width` characters: the bar shrinks first, then the least useful fields
 * go (accuracy, loss, batch count), then the line is cut.
 */
export function batchLine(p: EpochProgress & { epoch: number }, epochs: number, eta: string, width: number): string {
  const head = `epoch ${p.epoch}/${epochs}`;
  const fields = [`${p.batch}/${p.batches}`, `loss ${p.loss.toFixed(4)}`, `acc ${(100 * p.acc).toFixed(1)}%`, `eta ${eta}`];
  // Fields by index, dropped in this order; the epoch and eta stay as long as anything does.
  const dropOrder = [2, 1, 0];
  const tails = [0, 1, 2, 3].map((n) => fields.filter((_, i) => !dropOrder.slice(0, n).includes(i)).join(' '));
  for (const tail of tails) {
    const barWidth = Math.min(BAR_MAX, width - head.length - tail.length - 4); // ' [' and '] '
    if (barWidth >= BAR_MIN) {
      const filled = Math.round((barWidth * p.batch) / Math.max(1, p.batches));
      return `${head} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${tail}`;
    }
  }
  for (const tail of tails) if (head.length + 1 + tail.length <= width) return `${head} ${tail}`;
  return `${head} ${tails[tails.length - 1]}`.slice(0, width);
}

export class ProgressReporter {
  private readonly status: StatusLine;
  private readonly started = Date.now();
  private epochStart = Date.now();
  private epochsSeen = 0;

  constructor(
    private readonly epochs: number,
    stream: ProgressStream = process.stderr,
  ) {
    this.status = new StatusLine(stream);
  }

  batch(p: EpochProgress & { epoch: number }): void {
    if (!this.status.enabled) return;
    const elapsed = Date.now() - this.epochStart;
    const eta = p.batch > 0 ? (elapsed / p.batch) * (p.batches - p.batch) : 0;
    this.status.show(batchLine(p, this.epochs, formatDuration(eta), this.status.width));
  }

  /** Clears the bar and returns the epoch's summary line (printed by the caller, not redrawn). */
  epoch(r: EpochRecord): string {
    this.epochsSeen++;
    this.epochStart = Date.now();
    const perEpoch = (Date.now() - this.started) / this.epochsSeen;
    const eta = perEpoch * (this.epochs - r.epoch);
    this.status.clear();
    return (
      `epoch ${r.epoch}/${this.epochs} lr ${r.lr.toPrecision(3)}${r.lastLr !== undefined ? `..${r.lastLr.toPrecision(3)}` : ''} frozen ${r.frozenUnits} units ` +
      `(${(100 * r.frozenParamsShare).toFixed(1)}% params, ideal backward ${idealSaving(r.idealBackwardSavedShare)}) ` +
      `loss ${r.trainLoss.toFixed(4)} train ${metricText(r.trainAcc, r.trainRmse)} ` +
      (r.valLoss !== undefined ? `val ${metricText(r.valAcc, r.valRmse)} (loss ${r.valLoss.toFixed(4)}) ` : '') +
      `test ${metricText(r.testAcc, r.testRmse)}${r.testLoss !== undefined ? ` (loss ${r.testLoss.toFixed(4)})` : ''} ` +
      (r.skippedBatches ? `skipped ${r.skippedBatches} batches (non-finite loss) ` : '') +
      (r.clippedSteps !== undefined ? `clipped ${r.clippedSteps} steps (max norm ${(r.maxGradNorm ?? 0).toPrecision(3)}) ` : '') +
      `backward ${r.backwardMs.toFixed(0)}ms epoch ${formatDuration(r.epochMs)} eta ${formatDuration(eta)}`
    );
  }
}

/** A set's headline metric: accuracy for classification, RMSE for regression. */
function metricText(acc: number | undefined, rmse: number | undefined): string {
  return rmse !== undefined ? `rmse ${rmse.toPrecision(4)}` : `${(100 * (acc ?? 0)).toFixed(2)}%`;
}

/** The ideal backward saving as a change: "-12.5%", "0.0%" when nothing is saved (never "-0.0%"). */
export function idealSaving(share: number | null): string {
  if (share === null) return 'unknown';
  const pct = (100 * share).toFixed(1);
  return pct === '0.0' || pct === '-0.0' ? '0.0%' : `-${pct}%`;
}
