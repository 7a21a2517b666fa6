// A seedrandom generator whose full state can be saved and restored. seedrandom stays an
// implementation detail: the state type is declared here so that the published .d.ts files need
// no @types/seedrandom (a devDependency) in the user's project.
import seedrandom from 'seedrandom';

/** seedrandom's ARC4 state, as stored in checkpoints: two indices and the 256-entry permutation. */
export interface RngState {
  i: number;
  j: number;
  S: number[];
}

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
