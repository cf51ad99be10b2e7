import { COMMAND_SIZE } from '../engine/command-layout.js';
import { captureState, type EngineState, stateHash } from '../engine/engine-state.js';
import { InProcessEngine } from '../engine/in-process-engine.js';
import { OrderState } from '../engine/order-pool.js';
import { hashApiKey } from '../gateway/api-keys.js';
import { type ClientOptions, OrdoClient, ReplyError } from '../client/client.js';
import type { CancelOnDisconnect } from '../protocol/wire-schema.js';
import type { EngineHost } from '../runtime/engine-host.js';
import { PipelineHost, type PipelineHostOptions } from '../runtime/pipeline-host.js';
import type { LogDestination } from '../gateway/log.js';
import { defaultServerConfig, type ServerConfig } from '../gateway/server-config.js';
import { GatewayServer } from '../gateway/server.js';

/**
 * A real gateway server for integration tests: 127.0.0.1, port 0, the threaded pipeline (real
 * worker thread), known API keys ("test-api-key-account-N"), accounts 1..3 funded as in the demo
 * (account 4 exists in the keys but is never funded: it meets INSUFFICIENT_FUNDS). No timer
 * unless asked. Every sequenced command is recorded, so a test can replay them into an
 * in-process engine and compare with what the live server showed.
 */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
const SALT = Buffer.alloc(16, 7);

export function apiKeyOf(account: number): string {
  return `test-api-key-account-${account}`;
}

export function testServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const base = defaultServerConfig();
  const { saltHex, hashHex } = hashApiKey(1, ADMIN_TOKEN, SALT);
  return {
    ...base,
    port: 0,
    dataDir: '/nonexistent-ordo-test-data',
    accounts: [...base.accounts, { id: 4, deposits: [] }],
    apiKeys: [1, 2, 3, 4].map((a) => hashApiKey(a, apiKeyOf(a), SALT)),
    adminToken: { saltHex, hashHex },
    timerIntervalMs: 0,
    drainTimeoutMs: 2_000,
    // Quiet unless a test reads the log (then it passes a destination and a level).
    logLevel: 'silent',
    ...overrides,
  };
}

/** The name of the code a request was refused with, or 'OK' when it was answered. */
export async function replyCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ReplyError) return e.codeName;
    throw e;
  }
  return 'OK';
}

export interface ServerFixtureOptions {
  config?: Partial<ServerConfig>;
  /** A fixed clock makes the state hash of two runs with the same commands equal. */
  clockUs?: () => number;
  /** Where the server logs (a LogCapture); with it, the level is info unless the config says. */
  logDestination?: LogDestination;
  /** The pipeline's options (ring sizes, ...); the defaults otherwise. */
  pipeline?: PipelineHostOptions['pipeline'];
}

export class ServerFixture {
  readonly commands: Uint8Array[] = [];
  private readonly clients: OrdoClient[] = [];

  private constructor(
    readonly server: GatewayServer,
    readonly config: ServerConfig,
    commands: Uint8Array[],
  ) {
    this.commands = commands;
  }

  static async start(options: ServerFixtureOptions = {}): Promise<ServerFixture> {
    const config = testServerConfig({ ...(options.logDestination === undefined ? {} : { logLevel: 'info' }), ...options.config });
    const commands: Uint8Array[] = [];
    const host: EngineHost = new PipelineHost({ config: config.engine, onCommand: (_seq, bytes) => commands.push(bytes), ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }) });
    const server = await GatewayServer.start({
      config,
      host,
      ...(options.logDestination === undefined ? {} : { logDestination: options.logDestination }),
      ...(options.clockUs === undefined ? {} : { clockUs: options.clockUs }),
    });
    return new ServerFixture(server, config, commands);
  }

  get url(): string {
    return this.server.url;
  }

  async connect(account?: number, options: Partial<ClientOptions> & { cancelOnDisconnect?: CancelOnDisconnect } = {}): Promise<OrdoClient> {
    const { cancelOnDisconnect, ...clientOptions } = options;
    const client = await OrdoClient.connect(this.url, { requestTimeoutMs: 10_000, ...clientOptions });
    this.clients.push(client);
    if (account !== undefined) await client.login(account, apiKeyOf(account), cancelOnDisconnect === undefined ? {} : { cancelOnDisconnect });
    return client;
  }

  async admin(path: string, body: object, token = ADMIN_TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.server.httpUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async stop(): Promise<{ lastSeq: number; stateHash: string }> {
    await Promise.all(this.clients.map((c) => c.close()));
    return this.server.stop();
  }

  /** The recorded commands applied to an in-process engine, in sequence order. */
  replay(): { engine: InProcessEngine; state: EngineState; hash: string } {
    const engine = new InProcessEngine(this.config.engine, 0);
    this.commands.forEach((bytes, i) => {
      if (bytes.byteLength !== COMMAND_SIZE) throw new Error(`recorded command ${i}: ${bytes.byteLength} bytes`);
      engine.apply(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
    });
    return { engine, state: captureState(engine.engine), hash: stateHash(engine.engine) };
  }
}

/** The L2 book of a symbol from an engine state: [price ticks, qty lots, count], best first. */
export function engineLevels(state: EngineState, symbolId: number): { bids: Array<[number, number, number]>; asks: Array<[number, number, number]> } {
  const book = state.books.find((b) => b.symbolId === symbolId);
  if (book === undefined) throw new Error(`no book ${symbolId}`);
  const sides = [new Map<number, [number, number, number]>(), new Map<number, [number, number, number]>()];
  for (const o of book.orders) {
    if (o.state !== OrderState.RESTING) continue;
    const side = sides[o.side] as Map<number, [number, number, number]>;
    const level = side.get(o.price) ?? [o.price, 0, 0];
    level[1] += o.leaves;
    level[2] += 1;
    side.set(o.price, level);
  }
  const bids = [...(sides[0] as Map<number, [number, number, number]>).values()].sort((a, b) => b[0] - a[0]);
  const asks = [...(sides[1] as Map<number, [number, number, number]>).values()].sort((a, b) => a[0] - b[0]);
  return { bids, asks };
}
