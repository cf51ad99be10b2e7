import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Command, command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import type { DecodedEvent } from '../engine/event-codec.js';
import { EventType } from '../engine/event-layout.js';
import { ResultCode } from '../engine/result-code.js';
import { coreError, notLeaderError } from '../protocol/gateway-codes.js';
import { parseUnits } from '../protocol/decimal.js';
import type { WireConfig } from '../protocol/wire-config.js';
import { ACCOUNTS_PAGE_MAX, type ReadModel } from '../replay/read-model.js';
import { type ApiKeyStore, generateApiKey, hashApiKey, keyMaterial } from './api-keys.js';
import type { AdminThrottle } from './auth-throttle.js';
import { type HttpRoutes, isLoopback, json, readBody } from './http-routes.js';
import type { InternalCommands } from './internal-commands.js';
import type { LeadershipView } from './leadership.js';
import type { Logger } from './log.js';
import type { ServerStatus } from './server-status.js';
import { wireBalance } from './wire-views.js';

const ADMIN_PREFIX = '/admin/';
const ADMIN_BODY_BYTES_MAX = 4_096;
const ACCOUNTS_PAGE_DEFAULT = 100;

export interface AdminRouteDeps {
  /** The admin token (stored hashed); null: the endpoints answer 404. */
  readonly adminKeys: ApiKeyStore | null;
  readonly maxAccounts: number;
  readonly status: ServerStatus;
  readonly commands: InternalCommands;
  /** A standby answers reads and refuses changes (503 NOT_LEADER, naming the leader). */
  readonly leadership: LeadershipView;
  readonly readModel: ReadModel;
  readonly wire: WireConfig;
  readonly log: Logger;
  /** Bad tokens per host: past its bound a host is answered 429 before its token is checked. */
  readonly throttle: AdminThrottle;
  onAuthFailure(outcome: 'bad_key' | 'throttled'): void;
  clockUs(): number;
}

/** An admin request past the guard: its path parameters, query and JSON body. */
interface AdminRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

interface Answer {
  readonly status: number;
  readonly body: object;
}

/**
 * An endpoint answers at once, or publishes one journaled command and answers from its result
 * event (and from the read model, which has taken the command's events by then).
 */
type AdminOutcome = { readonly kind: 'answer'; readonly answer: Answer } | { readonly kind: 'publish'; readonly command: Command; readonly then: (ev: DecodedEvent) => Answer };

type AdminEndpoint = (request: AdminRequest) => AdminOutcome;

interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path segments after /admin/; `:name` segments are parameters. */
  readonly segments: readonly string[];
  readonly endpoint: AdminEndpoint;
}

function answer(status: number, body: object): AdminOutcome {
  return { kind: 'answer', answer: { status, body } };
}

function publish(c: Command, then: (ev: DecodedEvent) => Answer): AdminOutcome {
  return { kind: 'publish', command: c, then };
}

/** An engine refusal as the admin API answers it. */
function refused(ev: DecodedEvent): Answer {
  const error = coreError(ev.code);
  return { status: 409, body: { code: error.code, name: error.name, message: error.message } };
}

/**
 * The operator's API (docs/admin-openapi.json), for an operator on this machine: a bearer token
 * (stored hashed) and a loopback peer, whatever address the server binds. Every request goes
 * through one guard (configured, loopback, token, body, ready) in that order; every change is a
 * journaled command, answered once the engine has applied it.
 *
 * Adding an endpoint is one entry in `adminRoutes`.
 */
export function addAdminRoutes(routes: HttpRoutes, deps: AdminRouteDeps): void {
  const table = adminRoutes(deps);
  routes.addPrefix(ADMIN_PREFIX, (req, res, path) => handleAdmin(deps, table, path, req, res));
}

function adminRoutes(deps: AdminRouteDeps): readonly Route[] {
  const { log, clockUs, readModel, wire, maxAccounts } = deps;
  const accountParam = (raw: string | undefined): number | null => {
    if (raw === undefined || !/^[0-9]{1,10}$/.test(raw)) return null;
    const id = Number(raw);
    return id <= maxAccounts ? id : null;
  };
  const accountField = (value: unknown, feeAccountAllowed: boolean): number | null =>
    typeof value === 'number' && Number.isInteger(value) && value >= (feeAccountAllowed ? 0 : 1) && value <= maxAccounts ? value : null;
  const accountBody = (accountId: number): object => {
    const view = readModel.account(accountId);
    return {
      account: accountId,
      blocked: view?.blocked ?? false,
      balances: readModel.balances(accountId).map((b) => wireBalance(b, wire)),
      openOrders: readModel.openOrderCount(accountId),
    };
  };
  const transfer = (type: CommandType.DEPOSIT | CommandType.WITHDRAW): AdminEndpoint => ({ body }) => {
    const unknownFields = Object.keys(body).filter((k) => !['account', 'asset', 'amount', 'transferId'].includes(k));
    if (unknownFields.length > 0) return answer(400, { error: `unknown field ${JSON.stringify(unknownFields[0])}` });
    const accountId = accountField(body['account'], true);
    if (accountId === null) return answer(400, { error: `account: an account id 0..${maxAccounts}` });
    const asset = typeof body['asset'] === 'string' ? wire.assets.find((a) => a.name === body['asset']) : undefined;
    if (asset === undefined) return answer(400, { error: `asset: one of ${wire.assets.map((a) => a.name).join(', ')}` });
    const amount = parseUnits(body['amount'], asset.unit);
    if (!amount.ok || amount.units === 0) return answer(400, { error: `amount: a positive decimal string in ${asset.name}'s minor unit (${asset.unit.text})${amount.ok ? '' : `: ${amount.why}`}` });
    const transferId = body['transferId'];
    if (typeof transferId !== 'number' || !Number.isSafeInteger(transferId) || transferId < 1) return answer(400, { error: 'transferId: a positive integer' });
    return publish(command({ type, timestampUs: clockUs(), accountId, symbolId: asset.id, qty: amount.units, targetId: transferId }), (ev) => {
      if (ev.type === EventType.ACCEPTED) return { status: 200, body: { applied: true, seq: ev.seq, balance: wireBalance(readModel.balance(accountId, asset.id), wire) } };
      if (ev.code === ResultCode.TRANSFER_ALREADY_APPLIED) return { status: 200, body: { applied: false, code: ev.code, name: coreError(ev.code).name } };
      return refused(ev);
    });
  };
  const newKey = (accountId: number): { apiKey: string; material: Uint8Array } => {
    const apiKey = generateApiKey();
    return { apiKey, material: keyMaterial(hashApiKey(accountId, apiKey)) };
  };
  const halt = (halted: boolean): AdminEndpoint => ({ params }) => {
    const symbol = wire.symbolByName(params['symbol'] ?? '');
    if (symbol === undefined) return answer(404, { error: `unknown symbol ${JSON.stringify(params['symbol'])}` });
    return publish(command({ type: halted ? CommandType.SYMBOL_HALT : CommandType.SYMBOL_RESUME, timestampUs: clockUs(), symbolId: symbol.id }), (ev) =>
      ev.type === EventType.ACCEPTED ? { status: 200, body: { symbol: symbol.name, status: halted ? 'halted' : 'trading', seq: ev.seq } } : refused(ev),
    );
  };
  const applied = (ev: DecodedEvent): Answer => (ev.type === EventType.ACCEPTED ? { status: 200, body: { seq: ev.seq, tradingDisabled: readModel.tradingHalted } } : refused(ev));
  const route = (method: Route['method'], path: string, endpoint: AdminEndpoint): Route => ({ method, segments: path.split('/'), endpoint });
  return [
    route('POST', 'accounts', ({ body }) => {
      const given = body['account'];
      if (Object.keys(body).some((k) => k !== 'account')) return answer(400, { error: 'body: {"account"?: N}' });
      const accountId = given === undefined ? readModel.nextFreeAccount() : accountField(given, false);
      if (accountId === null || accountId > maxAccounts) return answer(given === undefined ? 409 : 400, { error: given === undefined ? 'no free account id' : `account: an account id 1..${maxAccounts}` });
      const key = newKey(accountId);
      return publish(command({ type: CommandType.ACCOUNT_CREATE, timestampUs: clockUs(), accountId, keyMaterial: key.material }), (ev) =>
        ev.type === EventType.ACCEPTED ? { status: 200, body: { account: accountId, apiKey: key.apiKey, keyId: ev.orderId, seq: ev.seq } } : refused(ev),
      );
    }),
    route('GET', 'accounts', ({ query }) => {
      const after = query.get('after') ?? '-1';
      const limit = query.get('limit') ?? String(ACCOUNTS_PAGE_DEFAULT);
      if (!/^-?[0-9]{1,10}$/.test(after) || Number(after) < -1) return answer(400, { error: 'after: an account id' });
      if (!/^[0-9]{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > ACCOUNTS_PAGE_MAX) return answer(400, { error: `limit: 1..${ACCOUNTS_PAGE_MAX}` });
      const ids = readModel.accountPage(Number(after), Number(limit) + 1);
      const page = ids.slice(0, Number(limit));
      return answer(200, { accounts: page.map(accountBody), next: ids.length > page.length ? (page.at(-1) ?? null) : null });
    }),
    route('GET', 'accounts/:account', ({ params }) => {
      const accountId = accountParam(params['account']);
      if (accountId === null || readModel.account(accountId) === undefined) return answer(404, { error: `unknown account ${JSON.stringify(params['account'])}` });
      return answer(200, accountBody(accountId));
    }),
    route('POST', 'accounts/:account/keys', ({ params }) => {
      const accountId = accountParam(params['account']);
      if (accountId === null || readModel.account(accountId) === undefined) return answer(404, { error: `unknown account ${JSON.stringify(params['account'])}` });
      const key = newKey(accountId);
      return publish(command({ type: CommandType.API_KEY_ADD, timestampUs: clockUs(), accountId, keyMaterial: key.material }), (ev) =>
        ev.type === EventType.ACCEPTED ? { status: 200, body: { apiKey: key.apiKey, keyId: ev.orderId, seq: ev.seq } } : refused(ev),
      );
    }),
    route('DELETE', 'accounts/:account/keys/:keyId', ({ params }) => {
      const accountId = accountParam(params['account']);
      const keyId = params['keyId'] ?? '';
      if (accountId === null || readModel.account(accountId) === undefined) return answer(404, { error: `unknown account ${JSON.stringify(params['account'])}` });
      if (!/^[0-9]{1,10}$/.test(keyId)) return answer(400, { error: 'keyId: a key id' });
      return publish(command({ type: CommandType.API_KEY_REVOKE, timestampUs: clockUs(), accountId, targetId: Number(keyId) }), (ev) =>
        ev.type === EventType.ACCEPTED ? { status: 200, body: { revoked: true, seq: ev.seq } } : refused(ev),
      );
    }),
    route('POST', 'deposits', transfer(CommandType.DEPOSIT)),
    route('POST', 'withdrawals', transfer(CommandType.WITHDRAW)),
    route('POST', 'symbols/:symbol/halt', halt(true)),
    route('POST', 'symbols/:symbol/resume', halt(false)),
    route('POST', 'kill-switch', ({ body }) => {
      if (body['all'] === true && body['account'] === undefined) return publish(command({ type: CommandType.TRADING_HALT, timestampUs: clockUs() }), applied);
      const accountId = accountField(body['account'], false);
      if (accountId !== null && body['all'] === undefined) return publish(command({ type: CommandType.ACCOUNT_BLOCK, timestampUs: clockUs(), accountId }), applied);
      return answer(400, { error: 'body: {"account": N} or {"all": true}' });
    }),
    route('POST', 'unblock', ({ body }) => {
      const accountId = accountField(body['account'], false);
      if (accountId === null) return answer(400, { error: 'body: {"account": N}' });
      return publish(command({ type: CommandType.ACCOUNT_UNBLOCK, timestampUs: clockUs(), accountId }), applied);
    }),
    route('POST', 'resume', () => {
      log.info('admin resume: trading enabled');
      return publish(command({ type: CommandType.TRADING_RESUME, timestampUs: clockUs() }), applied);
    }),
  ];
}

/** The route and its parameters for a method and a path below /admin/; a string when none fits (404 or 405). */
function match(table: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | 'not found' | 'method' {
  const segments = path.slice(ADMIN_PREFIX.length).split('/');
  let pathFound = false;
  for (const route of table) {
    if (route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = route.segments.every((s, i) => {
      const actual = segments[i] as string;
      if (s.startsWith(':')) {
        params[s.slice(1)] = decodeURIComponent(actual);
        return actual !== '';
      }
      return s === actual;
    });
    if (!fits) continue;
    pathFound = true;
    if (route.method === method) return { route, params };
  }
  return pathFound ? 'method' : 'not found';
}

async function handleAdmin(deps: AdminRouteDeps, table: readonly Route[], path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.adminKeys === null) return json(res, 404, { error: 'admin endpoints are not configured' });
  if (!isLoopback(req.socket.remoteAddress)) return json(res, 403, { error: 'admin endpoints answer loopback peers only' });
  const host = req.socket.remoteAddress ?? '';
  if (deps.throttle.throttled(host)) {
    deps.onAuthFailure('throttled');
    return json(res, 429, { error: 'too many bad admin tokens from this host, try again later' });
  }
  const auth = req.headers.authorization ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
  if (!deps.adminKeys.verify(1, token)) {
    deps.throttle.failed(host);
    deps.onAuthFailure('bad_key');
    deps.log.warn('admin auth failed', { path, host });
    return json(res, 401, { error: 'bad admin token' });
  }
  const body = req.method === 'POST' ? await readBody(req, ADMIN_BODY_BYTES_MAX) : {};
  if (body === null) {
    // The rest of an oversized body is never read: this connection ends with the answer.
    res.setHeader('connection', 'close');
    return json(res, 400, { error: `body must be a JSON object of at most ${ADMIN_BODY_BYTES_MAX} bytes` });
  }
  if (deps.status.phase !== 'ready') return json(res, 503, { error: `server is ${deps.status.phase}` });
  let found: ReturnType<typeof match>;
  try {
    found = match(table, req.method ?? '', path);
  } catch {
    return json(res, 400, { error: 'malformed path' });
  }
  if (found === 'not found') return json(res, 404, { error: 'not found' });
  if (found === 'method') return json(res, 405, { error: `${req.method ?? ''} not allowed here` });
  const query = new URL(req.url ?? '/', 'http://admin.invalid').searchParams;
  const outcome = found.route.endpoint({ params: found.params, query, body });
  switch (outcome.kind) {
    case 'answer':
      return json(res, outcome.answer.status, outcome.answer.body);
    case 'publish': {
      // Changes are journaled, and only the leader journals: the operator is sent there.
      if (deps.leadership.role() !== 'leader') {
        const { code, name, message, leader } = notLeaderError(deps.leadership.leaderAddress());
        return json(res, 503, { code, name, message, leader });
      }
      const ev = await deps.commands.publishAndAwait(outcome.command);
      const result = outcome.then(ev);
      deps.log.warn(`admin ${req.method ?? ''} ${path}`, { seq: ev.seq, accepted: ev.type === EventType.ACCEPTED, code: ev.code, status: result.status });
      return json(res, result.status, result.body);
    }
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown admin outcome ${JSON.stringify(unknown)}`);
    }
  }
}
