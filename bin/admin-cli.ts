import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_USAGE, parseCliArgs, UsageError } from '../platform/cli-args.js';

/**
 * `ordo admin …`: the admin HTTP API (docs/admin-openapi.json) from a shell, for operators who
 * would rather not write curl lines. Each subcommand is one request; the answer is printed as
 * JSON on stdout.
 *
 *   ordo admin [--url URL] [--token T | --data DIR] SUBCOMMAND ARGS…
 *
 * The token comes from --token, else ORDO_ADMIN_TOKEN, else the demo secrets of --data (default
 * ./data). Exit codes: 0 done, 1 the engine refused (409) or the transfer was already applied,
 * 2 usage, 3 any other failure (unreachable server, bad token, 4xx/5xx).
 */
export const ADMIN_USAGE = `usage: ordo admin [--url URL] [--token TOKEN | --data DIR] SUBCOMMAND
  create-account [ACCOUNT]                 a new account (next free id without one) and its first API key
  add-key ACCOUNT                          another API key for the account
  revoke-key ACCOUNT KEY_ID                revoke a key; its sessions are closed
  deposit ACCOUNT ASSET AMOUNT TRANSFER_ID credit the account (a transfer id applies once)
  withdraw ACCOUNT ASSET AMOUNT TRANSFER_ID debit the account
  account ACCOUNT                          balances, blocked, open orders
  accounts [--after N] [--limit L]         a page of accounts
  halt SYMBOL | resume SYMBOL              halt or resume a symbol
  kill-switch ACCOUNT | kill-switch --all  block an account, or cancel everything and disable trading
  unblock ACCOUNT                          unblock an account
  resume-trading                           lift the kill switch for all`;

export const ADMIN_URL_DEFAULT = 'http://127.0.0.1:8080';
/** The longest an admin request may take before the command gives up. */
export const ADMIN_REQUEST_TIMEOUT_MS = 10_000;

export interface AdminRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: Readonly<Record<string, unknown>>;
}

/** The request a subcommand and its arguments stand for; throws UsageError on bad arguments. */
export function adminRequest(subcommand: string, args: readonly string[], options: { after?: string; limit?: string; all?: boolean }): AdminRequest {
  const want = (n: number): void => {
    if (args.length !== n) throw new UsageError(`${subcommand} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  };
  const int = (i: number, name: string): number => {
    const text = args[i] ?? '';
    if (!/^[0-9]{1,15}$/.test(text)) throw new UsageError(`${subcommand}: ${name} must be a whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  switch (subcommand) {
    case 'create-account':
      if (args.length > 1) throw new UsageError('create-account takes at most one argument');
      return { method: 'POST', path: '/admin/accounts', body: args.length === 1 ? { account: int(0, 'ACCOUNT') } : {} };
    case 'add-key':
      want(1);
      return { method: 'POST', path: `/admin/accounts/${int(0, 'ACCOUNT')}/keys` };
    case 'revoke-key':
      want(2);
      return { method: 'DELETE', path: `/admin/accounts/${int(0, 'ACCOUNT')}/keys/${int(1, 'KEY_ID')}` };
    case 'deposit':
    case 'withdraw':
      want(4);
      return {
        method: 'POST',
        path: subcommand === 'deposit' ? '/admin/deposits' : '/admin/withdrawals',
        body: { account: int(0, 'ACCOUNT'), asset: args[1], amount: args[2], transferId: int(3, 'TRANSFER_ID') },
      };
    case 'account':
      want(1);
      return { method: 'GET', path: `/admin/accounts/${int(0, 'ACCOUNT')}` };
    case 'accounts': {
      want(0);
      const query = new URLSearchParams();
      if (options.after !== undefined) query.set('after', options.after);
      if (options.limit !== undefined) query.set('limit', options.limit);
      const q = query.toString();
      return { method: 'GET', path: `/admin/accounts${q === '' ? '' : `?${q}`}` };
    }
    case 'halt':
    case 'resume':
      want(1);
      return { method: 'POST', path: `/admin/symbols/${encodeURIComponent(args[0] ?? '')}/${subcommand}` };
    case 'kill-switch':
      if (options.all === true) {
        want(0);
        return { method: 'POST', path: '/admin/kill-switch', body: { all: true } };
      }
      want(1);
      return { method: 'POST', path: '/admin/kill-switch', body: { account: int(0, 'ACCOUNT') } };
    case 'unblock':
      want(1);
      return { method: 'POST', path: '/admin/unblock', body: { account: int(0, 'ACCOUNT') } };
    case 'resume-trading':
      want(0);
      return { method: 'POST', path: '/admin/resume', body: {} };
    default:
      throw new UsageError(`unknown subcommand ${JSON.stringify(subcommand)}`);
  }
}

/** The admin token: --token, ORDO_ADMIN_TOKEN, or the demo secrets in the data directory. */
function adminToken(token: string | undefined, dataDir: string): string {
  if (token !== undefined) return token;
  const fromEnv = process.env['ORDO_ADMIN_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const path = join(dataDir, 'demo-secrets.json');
  if (existsSync(path)) {
    const secrets = JSON.parse(readFileSync(path, 'utf8')) as { adminToken?: unknown };
    if (typeof secrets.adminToken === 'string') return secrets.adminToken;
  }
  throw new UsageError(`no admin token: give --token, set ORDO_ADMIN_TOKEN, or point --data at a directory with demo-secrets.json (looked in ${path})`);
}

/** Runs `ordo admin …` and returns the exit code. */
export async function runAdmin(argv: readonly string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), err: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  let request: AdminRequest;
  let url: string;
  let token: string;
  try {
    const { values, positionals } = parseCliArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string', default: ADMIN_URL_DEFAULT },
        token: { type: 'string' },
        data: { type: 'string', default: './data' },
        after: { type: 'string' },
        limit: { type: 'string' },
        all: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }, null);
    if (values.help === true) {
      out(ADMIN_USAGE);
      return 0;
    }
    const [subcommand, ...rest] = positionals;
    if (subcommand === undefined) throw new UsageError('no subcommand');
    request = adminRequest(subcommand, rest, values);
    url = values.url;
    token = adminToken(values.token, values.data);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`ordo admin: ${e.message}`);
    err(ADMIN_USAGE);
    return EXIT_USAGE;
  }
  let status: number;
  let text: string;
  try {
    const response = await fetch(new URL(request.path, url), {
      method: request.method,
      headers: { authorization: `Bearer ${token}`, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MS),
    });
    status = response.status;
    text = await response.text();
  } catch (e) {
    err(`ordo admin: ${request.method} ${request.path} at ${url}: ${e instanceof Error ? e.message : String(e)}`);
    return 3;
  }
  (status >= 200 && status < 300 ? out : err)(text.trim());
  if (status === 409) return 1;
  if (status < 200 || status >= 300) return 3;
  try {
    const answer = JSON.parse(text) as { applied?: unknown };
    return answer.applied === false ? 1 : 0;
  } catch {
    err('ordo admin: the answer is not JSON');
    return 3;
  }
}
