import { ResultCode } from '../engine/result-code.js';
import { coreError, GatewayCode, gatewayError } from '../protocol/gateway-codes.js';
import type { FrameFormat } from '../protocol/wire-codec.js';
import type { WireConfig } from '../protocol/wire-config.js';
import { type BalancesQuery, FILLS_LIMIT_MAX, type FillsQuery, OPEN_ORDERS_LIMIT_MAX, type OpenOrdersQuery, type OrderStatusQuery, type SymbolsQuery } from '../protocol/wire-schema.js';
import type { ReadModel } from '../replay/read-model.js';
import type { Connection } from './connection.js';
import type { Connections } from './connections.js';
import type { MarketData } from './market-data.js';
import { wireBalance, wireFill, wireOrder, wireSymbols } from './wire-views.js';

/**
 * The trading clients' queries, answered from the read model on the server's thread: nothing
 * enters the ring or the journal. The read model takes every event before any reply that event
 * causes is sent (event-dispatch.ts), so a query sent after an ack or a report reflects it.
 *
 * Every answer is bounded: open orders and fills by their page limits,
 * balances by the number of assets, symbols by the configuration.
 */
export class QueryHandlers {
  constructor(
    private readonly model: ReadModel,
    private readonly wire: WireConfig,
    private readonly market: MarketData,
    private readonly connections: Connections,
  ) {}

  openOrders(conn: Connection, m: OpenOrdersQuery, format: FrameFormat): void {
    let symbolId: number | undefined;
    if (m.symbol !== undefined) {
      const s = this.wire.symbolByName(m.symbol);
      if (s === undefined) return this.connections.refuse(conn, m.id, format, gatewayError(GatewayCode.UNKNOWN_SYMBOL, m.symbol));
      symbolId = s.id;
    }
    const page = this.model.openOrdersPage(conn.session.accountId, {
      afterOrderId: m.afterOrderId ?? -1,
      limit: m.limit ?? OPEN_ORDERS_LIMIT_MAX,
      ...(symbolId === undefined ? {} : { symbolId }),
    });
    const orders = page.orders.map((o) => wireOrder(o, this.wire));
    this.connections.send(conn, { type: 'open_orders', id: m.id, orders, more: page.more }, format);
  }

  orderStatus(conn: Connection, m: OrderStatusQuery, format: FrameFormat): void {
    const account = conn.session.accountId;
    // The schema let exactly one of the two through.
    const order = m.orderId !== undefined ? this.model.order(account, m.orderId) : this.model.orderByClOrdId(account, m.clOrdId ?? '');
    if (order === undefined) return this.connections.refuse(conn, m.id, format, coreError(ResultCode.UNKNOWN_ORDER));
    this.connections.send(conn, { type: 'order_status', id: m.id, order: wireOrder(order, this.wire) }, format);
  }

  balances(conn: Connection, m: BalancesQuery, format: FrameFormat): void {
    const balances = this.model.balances(conn.session.accountId).map((b) => wireBalance(b, this.wire));
    this.connections.send(conn, { type: 'balances', id: m.id, balances }, format);
  }

  fills(conn: Connection, m: FillsQuery, format: FrameFormat): void {
    let symbolId: number | undefined;
    if (m.symbol !== undefined) {
      const s = this.wire.symbolByName(m.symbol);
      if (s === undefined) return this.connections.refuse(conn, m.id, format, gatewayError(GatewayCode.UNKNOWN_SYMBOL, m.symbol));
      symbolId = s.id;
    }
    const found = this.model.fills(conn.session.accountId, {
      limit: m.limit ?? FILLS_LIMIT_MAX,
      ...(symbolId === undefined ? {} : { symbolId }),
      ...(m.fromSeq === undefined ? {} : { fromSeq: m.fromSeq }),
    });
    this.connections.send(conn, { type: 'fills', id: m.id, fills: found.map((f) => wireFill(f, this.wire)) }, format);
  }

  symbols(conn: Connection, m: SymbolsQuery, format: FrameFormat): void {
    this.connections.send(conn, { type: 'symbols', id: m.id, symbols: wireSymbols(this.wire, this.market) }, format);
  }
}
