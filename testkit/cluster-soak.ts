/**
 * The cluster soak (design §11): SIGKILL the leader again and again while orders flow, each time
 * restarting the killed node as a standby, and measure the failover: from the SIGKILL to the first
 * acknowledgement by the new leader. At the end, every acknowledged order must be in the stream at
 * the sequence its ack named (acked but lost: 0), none in it twice, and every node's state hash
 * equal to a replay of the stream. Exit 0 when all held, 1 otherwise (the data is kept then).
 *
 *   make soak-cluster [KILLS=20] [LEASE_MS=600]
 *   node --import tsx testkit/cluster-soak.ts --kills 20 [--lease-ms 600] [--dir path --keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_USAGE, parseCliArgs, parseIntegerOption, UsageError } from '../platform/cli-args.js';
import { type AckedOrder, ClusterFixture, clusterProblems, LeaderFollowingFlow, TEST_LEASE_MS } from './cluster-fixture.js';
import { natsServerMissing } from '../cluster/local-nats-cluster.js';

const KILLS_DEFAULT = 20;
const ACKS_BETWEEN_KILLS = 200;
const FAILOVER_WAIT_MS = 60_000;
const USAGE = 'usage: cluster-soak [--kills N] [--lease-ms MS] [--dir path] [--keep]';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<number> {
  const options = { kills: { type: 'string', default: String(KILLS_DEFAULT) }, 'lease-ms': { type: 'string', default: String(TEST_LEASE_MS) }, dir: { type: 'string' }, keep: { type: 'boolean', default: false } } as const;
  const { values } = parseCliArgs({ args: process.argv.slice(2), options }, USAGE);
  const kills = parseIntegerOption(values.kills, '--kills', 1, 100_000);
  const leaseMs = parseIntegerOption(values['lease-ms'], '--lease-ms', 100, 60_000);
  const missing = natsServerMissing();
  if (missing !== null) {
    console.error(`cluster soak: ${missing}`);
    return 1;
  }
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'ordo-cluster-soak-'));
  console.log(`cluster soak: ${kills} SIGKILLs of the leader, lease ${leaseMs} ms, data in ${dir}`);
  const fixture = await ClusterFixture.start(dir);
  let ok = false;
  try {
    await fixture.startNode('a', leaseMs);
    await fixture.startNode('b', leaseMs);
    const account = fixture.secrets().accounts[0];
    if (account === undefined) throw new Error('no demo account');
    const flow = new LeaderFollowingFlow(fixture, account);
    flow.start();
    const failoverMs: number[] = [];
    let deposed = 0;
    for (let kill = 1; kill <= kills; kill++) {
      // A node deposed on its own (a renewal late by a whole lease on a loaded machine) has exited
      // 75: started again as its supervisor would, and counted.
      for (const node of fixture.nodes.values()) {
        if (node.child !== null) continue;
        deposed++;
        await fixture.startNode(node.name, leaseMs);
      }
      await flow.untilAcked(ACKS_BETWEEN_KILLS);
      const leader = fixture.leaderByLog();
      if (leader === null) throw new Error('no leader');
      const ackedBefore = flow.acked.length;
      const killedAtMs = performance.now();
      await fixture.signal(leader, 'SIGKILL');
      // The first acknowledgement by another node: acks of the killed one may still arrive (it
      // sent them before it died), and they count as acknowledged like any other.
      const firstByNew = (): AckedOrder | undefined => flow.acked.slice(ackedBefore).find((a) => a.node !== leader);
      const deadlineMs = performance.now() + FAILOVER_WAIT_MS;
      while (firstByNew() === undefined && performance.now() < deadlineMs) await flow.untilAcked(1);
      const first = firstByNew();
      if (first === undefined) throw new Error(`kill ${kill}: no other node acknowledged within ${FAILOVER_WAIT_MS} ms`);
      failoverMs.push(first.atMs - killedAtMs);
      console.log(`kill ${kill}: ${leader} killed, ${first.node} acknowledged after ${(first.atMs - killedAtMs).toFixed(0)} ms (${flow.acked.length} acks so far)`);
      await fixture.startNode(leader, leaseMs);
    }
    await flow.untilAcked(ACKS_BETWEEN_KILLS);
    await flow.stop();
    const leader = fixture.leaderByLog();
    const stopped = [];
    for (const name of [...fixture.nodes.keys()].filter((n) => n !== leader).concat(leader === null ? [] : [leader])) {
      if (fixture.node(name).child === null) await fixture.startNode(name, leaseMs);
      stopped.push({ name, ...(await fixture.stopNode(name)) });
    }
    const problems = await clusterProblems(fixture, flow.acked, stopped);
    const sorted = [...failoverMs].sort((x, y) => x - y);
    const lost = problems.filter((p) => p.startsWith('acknowledged')).length;
    console.log(`failover (SIGKILL to first ack on the new leader) over ${sorted.length} kills: p50 ${percentile(sorted, 0.5).toFixed(0)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(0)} ms, min ${(sorted[0] ?? Number.NaN).toFixed(0)} ms`);
    console.log(`acknowledged ${flow.acked.length}, acked but lost ${lost}, refusals while failing over ${flow.refused}, flow failures ${flow.failures.length}, nodes deposed without a kill ${deposed}`);
    for (const p of problems.slice(0, 20)) console.log(`PROBLEM ${p}`);
    ok = problems.length === 0 && flow.failures.length === 0;
    console.log(ok ? 'cluster soak: every check held' : 'cluster soak: FAILED');
  } finally {
    await fixture.stop();
    if (ok && values.dir === undefined && !values.keep) rmSync(dir, { recursive: true, force: true });
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      process.exit(EXIT_USAGE);
    }
    console.error(e);
    process.exit(1);
  },
);
