/**
 * This node's place in a cluster, as the gateway sees it. A single node always leads; in cluster
 * mode the replication layer supplies a view that changes as the lease moves. The gateway reads it
 * on every order (a standby refuses orders with NOT_LEADER naming the leader) and on `/health`.
 */
export type NodeRole = 'leader' | 'standby';

export interface LeadershipView {
  /** This node's name, stable across restarts (e.g. "node-a"). */
  readonly node: string;
  /** Whether this node accepts orders now. */
  role(): NodeRole;
  /** The leader's WebSocket address (e.g. "ws://127.0.0.1:8080/ws"), or undefined while none is known. */
  leaderAddress(): string | undefined;
  /** Takeovers this node has made since it started (cluster mode); absent for a single node. */
  takeoverCount?(): number;
}

/** The view of a node that runs alone: it leads, always. */
export function singleNodeLeadership(node = 'single', ownAddress?: string): LeadershipView {
  return { node, role: () => 'leader', leaderAddress: () => ownAddress };
}
