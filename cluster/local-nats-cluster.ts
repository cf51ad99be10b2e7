import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Three nats-server processes clustered with JetStream (file storage under `dir`), on given or free ports,
 * for `make cluster` (bin/cluster-demo.ts), the replication tests and the cluster soak. Each node has a config file, so a
 * node that was killed restarts with the same name, ports and storage.
 *
 *   n1 ◀──route──▶ n2 ◀──route──▶ n3      clients: nats://127.0.0.1:<client port> of each
 */
export const NATS_SERVER_BIN = process.env['NATS_SERVER'] ?? '/usr/sbin/nats-server';
export const NATS_NODES = 3;
const READY_TIMEOUT_MS = 30_000;

/** Why the NATS tests cannot run here, or null when they can. */
export function natsServerMissing(): string | null {
  return existsSync(NATS_SERVER_BIN) ? null : `nats-server not found at ${NATS_SERVER_BIN} (apt-get install nats-server, or set NATS_SERVER)`;
}

export interface NatsNode {
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly configPath: string;
  process: ChildProcess | null;
  log: string;
}

export class NatsCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: NatsNode[],
  ) {}

  /** Client URLs of every node, for a connection that fails over between them. */
  get servers(): string[] {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`);
  }

  /** Writes three configurations on free ports under `dir` and starts the nodes. */
  static async start(dir: string, ports?: { client: number[]; cluster: number[] }): Promise<NatsCluster> {
    mkdirSync(dir, { recursive: true });
    const client = ports?.client ?? (await freePorts(NATS_NODES));
    const clusterPorts = ports?.cluster ?? (await freePorts(NATS_NODES));
    const nodes: NatsNode[] = [];
    for (let i = 0; i < NATS_NODES; i++) {
      const name = `n${i + 1}`;
      const storeDir = join(dir, name);
      mkdirSync(storeDir, { recursive: true });
      const routes = clusterPorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`);
      const configPath = join(dir, `${name}.conf`);
      writeFileSync(
        configPath,
        [
          `server_name: ${name}`,
          `listen: 127.0.0.1:${client[i]}`,
          `jetstream { store_dir: "${storeDir}", max_memory_store: 64MB, max_file_store: 4GB }`,
          `cluster { name: ordo, listen: 127.0.0.1:${clusterPorts[i]}, routes: [${routes.join(', ')}] }`,
          '',
        ].join('\n'),
      );
      nodes.push({ name, clientPort: client[i] as number, clusterPort: clusterPorts[i] as number, configPath, process: null, log: '' });
    }
    const cluster = new NatsCluster(dir, nodes);
    for (let i = 0; i < NATS_NODES; i++) cluster.startNode(i);
    await cluster.waitReady();
    return cluster;
  }

  /** Starts node `i` (again) from its configuration. */
  startNode(i: number): void {
    const node = this.nodes[i] as NatsNode;
    if (node.process !== null) throw new Error(`nats node ${node.name} is running`);
    const child = spawn(NATS_SERVER_BIN, ['-c', node.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    node.process = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      node.log = (node.log + chunk.toString('utf8')).slice(-20_000);
    });
    child.once('exit', () => {
      if (node.process === child) node.process = null;
    });
  }

  /** SIGKILLs node `i` and waits for it to be gone. */
  async killNode(i: number): Promise<void> {
    const node = this.nodes[i] as NatsNode;
    const child = node.process;
    if (child === null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    node.process = null;
  }

  /** Resolves once every running node answers and JetStream has a meta leader (its API answers). */
  async waitReady(): Promise<void> {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = '';
    for (;;) {
      if (Date.now() > deadline) throw new Error(`nats cluster not ready: ${last}\n${this.nodes.map((n) => `${n.name}: ${n.log.slice(-1500)}`).join('\n')}`);
      const running = this.nodes.filter((n) => n.process !== null);
      let ready = 0;
      for (const node of running) {
        try {
          const nc = await connect({ servers: `nats://127.0.0.1:${node.clientPort}`, timeout: 1000, reconnect: false });
          try {
            const jsm = await jetstreamManager(nc, { timeout: 1000 });
            await jsm.getAccountInfo();
            ready++;
          } finally {
            await nc.close();
          }
        } catch (e) {
          last = `${node.name}: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      if (ready === running.length) return;
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.killNode(i);
  }
}

/** `count` distinct ports the OS says are free now (another process may take one later: tests accept that). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const servers = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  return ports;
}
