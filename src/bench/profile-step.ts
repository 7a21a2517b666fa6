// scripts/profile-step: where the addon's training step spends its time, by libtorch's profiler
// inside the addon, phase by phase beside the PyTorch peer's profile of the same step.
import { defaultOf } from '../config/fields';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { patternDataset } from '../data/synthetic';
import { Model } from '../model';
import { defaultThreads } from '../models';
import { loadNative } from '../native';
import type { StepProfile } from '../types';
import { findPython, peer } from './peer';

const USAGE = 'usage: scripts/profile-step --model NAME [--batch 128] [--threads N] [--steps 3] [--no-peer] [--json]';

function positive(name: string, text: string, max = 1 << 20): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}\n${USAGE}`);
  return n;
}

function ms(v: number | undefined): string {
  return v === undefined ? '—' : v.toFixed(1);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      batch: { type: 'string', default: String(defaultOf('batchSize')) },
      threads: { type: 'string', default: String(defaultThreads()) },
      steps: { type: 'string', default: '3' },
      'no-peer': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model) throw new Error(`--model is required\n${USAGE}`);
  const batch = positive('batch', values.batch);
  const threads = positive('threads', values.threads, 1024);
  const steps = positive('steps', values.steps, 1000);
  const model = new Model({ model: values.model });
  const [c, h, w] = model.info.inputShape;
  model.setData('train', patternDataset(batch, [c, h, w], model.info.classes, 'profile'));
  await model.timeSteps({ steps: 2, batchSize: batch, threads }); // warm-up, as the peer does
  const addon = await model.profileSteps({ steps, batchSize: batch, threads });
  let pytorch: StepProfile | undefined;
  if (!values['no-peer']) {
    const flags = model.channelsLast ? ['--channels-last'] : [];
    const raw = peer(findPython(), ['profile', '--model', values.model, '--batch', String(batch), '--threads', String(threads),
      '--steps', String(steps), '--classes', String(model.info.classes), ...flags]) as {
      stepMs: number; phases: StepProfile['phases']; topOperators: Array<{ op: string; ms: number }>;
    };
    pytorch = { steps, stepMs: raw.stepMs, phases: raw.phases, operators: raw.topOperators.map((o) => ({ name: o.op, selfMs: o.ms, calls: 0 })) };
  }
  if (values.json) {
    console.log(JSON.stringify({ model: values.model, batch, threads, steps, addon, pytorch }, null, 2));
    return;
  }
  const runtime = loadNative().runtimeInfo();
  console.log(`${values.model}, batch ${batch}, ${threads} thread(s), ${model.channelsLast ? 'channels-last' : 'default memory format'}, ` +
    `${cpus()[0]?.model ?? 'cpu'}, libtorch ${runtime.torchVersion}; self time per step, mean of ${steps} profiled steps after 2 warm-up steps\n`);
  console.log('| phase | addon ms | addon share | PyTorch ms | PyTorch share |');
  console.log('|---|---|---|---|---|');
  for (const p of addon.phases) {
    const q = pytorch?.phases.find((x) => x.phase === p.phase);
    console.log(`| ${p.phase} | ${ms(p.ms)} | ${(100 * p.share).toFixed(1)}% | ${ms(q?.ms)} | ${q ? `${(100 * q.share).toFixed(1)}%` : '—'} |`);
  }
  console.log(`| **step** | **${ms(addon.stepMs)}** | | **${ms(pytorch?.stepMs)}** | |`);
  console.log('\nThe addon\'s ten largest operators (ms per step, calls per step):');
  for (const op of addon.operators.slice(0, 10)) console.log(`- \`${op.name}\` ${op.selfMs.toFixed(2)} ms, ${op.calls} calls`);
}

main().catch((e) => {
  console.error(`profile-step: ${(e as Error).message}`);
  process.exitCode = 1;
});
