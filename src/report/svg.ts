// A small dependency-free SVG line chart: one line per series (the mean) with an optional band
// (mean ± std), axes with round ticks and a legend. Used by the study report.

export interface ChartPoint {
  x: number;
  y: number;
  /** Half-height of the band around y (e.g. the sample std); omitted or NaN: no band there. */
  band?: number;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Formats a tick value (default: up to 3 significant digits). */
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Start the x axis at this value at the latest (e.g. 0 for time). */
  xMin?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (v: number) => String(Number(v.toPrecision(3)));
const num = (v: number) => v.toFixed(1);

export function lineChart(series: ChartSeries[], options: LineChartOptions): string {
  const width = options.width ?? 780;
  const height = options.height ?? 420;
  const legendWidth = 270;
  const m = { left: 64, right: legendWidth + 16, top: 36, bottom: 52 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.flatMap((p) => (p.band !== undefined && Number.isFinite(p.band) ? [p.y - p.band, p.y + p.band] : [p.y]));
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (options.xMin !== undefined) x0 = Math.min(x0, options.xMin);
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.01, y1 + 0.01];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => m.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const xFormat = options.xFormat ?? fmt;
  const yFormat = options.yFormat ?? fmt;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${num(py(t))}" y2="${num(py(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${num(py(t) + 4)}" text-anchor="end">${escapeXml(yFormat(t))}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(`<line x1="${num(px(t))}" x2="${num(px(t))}" y1="${m.top}" y2="${m.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${num(px(t))}" y="${m.top + plotH + 16}" text-anchor="middle">${escapeXml(xFormat(t))}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const banded = s.points.filter((p) => p.band !== undefined && Number.isFinite(p.band));
    if (banded.length > 1) {
      const upper = banded.map((p) => `${num(px(p.x))},${num(py(p.y + (p.band as number)))}`);
      const lower = banded.map((p) => `${num(px(p.x))},${num(py(p.y - (p.band as number)))}`).reverse();
      out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    }
    if (s.points.length > 1) {
      out.push(`<polyline points="${s.points.map((p) => `${num(px(p.x))},${num(py(p.y))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of s.points) out.push(`<circle cx="${num(px(p.x))}" cy="${num(py(p.y))}" r="2.5" fill="${color}"/>`);
    const ly = m.top + 8 + i * 18;
    const lx = width - legendWidth;
    out.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 26}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
