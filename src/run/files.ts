// The names of a run folder's files: the one place they are written (no imports, so the model and
// the run folder can both depend on it).
export const RUN_FILE = 'run.json';
export const CHECKPOINT_FILE = 'checkpoint.pt';
