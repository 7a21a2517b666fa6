// The run folder as a training callback: the initial checkpoint, a checkpoint and the metrics after
// every epoch, and after a non-finite loss the model put back to the last checkpoint.
import type { RunContext, TrainingCallback } from '../training/callbacks';
import { summarise, type RunEnd } from '../training/summary';
import type { RunFolder } from './folder';

export function runFolderCallback(folder: RunFolder): TrainingCallback {
  const save = async (run: RunContext) => {
    const { model, policy, records, epochs } = run;
    const training = { epochsDone: records.length, policy: policy.name, policyState: policy.getState(), records: [...records] };
    await folder.writeCheckpoint(await model.checkpointBytes(training));
    const reason = records.length < epochs ? 'interrupted' : 'completed';
    await folder.writeProgress(records, summarise(model, policy.name, epochs, records, { reason }));
  };
  return {
    // The initial state: `epochs: 0` leaves just this.
    onStart: async (run) => {
      if (run.records.length === 0) await save(run);
    },
    onEpochEnd: (_record, run) => save(run),
    onStop: async (end: RunEnd, run) => {
      if (end.reason !== 'non-finite-loss') return;
      // The model goes back to the last finite state, the one the checkpoint holds, so the
      // summary's digest and the returned model describe what is saved.
      await run.model.restore(folder.checkpointPath);
      await folder.writeProgress(run.records, summarise(run.model, run.policy.name, run.epochs, run.records, end));
    },
  };
}
