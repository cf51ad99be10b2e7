import { readFileSync } from 'node:fs';
import { AssertionError } from '../engine/assert.js';
import { ConfigError } from './config-error.js';
import { READ_MODEL_LIMITS_DEFAULT, type ReadModelLimits } from '../replay/read-model.js';
import { defaultEngineConfig } from '../engine/default-config.js';
import { type EngineConfig, validateEngineConfig } from '../engine/symbol-config.js';
import { type AdmissionOptions, ADMISSION_OPTIONS_DEFAULT, checkAdmissionOptions } from './admission.js';
import { type StoredApiKey } from './api-keys.js';
import { type AuthThrottleOptions, AUTH_THROTTLE_OPTIONS_DEFAULT, checkAuthThrottleOptions } from './auth-throttle.js';
import { parseUnits } from '../protocol/decimal.js';
import { type IntakeLimits, INTAKE_LIMITS_DEFAULT } from './frame-intake.js';
import { type LogLevel, LOG_LEVELS } from './log.js';
import { type OrderRateOptions, ORDER_RATE_OPTIONS_DEFAULT } from './pre-trade-risk.js';
import { type SessionOptions, SESSION_OPTIONS_DEFAULT } from './session.js';
import { PRICE_BAND_BPS_DEFAULT, type SymbolRiskOptions, wireConfigFrom } from '../protocol/wire-config.js';

/**
 * The server's configuration. `make run` starts with the embedded default (the demo symbols and
 * demo accounts); a JSON file (`ordo run --config FILE`) replaces it: every top-level field the
 * file names overrides the default, and a file that names `accounts` or `apiKeys` drops the demo
 * accounts and keys altogether. API keys and the admin token are stored hashed
 * (api-keys.ts: salt + SHA-256), never in clear.
 *
 *   {
 *     "host": "127.0.0.1", "port": 8080, "dataDir": "./data", "node": "node-a",
 *     "engine": { ...EngineConfig... },
 *     "risk": { "BTC-USD": { "maxNotional": "5000000", "priceBandBps": 1000 } },
 *     "accounts": [ { "id": 1, "deposits": [ { "asset": "USD", "amount": "1000000" } ] } ],
 *     "apiKeys": [ { "account": 1, "saltHex": "...", "hashHex": "..." } ],
 *     "adminToken": { "saltHex": "...", "hashHex": "..." }
 *   }
 */
export interface AccountFunding {
  readonly id: number;
  /** Deposited by journaled DEPOSIT commands when the account is created (decimal amounts). */
  readonly deposits: ReadonlyArray<{ readonly asset: string; readonly amount: string }>;
}

export interface ServerConfig {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly dataDir: string;
  /**
   * 'fsync' (the default): nothing is acknowledged before its command is on disk. 'none' skips
   * the flush — for tests and benchmarks only; a machine crash can lose acknowledged orders.
   */
  readonly durability: 'fsync' | 'none';
  readonly engine: EngineConfig;
  readonly risk: Readonly<Record<string, SymbolRiskOptions>>;
  readonly accounts: readonly AccountFunding[];
  readonly apiKeys: readonly StoredApiKey[];
  /** Hashed token for the admin endpoints; null disables them. */
  readonly adminToken: { readonly saltHex: string; readonly hashHex: string } | null;
  /** Period of the TIMER_TICK commands that expire GTD orders; 0 = no timer (tests). */
  readonly timerIntervalMs: number;
  readonly session: SessionOptions;
  readonly orderRate: OrderRateOptions;
  readonly intake: IntakeLimits;
  /** Commands awaiting their result event at once; beyond it orders are answered BUSY. */
  readonly pendingMax: number;
  readonly connectionsMax: number;
  /** Per-host cap, anonymous share and deadline, HTTP timeouts, heartbeat (admission.ts). */
  readonly admission: AdmissionOptions;
  /** Failed logins and admin tokens, per host and per account (auth-throttle.ts). */
  readonly authThrottle: AuthThrottleOptions;
  /** Bytes a connection may buffer in all (account messages included) before it is closed. */
  readonly connectionBufferedBytesMax: number;
  /** Longest a graceful shutdown waits for outstanding replies before closing anyway. */
  readonly drainTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** Bounds of the query read model: finished orders and fills kept, over all accounts and per account (replay/read-model.ts). */
  readonly readModel: ReadModelLimits;
  /** This node's name in a cluster (/health `node`); default ORDO_NODE from the environment, else "single". */
  readonly node?: string;
}

export const DEFAULT_PORT = 8080;
/** Upper bound of each read-model bound: a few hundred bytes per entry, so at most a few GB. */
export const READ_MODEL_BOUND_LIMIT = 10_000_000;
export const TIMER_INTERVAL_MS_DEFAULT = 100;
export const PENDING_MAX_DEFAULT = 65_536;
export const PENDING_MAX_LIMIT = 1_048_576;
export const CONNECTIONS_MAX_DEFAULT = 4_096;
export const DEMO_ACCOUNTS = [1, 2, 3] as const;
/** Transfer ids of start-up deposits: account × 1000 + asset id, so a replay recognises them. */
export const FUNDING_TRANSFER_ID_BASE = 1_000;

/** The embedded configuration of `make run`: demo symbols, three funded demo accounts. */
export function defaultServerConfig(): ServerConfig {
  return {
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    dataDir: './data',
    durability: 'fsync',
    engine: defaultEngineConfig(),
    risk: {
      'BTC-USD': { maxNotional: '5000000', priceBandBps: PRICE_BAND_BPS_DEFAULT },
      'ETH-USD': { maxNotional: '1000000', priceBandBps: PRICE_BAND_BPS_DEFAULT },
    },
    accounts: DEMO_ACCOUNTS.map((id) => ({
      id,
      deposits: [
        { asset: 'USD', amount: '10000000' },
        { asset: 'BTC', amount: '1000' },
        { asset: 'ETH', amount: '10000' },
      ],
    })),
    apiKeys: [],
    adminToken: null,
    timerIntervalMs: TIMER_INTERVAL_MS_DEFAULT,
    session: SESSION_OPTIONS_DEFAULT,
    orderRate: ORDER_RATE_OPTIONS_DEFAULT,
    intake: INTAKE_LIMITS_DEFAULT,
    pendingMax: PENDING_MAX_DEFAULT,
    connectionsMax: CONNECTIONS_MAX_DEFAULT,
    admission: ADMISSION_OPTIONS_DEFAULT,
    authThrottle: AUTH_THROTTLE_OPTIONS_DEFAULT,
    connectionBufferedBytesMax: 64 * 1024 * 1024,
    drainTimeoutMs: 5_000,
    logLevel: 'info',
    readModel: READ_MODEL_LIMITS_DEFAULT,
  };
}

/** Every field a file may name: the default's, and the optional ones it leaves out. */
const FIELDS: ReadonlySet<string> = new Set([...Object.keys(defaultServerConfig()), 'node']);
const NODE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The default with a file's fields over it; throws ConfigError with the field's name on anything malformed. */
export function loadServerConfig(path: string): ServerConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`config ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config ${path}: not a JSON object`);
  for (const key of Object.keys(parsed)) if (!FIELDS.has(key)) throw new ConfigError(`config ${path}: unknown field ${key}`);
  const file = parsed as Partial<ServerConfig>;
  const base = defaultServerConfig();
  // A file that says who the accounts are says it completely: no demo accounts beside them.
  const ownAccounts = file.accounts !== undefined || file.apiKeys !== undefined;
  // The limit groups merge field by field: a file may name only the limits it changes.
  const limits = { admission: { ...base.admission, ...file.admission }, authThrottle: { ...base.authThrottle, ...file.authThrottle } };
  const config: ServerConfig = { ...base, ...(ownAccounts ? { accounts: [] } : {}), ...file, ...limits };
  checkServerConfig(config);
  return config;
}

/** Throws ConfigError on a configuration the server must not start with. */
export function checkServerConfig(c: ServerConfig): void {
  if (typeof c.host !== 'string' || c.host === '') throw new ConfigError('config host: a host name or address');
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65_535) throw new ConfigError(`config port ${c.port}`);
  if (c.node !== undefined && (typeof c.node !== 'string' || !NODE_NAME.test(c.node))) throw new ConfigError(`config node ${JSON.stringify(c.node)}: 1 to 64 letters, digits, ".", "_" or "-"`);
  if (c.durability !== 'fsync' && c.durability !== 'none') throw new ConfigError(`config durability ${String(c.durability)}: 'fsync' or 'none' (tests and benchmarks only)`);
  try {
    validateEngineConfig(c.engine);
  } catch (error) {
    // The core asserts its configuration; from a file, that is the operator's mistake to name.
    if (!(error instanceof AssertionError)) throw error;
    throw new ConfigError(`config engine: ${error.message}`);
  }
  const wire = wireConfigFrom(c.engine, c.risk);
  const seen = new Set<number>();
  for (const a of c.accounts) {
    if (!Number.isInteger(a.id) || a.id < 1 || a.id > c.engine.maxAccounts) throw new ConfigError(`config account ${a.id}: outside 1..${c.engine.maxAccounts}`);
    if (seen.has(a.id)) throw new ConfigError(`config account ${a.id} listed twice`);
    seen.add(a.id);
    for (const d of a.deposits) {
      const asset = wire.assets.find((x) => x.name === d.asset);
      if (asset === undefined) throw new ConfigError(`config account ${a.id}: unknown asset ${d.asset}`);
      const units = parseUnits(d.amount, asset.unit);
      if (!units.ok || units.units === 0) throw new ConfigError(`config account ${a.id}: deposit "${d.amount}" ${d.asset}`);
    }
  }
  if (!(c.timerIntervalMs === 0 || (Number.isInteger(c.timerIntervalMs) && c.timerIntervalMs >= 1 && c.timerIntervalMs <= 60_000))) throw new ConfigError(`config timerIntervalMs ${c.timerIntervalMs}`);
  if (!Number.isInteger(c.pendingMax) || c.pendingMax < 1 || c.pendingMax > PENDING_MAX_LIMIT) throw new ConfigError(`config pendingMax ${c.pendingMax}`);
  if (!Number.isInteger(c.connectionsMax) || c.connectionsMax < 1 || c.connectionsMax > 1_000_000) throw new ConfigError(`config connectionsMax ${c.connectionsMax}`);
  checkAdmissionOptions(c.admission, c.connectionsMax);
  checkAuthThrottleOptions(c.authThrottle);
  if (!Number.isSafeInteger(c.connectionBufferedBytesMax) || c.connectionBufferedBytesMax < c.session.mdBufferedBytesMax) throw new ConfigError('config connectionBufferedBytesMax below session.mdBufferedBytesMax');
  if (!Number.isInteger(c.drainTimeoutMs) || c.drainTimeoutMs < 0 || c.drainTimeoutMs > 600_000) throw new ConfigError(`config drainTimeoutMs ${c.drainTimeoutMs}`);
  if (!LOG_LEVELS.includes(c.logLevel)) throw new ConfigError(`config logLevel ${String(c.logLevel)}`);
  for (const key of ['finalOrdersMax', 'fillsMax'] as const) {
    const value = c.readModel[key];
    if (!Number.isInteger(value) || value < 1 || value > READ_MODEL_BOUND_LIMIT) throw new ConfigError(`config readModel.${key} ${value}: 1..${READ_MODEL_BOUND_LIMIT}`);
  }
  for (const [key, total] of [['finalOrdersPerAccountMax', 'finalOrdersMax'], ['fillsPerAccountMax', 'fillsMax']] as const) {
    const value = c.readModel[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= c.readModel[total])) throw new ConfigError(`config readModel.${key} ${value}: 1..readModel.${total}`);
  }
}

/** A deposit of a configured account, in the core's units (asset id, minor units, transfer id). */
export interface FundingDeposit {
  readonly accountId: number;
  readonly assetId: number;
  readonly amount: number;
  readonly transferId: number;
}

export function fundingDeposits(c: ServerConfig, account: AccountFunding): FundingDeposit[] {
  const wire = wireConfigFrom(c.engine, c.risk);
  return account.deposits.map((d) => {
    const asset = wire.assets.find((x) => x.name === d.asset);
    if (asset === undefined) throw new Error(`unknown asset ${d.asset}`);
    const units = parseUnits(d.amount, asset.unit);
    if (!units.ok) throw new Error(`deposit ${d.amount} ${d.asset}`);
    return { accountId: account.id, assetId: asset.id, amount: units.units, transferId: account.id * FUNDING_TRANSFER_ID_BASE + asset.id };
  });
}
