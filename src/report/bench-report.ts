// Benchmark reports: Markdown tables and an SVG bar chart of measured vs ideal backward time.
import type { BenchResult, VsPytorchResult } from '../bench/types';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function benchMarkdown(r: BenchResult): string {
  const head =
    `${r.model}, batch ${r.batch}, ${r.threads} thread(s), ${r.steps} interleaved steps per mask, median per step; ` +
    `${r.machine.device} (${r.machine.cpu}, ${r.machine.cores} cores), libtorch ${r.machine.torch}\n\n` +
    '| mask | frozen units | params frozen | forward ms | backward ms | optimizer ms | backward ÷ none | ideal | realisation | peak memory |\n' +
    '|---|---|---|---|---|---|---|---|---|---|\n';
  const rows = r.rows.map(
    (row) =>
      `| ${row.mask} | ${row.frozenUnits} | ${(100 * row.frozenParamsShare).toFixed(1)}% | ${row.forwardMs.toFixed(2)} | ${row.backwardMs.toFixed(2)} | ` +
      `${row.optimizerMs.toFixed(2)} | ${pct(row.backwardRatio)} | ${row.idealBackwardRatio === null ? 'unknown' : pct(row.idealBackwardRatio)} | ` +
      `${row.realization === null ? '—' : row.realization.toFixed(2)} | ${row.peakMemoryBytes === null ? '—' : `${(row.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB`} |`,
  );
  return head + rows.join('\n') + '\n';
}

export function benchSvg(r: BenchResult): string {
  const rowH = 26;
  const left = 150;
  const width = 640;
  const barW = width - left - 60;
  const height = 50 + r.rows.length * rowH + 30;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = r.rows
    .map((row, i) => {
      const y = 40 + i * rowH;
      const measured = Math.min(1.2, row.backwardRatio) * barW;
      const ideal = Math.min(1.2, row.idealBackwardRatio ?? 0) * barW; // no bar when unknown
      return (
        `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(row.mask)}</text>` +
        `<rect x="${left}" y="${y + 2}" width="${measured.toFixed(1)}" height="10" fill="#3b6ea5"/>` +
        `<rect x="${left}" y="${y + 13}" width="${ideal.toFixed(1)}" height="8" fill="#e0a030"/>` +
        `<text x="${left + measured + 4}" y="${y + 11}" font-size="10">${pct(row.backwardRatio)}</text>`
      );
    })
    .join('\n');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n` +
    `<text x="10" y="20" font-size="14">${esc(r.model)}: backward time ÷ unfrozen (blue: measured, orange: ideal from MACs)</text>\n` +
    `<line x1="${left + barW}" y1="32" x2="${left + barW}" y2="${height - 20}" stroke="#999" stroke-dasharray="3,3"/>\n` +
    `<text x="${left + barW}" y="${height - 6}" text-anchor="middle" font-size="10">100%</text>\n` +
    bars +
    '\n</svg>\n'
  );
}

/** scripts/bench-vs-pytorch's table: per mask and phase, addon ÷ PyTorch, then one epoch each. */
export function vsPytorchMarkdown(r: VsPytorchResult): string {
  const ms = (a: number, b: number, ratio: number) => `${a.toFixed(2)}/${b.toFixed(2)} ms = ${ratio.toFixed(2)}`;
  const head =
    `${r.model}, batch ${r.batch}, ${r.threads} thread(s), ${r.device} (${r.machine.cpu}); addon libtorch ${r.torch.addon}, PyTorch ${r.torch.pytorch}; ` +
    `medians over ${r.rounds} alternating rounds of ${r.steps} steps\n\n` +
    '| mask | forward addon/PyTorch | backward addon/PyTorch | optimizer addon/PyTorch | addon realisation |\n|---|---|---|---|---|\n';
  const rows = r.rows.map(
    (row) =>
      `| ${row.mask} | ${ms(row.addon.forwardMs, row.pytorch.forwardMs, row.ratio.forward)} | ` +
      `${ms(row.addon.backwardMs, row.pytorch.backwardMs, row.ratio.backward)} | ` +
      `${ms(row.addon.optimizerMs, row.pytorch.optimizerMs, row.ratio.optimizer)} | ${row.addonRealization === null ? '—' : row.addonRealization.toFixed(2)} |`,
  );
  const e = r.epoch;
  return (
    head +
    rows.join('\n') +
    `\n\nAddon settings: ${r.settings.precision}, ${r.settings.channelsLast ? 'channels-last' : 'default memory format'}, ATen CPU capability ${r.settings.atenCpuCapability}. ` +
    `Epoch of ${e.samples} samples with augmentation: addon ${e.addonMs.toFixed(0)} ms; plain PyTorch ${e.pytorchMs.toFixed(0)} ms, ratio ${e.ratio.toFixed(2)}; ` +
    `PyTorch with the addon's settings ${e.samePytorchMs.toFixed(0)} ms, ratio ${e.sameRatio.toFixed(2)}; ` +
    `the addon spent ${(100 * e.addonDataShare).toFixed(1)}% of its epoch preparing batches\n`
  );
}
