// `layerout inspect RUN`: a run folder's or checkpoint's epoch, policy state, digests, and
// whether its SHA-256 digests still match (`--verify` exits 1 when they do not).
import { Model, resolveCheckpointPath } from '../model';
import { parseCommand, type CommandSpec } from './args';
import { describePolicyState } from './describe';
import { OPTIMIZERS } from '../optim/registry';
import { checkOptimizer, optimizerText } from '../optim/spec';
import { checkLoss, lossText } from '../objective/spec';
import type { InputRecord } from '../data/inputs';

export const INSPECT_COMMAND: CommandSpec = {
  name: 'inspect',
  summary: "A run's epoch, policy state, integrity, model digest and per-unit SHA-256 digests.",
  options: {
    json: { type: 'flag', help: 'print one JSON object, with the raw policy state' },
    verify: { type: 'flag', help: 'exit 1 when any tensor or the metadata no longer matches its SHA-256' },
  },
  positionals: [{ name: 'RUN', help: 'a run folder, or a checkpoint file', required: true }],
};

export async function runInspect(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { options, positional } = parseCommand(argv, INSPECT_COMMAND);
  const path = resolveCheckpointPath(positional[0]);
  const model = await Model.load(path, { allowDamaged: true });
  const check = model.checkpointDamage ?? { damaged: [], verified: false };
  const training = model.checkpointMeta?.training ?? { epochsDone: 0, policy: 'none', policyState: null };
  const units = model.units.map((u) => ({ index: u.index, name: u.name, digest: model.unitDigest(u.index) }));
  const report = {
    checkpoint: path,
    model: model.info.model,
    epoch: training.epochsDone,
    policy: training.policy,
    policyState: training.policyState,
    // Checkpoints written before optimizers had settings trained with SGD.
    optimizer: model.checkpointMeta?.optimizer ?? checkOptimizer('sgd'),
    loss: model.checkpointMeta?.loss ?? checkLoss('cross-entropy'),
    ...(model.inputs ? { inputs: model.inputs } : {}),
    integrity: check,
    digest: model.digest(),
    units,
  };
  const intact = check.damaged.length === 0;
  if (options.json) out(JSON.stringify(report));
  else {
    out(`${path}: ${report.model} after epoch ${report.epoch}, policy ${report.policy}`);
    out(`policy state: ${describePolicyState(report.policy, report.policyState)}`);
    out(`optimizer: ${optimizerText(report.optimizer)} (state per parameter: ${OPTIMIZERS[report.optimizer.kind].state.join(', ')}), loss: ${lossText(report.loss)}`);
    for (const line of describeInputs(model.inputs, model.info.inputShape)) out(line);
    out(
      `integrity: ${
        !check.verified ? 'not checked (written before checkpoints carried digests)' : intact ? 'every tensor and the metadata match their SHA-256' : `DAMAGED: ${check.damaged.join(', ')}`
      }`,
    );
    out(`model digest: ${report.digest}`);
    for (const u of units) out(`${String(u.index).padStart(4)}  ${u.name.padEnd(24)}${u.digest}`);
  }
  if (!intact) {
    err(`${path} is damaged: ${check.damaged.join(', ')} no longer match${check.damaged.length === 1 ? 'es its' : ' their'} SHA-256`);
    return options.verify ? 1 : 0;
  }
  return 0;
}

/** What the run's data was, in words: class names, the image decode, a table's columns. */
function describeInputs(inputs: InputRecord | null, inputShape: readonly number[]): string[] {
  const lines: string[] = [];
  if (!inputs) return [`inputs: ${inputShape.join('x')} (data built in memory or a built-in dataset: no class names kept)`];
  if (inputs.classNames) lines.push(`classes: ${inputs.classNames.map((n, i) => `${i}=${n}`).join(', ')}`);
  if (inputs.targetNames) lines.push(`targets: ${inputs.targetNames.join(', ')}`);
  if (inputs.image) lines.push(`images: decoded to ${inputs.image.channels}x${inputs.image.height}x${inputs.image.width} (fit ${inputs.image.fit})`);
  if (inputs.table) lines.push(`table: ${inputs.table.features.length} feature column(s) (${inputs.table.features.join(', ')}), standardised with the training split's mean and std`);
  return lines;
}
