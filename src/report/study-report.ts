// A study's report: study.json (everything), study.md (the tables) and SVG figures per model:
// test accuracy per epoch (mean line, ± std band) and test accuracy against cumulative training time.
import { mkdirSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { defaultOf, fieldDef, FIELD_NAMES } from '../config/fields';
import { OPTIMIZERS, unreadBy } from '../optim/registry';
import { checkOptimizer } from '../optim/spec';
import { writeFileAtomic } from '../run/atomic';
import type { StudyConfig } from '../study/config';
import type { PolicyResult, StudyResults } from '../study/results';
import { lineChart } from './svg';

export interface StudyEnvironment {
  command: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  libtorch: string;
  threads: number;
  device: string;
  date: string;
}

export function studyEnvironment(command: string, libtorch: string, threads: number, device: string): StudyEnvironment {
  const list = cpus();
  return {
    command,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    libtorch,
    threads,
    device,
    date: new Date().toISOString(),
  };
}

const pct = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)}%`);
const pm = (mean: number, std: number) => (Number.isFinite(mean) ? `${(100 * mean).toFixed(2)} ± ${Number.isFinite(std) ? (100 * std).toFixed(2) : '—'}` : '—');
const ratio = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}×`);

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}

function diffText(p: PolicyResult): string {
  const d = p.finalDiff;
  if (!d) return p.n && p.n < 2 ? 'n < 2' : '—';
  const sign = (x: number) => (x >= 0 ? '+' : '') + (100 * x).toFixed(2);
  return `${sign(d.diff)} [${sign(d.low)}, ${sign(d.high)}]`;
}

/** Model names as file-name parts. */
export function figureName(model: string, kind: 'epoch' | 'time'): string {
  return `${model.replace(/[^A-Za-z0-9.=+-]/g, '_')}-accuracy-${kind}.svg`;
}

export function studyFigures(results: StudyResults, config: StudyConfig): Record<string, string> {
  const files: Record<string, string> = {};
  for (const model of config.models) {
    const rows = results.policies.filter((p) => p.model === model && p.curve.length);
    const accFormat = (v: number) => `${(100 * v).toFixed(1)}%`;
    files[figureName(model, 'epoch')] = lineChart(
      rows.map((p) => ({ name: `${p.policy} (n=${p.n})`, points: p.curve.map((c) => ({ x: c.epoch, y: c.acc.mean, band: c.acc.std })) })),
      { title: `${model}: test accuracy per epoch (mean ± std over seeds)`, xLabel: 'epoch', yLabel: 'test accuracy', yFormat: accFormat },
    );
    files[figureName(model, 'time')] = lineChart(
      rows.map((p) => ({ name: `${p.policy} (n=${p.n})`, points: p.curve.map((c) => ({ x: c.timeMs / 1000, y: c.acc.mean, band: c.acc.std })) })),
      {
        title: `${model}: test accuracy against cumulative training time`,
        xLabel: 'training time, s (mean over seeds; evaluation excluded)',
        yLabel: 'test accuracy',
        yFormat: accFormat,
        xMin: 0,
      },
    );
  }
  return files;
}

/** Every shared training option of the study with its value (the default where not given), from the run-configuration table. */
function sharedOptionsText(t: StudyConfig['train']): string {
  const parts: string[] = [];
  const optimizer = checkOptimizer(t.optimizer ?? defaultOf('optimizer'));
  for (const name of FIELD_NAMES) {
    const f = fieldDef(name);
    if (f.study !== 'shared' || !f.flag || f.resume === 'free' || name === 'limitTrain' || name === 'limitTest') continue;
    if (unreadBy(optimizer.kind, name)) continue; // adam's momentum
    if (f.negation) {
      if (t[f.flag] || t[f.negation.flag]) parts.push(`--${t[f.flag] ? f.flag : f.negation.flag}`);
      continue;
    }
    const value = t[f.flag] ?? f.default ?? (name === 'lr' ? OPTIMIZERS[optimizer.kind].defaultLr : undefined);
    if (value !== undefined) parts.push(`--${f.flag} ${value}`);
  }
  return parts.join(', ');
}

export function studyMarkdown(results: StudyResults, config: StudyConfig, env: StudyEnvironment): string {
  const lines: string[] = [];
  const t = config.train;
  lines.push('# Study', '');
  lines.push(`Command: \`${env.command}\``, '');
  lines.push(
    `Grid: ${config.models.join(', ')} × ${config.policies.length} policies × seeds ${config.seeds.join(', ')}; ${config.epochs} epochs; data \`${config.data}\`` +
      `${t['limit-train'] ? `, ${t['limit-train']} training samples` : ''}${t['limit-test'] ? `, ${t['limit-test']} test samples` : ''}` +
      ` (stratified subsets seeded by the run seed); options ${sharedOptionsText(t)}.`,
    '',
  );
  lines.push(
    `Machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.os}; Node ${env.node}; libtorch ${env.libtorch}; ${env.threads} thread(s); device ${env.device}; ${env.date}.`,
    '',
  );
  for (const model of config.models) {
    const rows = results.policies.filter((p) => p.model === model);
    lines.push(`## ${model}`, '');
    lines.push(
      `Accuracies are test accuracy in %, mean ± sample std over the finished runs (n). Δ final is the policy's mean final accuracy minus the baseline's (\`${config.baseline}\`), in points, with Welch's 95% interval. ` +
        'Frozen is the mean share of parameters frozen over all epochs (LayerOut epochs only in brackets); ideal saving is the cost model\'s share of backward multiply-adds skipped; ' +
        'epoch and backward time are measured per epoch (training only) relative to the baseline.',
      '',
    );
    lines.push('| policy | n | final acc | best acc | Δ final vs baseline [95% CI] | frozen | ideal backward saving | backward time | epoch time | time per epoch |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const p of rows) {
      lines.push(
        `| \`${p.policy}\` | ${p.n}${p.missing ? ` (${p.missing} missing)` : ''} | ${pm(p.finalAcc.mean, p.finalAcc.std)} | ${pm(p.bestAcc.mean, p.bestAcc.std)} | ${p.policy === config.baseline ? 'baseline' : diffText(p)} | ` +
          `${pct(p.frozenParamsShare, 1)} (${pct(p.frozenParamsShareLayerOut, 1)}) | ${pct(p.idealBackwardSavedShare, 1)} | ${ratio(p.backwardTimeRatio)} | ${ratio(p.epochTimeRatio)} | ${Number.isFinite(p.epochMs) ? formatSeconds(p.epochMs) : '—'} |`,
      );
    }
    lines.push('');
    const targets = results.targets[model] ?? [];
    if (targets.length) {
      const how = config.targets ? 'targets from the study config' : `the baseline's final mean minus 0.5 and 1.0 points`;
      lines.push(`### Time to target accuracy`, '');
      lines.push(`First epoch whose test accuracy reaches the target (${how}); mean cumulative training time and epochs over the runs that reached it (reached / n).`, '');
      lines.push(`| policy | ${targets.map((x) => `≥ ${(100 * x).toFixed(2)}%`).join(' | ')} |`);
      lines.push(`|---|${targets.map(() => '---').join('|')}|`);
      for (const p of rows) {
        const cells = p.targets.map((r) =>
          r.timeMs === null || r.epochs === null
            ? `not reached (0/${r.n})`
            : `${formatSeconds(r.timeMs)}, ${r.epochs.toFixed(1)} epochs${r.reached < r.n ? ` (${r.reached}/${r.n})` : ''}`,
        );
        lines.push(`| \`${p.policy}\` | ${cells.join(' | ')} |`);
      }
      lines.push('');
    }
    lines.push(`![test accuracy per epoch](${figureName(model, 'epoch')})`, '');
    lines.push(`![test accuracy against training time](${figureName(model, 'time')})`, '');
  }
  lines.push('## Runs', '');
  lines.push('| model | policy | seed | state | epochs | final acc | best acc | folder (in the study folder) |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const r of results.runs) {
    lines.push(`| ${r.model} | \`${r.policy}\` | ${r.seed} | ${r.state} | ${r.epochsDone} | ${pct(r.finalTestAcc)} | ${pct(r.bestTestAcc)} | ${relative(config.out, r.dir)} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Writes study.json, study.md and the figures into the study folder; returns the files written. */
export async function writeStudyReport(dir: string, results: StudyResults, config: StudyConfig, env: StudyEnvironment): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const json = { format: 'layerout-study-1', environment: env, config, ...results };
  const write = async (name: string, text: string) => {
    await writeFileAtomic(join(dir, name), text);
    written.push(join(dir, name));
  };
  await write('study.json', JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  await write('study.md', studyMarkdown(results, config, env));
  for (const [name, svg] of Object.entries(studyFigures(results, config))) await write(name, svg);
  return written;
}
