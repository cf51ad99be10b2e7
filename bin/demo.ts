import { hrtime } from 'node:process';
import { generateOrderFlow } from '../bench/order-flow-gen.js';
import { compileOrderFlow, runOrderFlow } from '../engine/order-flow-runner.js';

/**
 * What `make run` does until the gateway serves clients: generate a seeded order flow in memory
 * and run it through the core, printing the same summary as `ordo flow`.
 */
export async function runDemo(args: string[]): Promise<number> {
  const count = Number(args[0] ?? 1_000_000);
  process.stderr.write(`ordo: generating a ${count}-command order flow (seed 1) and applying it to the core\n`);
  const bytes = generateOrderFlow({ count, seed: 1 });
  const flow = compileOrderFlow(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const run = runOrderFlow(flow, 5, hrtime.bigint);
  process.stdout.write(JSON.stringify(run) + '\n');
  return 0;
}
