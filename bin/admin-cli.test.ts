import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, runAdmin } from './admin-cli.js';

describe('ordo admin: subcommands as requests', () => {
  it('maps every subcommand to its method, path and body', () => {
    expect(adminRequest('create-account', [], {})).toEqual({ method: 'POST', path: '/admin/accounts', body: {} });
    expect(adminRequest('create-account', ['42'], {})).toEqual({ method: 'POST', path: '/admin/accounts', body: { account: 42 } });
    expect(adminRequest('add-key', ['7'], {})).toEqual({ method: 'POST', path: '/admin/accounts/7/keys' });
    expect(adminRequest('revoke-key', ['7', '3'], {})).toEqual({ method: 'DELETE', path: '/admin/accounts/7/keys/3' });
    expect(adminRequest('deposit', ['7', 'USD', '100.5', '9'], {})).toEqual({ method: 'POST', path: '/admin/deposits', body: { account: 7, asset: 'USD', amount: '100.5', transferId: 9 } });
    expect(adminRequest('withdraw', ['7', 'BTC', '0.1', '10'], {})).toEqual({ method: 'POST', path: '/admin/withdrawals', body: { account: 7, asset: 'BTC', amount: '0.1', transferId: 10 } });
    expect(adminRequest('account', ['0'], {})).toEqual({ method: 'GET', path: '/admin/accounts/0' });
    expect(adminRequest('accounts', [], { after: '5', limit: '2' })).toEqual({ method: 'GET', path: '/admin/accounts?after=5&limit=2' });
    expect(adminRequest('halt', ['BTC-USD'], {})).toEqual({ method: 'POST', path: '/admin/symbols/BTC-USD/halt' });
    expect(adminRequest('resume', ['ETH-USD'], {})).toEqual({ method: 'POST', path: '/admin/symbols/ETH-USD/resume' });
    expect(adminRequest('kill-switch', ['2'], {})).toEqual({ method: 'POST', path: '/admin/kill-switch', body: { account: 2 } });
    expect(adminRequest('kill-switch', [], { all: true })).toEqual({ method: 'POST', path: '/admin/kill-switch', body: { all: true } });
    expect(adminRequest('unblock', ['2'], {})).toEqual({ method: 'POST', path: '/admin/unblock', body: { account: 2 } });
    expect(adminRequest('resume-trading', [], {})).toEqual({ method: 'POST', path: '/admin/resume', body: {} });
  });

  it('refuses bad arguments with a usage error', () => {
    expect(() => adminRequest('deposit', ['7', 'USD', '1'], {})).toThrow(/takes 4 arguments, got 3/);
    expect(() => adminRequest('account', ['x'], {})).toThrow(/whole number/);
    expect(() => adminRequest('revoke-key', ['1', '-2'], {})).toThrow(/whole number/);
    expect(() => adminRequest('frobnicate', [], {})).toThrow(/unknown subcommand/);
  });
});

describe('ordo admin against an HTTP server', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method: string; url: string; auth: string; body: string }> = [];
  let answer: { status: number; body: string } = { status: 200, body: '{}' };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization ?? '', body });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = async (...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(['--url', url, '--token', 'tok-123', ...argv], (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };

  it('sends the bearer token and the body, prints the answer, exits 0', async () => {
    answer = { status: 200, body: '{"applied":true,"seq":12,"balance":{"asset":"USD","available":"10","reserved":"0"}}' };
    const r = await run('deposit', '3', 'USD', '10', '77');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!)).toMatchObject({ applied: true, seq: 12 });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/admin/deposits', auth: 'Bearer tok-123', body: '{"account":3,"asset":"USD","amount":"10","transferId":77}' });
  });

  it('exits 1 for an engine refusal or a transfer already applied, 3 for other failures, 2 for usage', async () => {
    answer = { status: 409, body: '{"code":2001,"name":"INSUFFICIENT_FUNDS","message":"…"}' };
    expect((await run('withdraw', '3', 'USD', '10', '78')).code).toBe(1);
    answer = { status: 200, body: '{"applied":false,"code":2005,"name":"TRANSFER_ALREADY_APPLIED"}' };
    expect((await run('deposit', '3', 'USD', '10', '77')).code).toBe(1);
    answer = { status: 401, body: '{"error":"bad admin token"}' };
    const unauthorised = await run('account', '3');
    expect([unauthorised.code, unauthorised.err[0]]).toEqual([3, '{"error":"bad admin token"}']);
    expect((await run('account')).code).toBe(2);
    expect((await run('--bogus', 'account', '3')).code).toBe(2);
    const unreachable = await runAdmin(['--url', 'http://127.0.0.1:1', '--token', 't', 'account', '1'], () => {}, () => {});
    expect(unreachable).toBe(3);
  });
});
