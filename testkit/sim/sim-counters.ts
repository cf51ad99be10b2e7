// What a simulation run did, summed over its seeds: printed by the test and the soak so that a run
// that quietly stopped injecting faults or checking would show it.

/** Faults by kind: each is counted when it fires, not when it is armed. */
export interface FaultCounters {
  /** appendGroups failed and stored nothing; the journal retried. */
  appendFailed: number;
  /** appendGroups stored a prefix of its groups without the head, and the process died. */
  appendTorn: number;
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
  crashes: number;
  recoveries: number;
  tornTailsCut: number;
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
    crashes: 0,
    recoveries: 0,
    tornTailsCut: 0,
    faults: { appendFailed: 0, appendTorn: 0, syncFailed: 0, crashAfterAppend: 0, crashMidApply: 0, crashMidAck: 0, crashBetweenSteps: 0 },
    checks: { pipelineOrder: 0, ackDurable: 0, journalHoldsAcked: 0, invariants: 0, money: 0, replayHash: 0 },
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
