// The CLI's pieces in-process: option parsing, help layout, the progress line, policy states.
import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError, wantsHelp, type CommandSpec } from '../src/cli/args';
import { BENCH_COMMAND } from '../src/cli/bench';
import { describePolicyState } from '../src/cli/describe';
import { commandHelp, mainHelp, wrap } from '../src/cli/help';
import { INFO_COMMAND } from '../src/cli/info';
import { batchLine, ProgressReporter } from '../src/cli/progress';
import { EXPORT_COMMAND } from '../src/cli/export';
import { INSPECT_COMMAND } from '../src/cli/inspect';
import { PREDICT_COMMAND } from '../src/cli/predict';
import { TRAIN_COMMAND } from '../src/cli/train';
import type { EpochRecord } from '../src/types';

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'a command for the tests',
  options: {
    epochs: { type: 'int', help: 'epochs', min: 0, required: true },
    lr: { type: 'number', help: 'learning rate', min: 0, minExclusive: true },
    momentum: { type: 'number', help: 'momentum', min: 0, max: 1 },
    bn: { type: 'string', help: 'bn mode', choices: ['train', 'freeze'] },
    data: { type: 'string', help: 'data', requiredUnless: 'resume' },
    resume: { type: 'string', help: 'run folder' },
    policy: {
      type: 'string',
      help: 'policy',
      check: (v) => {
        if (v !== 'none') throw new RangeError(`--policy: unknown policy '${v}'`);
      },
    },
    json: { type: 'flag', help: 'json' },
  },
  positionals: [{ name: 'FILE', help: 'a file' }],
};

function problems(argv: string[]): string[] {
  try {
    parseCommand(argv, SPEC);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).problems ?? [];
  }
  return [];
}

describe('parseCommand', () => {
  it('converts values and keeps options that were not given undefined', () => {
    const r = parseCommand(['--epochs', '3', '--lr=5e-4', '--momentum', '.9', '--json', '--resume', 'runs/a', 'f.pt'], SPEC);
    expect(r).toEqual({ options: { epochs: 3, lr: 5e-4, momentum: 0.9, json: true, resume: 'runs/a' }, positional: ['f.pt'], help: false });
  });

  it.each(['0', '16', '-0', '007'])('takes the whole number %j', (text) => {
    expect(parseCommand(['--epochs', text, '--data', 'd'], SPEC).options.epochs).toBe(Number(text));
  });

  it.each(['0x10', '1_000', 'Infinity', ' 5', '5 ', '', '1e3', '1.5', '+5', 'two', '99999999999999999999'])('rejects the whole number %j', (text) => {
    expect(problems([`--epochs=${text}`, '--data', 'd'])).toEqual([expect.stringMatching(/^--epochs (must be a whole number in decimal digits|is too large); got /)]);
  });

  it.each(['5e-4', '.5', '1.', '2.5E+3', '0.01', '-0'])('takes the number %j (then range-checks it)', (text) => {
    const r = problems([`--momentum=${text}`, '--epochs', '1', '--data', 'd']);
    if (Number(text) >= 0 && Number(text) <= 1) expect(r).toEqual([]);
    else expect(r).toEqual([`--momentum must be at most 1; got '${text}'`]);
  });

  it.each(['0x10', '0b1', '1_0', 'Infinity', 'NaN', ' 5', '', 'e5', '.', '1e', '1e999'])('rejects the number %j', (text) => {
    expect(problems([`--momentum=${text}`, '--epochs', '1', '--data', 'd'])).toEqual([
      expect.stringMatching(/^--momentum (must be a number in decimal notation|is too large)/),
    ]);
  });

  it('reports every problem at once, each on its own line', () => {
    let error: UsageError | undefined;
    try {
      parseCommand(['--epochs', 'x', '--lr', '0', '--momentum', '2', '--bn', 'eval', '--bogus', '--json=1', '--policy', 'fast', 'a', 'b'], SPEC);
    } catch (e) {
      error = e as UsageError;
    }
    expect(error?.problems).toEqual([
      "--epochs must be a whole number in decimal digits; got 'x'",
      "--lr must be greater than 0; got '0'",
      "--momentum must be at most 1; got '2'",
      "--bn must be one of train, freeze; got 'eval'",
      'unknown option --bogus; allowed: --epochs --lr --momentum --bn --data --resume --policy --json',
      "--json takes no value; got '1'",
      "--policy: unknown policy 'fast'",
      '--data VALUE is required unless --resume is given (data)',
      "unexpected argument 'b'",
    ]);
    expect(error?.message.split('\n')).toEqual(['9 problems:', ...error!.problems!.map((p) => `  ${p}`)]);
  });

  it('reads an option-like value as the next option, and the first as missing its value', () => {
    expect(problems(['--lr', '--epochs', '3', '--data', 'd'])).toEqual(['--lr X needs a value (learning rate)']);
    expect(problems(['--epochs', '1', '--data'])).toEqual(['--data VALUE needs a value (data)']);
    // A negative number is a value (and then out of range).
    expect(problems(['--epochs', '-1', '--data', 'd'])).toEqual(["--epochs must be at least 0; got '-1'"]);
  });

  it('required and requiredUnless', () => {
    expect(problems([])).toEqual(['--epochs N is required (epochs)', '--data VALUE is required unless --resume is given (data)']);
    expect(problems(['--epochs', '1', '--resume', 'r'])).toEqual([]);
    // A given but invalid option is reported once, not also as missing.
    expect(problems(['--epochs', 'x', '--data', ''])).toEqual(["--epochs must be a whole number in decimal digits; got 'x'", "--data must not be empty; got ''"]);
  });

  it('takes a positional after an unknown option as that option\'s value only when it is surplus', () => {
    expect(problems(['--epochs', '1', '--data', 'd', '--bogus', '3'])).toEqual([expect.stringMatching(/^unknown option --bogus/)]);
    expect(() => parseCommand(['--epochs', '1', '--data', 'd', '--bogus', 'f.pt'], SPEC)).toThrow(/unknown option --bogus/);
    expect(problems(['--epochs', '1', '--data', 'd', '--bogus', '3', 'f.pt'])).toHaveLength(1);
  });

  it('-h and --help win over every other problem; a value or anything after -- is not help', () => {
    expect(parseCommand(['--bogus', '-h'], SPEC).help).toBe(true);
    expect(wantsHelp(['--epochs', '--help'], SPEC.options)).toBe(true);
    expect(wantsHelp(['--data=--help'], SPEC.options)).toBe(false);
    expect(wantsHelp(['--', '-h'], SPEC.options)).toBe(false);
    expect(parseCommand(['--epochs', '1', '--data', 'd', '--', '--json'], SPEC).positional).toEqual(['--json']);
  });
});

describe('help', () => {
  const specs = [INFO_COMMAND, TRAIN_COMMAND, INSPECT_COMMAND, PREDICT_COMMAND, EXPORT_COMMAND, BENCH_COMMAND];

  it.each(specs.map((s) => [s.name, s] as const))('%s: fits 80 columns, lists every option, required ones first', (_, spec) => {
    const text = commandHelp(spec);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    for (const name of Object.keys(spec.options)) expect(text).toMatch(new RegExp(`^  --${name}\\b`, 'm'));
    expect(text).toMatch(/^ {2}-h, --help/m);
    const required = Object.keys(spec.options).filter((k) => spec.options[k].required || spec.options[k].requiredUnless);
    const optional = Object.keys(spec.options).filter((k) => !required.includes(k));
    if (required.length) expect(text.indexOf(`  --${required[required.length - 1]} `)).toBeLessThan(text.indexOf(`  --${optional[0]} `));
  });

  it('shows defaults and the required-unless condition', () => {
    const text = commandHelp(TRAIN_COMMAND);
    expect(text).toMatch(/--batch N +batch size \(default 128\)/);
    expect(text).toMatch(/required unless --resume is given:\n {2}--model NAME/);
    expect(text).toMatch(/^usage: layerout train --model NAME --data SPEC --epochs N \[options\]$/m);
    expect(commandHelp(BENCH_COMMAND)).toMatch(/^required:\n {2}--model NAME/m);
  });

  it('the overall help lists every command within 80 columns', () => {
    const text = mainHelp(specs);
    for (const s of specs) expect(text).toMatch(new RegExp(`^  ${s.name} `, 'm'));
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('wraps at spaces, then after commas, and cuts only what has neither', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('x a,bb,ccc,dddd', 6)).toEqual(['x a,', 'bb,', 'ccc,', 'dddd']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

/** A terminal-like stream that records what is written. */
function fakeTerminal(columns: number | undefined, isTTY = true) {
  const writes: string[] = [];
  return { stream: { isTTY, columns, write: (s: string) => (writes.push(s), true) }, writes };
}

const RECORD = {
  epoch: 1, lr: 0.01, frozenUnits: 3, frozenParamsShare: 0.5, idealBackwardSavedShare: 0.4, trainLoss: 1.2345, trainAcc: 0.5,
  testAcc: 0.6, backwardMs: 1234, epochMs: 65_000,
} as EpochRecord;

describe('progress line', () => {
  it.each([80, 40, 20, 2, undefined])('never reaches the last column of a %s-column terminal', (columns) => {
    const { stream, writes } = fakeTerminal(columns);
    const reporter = new ProgressReporter(120, stream);
    for (const batches of [7, 1875, 1_000_000]) {
      for (const batch of [0, 1, Math.floor(batches / 2), batches]) reporter.batch({ epoch: 100, batch, batches, loss: 12.3456789, acc: 0.9999 });
    }
    const line = reporter.epoch(RECORD);
    expect(line).toMatch(/^epoch 1\/120 .* eta /);
    const limit = (columns ?? 80) - 1;
    const segments = writes.join('').split('\r');
    expect(segments.length).toBeGreaterThan(10);
    for (const s of segments) expect(s.length, JSON.stringify(s)).toBeLessThanOrEqual(limit);
    expect(writes[writes.length - 1]).toMatch(/^\r *\r$/); // the bar is cleared before the summary line
  });

  it('keeps the most useful fields as the width shrinks', () => {
    const p = { epoch: 3, batch: 10, batches: 40, loss: 0.5, acc: 0.75 };
    expect(batchLine(p, 10, '1m02s', 79)).toBe(`epoch 3/10 [######${'.'.repeat(18)}] 10/40 loss 0.5000 acc 75.0% eta 1m02s`);
    expect(batchLine(p, 10, '1m02s', 39)).toBe('epoch 3/10 [###.......] 10/40 eta 1m02s');
    expect(batchLine(p, 10, '1m02s', 20)).toBe('epoch 3/10 eta 1m02s');
    expect(batchLine(p, 10, '1m02s', 8)).toBe('epoch 3/');
  });

  it('writes nothing to a stream that is not a terminal', () => {
    const { stream, writes } = fakeTerminal(80, false);
    const reporter = new ProgressReporter(2, stream);
    reporter.batch({ epoch: 1, batch: 1, batches: 2, loss: 1, acc: 0 });
    reporter.epoch(RECORD);
    expect(writes).toEqual([]);
  });
});

describe('describePolicyState', () => {
  const rng = { i: 3, j: 200, S: Array.from({ length: 256 }, (_, i) => (i * 7) % 256) };

  it('says what a LayerOut state means without printing the RNG table', () => {
    const once = describePolicyState('layerout(sample=once)', { rng, v: [0.123, 0.8, 0.5] });
    expect(once).toMatch(/^v drawn once per run = \(0\.12, 0\.80, 0\.50\); random stream at state [0-9a-f]{8}$/);
    expect(describePolicyState('layerout(sample=epoch, warmup=20)', { rng, v: null })).toMatch(/^a new v is drawn every epoch, none drawn yet; random stream/);
    expect(describePolicyState('layerout(sample=epoch)', { rng, v: Array(20).fill(0.5) })).toMatch(/the last = \(0\.50(, 0\.50){7}, … 20 values\)/);
    expect(describePolicyState('efreeze(v=fixed)', { rng, v: null })).toMatch(/^v fixed by the policy; masks drawn from the random stream at state/);
    expect(describePolicyState('layerout(sample=once, compat=reference-code)', { rng, v: [0.5, 0.5] })).toMatch(/^keep probabilities v drawn once per run/);
    expect(once).not.toMatch(/"S"|\[/);
  });

  it('the fingerprint follows the RNG state', () => {
    const a = describePolicyState('layerout(sample=once)', { rng, v: [0.5] });
    expect(describePolicyState('layerout(sample=once)', { rng: { ...rng }, v: [0.5] })).toBe(a);
    expect(describePolicyState('layerout(sample=once)', { rng: { ...rng, i: 4 }, v: [0.5] })).not.toBe(a);
  });

  it('stateless and unknown states', () => {
    expect(describePolicyState('none', null)).toBe('no state (deterministic policy)');
    expect(describePolicyState('freezeout(t0=0.5, cubic)', undefined)).toBe('no state (deterministic policy)');
    expect(describePolicyState('custom', { step: 3 })).toBe('a state this version cannot describe (step); see --json');
  });
});
