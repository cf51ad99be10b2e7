import type { EngineHost } from '../runtime/engine-host.js';
import { type HttpHandler, type HttpRoutes, json } from './http-routes.js';
import type { LeadershipView } from './leadership.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import type { ServerMetrics } from './server-metrics.js';
import type { ServerStatus } from './server-status.js';

export interface StatusRouteDeps {
  readonly status: ServerStatus;
  readonly host: EngineHost;
  readonly metrics: ServerMetrics;
  readonly leadership: LeadershipView;
  /** True once the engine host has started: before, the host has no live figures to give. */
  hostStarted(): boolean;
}

/**
 * What a load balancer and a monitoring system read:
 *
 *   GET /health         200 when ready, else 503: the phase ("starting", "ready", "degraded" with
 *                       its reason, "stopping", "stopped"), the node's role ("leader" or
 *                       "standby"), node name, pid and the leader's WebSocket address (null while
 *                       none is known), the durability, and while the engine runs the live
 *                       seqNext (the sequence the ring assigns next) and journalLag. A ready
 *                       standby answers 200: it serves market data, queries and logins, and
 *                       sends orders to the leader (NOT_LEADER).
 *   GET /health/leader  the same body; 200 only when ready and leading, else 503: for a load
 *                       balancer that must send only the leader order traffic
 *   GET /metrics        Prometheus text format (server-metrics.ts)
 */
export function addStatusRoutes(routes: HttpRoutes, deps: StatusRouteDeps): void {
  const health = (leaderOnly: boolean): HttpHandler => (_req, res) => {
    const phase = deps.status.phase;
    const running = deps.hostStarted() && phase !== 'stopped';
    const storageFault = running ? deps.host.storageFault() : null;
    // Degraded is a state of a ready server; starting and stopping say more and stay as they are.
    const degraded = phase === 'ready' && storageFault !== null;
    const body: Record<string, unknown> = { status: degraded ? 'degraded' : phase };
    if (degraded) body['reason'] = storageFault;
    const role = deps.leadership.role();
    body['role'] = role;
    body['node'] = deps.leadership.node;
    body['pid'] = process.pid;
    body['leader'] = deps.leadership.leaderAddress() ?? null;
    body['durability'] = deps.host.durability;
    if (running) {
      const stats = deps.host.stats();
      body['seqNext'] = stats.seqNext;
      body['journalLag'] = stats.journalLag;
    }
    const serving = phase === 'ready' && !degraded && (!leaderOnly || role === 'leader');
    json(res, serving ? 200 : 503, body);
  };
  routes.add('GET', '/health', health(false));
  routes.add('GET', '/health/leader', health(true));
  routes.add('GET', '/metrics', async (_req, res) => {
    const text = await deps.metrics.render();
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    res.end(text);
  });
}
