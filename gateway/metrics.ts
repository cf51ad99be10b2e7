import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * GET /metrics is served by prom-client (Prometheus text format 0.0.4). What is updated per
 * order or per event stays a plain field here, a "cell", and prom-client reads the cells when
 * it is scraped (a `collect` callback): a prom-client `inc` or `observe` with labels hashes the
 * label set and allocates on every call, measured at several times the cost of a property
 * increment (bench/metric-update.ts). Whatever is rare (refusals, authentication failures)
 * goes to prom-client directly.
 *
 *   hot path:  cell.inc()  cell.observe(v)        (a field, a typed-array slot)
 *   scrape:    registry.metrics() ─▶ collect() copies each cell into its prom-client metric
 */
export type Labels = Readonly<Record<string, string>>;

/** Distinct label sets one cell family may have: codes and message types are small closed sets. */
export const LABEL_SETS_MAX = 256;
export const HISTOGRAM_BUCKETS_MAX = 64;
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export class CounterCell {
  value = 0;
  inc(by = 1): void {
    if (!(by >= 0)) throw new Error(`counter increment ${by}`);
    this.value += by;
  }
}

/** A histogram's figures: per-bucket (non-cumulative) counts, the last one +Inf. */
export interface HistogramFigures {
  readonly bounds: readonly number[];
  readonly counts: ArrayLike<number>;
  readonly sum: number;
  readonly count: number;
}

export class HistogramCell implements HistogramFigures {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    // Bucket search is linear: the bounds lists are short (≤ 24), and most values land early.
    let i = 0;
    const bounds = this.bounds;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** Bounds growing by `factor` from `start`, `count` of them (e.g. 10 µs .. 100 ms). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0 && factor > 1 && Number.isInteger(count) && count >= 1 && count <= HISTOGRAM_BUCKETS_MAX)) throw new Error('exponential buckets');
  const bounds: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) bounds.push(Number(b.toPrecision(6)));
  return bounds;
}

/**
 * Counter cells of one metric, a cell per label set (fetch it once and keep it: the lookup is
 * not free), exported as a prom-client counter read at scrape time.
 */
export class CounterCells {
  private readonly cells = new Map<string, { labels: Labels; cell: CounterCell }>();

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[] = []) {
    const cells = this.cells;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect(): void {
        this.reset();
        for (const { labels, cell } of cells.values()) this.inc(labels, cell.value);
      },
    });
  }

  cell(labels: Labels = {}): CounterCell {
    const key = JSON.stringify(labels);
    const existing = this.cells.get(key);
    if (existing !== undefined) return existing.cell;
    if (this.cells.size >= LABEL_SETS_MAX) throw new Error(`more than ${LABEL_SETS_MAX} label sets`);
    const cell = new CounterCell();
    this.cells.set(key, { labels, cell });
    return cell;
  }
}

/** prom-client 15's per-series histogram record (lib/histogram.js): what its exposition reads. */
interface PromHistogramSeries {
  labels: Labels;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * A prom-client histogram (no labels) whose figures are read at scrape time from `read`: the
 * owner's cell, or figures another thread keeps (the journal's). prom-client has no public way
 * to set a histogram's buckets, so `collect` writes its series record, the shape prom-client
 * 15.1.3 (pinned) keeps; metrics.test.ts holds the output equal to prom-client's own histogram
 * fed the same observations, so a change of that shape fails there. `read` returning null (no
 * figures yet) exports the family with no samples.
 */
export function histogramView(registry: Registry, name: string, help: string, bounds: readonly number[], read: () => HistogramFigures | null): Histogram {
  if (bounds.length === 0 || bounds.length > HISTOGRAM_BUCKETS_MAX) throw new Error(`histogram ${name}: ${bounds.length} buckets`);
  for (let i = 1; i < bounds.length; i++) if (!((bounds[i] as number) > (bounds[i - 1] as number))) throw new Error(`histogram ${name}: bounds must ascend`);
  return new Histogram({
    name,
    help,
    buckets: [...bounds],
    registers: [registry],
    collect(): void {
      const internals = this as unknown as { hashMap: Record<string, PromHistogramSeries> };
      const figures = read();
      if (figures === null) {
        internals.hashMap = {};
        return;
      }
      if (figures.bounds.length !== bounds.length || figures.bounds.some((b, i) => b !== bounds[i])) throw new Error(`histogram ${name}: figures with other bounds`);
      // The +Inf bucket is `count` (the journal's figures, kept by another thread, may be read
      // between a bucket's increment and the count's).
      const bucketValues: Record<number, number> = {};
      bounds.forEach((b, i) => (bucketValues[b] = figures.counts[i] ?? 0));
      internals.hashMap = { '': { labels: {}, bucketValues, sum: figures.sum, count: figures.count } };
    },
  });
}

let processRegistry: Registry | null = null;

/**
 * The process's own metrics (CPU, memory, file descriptors, handles, GC pauses, event-loop
 * delay), what prom-client's collectDefaultMetrics gives. Collected once per process and
 * merged into each server's registry: collectDefaultMetrics starts a GC observer and an
 * event-loop delay monitor that prom-client never stops, so calling it per server would leave
 * one of each behind for every server a process (a test run) ever started. The event-loop
 * figures are reset at each scrape, so two scrapers of one process share that window.
 */
export function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
