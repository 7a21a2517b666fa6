// A seedrandom generator whose full state can be saved and restored.
import seedrandom from 'seedrandom';

export type RngState = seedrandom.State.Arc4;

export class Rng {
  private readonly prng: seedrandom.StatefulPRNG<RngState>;

  constructor(seed: string, state?: RngState) {
    this.prng = seedrandom(seed, { state: state ?? true });
  }

  /** Uniform on [0, 1). */
  next(): number {
    return this.prng();
  }

  state(): RngState {
    return this.prng.state();
  }
}
