// The run folder as a training callback: the initial checkpoint, a checkpoint and the metrics after
// every epoch, the best epoch's weights (keepBest), and after a non-finite loss or weights the
// model put back to the last checkpoint.
import type { RunContext, TrainingCallback } from '../training/callbacks';
import { summarise, type RunEnd } from '../training/summary';
import { isNewBest, type ValMetric } from '../training/validation';
import type { RunConfig, RunFolder } from './folder';

export interface RunFolderOptions {
  /** Writes best.pt whenever an epoch improves this validation metric. */
  keepBest?: ValMetric;
  /** The run's configuration (what run.json holds), kept in every checkpoint. */
  config?: RunConfig;
}

export function runFolderCallback(folder: RunFolder, options: RunFolderOptions = {}): TrainingCallback {
  const trainingState = ({ model, policy, records }: RunContext) => ({
    epochsDone: records.length,
    policy: policy.name,
    policyState: policy.getState(),
    records: [...records],
    ...(options.config ? { config: options.config } : {}),
  });
  const save = async (run: RunContext) => {
    const { model, policy, records, epochs } = run;
    const bytes = await model.checkpointBytes(trainingState(run));
    // best.pt before checkpoint.pt: a kill between them leaves the checkpoint one epoch behind,
    // and the resumed run retrains that epoch into the same best.pt bytes.
    if (options.keepBest && isNewBest(records, options.keepBest)) await folder.writeBest(bytes);
    await folder.writeCheckpoint(bytes);
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
      if (end.reason === 'interrupted') return;
      // After a non-finite loss or weights the model goes back to the last finite state, the one
      // the checkpoint holds, so the summary's digest and the returned model describe what is saved.
      if (end.reason === 'non-finite-loss' || end.reason === 'non-finite-weights') await run.model.restore(folder.checkpointPath);
      await folder.writeProgress(run.records, summarise(run.model, run.policy.name, run.epochs, run.records, end));
    },
  };
}
