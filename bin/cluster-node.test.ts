import { describe, expect, it } from 'vitest';
import { defaultServerConfig } from '../gateway/server-config.js';
import { clusterHostOf } from './cluster-node.js';

describe('ordo run --cluster arguments', () => {
  const config = { ...defaultServerConfig(), port: 8080 };

  it('without --cluster the node runs alone, and the cluster-only options are refused', () => {
    expect(clusterHostOf(config, {})).toBeNull();
    expect(() => clusterHostOf(config, { node: 'a' })).toThrow(/--node, --advertise and --lease-ms need --cluster/);
    expect(() => clusterHostOf(config, { 'lease-ms': '600' })).toThrow(/need --cluster/);
  });

  it('refuses a cluster without servers, without a node name, a bad name, no reachable address, a lease out of range', () => {
    expect(() => clusterHostOf(config, { cluster: ' , ', node: 'a' })).toThrow(/no NATS server URL/);
    expect(() => clusterHostOf(config, { cluster: 'nats://h:4222' })).toThrow(/needs --node NAME/);
    expect(() => clusterHostOf(config, { cluster: 'nats://h:4222', node: 'a b' })).toThrow(/needs --node NAME/);
    expect(() => clusterHostOf({ ...config, port: 0 }, { cluster: 'nats://h:4222', node: 'a' })).toThrow(/needs a --port \(or --advertise\)/);
    expect(() => clusterHostOf(config, { cluster: 'nats://h:4222', node: 'a', 'lease-ms': '50' })).toThrow(/--lease-ms/);
  });

  it('names the node and its address from the port, or from --advertise', () => {
    const host = clusterHostOf(config, { cluster: 'nats://h1:4222,nats://h2:4222', node: 'a' });
    expect(host?.node).toBe('a');
    expect(host?.role()).toBe('standby'); // not started: it leads only once it holds the lease
    expect(host?.leaderAddress()).toBeUndefined();
  });
});
