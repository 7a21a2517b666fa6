// `layerout study`: a models x policies x seeds grid of runs, one run folder each under
// DIR/runs/, then DIR/study.json, DIR/study.md and SVG figures. Rerunning skips finished runs
// and resumes an interrupted one, so a study survives Ctrl-C, a crash or a reboot.
import { readRegularText } from '../io/read';
import { OBJECTIVES } from '../objective/registry';
import { parseLoss } from '../objective/spec';
import { defaultThreads } from '../models';
import { loadNative } from '../native';
import { parsePolicy } from '../policy';
import { studyEnvironment, writeStudyReport } from '../report/study-report';
import type { StudyConfig, StudyTrainOptions } from '../study/config';
import { collectStudy } from '../study/results';
import { runStudy } from '../study/runner';
import { onInterrupt } from './interrupt';
import { parseCommand, UsageError, type CommandSpec, type OptionDefs, type ParsedOptions } from './args';
import { modelOption } from './model-arg';
import { formatDuration } from './progress';
import { TRAIN_OPTIONS } from './train';
import { fieldOptions } from './field-options';
import { defaultOf, fieldDef, FIELD_NAMES } from '../config/fields';

/** The `train` options a study applies to every run (the table's `shared` fields), by flag name. */
const SHARED_OPTIONS = fieldOptions((name) => fieldDef(name).study === 'shared', 'never');
const SHARED = Object.keys(SHARED_OPTIONS);

const listCheck = (each: (item: string) => void) => (value: string | number) => {
  const items = String(value).split(',');
  if (items.some((i) => i === '')) throw new RangeError('is a comma-separated list without empty items');
  items.forEach(each);
};

const modelCheck = modelOption().check!;

export const STUDY_OPTIONS: OptionDefs = {
  config: { type: 'string', arg: 'FILE', help: 'a JSON file whose keys are these options (lists as arrays); flags given as well override it' },
  model: { type: 'string', arg: 'M[,M2]', help: 'model(s): built-in names or network spec files', check: listCheck((m) => modelCheck(m)) },
  data: { type: 'string', arg: 'SPEC', help: TRAIN_OPTIONS.data.help },
  policies: { type: 'string', arg: 'P1,P2,...', help: 'policies (see `layerout help train`)', check: (value) => splitPolicies(String(value)).forEach((p) => void parsePolicy(p)) },
  seeds: { type: 'string', arg: 'S1,S2,...', help: 'run seeds', default: '1,2,3', check: listCheck((s) => {
    if (!/^\d+$/.test(s) || Number(s) > 2 ** 32 - 1) throw new RangeError(`seeds must be whole numbers from 0 to 4294967295, got '${s}'`);
  }) },
  epochs: { type: 'int', help: 'epochs of every run', min: 1 },
  baseline: { type: 'string', arg: 'POLICY', help: "the policy the others are compared with (default: 'none' when studied, else the first)" },
  targets: { type: 'string', arg: 'A1,A2,...', help: "time-to-accuracy targets, test accuracy in percent (default: the baseline's final mean − 0.5 and − 1.0 points)", check: listCheck((a) => {
    if (!/^\d+(\.\d+)?$/.test(a) || Number(a) > 100) throw new RangeError(`targets must be percentages from 0 to 100, got '${a}'`);
  }) },
  out: { type: 'string', arg: 'DIR', help: 'the study folder: runs/ (one run folder per run), study.json, study.md, figures' },
  ...SHARED_OPTIONS,
  force: { type: 'flag', help: 'train again the runs whose folders hold other options (instead of refusing)' },
  quiet: { type: 'flag', help: 'print only the end of each run and the report' },
};

export const STUDY_COMMAND: CommandSpec = {
  name: 'study',
  summary: 'Policy x seed grids: mean ± std, Welch intervals, time to accuracy, figures.',
  options: STUDY_OPTIONS,
  usage: ['--model M[,M2] --data SPEC --policies P1,P2 --seeds 1,2,3 --epochs N --out DIR [train options]', '--config study.json [options]'],
  notes: [
    'Runs go one after another, each in DIR/runs/MODEL__POLICY__seed-S. Running the same command again skips finished runs and resumes an interrupted one exactly; a run folder whose saved options differ from the study is an error (--force trains it again). --threads and --device may change between invocations.',
    'Ctrl-C stops within one batch (exit 130); the report is written for the runs finished so far.',
  ],
};

const REQUIRED = ['model', 'data', 'policies', 'epochs', 'out'];

/** The config file's keys as command-line arguments, so they get exactly the flags' checks. */
function configArgs(file: string): string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readRegularText(file, 'study config'));
  } catch (e) {
    throw new UsageError(`--config ${file}: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`--config ${file}: must hold a JSON object of options`);
  const args: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'config' || !STUDY_OPTIONS[key]) throw new UsageError(`--config ${file}: unknown key '${key}'; allowed: ${Object.keys(STUDY_OPTIONS).filter((k) => k !== 'config').join(', ')}`);
    const def = STUDY_OPTIONS[key];
    if (def.type === 'flag') {
      if (value === true) args.push(`--${key}`);
      else if (value !== false) throw new UsageError(`--config ${file}: ${key} must be true or false`);
      continue;
    }
    const text = Array.isArray(value) ? value.map(String).join(',') : typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    if (text === undefined) throw new UsageError(`--config ${file}: ${key} must be a string, number or list`);
    args.push(`--${key}=${text}`);
  }
  return args;
}

/**
 * Policies separated by commas; a piece that does not start with a policy name continues the
 * previous policy's option list (`none,layerout:v=0.9,0.1,efreeze` is three policies).
 */
export function splitPolicies(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(',')) {
    if (out.length && !/^[A-Za-z][A-Za-z-]*(:|$)/.test(piece)) out[out.length - 1] += `,${piece}`;
    else out.push(piece);
  }
  return out;
}

export function studyConfig(argv: string[]): { config: StudyConfig; force: boolean; quiet: boolean } {
  const { options: cli } = parseCommand(argv, STUDY_COMMAND);
  const file = cli.config as string | undefined;
  const fromFile = file ? parseCommand(configArgs(file), STUDY_COMMAND).options : {};
  const given: ParsedOptions = { ...fromFile };
  for (const [k, v] of Object.entries(cli)) if (v !== undefined) given[k] = v;
  // A flag given on the command line overrides its negation from the config file (--no-channels-last over "channels-last": true).
  for (const name of FIELD_NAMES) {
    const { flag, negation } = fieldDef(name);
    if (!flag || !negation) continue;
    if (cli[flag] !== undefined && fromFile[negation.flag] !== undefined) delete given[negation.flag];
    if (cli[negation.flag] !== undefined && fromFile[flag] !== undefined) delete given[flag];
  }
  const missing = REQUIRED.filter((k) => given[k] === undefined);
  if (missing.length) throw new UsageError(`${missing.map((k) => `--${k}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required (on the command line or in --config)`);
  const policies = splitPolicies(String(given.policies));
  if (new Set(policies).size !== policies.length) throw new UsageError('--policies lists a policy twice');
  const seeds = String(given.seeds ?? '1,2,3').split(',').map(Number);
  if (new Set(seeds).size !== seeds.length) throw new UsageError('--seeds lists a seed twice');
  const models = String(given.model).split(',');
  const baseline = (given.baseline as string | undefined) ?? (policies.includes('none') ? 'none' : policies[0]);
  if (!policies.includes(baseline)) throw new UsageError(`--baseline ${baseline} is not one of the study's policies (${policies.join(', ')})`);
  const train: StudyTrainOptions = {};
  for (const k of SHARED) if (given[k] !== undefined) train[k] = given[k];
  if (train['channels-last'] && train['no-channels-last']) throw new UsageError('--channels-last and --no-channels-last exclude each other');
  // A study compares test accuracy; regression studies (RMSE) are not built yet.
  if (train.loss !== undefined && OBJECTIVES[parseLoss(String(train.loss)).kind].target !== 'class-index') {
    throw new UsageError(`--loss ${train.loss}: a study compares test accuracy over classes; it takes cross-entropy losses only (train regression runs with \`layerout train\`)`);
  }
  return {
    config: {
      models,
      data: String(given.data),
      policies,
      seeds,
      epochs: Number(given.epochs),
      baseline,
      targets: given.targets !== undefined ? String(given.targets).split(',').map(Number) : null,
      out: String(given.out),
      train,
    },
    force: Boolean(given.force),
    quiet: Boolean(given.quiet),
  };
}

/** The command line as one shell-quoted string (for the report). */
function commandText(argv: string[]): string {
  const quote = (a: string) => (/^[A-Za-z0-9_./:=,+@%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['layerout', 'study', ...argv].map(quote).join(' ');
}

export async function runStudyCommand(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { config, force, quiet } = studyConfig(argv);
  const interrupt = onInterrupt(err, '; run the same command again to continue');
  const started = Date.now();
  let result;
  try {
    result = await runStudy(config, {
      force,
      signal: interrupt.signal,
      onNotice: (m) => err(m),
      onRunStart: (run, info) => {
        if (!quiet) {
          const how = info.outcome === 'resumed' ? `, resuming after epoch ${info.resumeFrom}` : info.outcome === 'restarted' ? ', training again (--force)' : '';
          err(`run ${run.index}/${info.runs}: ${run.model} ${run.policy} seed ${run.seed} -> ${run.dir}${how}`);
        }
      },
      onEpoch: (p) => {
        if (!quiet) {
          err(`run ${p.run.index}/${p.runs} epoch ${p.record.epoch}/${p.epochs}: test ${(100 * (p.record.testAcc ?? 0)).toFixed(2)}%, ` +
            `frozen ${(100 * p.record.frozenParamsShare).toFixed(1)}%, ${formatDuration(p.record.epochMs)} | ${p.epochsLeft} epochs left, ETA ${formatDuration(p.etaMs)}`);
        }
      },
      onRunEnd: (run, outcome, summary) => {
        const acc = summary && summary.epochsDone ? `, final test ${(100 * (summary.finalTestAcc ?? 0)).toFixed(2)}%` : '';
        if (outcome === 'skipped') {
          if (!quiet) err(`run ${run.index}: ${run.model} ${run.policy} seed ${run.seed}: finished before${acc}`);
        } else err(`run ${run.index}: ${run.model} ${run.policy} seed ${run.seed}: ${outcome}${acc}`);
      },
    });
  } finally {
    interrupt.dispose();
  }
  const results = collectStudy(config);
  const env = studyEnvironment(commandText(argv), loadNative().runtimeInfo().torchVersion, (config.train.threads as number | undefined) ?? defaultThreads(), String(config.train.device ?? defaultOf('device')));
  const files = await writeStudyReport(config.out, results, config, env);
  const finished = results.runs.filter((r) => r.state === 'finished').length;
  out(`study: ${finished}/${results.runs.length} runs finished (${formatDuration(Date.now() - started)} this time); wrote ${files.join(', ')}`);
  for (const p of results.policies) {
    const diff = p.finalDiff ? `, Δ ${(100 * p.finalDiff.diff).toFixed(2)} [${(100 * p.finalDiff.low).toFixed(2)}, ${(100 * p.finalDiff.high).toFixed(2)}]` : '';
    const acc = p.n ? `, final ${(100 * p.finalAcc.mean).toFixed(2)}%${p.n > 1 ? ` ± ${(100 * p.finalAcc.std).toFixed(2)}` : ''}${diff}` : ' (no finished run yet)';
    out(`  ${p.model} ${p.policy}: n ${p.n}${acc}`);
  }
  if (result.interrupted) {
    err(`interrupted: ${finished} of ${results.runs.length} runs finished; run the same command again to continue`);
    return 130;
  }
  return 0;
}
