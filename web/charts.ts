import { AreaSeries, createChart, createOptionsChart, type DeepPartial, type ChartOptions, LineSeries, LineType, type UTCTimestamp } from 'lightweight-charts';
import type { WireLevel } from '../protocol/wire-schema.js';

/**
 * The page's charts, drawn by lightweight-charts (made for live financial data). Every series
 * is given a bounded array, so a page left open for days holds no more than the last points.
 * The library's attribution logo injects an inline <style>, which the page's policy refuses: it
 * is off, and the page credits the library in its footer instead.
 */
export const SPARK_POINTS_MAX = 180;
export const DEPTH_LEVELS_MAX = 60;

const THEME = {
  layout: { background: { color: '#161b22' }, textColor: '#8591a0', fontSize: 10, attributionLogo: false },
  grid: { vertLines: { color: '#1e252e' }, horzLines: { color: '#1e252e' } },
  rightPriceScale: { borderColor: '#262d36' },
  handleScroll: false,
  handleScale: false,
};
const BID = '#2fbf71';
const ASK = '#ef5350';
export const SPARK_COLORS = ['#4f9cf9', '#f5a623', '#b07cf7'];

/** A small time chart of one or more lines, one point a second. */
export function sparkline(container: HTMLElement, lines: number): (values: ReadonlyArray<number | null>) => void {
  const chart = createChart(container, {
    ...THEME,
    autoSize: true,
    timeScale: { borderColor: '#262d36', timeVisible: true, secondsVisible: true },
  } as DeepPartial<ChartOptions>);
  const series = Array.from({ length: lines }, (_, i) => chart.addSeries(LineSeries, { color: SPARK_COLORS[i % SPARK_COLORS.length] as string, lineWidth: 2, priceLineVisible: false, lastValueVisible: true }));
  const points = series.map(() => [] as Array<{ time: UTCTimestamp; value: number }>);
  return (values) => {
    const time = Math.floor(Date.now() / 1000) as UTCTimestamp;
    values.forEach((value, i) => {
      const list = points[i];
      if (list === undefined || value === null || !Number.isFinite(value)) return;
      if (list.length > 0 && (list[list.length - 1] as { time: number }).time >= time) list.pop();
      list.push({ time, value });
      if (list.length > SPARK_POINTS_MAX) list.shift();
      series[i]?.setData(list);
    });
  };
}

/** Last trade price over time (one point a second: the last trade of that second). */
export function priceChart(container: HTMLElement): (trades: ReadonlyArray<{ price: string; timestampUs: number }>) => void {
  const chart = createChart(container, { ...THEME, autoSize: true, timeScale: { borderColor: '#262d36', timeVisible: true, secondsVisible: true } } as DeepPartial<ChartOptions>);
  const line = chart.addSeries(LineSeries, { color: '#4f9cf9', lineWidth: 2, priceLineVisible: false });
  return (trades) => {
    const bySecond = new Map<number, number>();
    // Newest first in, so the first seen of each second is its last trade.
    for (const t of trades) {
      const sec = Math.floor(t.timestampUs / 1_000_000);
      if (!bySecond.has(sec)) bySecond.set(sec, Number(t.price));
    }
    line.setData([...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time: time as UTCTimestamp, value })));
  };
}

/** Cumulative quantity against price: bids rising to the left of the spread, asks to the right. */
export function depthChart(container: HTMLElement): (bids: readonly WireLevel[], asks: readonly WireLevel[]) => void {
  const chart = createOptionsChart(container, { ...THEME, autoSize: true, timeScale: { borderColor: '#262d36' } });
  const bidSeries = chart.addSeries(AreaSeries, { lineColor: BID, topColor: 'rgba(47,191,113,0.35)', bottomColor: 'rgba(47,191,113,0.05)', lineType: LineType.WithSteps, lineWidth: 2, priceLineVisible: false, lastValueVisible: false });
  const askSeries = chart.addSeries(AreaSeries, { lineColor: ASK, topColor: 'rgba(239,83,80,0.35)', bottomColor: 'rgba(239,83,80,0.05)', lineType: LineType.WithSteps, lineWidth: 2, priceLineVisible: false, lastValueVisible: false });
  return (bids, asks) => {
    bidSeries.setData(depthPoints(bids.slice(0, DEPTH_LEVELS_MAX)).reverse());
    askSeries.setData(depthPoints(asks.slice(0, DEPTH_LEVELS_MAX)));
    // The book moves: the chart always shows the depth it was given, whole.
    chart.timeScale().fitContent();
  };
}

/** Best first in, cumulative quantity out, in the same order. */
export function depthPoints(levels: readonly WireLevel[]): Array<{ time: number; value: number }> {
  let sum = 0;
  return levels.map(([price, qty]) => ({ time: Number(price), value: (sum += Number(qty)) }));
}
