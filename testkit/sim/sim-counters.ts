// What a simulation run did, summed over its seeds: printed by the test and the soak so that a run
// that quietly stopped injecting faults or checking would show it.

/** Faults by kind: each is counted when it fires, not when it is armed. */
export interface FaultCounters {
  /** appendGroups failed and stored nothing; the journal retried. */
  appendFailed: number;
  /** appendGroups stored a prefix of its groups without the head, and the process died. */
  appendTorn: number;
  /** A torn append whose last stored group is cut short (part of its bytes). */
  appendTornPartial: number;
  /** sync failed; the process cannot trust what it wrote, so it died. */
  syncFailed: number;
  /** Died after the append, before the core was told (seqJournaled not advanced). */
  crashAfterAppend: number;
  /** Died in the middle of a batch of applies. */
  crashMidApply: number;
  /** Died in the middle of a batch of acknowledgements. */
  crashMidAck: number;
  /** Died between two steps. */
  crashBetweenSteps: number;
}

export interface CheckCounters {
  /** Per-step pipeline order: applied <= journaled <= published, ring and queues within bounds. */
  pipelineOrder: number;
  /** An acknowledgement came only for a command on the journal's committed head, once. */
  ackDurable: number;
  /** Every acknowledged command is in the journal, byte for byte, exactly once. */
  journalHoldsAcked: number;
  /** The engine's invariants (engine/invariants.ts) after an apply. */
  invariants: number;
  /** Per asset, the balances sum to deposits minus withdrawals; no transfer id credited twice. */
  money: number;
  /** The live state hash equals a fresh replay's of the journal to the same sequence. */
  replayHash: number;
  /** An order the gateway took came out as exactly the command the client meant. */
  gatewayTranslation: number;
  /** With every applied command delivered, the read model agrees with the core (orders, balances). */
  readModelEngine: number;
  /** After a restart, the read model rebuilt as the server rebuilds it agrees with the recovered core. */
  readModelRebuilt: number;
  /** A read model rebuilt from the journal to the last delivered command equals the one the crash lost. */
  readModelAcked: number;
}

export interface SimCounters {
  seeds: number;
  steps: number;
  commandsSubmitted: number;
  commandsSequenced: number;
  busy: number;
  commits: number;
  commandsJournaled: number;
  commandsApplied: number;
  acks: number;
  transfersResubmitted: number;
  timerTicks: number;
  snapshots: number;
  /** Snapshots taken with the read model beside the state, and recoveries that restored one. */
  snapshotsWithReadModel: number;
  readModelsRestored: number;
  crashes: number;
  recoveries: number;
  /** Groups of torn appends the journal writer set aside on open. */
  tornTailsCut: number;
  /** Client orders sent through the gateway as wire frames, taken and refused. */
  gatewayOrders: number;
  gatewayRefused: number;
  /** Client commands with no wire form (admin, transfers, malformed bytes), sequenced as they are. */
  rawCommands: number;
  /** Hostile frames the gateway refused with a stable code. */
  hostileFrames: number;
  faults: FaultCounters;
  checks: CheckCounters;
}

export function newCounters(): SimCounters {
  return {
    seeds: 0,
    steps: 0,
    commandsSubmitted: 0,
    commandsSequenced: 0,
    busy: 0,
    commits: 0,
    commandsJournaled: 0,
    commandsApplied: 0,
    acks: 0,
    transfersResubmitted: 0,
    timerTicks: 0,
    snapshots: 0,
    snapshotsWithReadModel: 0,
    readModelsRestored: 0,
    crashes: 0,
    recoveries: 0,
    tornTailsCut: 0,
    gatewayOrders: 0,
    gatewayRefused: 0,
    rawCommands: 0,
    hostileFrames: 0,
    faults: { appendFailed: 0, appendTorn: 0, appendTornPartial: 0, syncFailed: 0, crashAfterAppend: 0, crashMidApply: 0, crashMidAck: 0, crashBetweenSteps: 0 },
    checks: { pipelineOrder: 0, ackDurable: 0, journalHoldsAcked: 0, invariants: 0, money: 0, replayHash: 0, gatewayTranslation: 0, readModelEngine: 0, readModelRebuilt: 0, readModelAcked: 0 },
  };
}

/** The counters as a few lines of `name value` pairs. */
export function formatCounters(c: SimCounters): string {
  const pairs = (record: object): string =>
    Object.entries(record)
      .map(([name, value]) => `${name} ${String(value)}`)
      .join(', ');
  const { faults, checks, ...totals } = c;
  return [`totals: ${pairs(totals)}`, `faults: ${pairs(faults)}`, `checks: ${pairs(checks)}`].join('\n');
}
