import { afterEach, describe, expect, it } from 'vitest';
import { LogCapture } from '../testkit/log-capture.js';
import { ADMIN_TOKEN, apiKeyOf, replyCodeOf, ServerFixture } from '../testkit/server-fixture.js';

/**
 * No secret reaches the log: a server at its most verbose level is taken through what handles
 * secrets (logins with wrong and right keys, admin requests with a wrong and the right token,
 * accounts and keys created, logins with the new keys, shutdown), and the whole log is searched
 * for every one of them.
 */
let fixture: ServerFixture | null = null;

afterEach(async () => {
  await fixture?.stop();
  fixture = null;
});

describe('the log', () => {
  it('holds no API key and no admin token, given or guessed, while it tells what happened', async () => {
    const log = new LogCapture();
    const f = (fixture = await ServerFixture.start({ logDestination: log, config: { logLevel: 'trace' } }));
    const secrets = [ADMIN_TOKEN, ...[1, 2, 3, 4].map(apiKeyOf)];

    for (let i = 0; i < 3; i++) {
      const guess = `guessed-key-${i}-${'x'.repeat(20)}`;
      secrets.push(guess);
      const c = await f.connect();
      expect(await replyCodeOf(c.login(1, guess))).toBe('AUTH_FAILED');
      await c.close();
    }
    await f.connect(2);
    const wrongToken = `wrong-admin-token-${'y'.repeat(20)}`;
    secrets.push(wrongToken);
    expect((await f.admin('/admin/accounts', {}, wrongToken)).status).toBe(401);

    const created = await f.admin('/admin/accounts', {});
    expect(created.status).toBe(200);
    const account = created.body['account'] as number;
    const added = await f.admin(`/admin/accounts/${account}/keys`, {});
    expect(added.status).toBe(200);
    for (const key of [created.body['apiKey'], added.body['apiKey']]) {
      expect(typeof key).toBe('string');
      secrets.push(key as string);
      const c = await f.connect();
      await c.login(account, key as string);
      await c.close();
    }
    await f.stop();
    fixture = null;

    const msgs = log.records().map((r) => r['msg']);
    for (const msg of ['login failed', 'login', 'admin auth failed', 'session closed', 'stopping', 'stopped']) expect(msgs).toContain(msg);
    expect(log.find('login').some((r) => r['account'] === account)).toBe(true);
    const text = log.text();
    for (const secret of secrets) expect(text, 'a secret in the log').not.toContain(secret);
  });
});
