// The run configuration: one table of every option a training run takes, from which the CLI's
// `train` and `study` options and help, the API's options type, run.json, the resume comparison
// and the study's comparison are derived (docs/ARCHITECTURE.md). Each
// default is written here and nowhere else.
import type { AugmentOptions } from '../data/augment';
import { DATA_SPEC_HELP } from '../data/spec';
import type { DatasetPair } from '../data/types';
import { DEFAULT_DIST_TIMEOUT_S, parseMaster, type DistributedOptions } from '../distributed/options';
import { DEFAULT_DEVICE, DEFAULT_PRECISION, DEFAULT_SEED, MAX_CLASSES, PRECISIONS, type DeviceName, type ModelName, type Precision, type TorchScriptSource } from '../models';
import { parsePolicy, POLICY_HELP, type FreezePolicy, type MaskFunction, type PolicySpec } from '../policy';
import { parseUnitSelection } from '../policy/pinned';
import { DEFAULT_OBJECTIVE, OBJECTIVE_NAMES, OBJECTIVES, type ObjectiveName } from '../objective/registry';
import { checkLoss, LOSS_HELP, parseLoss, type LossSpec } from '../objective/spec';
import { DEFAULT_OPTIMIZER, OPTIMIZER_NAMES, OPTIMIZERS, type OptimizerName } from '../optim/registry';
import { checkOptimizer, OPTIMIZER_HELP, parseOptimizer, type OptimizerSpec } from '../optim/spec';
import { parseSchedule, SCHEDULE_HELP, type Schedule } from '../schedule';
import { EARLY_STOP_HELP, parseEarlyStop, VAL_METRICS, type EarlyStopSpec, type ValMetric } from '../training/validation';
import type { NetworkSpec } from '../spec/types';
import { BN_MODES, NON_FINITE_ACTIONS, type BnMode, type NonFiniteAction } from '../types';

/** The groups of the table, in the order help and docs list them. */
export const FIELD_GROUPS = ['model', 'data', 'optimizer', 'objective', 'policy', 'schedule', 'validation', 'runtime', 'distributed', 'output'] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

/**
 * What a resume does with a field: `free` may differ from the run's start (given again or not);
 * `fixed` must equal what run.json holds (and cannot be given with --resume); `fixed-given` must
 * equal it too but may be given with --resume (data built in memory has no saved spec).
 */
export type ResumeRule = 'free' | 'fixed' | 'fixed-given';

/** What `layerout study` does with a field: one value for every run, an axis of the grid, or not offered. */
export type StudyRole = 'shared' | 'grid' | 'none';

export interface FieldDef {
  group: FieldGroup;
  /** One phrase for help text and docs. */
  help: string;
  /** The `train` flag (without --); null: API only. */
  flag: string | null;
  /** A second flag that sets the boolean to false (`--no-channels-last`). */
  negation?: { flag: string; help: string };
  /** The value's type: how the flag's text is read and how the API checks it (`flag`: a boolean). */
  cli?: 'string' | 'int' | 'number' | 'flag';
  /** Placeholder in help (`--policy SPEC`). */
  arg?: string;
  /** False: the CLI's alone (no API option of this name). */
  api: boolean;
  /** Required in the API; on the command line required unless --resume. */
  required?: boolean;
  /** The one place the default is written; absent: none, or one that depends on the model or data (said in `help`). */
  default?: string | number | boolean;
  /** Numbers: bounds (API and CLI alike). */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  /** Strings: the allowed values. */
  choices?: readonly string[];
  /** Extra check of a CLI value (spec parsers); throws RangeError. */
  check?: (value: string | number) => void;
  /** Where run.json keeps it (dotted path); absent: not saved. */
  saved?: string;
  /** What run folders written before the field existed mean by leaving it out. */
  absentMeans?: unknown;
  /** The saved value in its one comparable form (an optimizer saved as 'sgd' and as an object alike). */
  normalize?: (saved: unknown) => unknown;
  resume: ResumeRule;
  study: StudyRole;
}

/** A run field's definition carrying its API option's type T (never: CLI only) and whether the API requires it (R). */
export type Field<T, R extends boolean> = FieldDef & { readonly __value?: T; readonly __required?: R };
const field = <T, R extends boolean = false>(def: FieldDef): Field<T, R> => def as Field<T, R>;

const specCheck = (parse: (text: string) => unknown) => (value: string | number) => void parse(String(value));

export const RUN_FIELDS = {
  // model
  /** A built-in model's name (`modelNames()`), your own network as a spec, or a TorchScript file. */
  model: field<ModelName | NetworkSpec | TorchScriptSource, true>({
    group: 'model', flag: 'model', cli: 'string', arg: 'NAME|PATH.json', api: true, required: true,
    help: 'a built-in model (see `layerout info`), a network spec file PATH.json, or torchscript:PATH',
    saved: 'model', resume: 'fixed', study: 'grid',
  }),
  /** Output classes (default: the data's). */
  classes: field<number>({ group: 'model', flag: 'classes', cli: 'int', api: true, min: 2, max: MAX_CLASSES, help: "classes (default: the dataset's)", saved: 'model.classes', resume: 'fixed', study: 'shared' }),
  /** Configurable models (mlp) only: hidden layer widths. */
  hidden: field<number[]>({ group: 'model', flag: null, api: true, help: 'mlp hidden layer widths', saved: 'model.hidden', resume: 'fixed', study: 'none' }),
  /** Configurable models (mlp) and TorchScript files: input C, H, W (TorchScript: the data's). */
  inputShape: field<[number, number, number]>({ group: 'model', flag: null, api: true, help: "input C, H, W (default: the data's for the mlp and TorchScript, and for data larger than a ResNet's or VGG's 3x32x32)", saved: 'model.inputShape', resume: 'fixed', study: 'none' }),

  /**
   * Starts from these weights (fine-tuning): a `torch.save`d state dict (PyTorch's
   * `model.state_dict()` of the same network, e.g. built with python/layerout_torch.py, or a
   * `layerout export`) or a TorchScript file, matched by tensor name; loaded, missing and
   * unexpected names are reported, a shape mismatch is an error. Default none (fresh weights).
   */
  initFrom: field<string>({ group: 'model', flag: 'init-from', cli: 'string', arg: 'FILE', api: true, help: "start from a torch.save'd state dict or TorchScript file's weights, matched by name (fine-tuning)", saved: 'training.initFrom', absentMeans: null, resume: 'fixed', study: 'shared' }),
  /** With initFrom: the last unit (the head) keeps its fresh weights, e.g. for another class count; default false. */
  resetHead: field<boolean>({ group: 'model', flag: 'reset-head', cli: 'flag', api: true, default: false, help: 'with --init-from: keep the last unit (the head) freshly initialised, e.g. for another class count', saved: 'training.resetHead', absentMeans: false, resume: 'fixed', study: 'shared' }),

  units: field<never>({ group: 'model', flag: 'units', cli: 'string', arg: 'FILE.json', api: false, help: 'a torchscript:PATH model\'s freeze units: [{"name": ..., "params": ["pattern", ...]}, ...] (default: one per top-level child module)', resume: 'fixed', study: 'shared' }),

  // data
  /** The training and test sets. */
  data: field<DatasetPair, true>({ group: 'data', flag: 'data', cli: 'string', arg: 'SPEC', api: true, required: true, help: DATA_SPEC_HELP, saved: 'data', resume: 'fixed-given', study: 'grid' }),
  limitTrain: field<never>({ group: 'data', flag: 'limit-train', cli: 'int', api: false, min: 1, help: 'seeded stratified subset of the training set', saved: 'data.source.limitTrain', resume: 'fixed', study: 'shared' }),
  limitTest: field<never>({ group: 'data', flag: 'limit-test', cli: 'int', api: false, min: 1, help: 'seeded stratified subset of the test set', saved: 'data.source.limitTest', resume: 'fixed', study: 'shared' }),
  /** Samples per step (the global batch in data-parallel runs); default 128. */
  batchSize: field<number>({ group: 'data', flag: 'batch', cli: 'int', api: true, min: 1, max: 1 << 20, default: 128, help: 'batch size', saved: 'training.batchSize', resume: 'fixed', study: 'shared' }),
  /** Explicit augmentation; left out: the data kind's defaults (the paper's). */
  augment: field<AugmentOptions>({
    group: 'data', flag: 'augment', cli: 'string', arg: 'LIST', api: true,
    help: "crop[=PAD],flip,erase[=P] or none (default: the paper's per dataset)",
    saved: 'training.augment', absentMeans: null, resume: 'fixed', study: 'shared',
  }),
  /** Seeds the weights, the data order, augmentation and the policy (an integer in [0, 2^32)); default 0. */
  seed: field<number>({ group: 'data', flag: 'seed', cli: 'int', api: true, min: 0, max: 2 ** 32 - 1, default: DEFAULT_SEED, help: 'run seed', saved: 'training.seed', resume: 'fixed', study: 'grid' }),

  // optimizer
  /** The optimizer and its settings (src/optim/): 'adamw', 'adamw:betas=0.9,0.99' or { kind: 'adamw', betas: [0.9, 0.99] }; default 'sgd'. */
  optimizer: field<OptimizerName | OptimizerSpec | string>({
    group: 'optimizer', flag: 'optimizer', cli: 'string', arg: 'SPEC', api: true, default: DEFAULT_OPTIMIZER, check: specCheck(parseOptimizer),
    help: `the optimizer: ${OPTIMIZER_HELP} (${OPTIMIZER_NAMES.map((n) => `${n}: ${OPTIMIZERS[n].help}`).join('; ')})`,
    saved: 'training.optimizer', absentMeans: DEFAULT_OPTIMIZER, normalize: checkOptimizer, resume: 'fixed', study: 'shared',
  }),
  /** Base learning rate (the schedule scales it); default: the optimizer's (sgd 0.01, adam and adamw 0.001). */
  lr: field<number>({
    group: 'optimizer', flag: 'lr', cli: 'number', api: true, min: 0, minExclusive: true,
    help: `base learning rate (default: the optimizer's: ${OPTIMIZER_NAMES.map((n) => `${n} ${OPTIMIZERS[n].defaultLr}`).join(', ')})`,
    saved: 'training.lr', resume: 'fixed', study: 'shared',
  }),
  /** SGD momentum (sgd only), in [0, 1]; default 0.9. */
  momentum: field<number>({ group: 'optimizer', flag: 'momentum', cli: 'number', api: true, min: 0, max: 1, default: 0.9, help: 'SGD momentum (sgd only)', saved: 'training.momentum', resume: 'fixed', study: 'shared' }),
  /** Weight decay: an L2 term in the gradient (sgd, adam), or decoupled (adamw: weights shrink by lr * weightDecay per step); default 5e-4. */
  weightDecay: field<number>({ group: 'optimizer', flag: 'weight-decay', cli: 'number', api: true, min: 0, default: 5e-4, help: 'weight decay (adamw: decoupled, as torch.optim.AdamW)', saved: 'training.weightDecay', resume: 'fixed', study: 'shared' }),

  /** Gradient clipping: each step's gradients scaled to a global 2-norm of at most this (after the data-parallel all-reduce); default off. */
  clipGradNorm: field<number>({
    group: 'optimizer', flag: 'clip-grad-norm', cli: 'number', arg: 'X', api: true, min: 0, minExclusive: true, max: 1e30,
    help: 'scale each step\'s gradients to a global 2-norm of at most X (torch.nn.utils.clip_grad_norm_; default off)', saved: 'training.clipGradNorm', resume: 'fixed', study: 'shared',
  }),

  // objective
  /** The loss, its settings and so the task and metrics (src/objective/): 'mse', 'cross-entropy:label-smoothing=0.1' or { kind: 'huber', delta: 0.5 }; default 'cross-entropy'. */
  loss: field<ObjectiveName | LossSpec | string>({
    group: 'objective', flag: 'loss', cli: 'string', arg: 'SPEC', api: true, default: DEFAULT_OBJECTIVE, check: specCheck(parseLoss),
    help: `the loss: ${LOSS_HELP} (${OBJECTIVE_NAMES.map((n) => `${n}: ${OBJECTIVES[n].help}`).join('; ')})`,
    saved: 'training.loss', absentMeans: DEFAULT_OBJECTIVE, normalize: checkLoss, resume: 'fixed', study: 'shared',
  }),
  /**
   * A batch whose loss is NaN or infinite: 'stop' (the run ends there, before that batch changes
   * anything, and the last checkpoint stays the last finite state), 'skip-batch', or 'continue';
   * default 'stop'.
   */
  onNonFinite: field<NonFiniteAction>({
    group: 'objective', flag: 'on-nonfinite', cli: 'string', arg: 'ACTION', api: true, choices: NON_FINITE_ACTIONS, default: 'stop',
    help: 'a batch with a NaN or infinite loss: stop the run (exit 3), skip-batch, or continue (may change on --resume)',
    saved: 'training.onNonFinite', absentMeans: 'stop', resume: 'free', study: 'shared',
  }),

  // policy
  /** A policy spec or string (see POLICY_HELP), a FreezePolicy, or `(epoch, units) => mask`; default 'none' (no freezing). */
  policy: field<PolicySpec | string | MaskFunction | FreezePolicy>({
    group: 'policy', flag: 'policy', cli: 'string', arg: 'SPEC', api: true, default: 'none', help: POLICY_HELP, check: specCheck(parsePolicy),
    saved: 'training.policy', resume: 'fixed', study: 'grid',
  }),
  /**
   * Units frozen in every epoch, e.g. a pretrained backbone: indices, ranges and unit names,
   * comma-separated ('0-5', 'convs.*,fc1'); the policy decides over the other units only. Stored
   * as the policy's `freeze=` option (also written `--policy layerout:freeze=0-5`); default none.
   */
  freeze: field<string>({
    group: 'policy', flag: 'freeze', cli: 'string', arg: 'UNITS', api: true, check: (v) => void parseUnitSelection(String(v)),
    help: "units frozen every epoch (indices, ranges A-B, unit names; the policy decides over the rest); saved as the policy's freeze= option",
    // Kept inside the saved policy: a resume takes it from there.
    resume: 'fixed', study: 'shared',
  }),
  /**
   * What the BatchNorms of the `freeze` units do: 'freeze' (statistics and affine fixed, the
   * pretrained network as it was), 'freeze-affine' or 'train'; the policy's frozen units follow
   * `bn`; default 'freeze'.
   */
  freezeBn: field<BnMode>({ group: 'policy', flag: 'freeze-bn', cli: 'string', arg: 'MODE', api: true, choices: BN_MODES, default: 'freeze', help: "BatchNorm of --freeze's units (default freeze: statistics and affine fixed)", saved: 'training.freezeBn', absentMeans: 'freeze', resume: 'fixed', study: 'shared' }),
  /** What a frozen unit's BatchNorm does: 'train' (statistics and affine keep learning), 'freeze-affine' or 'freeze' (design notes); default 'train'. */
  bn: field<BnMode>({ group: 'policy', flag: 'bn', cli: 'string', arg: 'MODE', api: true, choices: BN_MODES, default: 'train', help: 'BatchNorm of frozen units', saved: 'training.bn', resume: 'fixed', study: 'shared' }),

  // schedule
  /** Epochs to train; 0 writes the initial checkpoint. */
  epochs: field<number, true>({ group: 'schedule', flag: 'epochs', cli: 'int', api: true, required: true, min: 0, max: 1e6, help: 'epochs to train; 0 writes the initial checkpoint', saved: 'training.epochs', resume: 'free', study: 'grid' }),
  /** Learning-rate schedule (a Schedule, or its text: 'cosine', 'step:30,60:0.1', ...); default 'constant'. */
  schedule: field<Schedule | string>({
    group: 'schedule', flag: 'schedule', cli: 'string', arg: 'SPEC', api: true, default: 'constant', help: SCHEDULE_HELP, check: specCheck(parseSchedule),
    saved: 'training.schedule', resume: 'fixed', study: 'shared',
  }),

  /** Learning-rate warm-up in optimizer steps: the first N steps scale the scheduled rate by (step + 1) / N; default 0 (off). */
  warmupSteps: field<number>({
    group: 'schedule', flag: 'warmup-steps', cli: 'int', arg: 'N', api: true, min: 0, max: 1e9, default: 0,
    help: 'linear learning-rate warm-up over the first N steps, composed with the schedule', saved: 'training.warmupSteps', absentMeans: 0, resume: 'fixed', study: 'shared',
  }),

  // validation
  /** Share of the training data held out (seeded, stratified by class) to validate on after every epoch; the test set is never used to choose. */
  valSplit: field<number>({
    group: 'validation', flag: 'val-split', cli: 'number', arg: 'F', api: true, min: 0, max: 0.5, minExclusive: true,
    help: 'hold out this share of the training data (seeded, stratified) as a validation set', saved: 'training.valSplit', resume: 'fixed', study: 'shared',
  }),
  /** Stops when the validation metric has not improved for `patience` epochs (needs valSplit). */
  earlyStop: field<EarlyStopSpec | string>({
    group: 'validation', flag: 'early-stop', cli: 'string', arg: 'SPEC', api: true, check: specCheck(parseEarlyStop),
    help: `${EARLY_STOP_HELP}: stop when the validation metric has not improved for PATIENCE epochs (needs --val-split; may change on --resume)`, saved: 'training.earlyStop', resume: 'free', study: 'shared',
  }),
  /** Keeps the weights of the epoch with the best validation metric in best.pt beside the checkpoint (needs valSplit and out). */
  keepBest: field<ValMetric>({
    group: 'validation', flag: 'keep-best', cli: 'string', arg: 'METRIC', api: true, choices: VAL_METRICS,
    help: 'keep the best epoch by this validation metric in best.pt (needs --val-split and --out)', saved: 'training.keepBest', resume: 'fixed', study: 'shared',
  }),

  // runtime
  /** libtorch threads (default: all cores); results depend on it, so a resume keeps the run's unless told. */
  threads: field<number>({ group: 'runtime', flag: 'threads', cli: 'int', api: true, min: 1, max: 1024, help: 'libtorch threads (default: all cores)', saved: 'training.threads', resume: 'free', study: 'shared' }),
  /** Where the model runs: 'cpu', 'cuda', 'cuda:N' or 'auto' (CUDA when libtorch sees a GPU); default 'cpu'. */
  device: field<DeviceName>({ group: 'runtime', flag: 'device', cli: 'string', arg: 'DEVICE', api: true, default: DEFAULT_DEVICE, help: 'cpu, cuda, cuda:N or auto', resume: 'free', study: 'shared' }),
  /** Channels-last memory format for conv weights and inputs (default: the model's own; see ModelOptions). */
  channelsLast: field<boolean>({
    group: 'runtime', flag: 'channels-last', cli: 'flag', api: true,
    help: "conv weights and inputs in channels-last memory format (the ResNets' and mnist-net's default on CPU; docs/cpu-profile.md)",
    negation: { flag: 'no-channels-last', help: 'keep the default memory format, also for models that use channels-last by default' },
    saved: 'training.channelsLast', absentMeans: false, resume: 'fixed', study: 'shared',
  }),
  /** 'fp32', or 'bf16' autocast on CPUs with native bfloat16 (see ModelOptions); default 'fp32'. */
  precision: field<Precision>({
    group: 'runtime', flag: 'precision', cli: 'string', arg: 'P', api: true, choices: PRECISIONS, default: DEFAULT_PRECISION,
    help: 'fp32, or bf16 autocast on CPUs with native bfloat16 (conv/linear in bfloat16; weights and checkpoints fp32)',
    saved: 'training.precision', absentMeans: 'fp32', resume: 'fixed', study: 'shared',
  }),
  /** Batches between progress callbacks (onProgress); default 10. */
  progressEvery: field<number>({ group: 'runtime', flag: null, cli: 'int', api: true, min: 1, max: 1e9, default: 10, help: 'batches between onBatch calls', resume: 'free', study: 'none' }),

  // distributed
  /**
   * Data parallel over c10d (README "Data parallel"): this process is one rank of a job. The batch
   * size stays the global batch; every rank must be given the same options and data. Rank 0
   * writes `out`; the other ranks ignore it.
   */
  distributed: field<DistributedOptions>({ group: 'distributed', flag: null, api: true, help: 'this process as one rank of a data-parallel job', saved: 'training.ranks', resume: 'free', study: 'none' }),
  nproc: field<never>({ group: 'distributed', flag: 'nproc', cli: 'int', api: false, min: 1, max: 256, help: 'data parallel: start N local processes (ranks), splitting --threads between them', resume: 'free', study: 'none' }),
  worldSize: field<never>({ group: 'distributed', flag: 'world-size', cli: 'int', api: false, min: 1, max: 65536, help: 'data parallel across machines: the number of ranks (with --rank and --master)', resume: 'free', study: 'none' }),
  rank: field<never>({ group: 'distributed', flag: 'rank', cli: 'int', api: false, min: 0, help: "this process's rank, 0..world-size-1; rank 0 serves the rendezvous and writes --out", resume: 'free', study: 'none' }),
  master: field<never>({ group: 'distributed', flag: 'master', cli: 'string', arg: 'HOST:PORT', api: false, help: "rank 0's address for the rendezvous", check: (v) => void parseMaster(String(v)), resume: 'free', study: 'none' }),
  distIface: field<never>({ group: 'distributed', flag: 'dist-iface', cli: 'string', arg: 'NAME', api: false, help: "network interface for gradient traffic (default: the hostname's address)", resume: 'free', study: 'none' }),
  distTimeout: field<never>({
    group: 'distributed', flag: 'dist-timeout', cli: 'number', api: false, min: 0.001, max: 86400, default: DEFAULT_DIST_TIMEOUT_S,
    help: 'seconds a rank waits for the others before failing (joining through --master: the store, then the connections, each)', resume: 'free', study: 'none',
  }),

  // output
  /** Run folder: run.json, metrics, summary and a checkpoint after every epoch (README "Run folders"). */
  out: field<string>({ group: 'output', flag: 'out', cli: 'string', arg: 'DIR', api: true, help: 'run folder: run.json, checkpoint, metrics.jsonl/csv, summary.json', resume: 'fixed', study: 'none' }),
  /** Continue from the checkpoint in `out` when there is one (CLI: `--resume DIR`). */
  resume: field<boolean>({ group: 'output', flag: 'resume', cli: 'string', arg: 'DIR', api: true, help: 'continue the run in this folder', resume: 'free', study: 'none' }),
  /** Replace the run in `out` (its files are removed once the folder's lock is held). */
  force: field<boolean>({ group: 'output', flag: 'force', cli: 'flag', api: true, help: 'with --out: replace the run that folder holds', resume: 'fixed', study: 'none' }),
  json: field<never>({ group: 'output', flag: 'json', cli: 'flag', api: false, help: 'JSON lines: one per epoch, then {"summary": ...}', resume: 'free', study: 'none' }),
  quiet: field<never>({ group: 'output', flag: 'quiet', cli: 'flag', api: false, help: 'print only the summary', resume: 'free', study: 'none' }),
} as const;

export type RunFields = typeof RUN_FIELDS;
export type FieldName = keyof RunFields;

/** The value type of run field K. */
export type ValueOf<K extends FieldName> = NonNullable<RunFields[K]['__value']>;
/** The run fields the API takes. */
export type ApiName = { [K in FieldName]: [ValueOf<K>] extends [never] ? never : K }[FieldName];
/** The run fields the API requires. */
export type RequiredName = { [K in ApiName]: NonNullable<RunFields[K]['__required']> extends true ? K : never }[ApiName];

/** The run options of `train()`, derived from RUN_FIELDS (see each field's help there). */
// `K in keyof RunFields` (not a named alias of it) keeps each field's TSDoc on the option.
export type RunOptions = { -readonly [K in keyof RunFields as K extends RequiredName ? K : never]: ValueOf<K> } & {
  -readonly [K in keyof RunFields as K extends Exclude<ApiName, RequiredName> ? K : never]?: ValueOf<K>;
};

/** Every field, in table order. */
export const FIELD_NAMES = Object.keys(RUN_FIELDS) as FieldName[];

export function fieldDef(name: FieldName): FieldDef {
  return RUN_FIELDS[name];
}

/** The field's default; a TypeError names a field that has none (a mistake here, not a user's). */
export function defaultOf<K extends FieldName>(name: K): ValueOf<K> {
  const d = fieldDef(name).default;
  if (d === undefined) throw new TypeError(`run option ${name} has no default`);
  return d as ValueOf<K>;
}

/** The field of a `train` flag (either of a negatable pair). */
export function fieldOfFlag(flag: string): FieldName | undefined {
  return FIELD_NAMES.find((n) => fieldDef(n).flag === flag || fieldDef(n).negation?.flag === flag);
}

/** `--flag` names of the fields a resume may be given. */
export function resumeFlags(): string[] {
  return FIELD_NAMES.flatMap((n) => {
    const f = fieldDef(n);
    return f.flag && f.resume !== 'fixed' ? [f.flag] : [];
  });
}
