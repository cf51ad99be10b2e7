/**
 * A small Prometheus text-format exporter (exposition format 0.0.4) for GET /metrics: counters,
 * gauges and histograms with a fixed, bounded set of label values. Written here rather than
 * taken from a library because the server needs four metric kinds and nothing else, and
 * because every hot-path update must be a property increment, not a label-map lookup: a metric
 * with labels hands out a `child` once, and callers keep it.
 *
 *   # HELP ordo_gateway_orders_in_total Order messages received, by type.
 *   # TYPE ordo_gateway_orders_in_total counter
 *   ordo_gateway_orders_in_total{type="place"} 1234
 */
export type Labels = Readonly<Record<string, string>>;

/** Distinct label sets one metric may have: codes and message types are small closed sets. */
export const LABEL_SETS_MAX = 256;
const NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export interface Metric {
  readonly name: string;
  render(out: string[]): void;
}

abstract class Family<C> implements Metric {
  private readonly children = new Map<string, { labels: Labels; child: C }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: string,
  ) {
    if (!NAME_PATTERN.test(name)) throw new Error(`metric name ${name}`);
  }

  protected abstract create(): C;
  protected abstract renderChild(out: string[], labels: Labels, child: C): void;

  /** The series of one label set, created on first use (keep it: the lookup is not free). */
  child(labels: Labels = {}): C {
    const key = JSON.stringify(labels);
    const existing = this.children.get(key);
    if (existing !== undefined) return existing.child;
    for (const name of Object.keys(labels)) if (!LABEL_NAME_PATTERN.test(name) || name === 'le') throw new Error(`label name ${name}`);
    if (this.children.size >= LABEL_SETS_MAX) throw new Error(`metric ${this.name}: more than ${LABEL_SETS_MAX} label sets`);
    const child = this.create();
    this.children.set(key, { labels, child });
    return child;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    for (const { labels, child } of this.children.values()) this.renderChild(out, labels, child);
  }
}

export class CounterChild {
  value = 0;
  inc(by = 1): void {
    if (!(by >= 0)) throw new Error(`counter increment ${by}`);
    this.value += by;
  }
}

export class Counter extends Family<CounterChild> {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  protected create(): CounterChild {
    return new CounterChild();
  }
  protected renderChild(out: string[], labels: Labels, child: CounterChild): void {
    out.push(`${this.name}${formatLabels(labels)} ${formatValue(child.value)}`);
  }
}

export class GaugeChild {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
}

/** A gauge whose value is read when scraped (`collect`), or set by the owner. */
export class Gauge extends Family<GaugeChild> {
  constructor(
    name: string,
    help: string,
    private readonly collect?: (gauge: Gauge) => void,
  ) {
    super(name, help, 'gauge');
  }
  protected create(): GaugeChild {
    return new GaugeChild();
  }
  override render(out: string[]): void {
    this.collect?.(this);
    super.render(out);
  }
  protected renderChild(out: string[], labels: Labels, child: GaugeChild): void {
    out.push(`${this.name}${formatLabels(labels)} ${formatValue(child.value)}`);
  }
}

export class HistogramChild {
  /** Per-bucket (non-cumulative) counts; the last one is +Inf. */
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

export const HISTOGRAM_BUCKETS_MAX = 64;

export class Histogram extends Family<HistogramChild> {
  constructor(
    name: string,
    help: string,
    private readonly bounds: readonly number[],
  ) {
    super(name, help, 'histogram');
    if (bounds.length === 0 || bounds.length > HISTOGRAM_BUCKETS_MAX) throw new Error(`histogram ${name}: ${bounds.length} buckets`);
    for (let i = 1; i < bounds.length; i++) if (!((bounds[i] as number) > (bounds[i - 1] as number))) throw new Error(`histogram ${name}: bounds must ascend`);
  }
  protected create(): HistogramChild {
    return new HistogramChild(this.bounds);
  }
  protected renderChild(out: string[], labels: Labels, child: HistogramChild): void {
    let cumulative = 0;
    child.bounds.forEach((bound, i) => {
      cumulative += child.counts[i] as number;
      out.push(`${this.name}_bucket${formatLabels(labels, ['le', formatValue(bound)])} ${cumulative}`);
    });
    cumulative += child.counts[child.bounds.length] as number;
    if (cumulative !== child.count) throw new Error(`histogram ${this.name}: buckets hold ${cumulative} of ${child.count}`);
    out.push(`${this.name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${cumulative}`);
    out.push(`${this.name}_sum${formatLabels(labels)} ${formatValue(child.sum)}`);
    out.push(`${this.name}_count${formatLabels(labels)} ${child.count}`);
  }
}

/** Bounds growing by `factor` from `start`, `count` of them (e.g. 10 µs .. 100 ms). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0 && factor > 1 && Number.isInteger(count) && count >= 1 && count <= HISTOGRAM_BUCKETS_MAX)) throw new Error('exponential buckets');
  const bounds: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) bounds.push(Number(b.toPrecision(6)));
  return bounds;
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** The whole exposition, one metric family after another, ending in a newline. */
  render(): string {
    const out: string[] = [];
    for (const metric of this.metrics.values()) metric.render(out);
    return `${out.join('\n')}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
