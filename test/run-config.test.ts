// The run-configuration table (src/config/fields.ts) is the one place run options are declared:
// these tests fail when an option is missing from the CLI, its help, `study`, run.json or the
// resume comparison, or when a default is written a second time somewhere under src/.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandHelp } from '../src/cli/help';
import { STUDY_COMMAND, STUDY_OPTIONS } from '../src/cli/study';
import { TRAIN_COMMAND, TRAIN_OPTIONS } from '../src/cli/train';
import { fieldDef, FIELD_GROUPS, FIELD_NAMES, RUN_FIELDS, type FieldName } from '../src/config/fields';
import { checkField, savedValue, valueAt } from '../src/config/options';
import { configChanges, RunFolder, type RunConfig } from '../src/run/folder';
import { resumeOptions } from '../src/run/resume';
import { train } from '../src/train';
import { tempDir, THREADS } from './helpers';
import { loadDataSpec } from '../src/data/spec';

const SRC = join(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Places in `text` that write a run option's default again: `x.lr ?? 0.01`, `t['weight-decay'] ?? 5e-4`, `bn: { ..., default: 'train' }`. */
function restatedDefaults(text: string): string[] {
  const byName = new Map<string, FieldName>();
  for (const name of FIELD_NAMES) {
    byName.set(name, name);
    const flag = fieldDef(name).flag;
    if (flag) byName.set(flag, name);
  }
  const problems: string[] = [];
  for (const m of text.matchAll(/((?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)|[A-Za-z_$][\w$]*\[['"]([\w-]+)['"]\])\s*\?\?\s*(-?\d[\d.]*(?:e-?\d+)?|'[^']*')/g)) {
    const name = byName.get(m[2] ?? m[3]);
    const literal = m[4].startsWith("'") ? m[4].slice(1, -1) : Number(m[4]);
    if (name && fieldDef(name).default === literal) problems.push(`'${m[0]}' restates the default of ${name}`);
  }
  // An option of another command under a run option's flag, with that option's default (another value is another option: predict's inference batch).
  for (const m of text.matchAll(/'?([\w-]+)'?:\s*\{[^{}]*\bdefault:\s*(-?\d[\d.]*(?:e-?\d+)?|'[^']*')/g)) {
    const name = byName.get(m[1]);
    const literal = m[2].startsWith("'") ? m[2].slice(1, -1) : Number(m[2]);
    if (name && (fieldDef(name).default === literal || String(fieldDef(name).default) === literal)) problems.push(`option ${m[1]} declares the default of ${name} again`);
  }
  return problems;
}

describe('the run-configuration table', () => {
  it('gives every field a group, and every flag to `train` with its help, bounds and default', () => {
    const help = commandHelp(TRAIN_COMMAND, 200);
    for (const name of FIELD_NAMES) {
      const f = fieldDef(name);
      expect(FIELD_GROUPS, name).toContain(f.group);
      if (!f.flag) {
        expect(f.api, `${name} has neither a flag nor an API option`).toBe(true);
        continue;
      }
      const def = TRAIN_OPTIONS[f.flag];
      expect(def, `--${f.flag}`).toBeDefined();
      expect(def.help).toBe(f.help);
      expect(def.default).toBe(f.default);
      expect(def.min).toBe(f.min);
      expect(def.max).toBe(f.max);
      expect(help, `--${f.flag} in \`layerout help train\``).toMatch(new RegExp(`--${f.flag}\\b`));
      if (f.default !== undefined) expect(help.replace(/\s+/g, " ")).toContain(`(default ${f.default})`); // as words: the help wraps
      if (f.negation) expect(help).toMatch(new RegExp(`--${f.negation.flag}\\b`));
    }
    // Nothing in `train` that the table does not declare.
    const declared = FIELD_NAMES.flatMap((n) => [fieldDef(n).flag, fieldDef(n).negation?.flag]).filter(Boolean);
    expect(Object.keys(TRAIN_OPTIONS).sort()).toEqual((declared as string[]).sort());
  });

  it('offers every shared option to `study` (flags, help and config-file keys), and the grid covers the rest', () => {
    const help = commandHelp(STUDY_COMMAND, 200);
    for (const name of FIELD_NAMES) {
      const f = fieldDef(name);
      if (f.study === 'shared') {
        const def = STUDY_OPTIONS[f.flag as string];
        expect(def, `study --${f.flag}`).toBeDefined();
        expect([def.help, def.default]).toEqual([f.help, f.default]);
        expect(help).toMatch(new RegExp(`--${f.flag}\\b`));
        if (f.negation) expect(STUDY_OPTIONS[f.negation.flag]).toBeDefined();
      }
    }
    // The grid's axes are the study's own options.
    const grid = FIELD_NAMES.filter((n) => fieldDef(n).study === 'grid');
    expect(grid.sort()).toEqual(['data', 'epochs', 'model', 'policy', 'seed']);
    for (const option of ['model', 'data', 'policies', 'seeds', 'epochs']) expect(STUDY_OPTIONS[option]).toBeDefined();
    // --precision and --channels-last had drifted away from study; they are shared now.
    expect(STUDY_OPTIONS.precision).toBeDefined();
    expect(STUDY_OPTIONS['channels-last']).toBeDefined();
  });

  it('writes every saved option into run.json, and the resume comparison names each one that changed', async () => {
    const out = join(tempDir(), 'run');
    const data = loadDataSpec('synthetic:3:30:1x4x4');
    // The options that are off unless given (clipping, validation) are given, so they are saved too.
    await train({ model: 'mlp', hidden: [4], inputShape: [1, 4, 4], data, epochs: 0, threads: THREADS, out, clipGradNorm: 1, valSplit: 0.2, earlyStop: 'val-loss', keepBest: 'val-acc' });
    const saved = new RunFolder(out).readConfig();
    for (const name of FIELD_NAMES) {
      const f = fieldDef(name);
      if (!f.saved) continue;
      // Saved unless it is left out on purpose: no ranks in one process, no limits on a whole set.
      if (['distributed', 'limitTrain', 'limitTest'].includes(name)) continue;
      expect(valueAt(saved, f.saved), `run.json ${f.saved}`).not.toBeUndefined();
      if (f.resume === 'free') continue;
      const changed = structuredClone(saved) as unknown as Record<string, unknown>;
      const path = f.saved.split('.');
      const parent = valueAt(changed, path.slice(0, -1).join('.')) as Record<string, unknown>;
      const key = path[path.length - 1];
      if (name === 'model') (changed.model as Record<string, unknown>).model = 'mnist-net';
      else if (name === 'data') (changed.data as Record<string, unknown>).kind = 'cifar10';
      else parent[key] = typeof parent[key] === 'number' ? (parent[key] as number) + 1 : typeof parent[key] === 'boolean' ? !parent[key] : { other: true };
      const changes = configChanges(changed as unknown as RunConfig, saved);
      expect(changes.length, `changing ${f.saved} is noticed`).toBe(1);
      expect(changes[0]).toMatch(name === 'data' ? /^data kind/ : new RegExp(`^(model )?${name}\\b`));
    }
    // Limits are compared too, where a folder has them.
    const limited = structuredClone(saved);
    limited.data.source = { spec: 'synthetic:3:30:1x4x4', limitTrain: 9 };
    expect(configChanges(limited, { ...saved, data: { ...saved.data, source: { spec: 'synthetic:3:30:1x4x4' } } })).toEqual(['limitTrain was 9, now null']);
  });

  it('reads options that older run folders left out as what they meant then', () => {
    const old = { training: { lr: 0.1 } };
    expect(savedValue(old, 'precision')).toBe('fp32');
    expect(savedValue(old, 'channelsLast')).toBe(false);
    expect(savedValue(old, 'onNonFinite')).toBe('stop');
    expect(savedValue(old, 'lr')).toBe(0.1);
  });

  it('checks API values with the same bounds as the flags', () => {
    expect(checkField('momentum', undefined)).toBe(RUN_FIELDS.momentum.default);
    expect(() => checkField('lr', 0)).toThrow('lr must be greater than 0');
    expect(() => checkField('batchSize', 0)).toThrow('batchSize must be between 1 and 1048576, got 0');
    expect(() => checkField('bn', 'frozen')).toThrow("bn must be one of train, freeze-affine, freeze; got 'frozen'");
    expect(() => checkField('channelsLast', 'yes')).toThrow('channelsLast must be a boolean');
    expect(() => checkField('progressEvery', 0)).toThrow('progressEvery must be between 1 and');
    expect(() => checkField('epochs', undefined)).toThrow('epochs must be a number, got undefined'); // required: no default to fall back on
  });

  it('a required option left out of train() is refused before anything is written', async () => {
    const out = join(tempDir(), 'never');
    const data = loadDataSpec('synthetic:3:30:1x4x4');
    await expect(train({ model: 'mlp', hidden: [4], inputShape: [1, 4, 4], data, threads: THREADS, out } as never)).rejects.toThrow('epochs must be a number, got undefined');
    expect(existsSync(out)).toBe(false);
  });

  it('a run stopped by a non-finite loss may go on with another --on-nonfinite (the one option of its group a resume may change)', async () => {
    const out = join(tempDir(), 'run');
    const data = loadDataSpec('synthetic:3:30:1x4x4');
    const base = { model: 'mlp', hidden: [4], inputShape: [1, 4, 4] as [number, number, number], data, threads: THREADS, out, batchSize: 10 };
    await train({ ...base, epochs: 1 });
    const { summary } = await train({ ...base, epochs: 2, resume: true, onNonFinite: 'skip-batch' });
    expect(summary.epochsDone).toBe(2);
    expect(new RunFolder(out).readConfig().training.onNonFinite).toBe('skip-batch');
    expect((await resumeOptions(out, { onNonFinite: 'continue' })).onNonFinite).toBe('continue');
  });

  it('states each default once: nothing under src/ falls back to a run option\'s default by its own literal', () => {
    const problems = sourceFiles(SRC)
      .filter((file) => !file.endsWith(join('config', 'fields.ts')))
      .flatMap((file) => restatedDefaults(readFileSync(file, 'utf8')).map((p) => `${file.slice(SRC.length + 1)}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the default check is not blind: it finds restated defaults in a sample', () => {
    const sample = "const b = options.batchSize ?? 128; const w = t['weight-decay'] ?? 5e-4; const ok = t.lr ?? 0.02;\n  bn: { type: 'string', default: 'train' },\n  batch: { type: 'string', default: '128' },\n  batch: { type: 'int', default: 500 },";
    expect(restatedDefaults(sample)).toEqual([
      "'options.batchSize ?? 128' restates the default of batchSize",
      "'t['weight-decay'] ?? 5e-4' restates the default of weightDecay",
      'option bn declares the default of bn again',
      'option batch declares the default of batchSize again',
    ]);
  });
});
