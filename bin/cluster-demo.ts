#!/usr/bin/env node
/**
 * `make cluster`: cluster mode on one machine, for trying it out (design §11).
 *
 *   nats-server n1 :4222 ┐                          ordo node a  ws://127.0.0.1:8080/ws  data/cluster/a
 *   nats-server n2 :4223 ├ JetStream, 3 replicas ─▶ ordo node b  ws://127.0.0.1:8081/ws  data/cluster/b
 *   nats-server n3 :4224 ┘ (data/cluster/nats)      demo secrets shared: data/cluster/demo-secrets.json
 *
 * The first node to start takes the lease and leads; the other follows as a hot standby. Each
 * node is supervised: one that exits (deposed: exit 75, or killed) is started again after a
 * moment and rejoins as a standby, so `kill -9` of the leader shows a takeover and a rejoin.
 * Ctrl-C stops the nodes (SIGTERM: drained, snapshotted) and then NATS.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATS_SERVER_BIN, NatsCluster, natsServerMissing } from '../cluster/local-nats-cluster.js';
import { siblingModuleUrl } from '../platform/worker-spawn.js';

const DATA = 'data/cluster';
const NATS_CLIENT_PORTS = [4222, 4223, 4224];
const NATS_CLUSTER_PORTS = [6222, 6223, 6224];
const NODES = [
  { name: 'a', port: 8080 },
  { name: 'b', port: 8081 },
] as const;
const RESTART_DELAY_MS = 500;
const SECRETS = 'demo-secrets.json';

/** Installs nats-server from Debian where it is missing and this process may; else says how. */
function ensureNatsServer(): void {
  if (natsServerMissing() === null) return;
  process.stderr.write(`cluster: nats-server is missing (${NATS_SERVER_BIN}); installing it from Debian (apt-get install nats-server)\n`);
  try {
    execFileSync('apt-get', ['install', '-y', 'nats-server'], { stdio: 'inherit' });
  } catch {
    // Reported below.
  }
  const still = natsServerMissing();
  if (still !== null) throw new Error(`cluster: ${still}; install it (as root: apt-get install nats-server) or set NATS_SERVER to its path`);
}

function main(): void {
  ensureNatsServer();
  const ordo = fileURLToPath(siblingModuleUrl(import.meta.url, './ordo'));
  const loader = ordo.endsWith('.ts') ? ['--import', 'tsx'] : [];
  mkdirSync(DATA, { recursive: true });
  let stopping = false;
  const children = new Map<string, ChildProcess>();
  void NatsCluster.start(join(DATA, 'nats'), { client: NATS_CLIENT_PORTS, cluster: NATS_CLUSTER_PORTS }).then(
    (nats) => {
      const servers = nats.servers.join(',');
      process.stderr.write(`cluster: NATS at ${servers}\n`);
      const startNode = (node: (typeof NODES)[number]): Promise<void> => {
        const dataDir = join(DATA, node.name);
        mkdirSync(dataDir, { recursive: true });
        const shared = join(DATA, SECRETS);
        if (existsSync(shared) && !existsSync(join(dataDir, SECRETS))) copyFileSync(shared, join(dataDir, SECRETS));
        const child = spawn(process.execPath, [...loader, ordo, 'run', '--port', String(node.port), '--data', dataDir, '--cluster', servers, '--node', node.name], { stdio: ['ignore', 'inherit', 'pipe'] });
        children.set(node.name, child);
        return new Promise((resolve) => {
          child.stderr?.on('data', (chunk: Buffer) => {
            const text = chunk.toString('utf8');
            process.stderr.write(text.replace(/^(?=.)/gm, `[${node.name}] `));
            if (text.includes('ordo: serving ')) {
              // The first node made the demo secrets: share them with the other.
              if (!existsSync(shared) && existsSync(join(dataDir, SECRETS))) copyFileSync(join(dataDir, SECRETS), shared);
              resolve();
            }
          });
          child.once('exit', (code, signal) => {
            children.delete(node.name);
            resolve();
            if (stopping) return;
            process.stderr.write(`cluster: node ${node.name} exited (${code ?? signal}); starting it again as a standby\n`);
            setTimeout(() => void startNode(node), RESTART_DELAY_MS);
          });
        });
      };
      void (async () => {
        for (const node of NODES) await startNode(node);
        process.stderr.write(
          [
            'cluster: up. Nodes: ws://127.0.0.1:8080/ws (a), ws://127.0.0.1:8081/ws (b); GET /health on each says which leads.',
            `cluster: demo API keys and admin token in ${join(DATA, SECRETS)}. Try: kill -9 the leader's pid and watch the other take over.`,
            '',
          ].join('\n'),
        );
      })();
      const stop = (): void => {
        if (stopping) process.exit(1);
        stopping = true;
        const exits = [...children.values()].map((c) => new Promise((resolve) => c.once('exit', resolve)));
        for (const c of children.values()) c.kill('SIGTERM');
        void Promise.all(exits).then(() => nats.stop()).then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (e: unknown) => {
      process.stderr.write(`cluster: NATS did not start: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

main();
