import { type ChildProcess, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OrdoClient, ReplyError } from '../client/client.js';
import { ordoRunScope, startOrdoProcess } from '../testkit/ordo-process.js';
import { replyCodeOf } from '../testkit/server-fixture.js';

/**
 * The exchange as an operator and a trading client meet it, through `ordo run` (make run's
 * command, journal in 'fsync' mode) and real sockets: an account created and funded through the
 * admin API, its key rotated, a trade, the queries; then SIGKILL, a restart on the same data, and
 * everything found as it was: keys (the revoked one refused, the new one accepted), balances,
 * open orders, order status, fills; the deposit's transfer id refused as already applied. Then a
 * graceful stop (SIGTERM: the state is snapshotted) and a restart from that snapshot, which finds
 * the history too: finished orders, fills, when live orders were placed. Last, the key changes in
 * `ordo audit`.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const { children, dataDir: makeDataDir } = ordoRunScope();

function startServer(data: string): Promise<{ url: string; http: string; child: ChildProcess }> {
  return startOrdoProcess(data, children).then((p) => ({ url: p.url, http: p.httpUrl, child: p.child }));
}

async function admin(http: string, token: string, method: string, path: string, body?: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${http}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}


/** What the queries show of an account: compared before the kill and after the restart. */
async function snapshotOf(client: OrdoClient, clOrdId: string): Promise<unknown> {
  return {
    balances: await client.queryBalances(),
    openOrders: await client.openOrders(),
    status: await client.orderStatus({ clOrdId }),
    fills: await client.fills(),
  };
}

describe('exchange surface: accounts, money, keys and queries survive a SIGKILL', () => {
  it('creates, funds, trades, queries, is killed, restarts and finds everything as it was', async () => {
    const dataDir = makeDataDir('ordo-surface-');
    const first = await startServer(dataDir);
    const secrets = JSON.parse(readFileSync(join(dataDir, 'demo-secrets.json'), 'utf8')) as { accounts: Array<{ account: number; apiKey: string }>; adminToken: string };
    const token = secrets.adminToken;
    const demoKey = secrets.accounts[0]?.apiKey as string;

    // Operator: a new account with the next free id, funded.
    const created = await admin(first.http, token, 'POST', '/admin/accounts', {});
    expect(created.status).toBe(200);
    const account = created.body['account'] as number;
    const firstKey = created.body['apiKey'] as string;
    expect([account, created.body['keyId']]).toEqual([4, 1]);
    const deposit = { account, asset: 'USD', amount: '100000', transferId: 9_001 };
    expect(await admin(first.http, token, 'POST', '/admin/deposits', deposit)).toMatchObject({ status: 200, body: { applied: true, balance: { asset: 'USD', available: '100000.000000', reserved: '0.000000' } } });
    expect(await admin(first.http, token, 'POST', '/admin/deposits', { account, asset: 'BTC', amount: '2', transferId: 9_002 })).toMatchObject({ status: 200, body: { applied: true } });
    expect(await admin(first.http, token, 'POST', '/admin/deposits', deposit)).toMatchObject({ status: 200, body: { applied: false, code: 2005, name: 'TRANSFER_ALREADY_APPLIED' } });
    expect(await admin(first.http, token, 'POST', '/admin/withdrawals', { account, asset: 'BTC', amount: '5', transferId: 9_003 })).toMatchObject({ status: 409, body: { name: 'INSUFFICIENT_FUNDS' } });
    // Rotation: a second key, then the first revoked, which closes its session.
    const oldSession = await OrdoClient.connect(first.url);
    await oldSession.login(account, firstKey);
    const oldClosed = new Promise<number>((resolve) => oldSession.closed.on(({ code }) => resolve(code)));
    const added = await admin(first.http, token, 'POST', `/admin/accounts/${account}/keys`);
    expect(added).toMatchObject({ status: 200, body: { keyId: 2 } });
    const key = added.body['apiKey'] as string;
    expect(await admin(first.http, token, 'DELETE', `/admin/accounts/${account}/keys/1`)).toMatchObject({ status: 200, body: { revoked: true } });
    expect(await oldClosed).toBe(1008);

    // Trading: the new account sells to a demo account's bid and rests another order.
    const trader = await OrdoClient.connect(first.url);
    await trader.login(account, key);
    const counterparty = await OrdoClient.connect(first.url);
    await counterparty.login(1, demoKey);
    await counterparty.place({ symbol: 'BTC-USD', side: 'buy', orderType: 'limit', price: '50000.00', qty: '0.5', clOrdId: 'bid-1' });
    const sold = await trader.place({ symbol: 'BTC-USD', side: 'sell', orderType: 'limit', price: '50000.00', qty: '0.2', clOrdId: 'sell-1' });
    expect(sold.clOrdId).toBe('sell-1');
    const resting = await trader.place({ symbol: 'BTC-USD', side: 'sell', orderType: 'limit', price: '51000.00', qty: '0.3', clOrdId: 'rest-1' });
    expect(await replyCodeOf(trader.place({ symbol: 'BTC-USD', side: 'sell', orderType: 'limit', price: '51000.00', qty: '0.1', clOrdId: 'rest-1' }))).toBe('DUPLICATE_CLIENT_ORDER_ID');
    const duplicate = await trader.place({ symbol: 'BTC-USD', side: 'sell', orderType: 'limit', price: '51000.00', qty: '0.1', clOrdId: 'rest-1' }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(ReplyError);
    expect((duplicate as ReplyError).reply.orderId).toBe(resting.orderId);
    // Reads its own writes at once.
    expect(await trader.openOrders()).toEqual([expect.objectContaining({ orderId: resting.orderId, clOrdId: 'rest-1', status: 'new', qty: '0.3000', leavesQty: '0.3000' })]);
    expect(await trader.orderStatus({ orderId: sold.orderId })).toMatchObject({ status: 'filled', cumQty: '0.2000', clOrdId: 'sell-1' });
    const fills = await trader.fills();
    expect(fills).toEqual([expect.objectContaining({ orderId: sold.orderId, clOrdId: 'sell-1', side: 'sell', price: '50000.00', qty: '0.2000', liquidity: 'taker', feeAsset: 'USD' })]);
    expect((await counterparty.fills())[0]?.tradeId).toBe(fills[0]?.tradeId);
    expect(await replyCodeOf(trader.orderStatus({ orderId: (await counterparty.openOrders())[0]?.orderId ?? 0 }))).toBe('UNKNOWN_ORDER');
    const before = await snapshotOf(trader, 'rest-1');
    const accountBefore = await admin(first.http, token, 'GET', `/admin/accounts/${account}`);
    expect(accountBefore.body).toMatchObject({ account, blocked: false, openOrders: 1 });

    // SIGKILL, restart on the same data.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const second = await startServer(dataDir);
    const again = await OrdoClient.connect(second.url);
    expect(await replyCodeOf(again.login(account, firstKey))).toBe('AUTH_FAILED');
    await again.login(account, key);
    expect(await snapshotOf(again, 'rest-1')).toEqual(before);
    expect(await admin(second.http, token, 'GET', `/admin/accounts/${account}`)).toEqual(accountBefore);
    expect(await admin(second.http, token, 'POST', '/admin/deposits', deposit)).toMatchObject({ status: 200, body: { applied: false, code: 2005 } });
    expect(await replyCodeOf(again.cancel({ clOrdId: 'rest-1' }))).toBe('OK');
    expect(await again.orderStatus({ clOrdId: 'rest-1' })).toMatchObject({ status: 'cancelled', leavesQty: '0.0000' });
    const counterpartyAgain = await OrdoClient.connect(second.url);
    await counterpartyAgain.login(1, demoKey);
    const history = async (own: OrdoClient, other: OrdoClient): Promise<unknown> => ({
      own: await snapshotOf(own, 'rest-1'),
      sold: await own.orderStatus({ clOrdId: 'sell-1' }),
      other: await snapshotOf(other, 'bid-1'),
    });
    const beforeStop = await history(again, counterpartyAgain);
    // The partly filled bid was placed before the first restart: its placement time survived it.
    expect((await counterpartyAgain.orderStatus({ clOrdId: 'bid-1' })).timestampUs).toBeGreaterThan(0);
    for (const c of [trader, counterparty, oldSession, again, counterpartyAgain]) await c.close().catch(() => undefined);

    // A graceful stop snapshots the state with the read model; the restart starts from that snapshot.
    second.child.kill('SIGTERM');
    expect(await new Promise((resolve) => second.child.once('exit', resolve))).toBe(0);
    const third = await startServer(dataDir);
    const own = await OrdoClient.connect(third.url);
    await own.login(account, key);
    const other = await OrdoClient.connect(third.url);
    await other.login(1, demoKey);
    expect(await history(own, other)).toEqual(beforeStop);
    for (const c of [own, other]) await c.close().catch(() => undefined);

    // The key changes are in the audit trail.
    third.child.kill('SIGKILL');
    await new Promise((resolve) => third.child.once('exit', resolve));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/ordo.ts', 'audit', '--data', dataDir, '--account', String(account), '--format', 'jsonl'], { cwd: ROOT });
    expect(stdout).toContain('ACCOUNT_CREATE');
    expect(stdout).toContain('API_KEY_ADD');
    expect(stdout).toContain('API_KEY_REVOKE');
  });
});
