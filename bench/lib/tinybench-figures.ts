// tinybench microbenchmarks as report figures: each task's mean time per operation, taken as the
// median over several separate runs of the whole Bench (one run's own statistics would hide the
// run-to-run noise of this shared machine).

import { Bench } from 'tinybench';
import { figure, type Figure } from './results.js';
import { repeat } from './stats.js';

export interface TinybenchOptions {
  runs: number;
  /** ms each task is sampled for per run. */
  timeMs: number;
  /** Adds the tasks to a fresh Bench; called once per run so no state leaks between runs. */
  addTasks: (bench: Bench) => void;
}

/** Runs the tasks `runs` times; returns `<task>NsPerOp` and `<task>OpsPerSecond` figures. */
export async function tinybenchFigures(options: TinybenchOptions): Promise<Record<string, Figure>> {
  const perRun = await repeat(options.runs, async () => {
    const bench = new Bench({ time: options.timeMs, warmupTime: Math.max(10, options.timeMs / 5), throws: true });
    options.addTasks(bench);
    await bench.run();
    const nsPerOp = new Map<string, number>();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`tinybench task ${task.name} ended ${result.state}`);
      nsPerOp.set(task.name, result.latency.mean * 1e6);
    }
    return nsPerOp;
  });
  const figures: Record<string, Figure> = {};
  for (const name of perRun[0]?.keys() ?? []) {
    const values = perRun.map((run) => run.get(name) ?? Number.NaN);
    figures[`${name}NsPerOp`] = figure(values, 'ns', 'lower');
    figures[`${name}OpsPerSecond`] = figure(values.map((ns) => 1e9 / Math.max(ns, 1e-3)), 'ops/s', 'higher');
  }
  return figures;
}
