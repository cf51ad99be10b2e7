import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RESULT_CODE_NAMES } from '../engine/result-code.js';
import { BATCH_SIZE_MAX_DEFAULT } from '../ring/batch-consumer.js';
import { allGatewayCodes, GatewayCode, gatewayError } from './gateway-codes.js';
import { validateClientMessage } from './wire-schema.js';

const doc = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');

describe('docs/protocol.md', () => {
  it('lists every gateway code with its number, name and sentence', () => {
    for (const code of allGatewayCodes()) {
      const name = GatewayCode[code] as string;
      expect(doc, name).toContain(`| ${code} | ${name} |`);
      expect(gatewayError(code).name).toBe(name);
    }
  });

  it('lists every engine code with its number and name', () => {
    for (const [code, name] of Object.entries(RESULT_CODE_NAMES)) {
      if (code === '0') continue;
      expect(doc, name).toMatch(new RegExp(`\\| ${code} \\| ${name} \\|`));
    }
  });

  it('describes every message type and channel', () => {
    for (const type of ['login', 'place', 'cancel', 'amend', 'mass_cancel', 'batch', 'ping']) expect(doc).toContain(`### ${type}\n`);
    expect(doc).toContain('### subscribe / unsubscribe\n');
    expect(doc).toContain('### Queries: open_orders, order_status, balances, fills, symbols\n');
    for (const type of ['login', 'place', 'cancel', 'amend', 'mass_cancel', 'batch', 'subscribe', 'unsubscribe', 'ping', 'logged_in', 'ack', 'reject', 'pong', 'subscribed', 'unsubscribed', 'execution', 'balance', 'book_snapshot', 'book_delta', 'trade', 'bbo', 'md_dropped', 'bundle', 'open_orders', 'order_status', 'balances', 'fills', 'symbols']) {
      expect(doc).toContain(`"type":"${type}"`);
    }
    for (const channel of ['book', 'trades', 'bbo']) expect(doc).toContain(`### channel \`${channel}\``);
  });

  it('says that book deltas are coalesced per batch of events, with the batch bound the gateway reads with', () => {
    expect(doc).toContain('Deltas are coalesced per batch of engine events, not sent per command.');
    expect(doc).toContain(`at most ${BATCH_SIZE_MAX_DEFAULT} events at a time`);
  });

  it('gives client examples that the schema accepts', () => {
    const clientTypes = new Set(['login', 'place', 'cancel', 'amend', 'mass_cancel', 'batch', 'subscribe', 'unsubscribe', 'ping', 'open_orders', 'order_status', 'balances', 'fills', 'symbols']);
    // A query's reply has the query's type: it is told apart by the field that carries the answer.
    const isReply = (value: object): boolean => ['orders', 'order', 'balances', 'fills', 'symbols'].some((field) => field in value);
    const validated = new Set<string>();
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    let checked = 0;
    for (const block of blocks) {
      const values: unknown[] = block.trim().startsWith('{"type":"batch"') ? [JSON.parse(block)] : block.trim().split('\n').map((line) => JSON.parse(line) as unknown);
      for (const value of values) {
        const type = (value as { type: string }).type;
        if (!clientTypes.has(type) || (type !== 'batch' && isReply(value as object))) continue;
        expect(validateClientMessage(value), JSON.stringify(value)).toMatchObject({ ok: true });
        validated.add(type);
        checked++;
      }
    }
    expect([...validated].sort()).toEqual([...clientTypes].sort());
    expect(checked).toBeGreaterThanOrEqual(clientTypes.size);
  });
});
