/**
 * A reader of the Prometheus text exposition format (what GET /metrics answers): one sample a
 * line, `name{label="value",...} value [timestamp]`; `#` lines are comments (HELP, TYPE). Values
 * may be NaN, +Inf, -Inf. A line that is not a sample is skipped, so a newer server's additions
 * never break the page. Bounded: at most SAMPLES_MAX samples are read.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export const SAMPLES_MAX = 20_000;
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

export function parsePromText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (m === null) continue;
    const labels = parseLabels(m[2] ?? '');
    if (labels === null) continue;
    samples.push({ name: m[1] as string, labels, value: parseValue(m[3] as string) });
    if (samples.length >= SAMPLES_MAX) break;
  }
  return samples;
}

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    LABEL.lastIndex = at;
    const m = LABEL.exec(text);
    if (m === null) return text.slice(at).trim() === '' ? labels : null;
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    at = LABEL.lastIndex;
  }
  return labels;
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default:
      return Number(text);
  }
}

/** The samples of one metric whose labels include `match`. */
export function select(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of one metric's matching samples; null when it has none. */
export function sumOf(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number | null {
  const found = select(samples, name, match);
  return found.length === 0 ? null : found.reduce((a, s) => a + s.value, 0);
}

/** A histogram's cumulative buckets (upper bound, count), ascending, +Inf last. */
export function bucketsOf(samples: readonly Sample[], name: string): Array<[number, number]> {
  const byBound = new Map<number, number>();
  for (const s of select(samples, `${name}_bucket`)) {
    const le = s.labels['le'];
    if (le === undefined) continue;
    const bound = parseValue(le);
    byBound.set(bound, (byBound.get(bound) ?? 0) + s.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * The q-quantile of the observations between two readings of a histogram's cumulative buckets
 * (same bounds), interpolated linearly inside its bucket as Prometheus' histogram_quantile does;
 * null without observations. A quantile in the +Inf bucket answers the highest finite bound.
 */
export function quantileBetween(before: ReadonlyArray<[number, number]>, after: ReadonlyArray<[number, number]>, q: number): number | null {
  const counts = after.map(([bound, n], i) => [bound, n - (before[i]?.[0] === bound ? (before[i] as [number, number])[1] : 0)] as [number, number]);
  const total = counts[counts.length - 1]?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, cumulative] of counts) {
    if (cumulative >= rank) {
      if (bound === Infinity) return lowerBound;
      const inBucket = cumulative - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = cumulative;
  }
  return lowerBound;
}
