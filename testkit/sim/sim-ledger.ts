// The simulator's own account of money, kept from the core's events and not from its state: per
// asset, the deposits minus the withdrawals the core accepted, and every transfer id it credited.
// The engine keeps the same total (its `supply`); this one is independent of it, so a core that
// credits a transfer twice, or loses money in a fill, disagrees with it.

import { assert } from '../../engine/assert.js';
import { CommandType } from '../../engine/command-layout.js';
import { EVENT_SIZE, EV_ASSET_ID, EV_CMD_TYPE, EV_ORDER_ID, EV_QTY, EV_TYPE, EventType } from '../../engine/event-layout.js';
import { readI64 } from '../../engine/int64.js';
import type { MatchingEngine } from '../../engine/matching-engine.js';

export class Ledger {
  /** Index = asset id: deposits minus withdrawals accepted so far. */
  private readonly netByAsset: number[];
  private readonly creditedTransferIds = new Set<number>();

  constructor(private readonly assetCount: number) {
    this.netByAsset = new Array<number>(assetCount + 1).fill(0);
  }

  /** Folds in the event records of `bytes` (whole records, as the core wrote them). */
  fold(bytes: Uint8Array): void {
    assert(bytes.byteLength % EVENT_SIZE === 0, `ledger: ${bytes.byteLength} bytes is not whole events`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let offset = 0; offset < bytes.byteLength; offset += EVENT_SIZE) {
      if (view.getUint8(offset + EV_TYPE) !== EventType.ACCEPTED) continue;
      const commandType = view.getUint8(offset + EV_CMD_TYPE);
      if (commandType !== CommandType.DEPOSIT && commandType !== CommandType.WITHDRAW) continue;
      const transferId = readI64(view, offset + EV_ORDER_ID);
      assert(!this.creditedTransferIds.has(transferId), `transfer id ${transferId} applied twice`);
      this.creditedTransferIds.add(transferId);
      const asset = view.getUint32(offset + EV_ASSET_ID, true);
      assert(asset >= 1 && asset <= this.assetCount, `transfer ${transferId} of unknown asset ${asset}`);
      const amount = readI64(view, offset + EV_QTY);
      assert(Number.isSafeInteger(amount) && amount > 0, `transfer ${transferId} of amount ${amount}`);
      const net = (this.netByAsset[asset] as number) + (commandType === CommandType.DEPOSIT ? amount : -amount);
      assert(Number.isSafeInteger(net), `asset ${asset}: net transfers ${net} are not a safe integer`);
      this.netByAsset[asset] = net;
    }
  }

  /** Per asset, the sum over every account (the fee account too) of available + reserved equals the net transfers. */
  checkMoney(engine: MatchingEngine): void {
    const accounts = engine.accounts;
    for (let asset = 1; asset <= this.assetCount; asset++) {
      let sum = 0;
      for (let id = 0; id <= engine.config.maxAccounts; id++) {
        if (accounts.exists[id] !== 1) continue;
        const slot = accounts.slot(id, asset);
        sum += (accounts.available[slot] as number) + (accounts.reserved[slot] as number);
      }
      assert(sum === this.netByAsset[asset], `asset ${asset}: balances sum to ${sum}, deposits minus withdrawals are ${this.netByAsset[asset]}`);
    }
  }
}
