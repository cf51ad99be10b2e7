import type { EngineHost } from '../runtime/engine-host.js';
import { type HttpRoutes, json } from './http-routes.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import type { ServerMetrics } from './server-metrics.js';
import type { ServerStatus } from './server-status.js';

export interface StatusRouteDeps {
  readonly status: ServerStatus;
  readonly host: EngineHost;
  readonly metrics: ServerMetrics;
  /** The first sequence of this run, once the engine host has started; null before. */
  seqNext(): number | null;
}

/**
 * What a load balancer and a monitoring system read:
 *
 *   GET /health   200 when ready, else 503; the phase, the durability, the run's first sequence
 *   GET /metrics  Prometheus text format (server-metrics.ts)
 */
export function addStatusRoutes(routes: HttpRoutes, deps: StatusRouteDeps): void {
  routes.add('GET', '/health', (_req, res) => {
    const phase = deps.status.phase;
    const seqNext = deps.seqNext();
    json(res, phase === 'ready' ? 200 : 503, { status: phase, durability: deps.host.durability, ...(seqNext === null ? {} : { seqNext }) });
  });
  routes.add('GET', '/metrics', (_req, res) => {
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    res.end(deps.metrics.render());
  });
}
