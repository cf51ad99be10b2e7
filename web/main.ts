import { byId } from './dom.js';
import { EngineView } from './engine-view.js';
import { MarketFeed } from './market-feed.js';
import { MarketView } from './market-view.js';
import { TradingView } from './trading-view.js';
import { WireSession } from './wire-session.js';

/**
 * The dashboard, served by the gateway at GET / (gateway/dashboard-assets.ts):
 *
 *   one WebSocket (wire-session.ts) ──▶ market-feed.ts ──▶ market-view.ts   book, depth, trades
 *                                   ──▶ trading-view.ts                     login, orders, fills
 *   GET /metrics, GET /health every second ──▶ engine-view.ts              rates, latency, queues
 *
 * Everything comes from the page's own origin, over the documented protocol (docs/protocol.md).
 */
const session = new WireSession(WireSession.urlOf(window.location));
const feed = new MarketFeed(session);
new MarketView(session, feed);
new TradingView(session, () => feed.symbol);
new EngineView().start();

const link = byId('link');
let stateNow = 'connecting';
const showState = (): void => {
  link.textContent = stateNow;
  link.className = `badge ${stateNow === 'connected' ? 'ok' : 'bad'}`;
};
session.onState((state) => {
  stateNow = state;
  showState();
});
// A market-data failure shows for a while, then the connection's state again.
const FAILURE_SHOWN_MS = 5_000;
feed.onFailure((why) => {
  link.textContent = why;
  link.className = 'badge bad';
  window.setTimeout(showState, FAILURE_SHOWN_MS);
});
session.connect();
