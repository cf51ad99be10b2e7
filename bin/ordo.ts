#!/usr/bin/env node
/**
 * The ordo command line.
 *
 *   ordo flow <file> [--passes N]        apply a standard order-flow file (design §9); the last
 *                                        line is one JSON object with the summary and cmdsPerSec
 *   ordo gen-flow --out F --count N --seed S
 *                                        write a seeded order-flow file
 *   ordo run [--config F] [--host H] [--port P] [--data D] [--log-level L]
 *            [--cluster URLS --node NAME [--advertise WS] [--lease-ms MS]]
 *                                        serve the gateway (WebSocket, /health, /metrics) over the
 *                                        engine; embedded demo configuration unless --config; with
 *                                        --cluster, one node of a cluster (bin/cluster-node.ts)
 *   ordo replay | verify | audit ...     the journal's operator commands (journal-cli.ts: options
 *                                        and exit codes)
 *   ordo admin SUBCOMMAND ...            the admin HTTP API from a shell (admin-cli.ts)
 */
import { hrtime } from 'node:process';
import { tuneJitForCore } from '../platform/jit-tuning.js';
import { readOrderFlowFile } from '../loadgen/order-flow-file.js';
import { compileOrderFlow, FLOW_PASSES_DEFAULT, runOrderFlow } from '../engine/order-flow-runner.js';
import { orderFlowGenMain } from '../loadgen/order-flow-gen.js';
import { runServer } from './demo.js';
import { EXIT_USAGE, parseCliArgs, parseIntegerOption, UsageError } from '../platform/cli-args.js';
import { AUDIT_NOTES, AUDIT_USAGE, auditMain, REPLAY_USAGE, replayMain, VERIFY_USAGE, verifyMain } from './journal-cli.js';
import { runAdmin } from './admin-cli.js';
import { ConfigError } from '../gateway/config-error.js';

const USAGE = `usage:
  ordo flow <file> [--passes N]
  ordo gen-flow --out <file> --count <N> --seed <S>
  ordo run [--config <file>] [--host <h>] [--port <p>] [--data <dir>] [--log-level <l>]
           [--cluster <nats-url,...> --node <name> [--advertise <ws-url>] [--lease-ms <ms>]]
  ${REPLAY_USAGE}
  ${VERIFY_USAGE}
  ${AUDIT_USAGE}
  ordo admin [--url <url>] [--token <t> | --data <dir>] <subcommand> ...   (ordo admin --help)
${AUDIT_NOTES}`;

const FLOW_PASSES_MAX = 100;

function flowMain(args: string[]): void {
  const { values, positionals } = parseCliArgs({ args, options: { passes: { type: 'string' } }, allowPositionals: true }, null);
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError('flow: missing <file>');
  if (extra.length > 0) throw new UsageError(`flow: unexpected argument ${extra[0]}`);
  const passes = values.passes === undefined ? FLOW_PASSES_DEFAULT : parseIntegerOption(values.passes, 'flow: --passes', 1, FLOW_PASSES_MAX);
  const loaded = readOrderFlowFile(file, { validate: true });
  const flow = compileOrderFlow(loaded.view);
  const run = runOrderFlow(flow, passes, hrtime.bigint);
  process.stderr.write(`order flow ${file}: ${run.passes} passes, cmds/s min ${run.cmdsPerSecMin} median ${run.cmdsPerSec} max ${run.cmdsPerSecMax}\n`);
  const { commands, trades, tradedQty, resting, bestBid, bestAsk, checksum, cmdsPerSec } = run;
  process.stdout.write(JSON.stringify({ commands, trades, tradedQty, resting, bestBid, bestAsk, checksum, cmdsPerSec }) + '\n');
}

async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'flow':
        flowMain(rest);
        return 0;
      case 'gen-flow':
        orderFlowGenMain(rest);
        return 0;
      case 'run':
        return await runServer(rest);
      case 'replay':
        return await replayMain(rest);
      case 'verify':
        return await verifyMain(rest);
      case 'audit':
        return await auditMain(rest);
      case 'admin':
        return await runAdmin(rest);
      default:
        throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`ordo: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

// Before anything runs the core: the inlining budget it is measured and served with.
tuneJitForCore();
process.exitCode = await main(process.argv.slice(2));
