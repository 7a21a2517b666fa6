import { describe, expect, it } from 'vitest';
import { createPolicy, leadingRun, manualVector, parsePolicy, POLICY_HELP, type PolicyContext, type PolicySpec } from '../src/policy';
import { lrAt, parseSchedule } from '../src/schedule';

function ctx(k: number, model = 'mlp', epochs = 100, seed = 1): PolicyContext {
  const units = Array.from({ length: k }, (_, index) => ({
    index,
    name: `u${index}`,
    kind: 'conv' as const,
    params: 10,
    bnParams: 0,
    macs: 100,
    hasBatchNorm: false,
  }));
  return { units, model, epochs, seed };
}

function masks(spec: string, c: PolicyContext, n: number): boolean[][] {
  const policy = createPolicy(spec, c);
  return Array.from({ length: n }, (_, e) => policy.mask(e));
}

describe('layerout policy', () => {
  it('is deterministic by seed and differs across seeds', () => {
    expect(masks('layerout', ctx(7), 20)).toEqual(masks('layerout', ctx(7), 20));
    expect(masks('layerout', ctx(7), 20)).not.toEqual(masks('layerout', ctx(7, 'mlp', 100, 2), 20));
  });

  it('freezes each unit with frequency close to a given v', () => {
    const v = [0.1, 0.5, 0.9, 0.3];
    const all = masks(`layerout:v=${v.join(',')}`, ctx(4), 4000);
    // Redrawing all-frozen masks (p = 0.0135) shifts frequencies only slightly.
    v.forEach((p, i) => {
      const freq = all.filter((m) => m[i]).length / all.length;
      expect(Math.abs(freq - p), `unit ${i}`).toBeLessThan(0.03);
    });
  });

  it('with v sampled every epoch, each unit is frozen about half the time', () => {
    const all = masks('layerout', ctx(5), 4000);
    for (let i = 0; i < 5; i++) {
      const freq = all.filter((m) => m[i]).length / all.length;
      expect(Math.abs(freq - 0.5)).toBeLessThan(0.04);
    }
  });

  it('never freezes every unit, even when that is likely', () => {
    const all = masks('layerout:v=0.99,0.99,0.99', ctx(3), 500);
    expect(all.every((m) => !m.every(Boolean))).toBe(true);
  });

  it('keeps warm-up epochs unfrozen and counts only later epochs as LayerOut epochs', () => {
    const policy = createPolicy('layerout:warmup=3', ctx(6));
    const all = Array.from({ length: 10 }, (_, e) => policy.mask(e));
    expect(all.slice(0, 3).every((m) => m.every((f) => !f))).toBe(true);
    expect(all.slice(3).some((m) => m.some(Boolean))).toBe(true);
    expect([0, 2, 3].map((e) => policy.isLayerOutEpoch(e))).toEqual([false, false, true]);
  });

  it('sample=once keeps one v for the run; sample=epoch draws a new one', () => {
    const once = createPolicy('layerout:sample=once', ctx(4));
    once.mask(0);
    const v0 = (once.getState() as { v: number[] }).v;
    once.mask(1);
    expect((once.getState() as { v: number[] }).v).toEqual(v0);
    const every = createPolicy('layerout', ctx(4));
    every.mask(0);
    const w0 = (every.getState() as { v: number[] }).v;
    every.mask(1);
    expect((every.getState() as { v: number[] }).v).not.toEqual(w0);
  });

  it('restores its full state so a resumed policy continues identically', () => {
    const a = createPolicy('layerout', ctx(6));
    const first = Array.from({ length: 5 }, (_, e) => a.mask(e));
    const state = JSON.parse(JSON.stringify(a.getState()));
    const rest = Array.from({ length: 5 }, (_, e) => a.mask(e + 5));
    const b = createPolicy('layerout', ctx(6));
    b.setState(state);
    expect(Array.from({ length: 5 }, (_, e) => b.mask(e + 5))).toEqual(rest);
    expect(first).toHaveLength(5);
  });

  it('rejects bad vectors', () => {
    expect(() => createPolicy('layerout:v=0.5,0.5', ctx(3))).toThrow(/2 entries but the model has 3/);
    expect(() => createPolicy('layerout:v=0.5,1.5,0.1', ctx(3))).toThrow(/v\[1\] must be in \[0, 1\]/);
    expect(() => createPolicy('layerout:v=1,1,1', ctx(3))).toThrow(/freezes every unit with certainty/);
  });
});

describe('efreeze and dfreeze', () => {
  it('use exactly the paper\'s vectors for mnist-net and vgg16', () => {
    expect(manualVector('efreeze', 'mnist-net', 7)).toEqual([0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.1]);
    expect(manualVector('dfreeze', 'mnist-net', 7)).toEqual([0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9]);
    expect(manualVector('efreeze', 'vgg16', 16)).toEqual([0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.5, 0.4, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1]);
    expect(manualVector('dfreeze', 'vgg16', 16)).toEqual([0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.5, 0.5, 0.6, 0.6, 0.7, 0.7, 0.8, 0.8, 0.9]);
  });

  it('use a linear ramp from 0.9 to 0.1 for other models', () => {
    const ramp = manualVector('efreeze', 'resnet20', 5);
    [0.9, 0.7, 0.5, 0.3, 0.1].forEach((p, i) => expect(ramp[i]).toBeCloseTo(p, 12));
    expect(manualVector('dfreeze', 'resnet20', 5)[0]).toBeCloseTo(0.1, 12);
  });

  it('freeze early units more under efreeze', () => {
    const all = masks('efreeze', ctx(7, 'mnist-net'), 3000);
    const freq = (i: number) => all.filter((m) => m[i]).length / all.length;
    expect(freq(0)).toBeGreaterThan(0.85);
    expect(freq(6)).toBeLessThan(0.15);
  });
});

describe('reference-code compatibility', () => {
  it('freezes only a leading run of units', () => {
    expect(leadingRun([true, true, false, true])).toEqual([true, true, false, false]);
    const all = masks('layerout:compat=reference-code', ctx(8), 300);
    for (const m of all) {
      const firstTrainable = m.indexOf(false);
      expect(m.slice(firstTrainable).every((f) => !f)).toBe(true);
    }
    expect(all.some((m) => m[0])).toBe(true);
  });

  it('draws v once, treats it as the probability of training, and resets momentum each LayerOut epoch', () => {
    const policy = createPolicy('layerout:compat=reference-code:warmup=2', ctx(4));
    expect(policy.name).toContain('compat=reference-code');
    expect([0, 1, 2, 5].map((e) => policy.resetsMomentum(e))).toEqual([false, false, true, true]);
    // v = keep probability: with v = (0, 1, 1) the first unit always freezes, the others never.
    const fixed = masks('layerout:v=0,1,1:compat=reference-code', ctx(3), 50);
    expect(fixed.every((m) => m[0] && !m[1] && !m[2])).toBe(true);
  });
});

describe('freezeout', () => {
  it('freezes units in order from the input as training progresses; the last never', () => {
    const policy = createPolicy('freezeout:t0=0.5:spacing=linear', ctx(3, 'mlp', 10));
    const all = Array.from({ length: 10 }, (_, e) => policy.mask(e));
    expect(all[4]).toEqual([false, false, false]);
    expect(all[5]).toEqual([true, false, false]);
    expect(all[7]).toEqual([true, false, false]);
    expect(all[8]).toEqual([true, true, false]); // unit 1 at 0.75 of the run
    expect(all[9]).toEqual([true, true, false]);
    const five = createPolicy('freezeout:t0=0.2', ctx(5, 'mlp', 100));
    const at = (e: number) => five.mask(e).filter(Boolean).length;
    // cubic spacing from t0 = 0.2: units freeze at 0.2, 0.33, 0.50, 0.72 of the run
    expect([at(10), at(25), at(60), at(99)]).toEqual([0, 1, 3, 4]);
  });
});

describe('custom policies and parsing', () => {
  it('accepts a user function', () => {
    const policy = createPolicy((epoch, units) => units.map((u) => u.index === epoch % units.length), ctx(3));
    expect([0, 1, 2].map((e) => policy.mask(e))).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ]);
  });

  it('parses policy strings and rejects malformed ones with the allowed forms', () => {
    expect(parsePolicy('layerout:warmup=20')).toEqual({ kind: 'layerout', warmup: 20 });
    expect(parsePolicy('layerout:v=0.9,0.5:sample=once')).toEqual({ kind: 'layerout', v: [0.9, 0.5], sampleV: 'once' });
    expect(parsePolicy('efreeze:warmup=20:compat=reference-code')).toEqual({ kind: 'efreeze', warmup: 20, compat: 'reference-code' });
    expect(parsePolicy('freezeout:t0=0.5')).toEqual({ kind: 'freezeout', t0: 0.5, spacing: undefined });
    expect(() => parsePolicy('dropout')).toThrow(/unknown policy 'dropout'; allowed: none\[:freeze=UNITS\], layerout/);
    expect(() => parsePolicy('layerout:warmup=x')).toThrow(/warmup must be a number/);
    expect(() => parsePolicy('layerout:warmup=1.5')).toThrow(/whole number/);
    expect(() => parsePolicy('none:warmup=1')).toThrow(/unknown or malformed option 'warmup=1'/);
    expect(() => parsePolicy('freezeout:compat=reference-code')).toThrow(/allowed: t0=…, spacing=…/);
    expect(() => parsePolicy('layerout:sample=sometimes')).toThrow(/sample must be epoch or once/);
  });
});

describe('the policy table', () => {
  it('derives help from the table: every kind with each of its options', () => {
    expect(POLICY_HELP).toBe(
      'none[:freeze=UNITS], layerout[:warmup=E][:v=P1,P2,...][:sample=epoch|once][:compat=reference-code|paper][:every=epoch|batch][:freeze=UNITS], ' +
        'efreeze[:warmup=E][:compat=reference-code|paper][:every=epoch|batch][:freeze=UNITS], dfreeze[:warmup=E][:compat=reference-code|paper][:every=epoch|batch][:freeze=UNITS], ' +
        'freezeout[:t0=T][:spacing=linear|cubic][:freeze=UNITS]',
    );
  });

  it('parses and creates every kind that help lists, under the names runs record', () => {
    const names = POLICY_HELP.split(', ').map((form) => createPolicy(parsePolicy(form.split('[')[0]), ctx(7, 'mnist-net')).name);
    expect(names).toEqual(['none', 'layerout(sample=epoch)', 'efreeze(v=fixed)', 'dfreeze(v=fixed)', 'freezeout(t0=0.5, cubic)']);
    expect(createPolicy('efreeze:warmup=2:compat=reference-code', ctx(7)).name).toBe('efreeze(v=fixed, warmup=2, compat=reference-code)');
  });

  it('takes numbers in decimal notation only', () => {
    for (const bad of ['0x10', '', 'Infinity', ' 5', '5 ', '1_0', '1e', '+', '-']) {
      expect(() => parsePolicy(`layerout:warmup=${bad}`), bad).toThrow(`policy layerout: warmup must be a number, got '${bad}'`);
      expect(() => parsePolicy(`freezeout:t0=${bad}`), bad).toThrow(/t0 must be a number/);
      expect(() => parsePolicy(`layerout:v=0.5,${bad}`), bad).toThrow(/v\[1\] must be a number/);
    }
    expect(parsePolicy('layerout:warmup=1e1:v=.5,0.25,1,0')).toEqual({ kind: 'layerout', warmup: 10, v: [0.5, 0.25, 1, 0] });
  });

  it('checks ranges while parsing, naming the option', () => {
    expect(() => parsePolicy('layerout:warmup=-2')).toThrow(/layerout: warmup must be a whole number of epochs, got '-2'/);
    expect(() => parsePolicy('layerout:v=0.5,1.5')).toThrow(/v\[1\] must be in \[0, 1\], got '1.5'/);
    expect(() => parsePolicy('freezeout:t0=0')).toThrow(/t0 must be in \(0, 1\], got '0'/);
    expect(() => parsePolicy('freezeout:spacing=log')).toThrow(/spacing must be linear or cubic, got 'log'/);
    expect(() => parsePolicy('dfreeze:compat=authors')).toThrow(/compat must be reference-code or paper, got 'authors'/);
  });

  it('rejects repeated options, bare keys and names that are not kinds', () => {
    expect(() => parsePolicy('layerout:warmup=1:warmup=2')).toThrow(/warmup is given twice/);
    expect(() => parsePolicy('layerout:warmup')).toThrow(/unknown or malformed option 'warmup'; allowed: warmup=…, v=…, sample=…, compat=…/);
    expect(() => parsePolicy('constructor')).toThrow(/unknown policy 'constructor'/);
    expect(() => parsePolicy('')).toThrow(/unknown policy ''/);
    expect(() => createPolicy({ kind: 'toString' } as unknown as PolicySpec, ctx(3))).toThrow(/unknown policy kind 'toString'; allowed: none, layerout/);
  });

  it('creates the same policy from a spec object as from its string', () => {
    const spec: PolicySpec = { kind: 'layerout', v: [0.2, 0.8, 0.5], sampleV: 'once', warmup: 1 };
    const fromSpec = createPolicy(spec, ctx(3));
    const fromText = createPolicy('layerout:v=0.2,0.8,0.5:sample=once:warmup=1', ctx(3));
    expect(Array.from({ length: 20 }, (_, e) => fromSpec.mask(e))).toEqual(Array.from({ length: 20 }, (_, e) => fromText.mask(e)));
  });
});

describe('learning-rate schedules', () => {
  it('computes constant, multi-step, the paper\'s ResNet-110 schedule and cosine', () => {
    expect(lrAt(parseSchedule('constant'), 0.1, 50, 100)).toBe(0.1);
    const step = parseSchedule('multistep:150,225');
    expect([0, 149, 150, 225, 299].map((e) => lrAt(step, 0.1, e, 300))).toEqual([0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1]);
    const resnet = parseSchedule('resnet110');
    expect([0, 3, 4, 81, 82, 123].map((e) => lrAt(resnet, 0.1, e, 164))).toEqual([0.01, 0.01, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]);
    const cosine = parseSchedule('cosine');
    expect(lrAt(cosine, 0.1, 0, 10)).toBeCloseTo(0.1);
    expect(lrAt(cosine, 0.1, 5, 10)).toBeCloseTo(0.05);
    expect(() => parseSchedule('multistep:abc')).toThrow(/milestones must be epoch numbers/);
    expect(() => parseSchedule('linear')).toThrow(/allowed: constant, multistep/);
  });
});
