import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey, hashApiKey } from '../gateway/api-keys.js';
import { isLogLevel, Logger, LOG_LEVELS } from '../gateway/log.js';
import { GatewayServer } from '../gateway/server.js';
import { parseCliArgs, parseIntegerOption, UsageError } from '../platform/cli-args.js';
import { DataDirLockedError } from '../platform/data-dir-lock.js';
import { defaultServerConfig, loadServerConfig, type ServerConfig } from '../gateway/server-config.js';
import { clusterHostOf } from './cluster-node.js';

/**
 * `ordo run` (what `make run` starts): the gateway server over the engine.
 *
 *   ordo run [--config FILE] [--host H] [--port P] [--data DIR] [--log-level L]
 *            [--cluster NATS_URLS --node NAME [--advertise WS_URL] [--lease-ms MS]]
 *
 * With --cluster the node is one of a cluster (cluster-node.ts, design §11).
 * Without --config it serves the embedded demo configuration: the demo symbols and three demo
 * accounts, created and funded by journaled commands on first start. Their API keys and the
 * admin token are made once, kept in DIR/demo-secrets.json (mode 0600) so that a restart keeps
 * them, and printed only then: a secret on every start's output ends up in logs. Later starts
 * say where the file is. SIGINT or SIGTERM shuts down gracefully; a second one exits.
 *
 * That banner goes to stderr, for the person who started the server. The log (JSON lines,
 * gateway/log.ts) goes to stdout, at the level of --log-level, else ORDO_LOG_LEVEL, else the
 * configuration's logLevel (info by default).
 */
interface DemoSecrets {
  accounts: Array<{ account: number; apiKey: string }>;
  adminToken: string;
}

/** The secrets, where they are kept, and whether this start made them (and so prints them). */
interface DemoSecretsFile {
  secrets: DemoSecrets;
  path: string;
  created: boolean;
}

const SECRETS_FILE = 'demo-secrets.json';
const PORT_MAX = 65_535;

export async function runServer(args: string[]): Promise<number> {
  const options = {
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    'log-level': { type: 'string' },
    cluster: { type: 'string' },
    node: { type: 'string' },
    advertise: { type: 'string' },
    'lease-ms': { type: 'string' },
  } as const;
  // `ordo` prints its usage on a UsageError, so the message here is the problem alone.
  const { values } = parseCliArgs({ args, options }, null);
  const port = values.port === undefined ? undefined : parseIntegerOption(values.port, 'run: --port', 0, PORT_MAX);
  let config: ServerConfig = values.config === undefined ? defaultServerConfig() : loadServerConfig(values.config);
  if (values.host !== undefined) config = { ...config, host: values.host };
  if (port !== undefined) config = { ...config, port };
  if (values.data !== undefined) config = { ...config, dataDir: values.data };
  const envLevel = process.env['ORDO_LOG_LEVEL'];
  const [level, source] = values['log-level'] !== undefined ? [values['log-level'], '--log-level'] : [envLevel === '' ? undefined : envLevel, 'ORDO_LOG_LEVEL'];
  if (level !== undefined) {
    if (!isLogLevel(level)) throw new UsageError(`run: ${source}: ${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}`);
    config = { ...config, logLevel: level };
  }
  const stored = values.config === undefined ? demoSecrets(config) : null;
  const secrets = stored?.secrets ?? null;
  if (secrets !== null) {
    config = {
      ...config,
      apiKeys: secrets.accounts.map((a) => hashApiKey(a.account, a.apiKey)),
      adminToken: (({ saltHex, hashHex }) => ({ saltHex, hashHex }))(hashApiKey(1, secrets.adminToken)),
    };
  }
  const cluster = clusterHostOf(config, values);
  let server: GatewayServer;
  try {
    server = await GatewayServer.start({ config, ...(cluster === null ? {} : { host: cluster, leadership: cluster }) });
  } catch (error) {
    const why = startRefusal(error, config);
    if (why === null) throw error;
    process.stderr.write(`ordo: ${why}\n`);
    return EXIT_START_REFUSED;
  }
  // The signal handlers go in before anything says the server is serving: a SIGTERM that
  // follows that line at once (a supervisor, a test) must drain it, not kill it unlogged.
  const stop = stopOnSignal(server, Logger.create(config.logLevel).with({ component: 'ordo' }));
  try {
    await cluster?.markOpen();
  } catch (error) {
    // Stopping closes the cluster's connection under it; otherwise it is a failed start.
    if (!stop.signalled()) throw error;
  }
  if (stop.signalled()) return stop.done;
  const lines = [...(cluster === null ? [] : [`ordo: cluster node ${cluster.node}, ${cluster.role()}`]), `ordo: serving ${server.url} (dashboard ${server.httpUrl}/, health ${server.httpUrl}/health, metrics ${server.httpUrl}/metrics)`, `ordo: durability ${server.durability}${server.durability === 'none' ? ' (no journal: acknowledged orders do not survive a restart)' : ''}`];
  if (stored !== null && stored.created) {
    lines.push(`ordo: demo secrets made and kept in ${stored.path} (printed this once):`);
    lines.push('ordo: demo accounts (account, API key):');
    for (const a of stored.secrets.accounts) lines.push(`  ${a.account}  ${a.apiKey}`);
    lines.push(`ordo: admin token (POST ${server.httpUrl}/admin/kill-switch): ${stored.secrets.adminToken}`);
  } else if (stored !== null) {
    lines.push(`ordo: demo API keys and admin token are in ${stored.path}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  return stop.done;
}

/** Exit code of a start refused for a reason the operator can fix (the port or the data directory in use). */
export const EXIT_START_REFUSED = 1;

/** One line for a start that failed for a reason outside ordo, or null for anything else (a bug: its stack is printed). */
function startRefusal(error: unknown, config: ServerConfig): string | null {
  if (error instanceof DataDirLockedError) return error.message;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (syscall !== 'listen') return null;
  if (code === 'EADDRINUSE') return `cannot listen on ${config.host}:${config.port}: the address is in use (another server? --port picks another)`;
  if (code === 'EACCES') return `cannot listen on ${config.host}:${config.port}: permission denied (a port below 1024 needs privileges)`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${config.host}:${config.port}: no such address on this machine (--host)`;
  return null;
}

/**
 * The exit code once SIGINT or SIGTERM has stopped the server; a second signal exits at once.
 * The server logs its own shutdown phases (stopping, stopped with the last sequence and the state
 * hash); this says why it began and what became of it.
 */
function stopOnSignal(server: GatewayServer, log: Logger): { done: Promise<number>; signalled(): boolean } {
  let signals = 0;
  const done = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (++signals > 1) {
        log.warn('signal again: exiting without draining', { signal });
        process.exit(1);
      }
      log.info('signal: shutting down', { signal });
      server.stop().then(
        () => log.flush().then(() => resolve(0)),
        (e: unknown) => {
          log.error('shutdown failed', { error: e instanceof Error ? e.message : String(e) });
          void log.flush().then(() => resolve(1));
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { done, signalled: () => signals > 0 };
}

/** The demo's API keys and admin token: read from the data directory, or made and kept there. */
function demoSecrets(config: ServerConfig): DemoSecretsFile {
  const path = join(config.dataDir, SECRETS_FILE);
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as DemoSecrets;
    const ids = stored.accounts.map((a) => a.account).join(',');
    if (ids === config.accounts.map((a) => a.id).join(',') && typeof stored.adminToken === 'string') return { secrets: stored, path, created: false };
  }
  const secrets: DemoSecrets = { accounts: config.accounts.map((a) => ({ account: a.id, apiKey: generateApiKey() })), adminToken: generateApiKey() };
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { secrets, path, created: true };
}
