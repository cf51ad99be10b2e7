import type { ClientBook } from '../client/client-book.js';
import type { WireLevel } from '../protocol/wire-schema.js';
import { el } from './dom.js';

/**
 * The book as a ladder: asks above (best at the bottom), bids below (best at the top), the
 * spread between; each row price, quantity, order count and a depth bar whose width is the
 * cumulative quantity from the best price, relative to the deepest row shown.
 */
export const LADDER_LEVELS = 14;

export function renderLadder(container: HTMLElement, book: ClientBook | null): void {
  const rows: HTMLElement[] = [el('div', 'row head', el('span', null, 'price'), el('span', null, 'quantity'), el('span', null, 'orders'))];
  if (book === null || !book.valid) {
    rows.push(el('div', 'empty', book === null ? 'no symbol' : 'waiting for the snapshot'));
    container.replaceChildren(...rows);
    return;
  }
  const asks = book.asks().slice(0, LADDER_LEVELS);
  const bids = book.bids().slice(0, LADDER_LEVELS);
  const askDepth = cumulative(asks);
  const bidDepth = cumulative(bids);
  const deepest = Math.max(askDepth[askDepth.length - 1] ?? 0, bidDepth[bidDepth.length - 1] ?? 0, Number.MIN_VALUE);
  for (let i = asks.length - 1; i >= 0; i--) rows.push(levelRow('ask', asks[i] as WireLevel, (askDepth[i] as number) / deepest));
  const bestBid = bids[0];
  const bestAsk = asks[0];
  const spread = bestBid !== undefined && bestAsk !== undefined ? spreadOf(bestBid[0], bestAsk[0]) : '—';
  rows.push(el('div', 'mid', `spread ${spread}`));
  bids.forEach((level, i) => rows.push(levelRow('bid', level, (bidDepth[i] as number) / deepest)));
  container.replaceChildren(...rows);
}

function levelRow(side: 'bid' | 'ask', [price, qty, count]: WireLevel, share: number): HTMLElement {
  const bar = el('div', 'bar');
  bar.style.width = `${(share * 100).toFixed(1)}%`;
  const r = el('div', `row ${side}`, bar, el('span', null, price), el('span', null, qty), el('span', null, String(count)));
  r.dataset['testid'] = `ladder-${side}`;
  r.dataset['price'] = price;
  return r;
}

function cumulative(levels: readonly WireLevel[]): number[] {
  let sum = 0;
  return levels.map(([, qty]) => (sum += Number(qty)));
}

/** ask − bid with the price's decimals. */
export function spreadOf(bid: string, ask: string): string {
  const decimals = Math.max(decimalsOf(bid), decimalsOf(ask));
  return (Number(ask) - Number(bid)).toFixed(decimals);
}

function decimalsOf(price: string): number {
  const dot = price.indexOf('.');
  return dot < 0 ? 0 : price.length - dot - 1;
}
