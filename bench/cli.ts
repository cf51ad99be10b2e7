// `bench <command>`: one entry point for the benchmark tools.
//   node dist-bench/bench/cli.js suite [suite options]       (see suite.ts)
//   node dist-bench/bench/cli.js compare A.json B.json
//   node dist-bench/bench/cli.js gen-flow --out path --count N --seed S

import { compareMain } from './lib/compare.js';
import { orderFlowGenMain } from '../loadgen/order-flow-gen.js';
import { suiteMain } from './suite.js';
import { runIfMain } from '../platform/run-main.js';

export const CLI_USAGE = 'usage: bench suite [options] | bench compare A.json B.json | bench gen-flow --out path --count N --seed S';

export type CliCommand = 'suite' | 'compare' | 'gen-flow';
const COMMANDS: readonly CliCommand[] = ['suite', 'compare', 'gen-flow'];

export async function cliMain(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || !COMMANDS.includes(command as CliCommand)) throw new Error(CLI_USAGE);
  const known = command as CliCommand;
  switch (known) {
    case 'suite':
      return suiteMain(rest);
    case 'compare':
      process.stdout.write(`${compareMain(rest)}\n`);
      return 0;
    case 'gen-flow':
      orderFlowGenMain(rest);
      return 0;
    default: {
      const unknownCommand: never = known;
      throw new Error(`unknown command ${String(unknownCommand)}`);
    }
  }
}

runIfMain(import.meta.url, (argv) => cliMain(argv));
