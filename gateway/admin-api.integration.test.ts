import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ServerFixture } from '../testkit/server-fixture.js';

/**
 * The admin API's refusals, each with its status and body, through a real socket: malformed
 * bodies and paths, unknown accounts and symbols, wrong methods, oversized pages, and the
 * engine's refusals (409 with the core's code); and the pages themselves.
 */
let fixture: ServerFixture | null = null;

afterEach(async () => {
  await fixture?.stop();
  fixture = null;
});

async function start(): Promise<ServerFixture> {
  fixture = await ServerFixture.start();
  return fixture;
}

async function call(f: ServerFixture, method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${f.server.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('admin API: refusals and pages', () => {
  it('answers each malformed request with its status, and each engine refusal with 409 and the core code', async () => {
    const f = await start();
    const cases: Array<[string, string, unknown, number, Record<string, unknown>?]> = [
      ['POST', '/admin/deposits', { account: 1, asset: 'USD', amount: '1', transferId: 1 }, 401],
      ['GET', '/admin/nothing', undefined, 404],
      ['PUT', '/admin/accounts', {}, 405],
      ['POST', '/admin/deposits', '[1,2]', 400],
      ['POST', '/admin/deposits', `{"pad":"${'x'.repeat(5_000)}"}`, 400],
      ['POST', '/admin/deposits', { account: 1, asset: 'USD', amount: '1', transferId: 1, extra: 1 }, 400],
      ['POST', '/admin/deposits', { account: -1, asset: 'USD', amount: '1', transferId: 1 }, 400],
      ['POST', '/admin/deposits', { account: 1, asset: 'DOGE', amount: '1', transferId: 1 }, 400],
      ['POST', '/admin/deposits', { account: 1, asset: 'USD', amount: '0.0000001', transferId: 1 }, 400],
      ['POST', '/admin/deposits', { account: 1, asset: 'USD', amount: 5, transferId: 1 }, 400],
      ['POST', '/admin/deposits', { account: 1, asset: 'USD', amount: '1', transferId: 0 }, 400],
      ['POST', '/admin/deposits', { account: 99, asset: 'USD', amount: '1', transferId: 77 }, 409, { code: 1003, name: 'UNKNOWN_ACCOUNT' }],
      ['POST', '/admin/withdrawals', { account: 2, asset: 'BTC', amount: '100000', transferId: 78 }, 409, { code: 2001, name: 'INSUFFICIENT_FUNDS' }],
      ['POST', '/admin/accounts', { account: 1 }, 409, { code: 2007, name: 'ACCOUNT_EXISTS' }],
      ['POST', '/admin/accounts', { account: 'two' }, 400],
      ['GET', '/admin/accounts/99', undefined, 404],
      ['GET', '/admin/accounts/abc', undefined, 404],
      ['GET', '/admin/accounts?limit=1001', undefined, 400],
      ['GET', '/admin/accounts?limit=0', undefined, 400],
      ['GET', '/admin/accounts?after=x', undefined, 400],
      ['POST', '/admin/accounts/99/keys', undefined, 404],
      ['DELETE', '/admin/accounts/1/keys/77', undefined, 409, { code: 2011, name: 'UNKNOWN_API_KEY' }],
      ['DELETE', '/admin/accounts/1/keys/x', undefined, 400],
      ['POST', '/admin/symbols/DOGE-USD/halt', undefined, 404],
      ['POST', '/admin/symbols/BTC-USD/resume', undefined, 409, { code: 3010, name: 'SYMBOL_NOT_HALTED' }],
      ['POST', '/admin/resume', {}, 409, { code: 3016, name: 'TRADING_NOT_HALTED' }],
    ];
    for (const [method, path, body, status, fields] of cases) {
      const token = status === 401 ? 'wrong-token-wrong' : ADMIN_TOKEN;
      const got = await call(f, method, path, body, token);
      expect(got.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`).toBe(status);
      if (fields !== undefined) expect(got.body).toMatchObject(fields);
      else expect(typeof got.body['error']).toBe('string');
    }
  });

  it('pages accounts in id order with next, reads the fee account, withdraws its fees', async () => {
    const f = await start();
    for (const id of [10, 7]) expect((await call(f, 'POST', '/admin/accounts', { account: id })).status).toBe(200);
    const created = await call(f, 'POST', '/admin/accounts', {});
    expect(created.body['account']).toBe(11);
    const page1 = await call(f, 'GET', '/admin/accounts?limit=2');
    expect(page1.body).toMatchObject({ accounts: [{ account: 0 }, { account: 1 }], next: 1 });
    const ids: number[] = [];
    let after: unknown = -1;
    for (let pages = 0; after !== null && pages < 10; pages++) {
      const page = await call(f, 'GET', `/admin/accounts?after=${String(after)}&limit=2`);
      ids.push(...(page.body['accounts'] as Array<{ account: number }>).map((a) => a.account));
      after = page.body['next'];
    }
    expect(ids).toEqual([0, 1, 2, 3, 4, 7, 10, 11]);
    // A trade credits fees to account 0, which can then be withdrawn like any other balance.
    const buyer = await f.connect(1);
    const seller = await f.connect(2);
    await buyer.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '1' });
    await seller.place({ symbol: 'BTC-USD', side: 'sell', orderType: 'limit', price: '50000.00', qty: '1' });
    const fee = await call(f, 'GET', '/admin/accounts/0');
    const usd = (fee.body['balances'] as Array<{ asset: string; available: string }>).find((b) => b.asset === 'USD');
    expect(usd?.available).toBe('150.000000'); // 10 bps maker + 20 bps taker on 50 000 USD
    expect(await call(f, 'POST', '/admin/withdrawals', { account: 0, asset: 'USD', amount: '150', transferId: 501 })).toMatchObject({ status: 200, body: { applied: true, balance: { available: '0.000000' } } });
  });
});
