// `layerout predict RUN --data SPEC`: the run's model on that data's test split: accuracy,
// per-class accuracy and the confusion matrix.
// `layerout predict RUN --images DIR|FILE... | --csv FILE | --npy FILE [--out FILE]`: new,
// unlabelled inputs read the way the run read its data; one row per input (name, class name,
// top-k probabilities; or values), as CSV or JSON.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATA_SPEC_HELP } from '../data/spec';
import { Model, resolveCheckpointPath } from '../model';
import type { PredictSource } from '../predict/inputs';
import { predictionsCsv } from '../predict/outputs';
import { classificationReport, formatClassificationReport } from '../report/confusion';
import { writeFileAtomic } from '../run/atomic';
import { RunFolder } from '../run/folder';
import { parseCommand, UsageError, type CommandSpec, type ParsedOptions } from './args';
import { loadCliData } from './train';

export const PREDICT_COMMAND: CommandSpec = {
  name: 'predict',
  summary: "A run's model on a dataset's test split (accuracy, confusion matrix), or on new files (one prediction per input).",
  options: {
    data: { type: 'string', arg: 'SPEC', help: `score the test split of a dataset: ${DATA_SPEC_HELP}` },
    images: { type: 'string', arg: 'PATH', help: 'predict image files, or every image in a folder (more paths may follow RUN); decoded as the run decoded its images' },
    csv: { type: 'string', arg: 'FILE', help: "predict a table's rows: the run's feature columns, standardised as in training (a name or id column names the rows)" },
    npy: { type: 'string', arg: 'FILE', help: 'predict the rows of a .npy array shaped as the run\'s npy data' },
    out: { type: 'string', arg: 'FILE', help: 'write the predictions to FILE as CSV (default: print them)' },
    'skip-unreadable': { type: 'flag', help: 'with --images: leave out files that do not decode (listed on stderr) instead of failing' },
    top: { type: 'int', help: 'classes (with probabilities) per prediction', min: 1, default: 3 },
    'limit-test': { type: 'int', help: 'with --data: seeded stratified subset of the test set (the seed is the run\'s)', min: 1 },
    batch: { type: 'int', help: 'samples per forward pass', min: 1, default: 500 },
    threads: { type: 'int', help: 'libtorch threads (default: all cores)', min: 1 },
    json: { type: 'flag', help: 'print one JSON object' },
  },
  positionals: [
    { name: 'RUN', help: 'a run folder, or a checkpoint file', required: true },
    { name: 'PATH', help: 'with --images: more image files or folders', variadic: true },
  ],
  usage: ['RUN --data SPEC [--limit-test N] [--json]', 'RUN --images PATH [PATH...] | --csv FILE | --npy FILE [--out FILE] [--top K] [--json]'],
};

export async function runPredict(argv: string[], out: (line: string) => void, err: (line: string) => void = () => undefined): Promise<number> {
  const { options, positional } = parseCommand(argv, PREDICT_COMMAND);
  const given = (['data', 'images', 'csv', 'npy'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) throw new UsageError(given.length ? `give one of --data, --images, --csv and --npy, not --${given.join(' and --')}` : 'give --data SPEC (score a test split) or --images, --csv or --npy (predict new inputs)');
  if (positional.length > 1 && !options.images) throw new UsageError(`unexpected argument '${positional[1]}' (more paths may follow RUN only with --images)`);
  const path = resolveCheckpointPath(positional[0]);
  const model = await Model.load(path);
  if (options.data !== undefined) {
    if (options.out !== undefined) throw new UsageError('--out writes predictions of new inputs (--images, --csv, --npy); --data prints a score');
    return scoreTestSplit(model, path, options, out);
  }
  const source: PredictSource = options.images !== undefined ? { images: [String(options.images), ...positional.slice(1)] } : options.csv !== undefined ? { csv: String(options.csv) } : { npy: String(options.npy) };
  if (options['skip-unreadable'] && options.images === undefined) throw new UsageError('--skip-unreadable applies to --images');
  let predictions;
  try {
    const result = await model.predictFiles(source, { top: Math.min(Number(options.top ?? 3), model.info.classes), batchSize: options.batch as number | undefined, threads: options.threads as number | undefined, skipUnreadable: Boolean(options['skip-unreadable']) });
    predictions = result.predictions;
    for (const s of result.skipped) err(`skipped ${s.name}: ${s.reason}`);
  } catch (e) {
    if (e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((e as Error).message);
    throw e;
  }
  if (options.out !== undefined) {
    await writeFileAtomic(String(options.out), predictionsCsv(predictions));
    if (!options.json) out(`${predictions.length} prediction(s) written to ${options.out}`);
  }
  if (options.json) out(JSON.stringify({ checkpoint: path, model: model.info.model, predictions }));
  else if (options.out === undefined) out(predictionsCsv(predictions).trimEnd());
  return 0;
}

async function scoreTestSplit(model: Model, path: string, options: ParsedOptions, out: (line: string) => void): Promise<number> {
  // The --data kinds give class labels; a regression or multi-label model has nothing to score there.
  if (model.loss.kind !== 'cross-entropy') {
    throw new UsageError(`${path} was trained with the ${model.loss.kind} loss (float targets): --data scores classification runs; predict new inputs with --images/--csv/--npy, or use evaluate() in the API`);
  }
  // The seed the run split its data with (a test set the data did not come with): the checkpoint's record, then run.json's.
  const seed = model.inputs?.split?.seed ?? runSeed(dirname(path));
  // Read as the model read its data: its image decode, its table's statistics.
  const data = await loadCliData(String(options.data), undefined, options['limit-test'] as number | undefined, seed, undefined, model.inputs);
  const test = data.test;
  const classNames = model.inputs?.classNames;
  const labels = labelsByName(test.labels as ArrayLike<number>, data.inputs?.classNames, classNames, String(options.data));
  if (test.classes > model.info.classes && !(classNames && data.inputs?.classNames)) {
    throw new UsageError(`--data ${options.data} has ${test.classes} classes but the model predicts ${model.info.classes}`);
  }
  const logits = await model.predict(test.images, test.shape, {
    batchSize: (options.batch as number | undefined) ?? 500,
    threads: options.threads as number | undefined,
  });
  const report = classificationReport(logits, labels, model.info.classes);
  if (options.json) out(JSON.stringify({ checkpoint: path, model: model.info.model, data: test.name, ...(classNames ? { classNames } : {}), ...report }));
  else {
    out(`${model.info.model} from ${path} on ${test.name} (${test.shape[0]} samples)`);
    if (classNames) out(`classes: ${classNames.map((n, i) => `${i}=${n}`).join(', ')}`);
    for (const line of formatClassificationReport(report)) out(line);
  }
  return 0;
}

/**
 * The data's labels as the model's class indices: when both name their classes, by name (a folder
 * holding only some classes, or classes in another order, is scored right); a class the model does
 * not know is an error.
 */
function labelsByName(labels: ArrayLike<number>, dataNames: string[] | undefined, modelNames: string[] | undefined, spec: string): ArrayLike<number> {
  if (!dataNames || !modelNames) return labels;
  const unknown = dataNames.filter((n) => !modelNames.includes(n));
  if (unknown.length) throw new UsageError(`--data ${spec} has class(es) ${unknown.map((n) => `'${n}'`).join(', ')} that the model does not know; its classes are ${modelNames.join(', ')}`);
  const toModel = dataNames.map((n) => modelNames.indexOf(n));
  return Int32Array.from(labels, (y) => toModel[y]);
}

/** The run's seed (it picks the --limit-test subset and a split the data did not come with); 0 when the folder has no readable run.json. */
function runSeed(folder: string): number {
  if (!existsSync(join(folder, 'run.json'))) return 0;
  try {
    const config = new RunFolder(folder).readConfig();
    return config.data.source?.splitSeed ?? config.data.source?.seed ?? config.training.seed;
  } catch {
    return 0; // a damaged run.json does not stop a prediction from an intact checkpoint
  }
}
