// The seams a new optimizer, objective, data source, exporter or signal-driven policy plugs into:
// each registry drives its flag, help and dispatch; the checkpoint keeps optimizer state by name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELD_NAMES } from '../src/config/fields';
import { DATA_SPEC_HELP, loadDataSpec } from '../src/data/spec';
import { DATA_SOURCES } from '../src/data/sources/registry';
import { EXPORTERS, EXPORT_FORMATS } from '../src/export/registry';
import { Model } from '../src/model';
import { OBJECTIVE_NAMES } from '../src/objective/registry';
import { OPTIMIZERS, OPTIMIZER_NAMES } from '../src/optim/registry';
import type { FreezePolicy } from '../src/policy';
import { RunFolder } from '../src/run/folder';
import { train } from '../src/train';
import type { EpochRecord } from '../src/types';
import { tempDir, THREADS } from './helpers';

const data = () => loadDataSpec('synthetic:3:60:1x4x4');
const small = { model: 'mlp', hidden: [8], inputShape: [1, 4, 4] as [number, number, number], batchSize: 10, lr: 0.05, threads: THREADS };

describe('registries', () => {
  it('the data sources make --data help and dispatch, and an unknown kind lists them', () => {
    for (const s of DATA_SOURCES) expect(DATA_SPEC_HELP).toContain(s.name + s.arg);
    expect(() => loadDataSpec('imagenet:/x')).toThrow(`unknown dataset 'imagenet'; allowed: ${DATA_SPEC_HELP}`);
    expect(loadDataSpec('synthetic:2:4:1x2x2').source).toEqual({ spec: 'synthetic:2:4:1x2x2' });
  });

  it('the optimizer and objective tables name what the addon builds; another name is refused on both sides', () => {
    const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [4], classes: 3 });
    for (const optimizer of OPTIMIZER_NAMES) for (const loss of OBJECTIVE_NAMES) model.setTraining({ optimizer, loss });
    expect(() => model.setTraining({ optimizer: 'rmsprop' as never })).toThrow("optimizer: unknown kind 'rmsprop'");
    expect(() => model.setTraining({ loss: 'hinge' as never })).toThrow("loss: unknown kind 'hinge'");
    expect(() => model.setTraining({ objective: 'mse' } as never)).toThrow("unknown setTraining option 'objective' (did you mean 'loss'?)");
    const raw = (model as unknown as { native: { setTraining(o: object): void } }).native;
    expect(() => raw.setTraining({ optimizer: 'rmsprop', objective: 'cross-entropy' })).toThrow(/unknown optimizer 'rmsprop'/);
    expect(() => raw.setTraining({ optimizer: 'sgd', objective: 'hinge' })).toThrow(/unknown objective 'hinge'/);
    expect(OPTIMIZERS.sgd.state).toEqual(['momentum_buffer']);
    for (const name of OPTIMIZER_NAMES) for (const option of OPTIMIZERS[name].reads) expect(FIELD_NAMES).toContain(option);
  });

  it('an exporter writes what its format says (the state dict is the one Model.stateDict gives)', async () => {
    const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [4], classes: 3 });
    expect(EXPORT_FORMATS).toContain('state-dict');
    expect(Buffer.from(await EXPORTERS['state-dict'].write(model)).equals(await model.stateDict())).toBe(true);
  });
});

describe('checkpoints keep optimizer state by name', () => {
  it('stores the layout, the optimizer kind and each momentum buffer under its parameter name, and run.json the kinds', async () => {
    const out = join(tempDir(), 'run');
    await train({ ...small, data: data(), epochs: 1, out });
    const bytes = readFileSync(join(out, 'checkpoint.pt')).toString('latin1');
    for (const name of ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']) expect(bytes).toContain(`optimizer.momentum_buffer.${name}`);
    expect(bytes).not.toMatch(/momentum\.\d/);
    expect(new RunFolder(out).readConfig().training).toMatchObject({ optimizer: { kind: 'sgd', dampening: 0, nesterov: false }, loss: { kind: 'cross-entropy', labelSmoothing: 0 } });
  });
});

describe('train() options', () => {
  it('refuses a misspelt or unknown option by name instead of ignoring it', async () => {
    await expect(train({ ...small, data: data(), epochs: 1, learningRate: 0.1 } as never)).rejects.toThrow(/unknown train option 'learningRate' \(did you mean 'lr'\?\); allowed: model, classes/);
  });
});

describe('policies see the epoch records', () => {
  /** Freezes unit 0 once the training loss has fallen below the first epoch's; keeps what it saw in its state. */
  class LossDriven implements FreezePolicy {
    readonly name = 'loss-driven';
    seen: number[] = [];
    mask = (): boolean[] => [this.seen.length > 1 && this.seen[this.seen.length - 1] < this.seen[0], false];
    isLayerOutEpoch = () => true;
    resetsMomentum = () => false;
    observe(record: EpochRecord): void {
      this.seen.push(record.trainLoss);
    }
    getState = () => ({ seen: this.seen });
    setState(state: unknown): void {
      this.seen = [...(state as { seen: number[] }).seen];
    }
  }

  it('in order, and a resumed run continues from what the policy kept', async () => {
    const whole = new LossDriven();
    const records: EpochRecord[] = [];
    await train({ ...small, data: data(), epochs: 4, policy: whole, onEpoch: (r) => void records.push(r) });
    expect(whole.seen).toEqual(records.map((r) => r.trainLoss));
    expect(records.map((r) => r.frozen[0])).toEqual([false, false, true, true]);

    const out = join(tempDir(), 'run');
    const first = new LossDriven();
    await train({ ...small, data: data(), epochs: 2, policy: first, out });
    const second = new LossDriven();
    const { summary } = await train({ ...small, data: data(), epochs: 4, policy: second, out, resume: true });
    expect(second.seen).toEqual(whole.seen);
    expect(summary.digest).toBe((await train({ ...small, data: data(), epochs: 4, policy: new LossDriven() })).summary.digest);
  });
});

describe('training callbacks', () => {
  it('hear the start, each plan and record in order, may stop the run before an epoch, and are awaited', async () => {
    const heard: string[] = [];
    const { summary } = await train({
      ...small,
      data: data(),
      epochs: 5,
      callbacks: [
        {
          onStart: ({ records }) => void heard.push(`start after ${records.length}`),
          onEpochStart: (plan) => {
            heard.push(`plan ${plan.epoch + 1} lr ${plan.lr}`);
            return plan.epoch === 3; // stop before the fourth epoch
          },
          onEpochEnd: async (record, run) => {
            await new Promise((r) => setTimeout(r, 5));
            heard.push(`end ${record.epoch} of ${run.records.length}`);
          },
          onStop: (end) => void heard.push(`stop ${end.reason}`),
        },
      ],
    });
    expect(heard).toEqual(['start after 0', 'plan 1 lr 0.05', 'end 1 of 1', 'plan 2 lr 0.05', 'end 2 of 2', 'plan 3 lr 0.05', 'end 3 of 3', 'plan 4 lr 0.05', 'stop interrupted']);
    expect(summary).toMatchObject({ endReason: 'interrupted', epochsDone: 3 });
  });

  it('an onEpoch that saves the model finishes before the next epoch starts (it used to find the model busy)', async () => {
    const dir = tempDir();
    const saved: string[] = [];
    let model0: Model | undefined;
    const { model } = await train({
      ...small,
      data: data(),
      epochs: 2,
      onEpoch: async (record) => {
        const file = join(dir, `epoch-${record.epoch}.pt`);
        await (model0 as Model).save(file);
        saved.push(file);
      },
      onStart: ({ model }) => {
        model0 = model;
      },
    });
    expect(saved).toHaveLength(2);
    expect((await Model.load(saved[1])).digest()).toBe(model.digest());
  });

  it('refuses callbacks that are not an array of objects', async () => {
    await expect(train({ ...small, data: data(), epochs: 1, callbacks: [() => true] as never })).rejects.toThrow('callbacks must be an array of TrainingCallback objects');
  });
});

describe('review mends', () => {
  it('momentum and weight decay reach the update, from train() and from trainEpoch alike', async () => {
    const digest = async (extra: object) => (await train({ ...small, data: data(), epochs: 1, ...extra })).summary.digest;
    const plain = await digest({});
    expect(await digest({ momentum: 0 })).not.toBe(plain);
    expect(await digest({ weightDecay: 0.1 })).not.toBe(plain);
    expect(await digest({ momentum: 0.9, weightDecay: 5e-4 })).toBe(plain); // the defaults, given
    // trainEpoch: top-level or in hyper, the same update; both at once is an error.
    const epoch = async (options: object) => {
      const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3, seed: 1 });
      model.setData('train', data().train, 'synthetic');
      await model.trainEpoch({ epoch: 0, lr: 0.05, threads: 1, batchSize: 10, ...options });
      return model.digest();
    };
    expect(await epoch({ momentum: 0 })).toBe(await epoch({ hyper: { momentum: 0 } }));
    expect(await epoch({ momentum: 0 })).not.toBe(await epoch({}));
    await expect(epoch({ momentum: 0, hyper: { momentum: 0.5 } })).rejects.toThrow('momentum is given twice');
    await expect(epoch({ hyper: { momentum: 'x' } })).rejects.toThrow('momentum must be a number');
    await expect(epoch({ hyper: { beta1: 0.9 } })).rejects.toThrow('hyper-parameter beta1 is not read by the sgd optimizer');
  });

  it('refuses non-boolean force/resume, bad schedule objects, a policy whose observe is not a function, and misspelt or non-function hooks, before anything is written', async () => {
    const out = join(tempDir(), 'never');
    const run = (extra: object) => train({ ...small, data: data(), epochs: 1, out, ...extra } as never);
    await expect(run({ force: 'false' })).rejects.toThrow("force must be true or false, got 'false'");
    await expect(run({ resume: 1 })).rejects.toThrow('resume must be true or false');
    await expect(run({ schedule: { kind: 'bogus' } })).rejects.toThrow('schedule.kind must be one of constant, resnet110, cosine, cosine-step, onecycle, multistep');
    await expect(run({ schedule: { kind: 'multistep' } })).rejects.toThrow('schedule.milestones must be a non-empty array');
    await expect(run({ schedule: { kind: 'cosine', min: 0 } })).rejects.toThrow("a cosine schedule has no field 'min'");
    await expect(run({ callbacks: [{ onEpochBegin: () => true }] })).rejects.toThrow('callbacks[0].onEpochBegin is not a training hook');
    await expect(run({ callbacks: [{ onEpochStart: 5 }] })).rejects.toThrow('callbacks[0].onEpochStart must be a function');
    const policy = { name: 'p', mask: () => [false, false], isLayerOutEpoch: () => true, resetsMomentum: () => false, observe: 5, getState: () => null, setState: () => undefined };
    await expect(run({ policy })).rejects.toThrow("the policy's observe must be a function");
    expect(existsSync(out)).toBe(false);
    // A schedule object that reads as text does gives the same run as the text.
    const a = await train({ ...small, data: data(), epochs: 2, schedule: { kind: 'multistep', milestones: [1], factor: 0.5 } });
    const b = await train({ ...small, data: data(), epochs: 2, schedule: 'multistep:1:0.5' });
    expect(a.summary.digest).toBe(b.summary.digest);
  });

  it('an async observe is awaited, and the plan callbacks see is a copy', async () => {
    const seen: number[] = [];
    const policy: FreezePolicy = {
      name: 'slow-observer',
      mask: () => [false, false],
      isLayerOutEpoch: () => true,
      resetsMomentum: () => false,
      observe: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(r.epoch);
      },
      getState: () => seen.length,
      setState: () => undefined,
    };
    const { summary } = await train({
      ...small, data: data(), epochs: 2, policy,
      callbacks: [{ onEpochStart: (plan) => { plan.lr = 99; plan.mask[0] = true; } }],
      onEpoch: (r) => void expect(seen).toContain(r.epoch),
    });
    expect(summary.epochsDone).toBe(2);
    expect(seen).toEqual([1, 2]);
    // The plan's changes changed nothing: the learning rate and mask records are the run's own.
    const again = await train({ ...small, data: data(), epochs: 2 });
    expect(summary.digest).toBe(again.summary.digest);
  });
});
