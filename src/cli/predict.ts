// `layerout predict RUN --data SPEC`: the run's model on that data's test split: accuracy,
// per-class accuracy and the confusion matrix.
import { existsSync } from 'node:fs';
import { DATA_SPEC_HELP } from '../data/spec';
import { Model, resolveCheckpointPath } from '../model';
import { classificationReport, formatClassificationReport } from '../report/confusion';
import { RunFolder } from '../run/folder';
import { dirname, join } from 'node:path';
import { parseCommand, UsageError, type CommandSpec } from './args';
import { loadCliData } from './train';

export const PREDICT_COMMAND: CommandSpec = {
  name: 'predict',
  summary: "A run's model on a dataset's test split: accuracy, per-class accuracy, confusion matrix.",
  options: {
    data: { type: 'string', arg: 'SPEC', help: DATA_SPEC_HELP, required: true },
    'limit-test': { type: 'int', help: 'seeded stratified subset of the test set (the seed is the run\'s)', min: 1 },
    batch: { type: 'int', help: 'samples per forward pass', min: 1, default: 500 },
    threads: { type: 'int', help: 'libtorch threads (default: all cores)', min: 1 },
    json: { type: 'flag', help: 'print one JSON object' },
  },
  positionals: [{ name: 'RUN', help: 'a run folder, or a checkpoint file', required: true }],
};

export async function runPredict(argv: string[], out: (line: string) => void): Promise<number> {
  const { options, positional } = parseCommand(argv, PREDICT_COMMAND);
  const path = resolveCheckpointPath(positional[0]);
  const model = await Model.load(path);
  // The --data kinds give class labels; a regression or multi-label model has nothing to score there.
  if (model.loss.kind !== 'cross-entropy') {
    throw new UsageError(`${path} was trained with the ${model.loss.kind} loss (float targets): predict scores classification runs; use Model.load(...).predict() or evaluate() in the API`);
  }
  const folder = dirname(path);
  const seed = runSeed(folder);
  const data = loadCliData(String(options.data), undefined, options['limit-test'] as number | undefined, seed);
  const test = data.test;
  if (test.classes > model.info.classes) {
    throw new UsageError(`--data ${options.data} has ${test.classes} classes but the model predicts ${model.info.classes}`);
  }
  const logits = await model.predict(test.images, test.shape, {
    batchSize: (options.batch as number | undefined) ?? 500,
    threads: options.threads as number | undefined,
  });
  const report = classificationReport(logits, test.labels, model.info.classes);
  if (options.json) out(JSON.stringify({ checkpoint: path, model: model.info.model, data: test.name, ...report }));
  else {
    out(`${model.info.model} from ${path} on ${test.name} (${test.shape[0]} samples)`);
    for (const line of formatClassificationReport(report)) out(line);
  }
  return 0;
}

/** The run's seed (it picks the --limit-test subset); 0 when the folder has no readable run.json. */
function runSeed(folder: string): number {
  if (!existsSync(join(folder, 'run.json'))) return 0;
  try {
    return new RunFolder(folder).readConfig().training.seed;
  } catch {
    return 0; // a damaged run.json does not stop a prediction from an intact checkpoint
  }
}
