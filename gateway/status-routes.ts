import type { EngineHost } from '../runtime/engine-host.js';
import { type HttpRoutes, json } from './http-routes.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import type { ServerMetrics } from './server-metrics.js';
import type { ServerStatus } from './server-status.js';

export interface StatusRouteDeps {
  readonly status: ServerStatus;
  readonly host: EngineHost;
  readonly metrics: ServerMetrics;
  /** True once the engine host has started: before, the host has no live figures to give. */
  hostStarted(): boolean;
}

/** This server's place in a cluster: a single node leads. */
export const NODE_ROLE = 'leader';

/**
 * What a load balancer and a monitoring system read:
 *
 *   GET /health   200 when ready, else 503: the phase ("starting", "ready", "degraded" with its
 *                 reason, "stopping", "stopped"), the role, the durability, and while the engine
 *                 runs the live seqNext (the sequence the ring assigns next) and journalLag
 *   GET /metrics  Prometheus text format (server-metrics.ts)
 */
export function addStatusRoutes(routes: HttpRoutes, deps: StatusRouteDeps): void {
  routes.add('GET', '/health', (_req, res) => {
    const phase = deps.status.phase;
    const running = deps.hostStarted() && phase !== 'stopped';
    const storageFault = running ? deps.host.storageFault() : null;
    // Degraded is a state of a ready server; starting and stopping say more and stay as they are.
    const degraded = phase === 'ready' && storageFault !== null;
    const body: Record<string, unknown> = { status: degraded ? 'degraded' : phase };
    if (degraded) body['reason'] = storageFault;
    body['role'] = NODE_ROLE;
    body['durability'] = deps.host.durability;
    if (running) {
      const stats = deps.host.stats();
      body['seqNext'] = stats.seqNext;
      body['journalLag'] = stats.journalLag;
    }
    json(res, phase === 'ready' && !degraded ? 200 : 503, body);
  });
  routes.add('GET', '/metrics', async (_req, res) => {
    const text = await deps.metrics.render();
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    res.end(text);
  });
}
