// One rank's side of a data-parallel run: joining, the per-epoch agreement, rank 0's state sent
// to every rank, and leaving. The gradient all-reduce itself runs inside each native epoch.
import { createHash } from 'node:crypto';
import type { Model } from '../model';
import { loadNative } from '../native';
import type { CheckedDistributed } from './options';

export class DataParallel {
  private constructor(
    private readonly model: Model,
    readonly rank: number,
    readonly worldSize: number,
  ) {}

  /** Joins the group (blocks until every rank has joined, or the timeout). */
  static async join(model: Model, options: CheckedDistributed): Promise<DataParallel> {
    if (!loadNative().runtimeInfo().c10d) {
      throw new Error(
        'this build of layerout has no data-parallel support: Gloo\'s headers were missing when the addon was built. ' +
          'On Debian/Ubuntu run `sudo apt-get install libgloo-dev` (or `npm run setup`), then `npm run build:native`.',
      );
    }
    await model.group.join(options);
    return new DataParallel(model, options.rank, options.world);
  }

  get isLeader(): boolean {
    return this.rank === 0;
  }

  /**
   * Checks that every rank holds the same `what` (any JSON value; compared by hash), and shares
   * stop requests. Throws on a mismatch, on every rank alike; returns whether some rank stops.
   */
  async agree(label: string, what: unknown, stop: boolean): Promise<boolean> {
    const result = await this.model.group.agree(hashValues(what), stop);
    if (!result.equal) {
      throw new Error(
        `data-parallel ranks disagree on ${label}: rank ${this.rank}'s differs from another rank's. ` +
          'Every rank must run the same layerout version with the same options, data and seed.',
      );
    }
    return result.stop;
  }

  /** Rank 0's bytes on every rank (other ranks pass null). */
  async broadcast(bytes: Buffer | null): Promise<Buffer> {
    return this.model.group.broadcast(this.isLeader ? bytes : null);
  }

  /** `clean`: with the other ranks, after a run; otherwise (after a failure) just drop the group. */
  async leave(clean: boolean): Promise<void> {
    await this.model.group.leave(clean);
  }
}

/** A JSON value as three 48-bit numbers (exact in a double): enough to catch any difference. */
function hashValues(what: unknown): number[] {
  const digest = createHash('sha256').update(JSON.stringify(what)).digest();
  return [0, 6, 12].map((at) => digest.readUIntBE(at, 6));
}
