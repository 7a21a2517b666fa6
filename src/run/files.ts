// The names of a run folder's files: the one place they are written (no imports, so the model and
// the run folder can both depend on it).
export const RUN_FILE = 'run.json';
export const CHECKPOINT_FILE = 'checkpoint.pt';
/** A TorchScript run's copy of its module (checked by SHA-256), so the run needs no outside file. */
export const MODULE_FILE = 'module.pt';
/** The best epoch's checkpoint by the validation metric of `keepBest`, beside CHECKPOINT_FILE. */
export const BEST_FILE = 'best.pt';
