import type { AckReply, BalancesReply, FillsReply, LoggedInReply, OpenOrdersReply, WireBalance, WireFill, WireOrder } from '../protocol/wire-schema.js';
import { byId, clockOf, el, frameScheduler, row } from './dom.js';
import { describeFailure, Refusal, type WireLink } from './wire-session.js';

/**
 * The trading panel: log in with an account id and an API key, then balances, order entry, open
 * orders (each with a cancel button), recent fills, and every refusal with its code and message.
 *
 * The API key lives in this object's memory only: never in storage, a cookie or a URL; the
 * password field is emptied once the login is answered. It is kept so that a reconnect logs in
 * again; reloading the page forgets it.
 *
 * Order entry takes every order type of the protocol: limit, market, stop limit and stop market
 * (with its stop price), each time in force, post-only and a client order id.
 *
 * Open orders and fills are asked for again (`open_orders`, `fills`) after the execution
 * reports that change them, one query of each in flight at most; balances follow the `balance`
 * messages.
 */
export const FILLS_SHOWN = 50;
/** The first page of open orders (the oldest); the panel says when there are more. */
export const OPEN_ORDERS_SHOWN = 100;
export const REFUSALS_KEPT = 50;
/** Order types that take a stop price, and those that take only ioc or fok (protocol.md, place). */
const STOP_TYPES: ReadonlySet<string> = new Set(['stop_limit', 'stop_market']);
const MARKET_TYPES: ReadonlySet<string> = new Set(['market', 'stop_market']);

interface Credentials {
  readonly account: number;
  readonly apiKey: string;
}

export class TradingView {
  private credentials: Credentials | null = null;
  private readonly balances = new Map<string, WireBalance>();
  private orders: WireOrder[] = [];
  private moreOrders = false;
  private fills: WireFill[] = [];
  private readonly refreshOrders = coalesced(() => this.loadOrders());
  private readonly refreshFills = coalesced(() => this.loadFills());
  private readonly scheduleBalances = frameScheduler(() => this.renderBalances());

  constructor(
    private readonly link: WireLink,
    private readonly currentSymbol: () => string | null,
  ) {
    byId<HTMLFormElement>('login').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.login();
    });
    byId<HTMLFormElement>('order').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.place();
    });
    const type = byId<HTMLSelectElement>('order-type');
    const tif = byId<HTMLSelectElement>('order-tif');
    type.addEventListener('change', () => {
      // A market or stop-market order takes only ioc or fok.
      if (MARKET_TYPES.has(type.value) && (tif.value === 'gtc' || tif.value === 'gtd')) tif.value = 'ioc';
      this.syncExpiry();
    });
    tif.addEventListener('change', () => this.syncExpiry());
    byId('open-orders').addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest('button[data-order-id]');
      if (button instanceof HTMLButtonElement) void this.cancel(Number(button.dataset['orderId']), button);
    });
    link.on('balance', (m) => {
      this.balances.set(m.asset, { asset: m.asset, available: m.available, reserved: m.reserved });
      this.scheduleBalances();
    });
    link.on('execution', (m) => {
      this.refreshOrders();
      if (m.exec === 'fill' || m.exec === 'partial_fill') this.refreshFills();
    });
    link.onOpen(() => {
      if (this.credentials !== null) void this.login(this.credentials);
    });
    this.render();
  }

  /** The expiry field shows for gtd, the stop price for stop orders. */
  private syncExpiry(): void {
    byId<HTMLInputElement>('order-expiry').hidden = byId<HTMLSelectElement>('order-tif').value !== 'gtd';
    byId<HTMLInputElement>('order-stop').hidden = !STOP_TYPES.has(byId<HTMLSelectElement>('order-type').value);
  }

  private async login(again: Credentials | null = null): Promise<void> {
    const accountInput = byId<HTMLInputElement>('login-account');
    const keyInput = byId<HTMLInputElement>('login-key');
    const account = again?.account ?? (accountInput.value.trim() === '' ? undefined : Number(accountInput.value));
    const apiKey = again?.apiKey ?? keyInput.value;
    keyInput.value = '';
    const session = byId('session');
    try {
      const reply = await this.link.request<LoggedInReply>({ type: 'login', account, apiKey });
      this.credentials = { account: reply.account, apiKey };
      session.textContent = `logged in as account ${reply.account}`;
      byId('login').hidden = true;
      await Promise.all([this.loadBalances(), this.refreshOrders(), this.refreshFills()]);
    } catch (e) {
      if (e instanceof Refusal && e.codeName === 'ALREADY_LOGGED_IN') return;
      if (again === null || e instanceof Refusal) this.credentials = null;
      session.textContent = 'not logged in';
      byId('login').hidden = this.credentials !== null;
      this.refused('login', e);
    }
  }

  private async place(): Promise<void> {
    const value = (id: string): string => byId<HTMLInputElement>(id).value.trim();
    const orderType = value('order-type');
    const tif = value('order-tif');
    const msg: Record<string, unknown> = { type: 'place', symbol: this.currentSymbol() ?? '', side: value('order-side'), orderType };
    if (value('order-price') !== '') msg['price'] = value('order-price');
    if (STOP_TYPES.has(orderType) && value('order-stop') !== '') msg['stopPrice'] = value('order-stop');
    if (value('order-qty') !== '') msg['qty'] = value('order-qty');
    // A market or stop-market order's default (ioc) is left to the server unless another is chosen.
    if (!(MARKET_TYPES.has(orderType) && tif === 'gtc')) msg['tif'] = tif;
    if (tif === 'gtd') msg['expireAtUs'] = Date.now() * 1000 + Math.max(1, Number(value('order-expiry') || '60')) * 1_000_000;
    if (byId<HTMLInputElement>('order-post-only').checked) msg['postOnly'] = true;
    if (value('order-clordid') !== '') msg['clOrdId'] = value('order-clordid');
    const result = byId('order-result');
    try {
      const ack = await this.link.request<AckReply>(msg);
      result.className = 'result accepted';
      result.textContent = `accepted: order ${ack.orderId}${ack.clOrdId === undefined ? '' : ` (${ack.clOrdId})`}`;
      this.refreshOrders();
    } catch (e) {
      result.className = 'result refused';
      result.textContent = `refused ${describeFailure(e)}`;
      this.refused('place', e);
    }
  }

  private async cancel(orderId: number, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await this.link.request<AckReply>({ type: 'cancel', orderId });
    } catch (e) {
      button.disabled = false;
      this.refused(`cancel ${orderId}`, e);
    }
    this.refreshOrders();
  }

  private async loadBalances(): Promise<void> {
    const reply = await this.link.request<BalancesReply>({ type: 'balances' });
    this.balances.clear();
    for (const b of reply.balances) this.balances.set(b.asset, b);
    this.scheduleBalances();
  }

  private async loadOrders(): Promise<void> {
    if (this.credentials === null) return;
    const reply = await this.link.request<OpenOrdersReply>({ type: 'open_orders', limit: OPEN_ORDERS_SHOWN });
    this.orders = reply.orders;
    this.moreOrders = reply.more;
    this.renderOrders();
  }

  private async loadFills(): Promise<void> {
    if (this.credentials === null) return;
    this.fills = (await this.link.request<FillsReply>({ type: 'fills', limit: FILLS_SHOWN })).fills;
    this.renderFills();
  }

  /** Every refusal, newest first, with its code, name and message. */
  private refused(what: string, e: unknown): void {
    const list = byId('refusals');
    const item = el('li', null, `${new Date().toLocaleTimeString()} ${what}: ${describeFailure(e)}`);
    item.dataset['testid'] = 'refusal';
    if (e instanceof Refusal) item.dataset['code'] = String(e.code);
    list.prepend(item);
    while (list.children.length > REFUSALS_KEPT) list.lastElementChild?.remove();
  }

  private render(): void {
    this.renderBalances();
    this.renderOrders();
    this.renderFills();
  }

  private renderBalances(): void {
    const rows = [...this.balances.values()].sort((a, b) => a.asset.localeCompare(b.asset)).map((b) => row([b.asset, b.available, b.reserved]));
    byId('balances').replaceChildren(...rows);
  }

  private renderOrders(): void {
    const rows = this.orders.map((o) => {
      const type = `${o.orderType} ${o.tif}${o.postOnly ? ' post' : ''}${o.stopPrice === undefined ? '' : ` stop ${o.stopPrice}`}`;
      const tr = row([String(o.orderId), o.clOrdId ?? '', o.symbol, o.side, type, o.price ?? 'market', o.qty, o.cumQty, o.status], [null, null, null, o.side]);
      tr.dataset['orderId'] = String(o.orderId);
      const button = el('button', null, 'cancel') as HTMLButtonElement;
      button.type = 'button';
      button.dataset['testid'] = 'cancel-order';
      button.dataset['orderId'] = String(o.orderId);
      tr.append(el('td', null, button));
      return tr;
    });
    if (this.moreOrders) rows.push(row([`the first ${OPEN_ORDERS_SHOWN} open orders are shown`]));
    byId('open-orders').replaceChildren(...rows);
  }

  private renderFills(): void {
    const rows = [...this.fills].reverse().map((f) => row([clockOf(f.timestampUs), f.symbol, f.side, f.price, f.qty, `${f.fee} ${f.feeAsset}`, f.liquidity], [null, null, f.side]));
    byId('fills').replaceChildren(...rows);
  }
}

/**
 * A query that runs at most once at a time: asked for while it runs, it runs once more after,
 * however often it was asked. Its failures are dropped: the next event asks again.
 */
function coalesced(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const start = (): Promise<void> => {
    running = run()
      .catch(() => undefined)
      .then(() => {
        running = null;
        if (again) {
          again = false;
          return start();
        }
        return undefined;
      });
    return running;
  };
  return () => {
    if (running !== null) {
      again = true;
      return running;
    }
    return start();
  };
}
