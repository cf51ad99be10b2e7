// A small SVG line-chart writer: enough for latency percentile curves and throughput-latency
// plots, with no dependencies. Output is plain, well-formed SVG 1.1 that GitHub renders.

export type AxisScale = 'linear' | 'log';

export interface AxisTick {
  value: number;
  label: string;
}

export interface Axis {
  label: string;
  scale: AxisScale;
  /** Explicit ticks; when absent, decades (log) or 1-2-5 steps (linear) from the data. */
  ticks?: AxisTick[];
  /** Formats an automatic tick's value. */
  format?: (value: number) => string;
  min?: number;
  max?: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  label: string;
  points: Point[];
}

export interface LineChart {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
  widthPx?: number;
  heightPx?: number;
}

/** Colour-blind-safe palette (Okabe-Ito), cycled over series. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];
const MARGIN_PX = { left: 80, right: 190, top: 40, bottom: 56 };
/** Bounds on what one chart draws, so a bad input cannot produce a huge file. */
export const SERIES_MAX = 32;
export const POINTS_PER_SERIES_MAX = 10_000;
const TICKS_MAX = 24;

export function renderLineChart(chart: LineChart): string {
  const widthPx = chart.widthPx ?? 760;
  const heightPx = chart.heightPx ?? 420;
  if (chart.series.length > SERIES_MAX) throw new RangeError(`${chart.series.length} series, at most ${SERIES_MAX}`);
  const plotW = widthPx - MARGIN_PX.left - MARGIN_PX.right;
  const plotH = heightPx - MARGIN_PX.top - MARGIN_PX.bottom;
  if (plotW <= 0 || plotH <= 0) throw new RangeError('chart too small for its margins');
  const all = chart.series.flatMap((s) => {
    if (s.points.length > POINTS_PER_SERIES_MAX) throw new RangeError(`series ${s.label}: too many points`);
    return s.points.filter((p) => plottable(p.x, chart.x.scale) && plottable(p.y, chart.y.scale));
  });
  const xDomain = domain(chart.x, all.map((p) => p.x));
  const yDomain = domain(chart.y, all.map((p) => p.y));
  const sx = scaler(chart.x.scale, xDomain, MARGIN_PX.left, MARGIN_PX.left + plotW);
  const sy = scaler(chart.y.scale, yDomain, MARGIN_PX.top + plotH, MARGIN_PX.top);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${widthPx}" height="${heightPx}" fill="#ffffff"/>`);
  out.push(`<text x="${widthPx / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(chart.title)}</text>`);
  for (const tick of ticks(chart.x, xDomain)) {
    const x = fmt(sx(tick.value));
    out.push(`<line x1="${x}" y1="${MARGIN_PX.top}" x2="${x}" y2="${MARGIN_PX.top + plotH}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${x}" y="${MARGIN_PX.top + plotH + 16}" text-anchor="middle">${escapeXml(tick.label)}</text>`);
  }
  for (const tick of ticks(chart.y, yDomain)) {
    const y = fmt(sy(tick.value));
    out.push(`<line x1="${MARGIN_PX.left}" y1="${y}" x2="${MARGIN_PX.left + plotW}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${MARGIN_PX.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(tick.label)}</text>`);
  }
  out.push(`<rect x="${MARGIN_PX.left}" y="${MARGIN_PX.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#404040"/>`);
  out.push(`<text x="${MARGIN_PX.left + plotW / 2}" y="${heightPx - 12}" text-anchor="middle">${escapeXml(chart.x.label)}</text>`);
  const yMid = MARGIN_PX.top + plotH / 2;
  out.push(`<text x="18" y="${yMid}" text-anchor="middle" transform="rotate(-90 18 ${yMid})">${escapeXml(chart.y.label)}</text>`);
  chart.series.forEach((series, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    const pts = series.points
      .filter((p) => plottable(p.x, chart.x.scale) && plottable(p.y, chart.y.scale))
      .map((p) => `${fmt(sx(p.x))},${fmt(sy(p.y))}`);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const pt of pts.length <= 40 ? pts : []) {
      const [cx, cy] = pt.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${colour}"/>`);
    }
    const legendY = MARGIN_PX.top + 10 + i * 18;
    const legendX = MARGIN_PX.left + plotW + 12;
    out.push(`<line x1="${legendX}" y1="${legendY}" x2="${legendX + 20}" y2="${legendY}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${legendX + 26}" y="${legendY}" dominant-baseline="middle">${escapeXml(series.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A duration in ns as a short label: 850 ns, 12.5 µs, 3.2 ms, 1.5 s. */
export function formatNs(valueNs: number): string {
  const abs = Math.abs(valueNs);
  if (abs < 1_000) return `${trim(valueNs)} ns`;
  if (abs < 1_000_000) return `${trim(valueNs / 1_000)} µs`;
  if (abs < 1_000_000_000) return `${trim(valueNs / 1_000_000)} ms`;
  return `${trim(valueNs / 1_000_000_000)} s`;
}

/** A count or rate as a short label: 950, 12.5k, 3.2M. */
export function formatCount(value: number): string {
  const abs = Math.abs(value);
  if (abs < 1_000) return trim(value);
  if (abs < 1_000_000) return `${trim(value / 1_000)}k`;
  if (abs < 1_000_000_000) return `${trim(value / 1_000_000)}M`;
  return `${trim(value / 1_000_000_000)}G`;
}

function trim(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

function fmt(px: number): string {
  return px.toFixed(1);
}

function plottable(value: number, scale: AxisScale): boolean {
  return Number.isFinite(value) && (scale === 'linear' || value > 0);
}

function domain(axis: Axis, values: readonly number[]): [number, number] {
  let lo = axis.min ?? Math.min(...values, ...(axis.ticks ?? []).map((t) => t.value));
  let hi = axis.max ?? Math.max(...values, ...(axis.ticks ?? []).map((t) => t.value));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = axis.scale === 'log' ? [1, 10] : [0, 1];
  if (axis.scale === 'log') {
    // Whole decades, so the first and last gridlines sit on the frame.
    lo = 10 ** Math.floor(Math.log10(Math.max(lo, Number.MIN_VALUE)));
    hi = 10 ** Math.ceil(Math.log10(Math.max(hi, lo)));
    if (hi <= lo) hi = lo * 10;
  } else {
    if (axis.min === undefined) lo = Math.min(lo, 0);
    if (hi <= lo) hi = lo + 1;
  }
  return [lo, hi];
}

function scaler(scale: AxisScale, [lo, hi]: [number, number], fromPx: number, toPx: number): (value: number) => number {
  switch (scale) {
    case 'linear':
      return (v) => fromPx + ((v - lo) / (hi - lo)) * (toPx - fromPx);
    case 'log': {
      const l0 = Math.log10(lo);
      const l1 = Math.log10(hi);
      return (v) => fromPx + ((Math.log10(v) - l0) / (l1 - l0)) * (toPx - fromPx);
    }
    default: {
      const unknownScale: never = scale;
      throw new Error(`unknown scale ${String(unknownScale)}`);
    }
  }
}

function ticks(axis: Axis, [lo, hi]: [number, number]): AxisTick[] {
  const format = axis.format ?? ((v: number) => formatCount(v));
  if (axis.ticks !== undefined) return axis.ticks.filter((t) => t.value >= lo && t.value <= hi).slice(0, TICKS_MAX);
  const out: AxisTick[] = [];
  if (axis.scale === 'log') {
    for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)) && out.length < TICKS_MAX; e++) {
      out.push({ value: 10 ** e, label: format(10 ** e) });
    }
    return out;
  }
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && out.length < TICKS_MAX; v += step) {
    out.push({ value: v, label: format(v) });
  }
  return out;
}
