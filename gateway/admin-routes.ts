import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Command, command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import { CancelReason, EventType } from '../engine/event-layout.js';
import type { ApiKeyStore } from './api-keys.js';
import type { AdminThrottle } from './auth-throttle.js';
import { type HttpRoutes, isLoopback, json, readBody } from './http-routes.js';
import type { InternalCommands } from './internal-commands.js';
import type { Logger } from './log.js';
import { massCancelCommand, rejectReply } from './order-translation.js';
import type { ServerStatus } from './server-status.js';

const ADMIN_PREFIX = '/admin/';
const ADMIN_BODY_BYTES_MAX = 4_096;

export interface AdminRouteDeps {
  /** The admin token (stored hashed, as account 1's key); null: the endpoints answer 404. */
  readonly adminKeys: ApiKeyStore | null;
  readonly maxAccounts: number;
  readonly status: ServerStatus;
  readonly commands: InternalCommands;
  readonly log: Logger;
  /** Bad tokens per host: past its bound a host is answered 429 before its token is checked. */
  readonly throttle: AdminThrottle;
  onAuthFailure(outcome: 'bad_key' | 'throttled'): void;
  clockUs(): number;
}

/** An admin request past the guard: its JSON body and its `account`, when that is a valid account id. */
interface AdminRequest {
  readonly body: Record<string, unknown>;
  readonly account: number | null;
}

/** An endpoint publishes a journaled command (answered from its result event) or answers at once. */
type AdminOutcome = { readonly kind: 'publish'; readonly command: Command } | { readonly kind: 'answer'; readonly status: number; readonly body: object };

type AdminEndpoint = (request: AdminRequest) => AdminOutcome;

function answer(status: number, body: object): AdminOutcome {
  return { kind: 'answer', status, body };
}

function publish(c: Command): AdminOutcome {
  return { kind: 'publish', command: c };
}

/**
 * Admin endpoints, for an operator on this machine: a bearer token (stored hashed) and a
 * loopback peer, whatever address the server binds. Every endpoint is POST with a JSON object
 * body and goes through the same guard (configured, loopback, token, body, ready), in that order.
 *
 *   POST /admin/kill-switch {"account": N}  block the account: the core cancels all its orders
 *                                           (reason kill_switch) and refuses new ones
 *   POST /admin/kill-switch {"all": true}   cancel every order of every account, and refuse
 *                                           new orders at the gateway (TRADING_DISABLED)
 *   POST /admin/unblock {"account": N}      unblock the account
 *   POST /admin/resume {}                   lift the gateway's TRADING_DISABLED
 *
 * Adding an endpoint is one entry in `adminEndpoints`.
 */
export function addAdminRoutes(routes: HttpRoutes, deps: AdminRouteDeps): void {
  const endpoints = adminEndpoints(deps);
  routes.addPrefix(ADMIN_PREFIX, (req, res, path) => {
    if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
    return handleAdmin(deps, endpoints, path, req, res);
  });
}

function adminEndpoints(deps: AdminRouteDeps): ReadonlyMap<string, AdminEndpoint> {
  const { status, log, clockUs } = deps;
  return new Map<string, AdminEndpoint>([
    [
      '/admin/kill-switch',
      ({ body, account }) => {
        if (body['all'] === true && body['account'] === undefined) {
          status.tradingDisabled = true;
          return publish(massCancelCommand(0, 0, CancelReason.KILL_SWITCH, clockUs()));
        }
        if (account !== null && body['all'] === undefined) return publish(command({ type: CommandType.ACCOUNT_BLOCK, timestampUs: clockUs(), accountId: account }));
        return answer(400, { error: 'body: {"account": N} or {"all": true}' });
      },
    ],
    [
      '/admin/unblock',
      ({ account }) => {
        if (account === null) return answer(400, { error: 'body: {"account": N}' });
        return publish(command({ type: CommandType.ACCOUNT_UNBLOCK, timestampUs: clockUs(), accountId: account }));
      },
    ],
    [
      '/admin/resume',
      () => {
        status.tradingDisabled = false;
        log.info('admin resume: trading enabled');
        return answer(200, { tradingDisabled: false });
      },
    ],
  ]);
}

async function handleAdmin(deps: AdminRouteDeps, endpoints: ReadonlyMap<string, AdminEndpoint>, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  const body = await readBody(req, ADMIN_BODY_BYTES_MAX);
  if (body === null) return json(res, 400, { error: `body must be a JSON object of at most ${ADMIN_BODY_BYTES_MAX} bytes` });
  if (deps.status.phase !== 'ready') return json(res, 503, { error: `server is ${deps.status.phase}` });
  const endpoint = endpoints.get(path);
  if (endpoint === undefined) return json(res, 404, { error: 'not found' });
  const raw = body['account'];
  const account = typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= deps.maxAccounts ? raw : null;
  const outcome = endpoint({ body, account });
  switch (outcome.kind) {
    case 'answer':
      return json(res, outcome.status, outcome.body);
    case 'publish': {
      const ev = await deps.commands.publishAndAwait(outcome.command);
      const accepted = ev.type === EventType.ACCEPTED;
      const tradingDisabled = deps.status.tradingDisabled;
      deps.log.warn(`admin ${path.slice(ADMIN_PREFIX.length)}`, { seq: ev.seq, account: account ?? 0, accepted, code: ev.code, tradingDisabled });
      return json(res, accepted ? 200 : 409, { seq: ev.seq, accepted, ...(accepted ? {} : { code: ev.code, name: rejectReply(ev, 0).name }), tradingDisabled });
    }
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown admin outcome ${JSON.stringify(unknown)}`);
    }
  }
}
