import { ClusterHost } from '../cluster/cluster-host.js';
import { parseIntegerOption, UsageError } from '../platform/cli-args.js';
import type { ServerConfig } from '../gateway/server-config.js';
import { GATEWAY_EVENT_WAIT } from '../runtime/engine-host-factory.js';

/**
 * `ordo run --cluster nats://h1:4222,nats://h2:4222,nats://h3:4222 --node NAME` (design §11): the
 * node's engine host is a ClusterHost, which leads or stands by as the lease says. A node that is
 * deposed (its lease taken, its stream append fenced) exits with EXIT_DEPOSED at once, without a
 * drain: what it did not have acknowledged by the stream it must never acknowledge; its supervisor
 * (make cluster's loop, systemd, ...) starts it again and it rejoins as a standby.
 */
export const EXIT_DEPOSED = 75;
const LEASE_MS_MIN = 100;
const LEASE_MS_MAX = 60_000;

export interface ClusterArgs {
  cluster?: string | undefined;
  node?: string | undefined;
  advertise?: string | undefined;
  'lease-ms'?: string | undefined;
}

/** The cluster host the arguments ask for, or null for a single node. */
export function clusterHostOf(config: ServerConfig, args: ClusterArgs): ClusterHost | null {
  if (args.cluster === undefined) {
    if (args.node !== undefined || args.advertise !== undefined || args['lease-ms'] !== undefined) throw new UsageError('run: --node, --advertise and --lease-ms need --cluster');
    return null;
  }
  const servers = args.cluster.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (servers.length === 0) throw new UsageError('run: --cluster: no NATS server URL');
  if (args.node === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(args.node)) throw new UsageError('run: --cluster needs --node NAME (letters, digits, - and _)');
  if (config.port === 0 && args.advertise === undefined) throw new UsageError('run: --cluster needs a --port (or --advertise): the lease names where clients reach this node');
  const address = args.advertise ?? `ws://${config.host}:${config.port}/ws`;
  const leaseTtlMs = args['lease-ms'] === undefined ? undefined : parseIntegerOption(args['lease-ms'], 'run: --lease-ms', LEASE_MS_MIN, LEASE_MS_MAX);
  return new ClusterHost(
    { config: config.engine, dataDir: config.dataDir, durability: config.durability, pipeline: { mainThreadWait: GATEWAY_EVENT_WAIT } },
    {
      servers,
      node: args.node,
      address,
      ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
      onDeposed: (reason) => {
        process.stderr.write(`ordo: deposed (${reason}); exiting ${EXIT_DEPOSED} to rejoin as a standby\n`);
        process.exit(EXIT_DEPOSED);
      },
    },
  );
}
