import { COMMAND_SIZE } from './command-layout.js';
import { type Command, command, encodeCommand } from './command-codec.js';
import { BinaryEventWriter, type DecodedEvent, decodeEvents, MemoryEventOutput } from './event-codec.js';
import { MatchingEngine } from './matching-engine.js';
import type { EngineConfig } from './symbol-config.js';

/**
 * The core applied in the calling thread, with commands given as fields and events returned
 * decoded: for tests, audit and tools. It numbers commands itself (from `firstSeq`) unless a
 * command carries its own sequence, and gives each the latest timestamp it has seen unless the
 * command carries one.
 */
export class InProcessEngine {
  readonly engine: MatchingEngine;
  readonly out: MemoryEventOutput;
  private readonly slot = new DataView(new ArrayBuffer(COMMAND_SIZE));
  private nextSeq: number;
  private timestampUs = 0;

  constructor(config: EngineConfig, firstSeq = 0, engine?: (sink: BinaryEventWriter) => MatchingEngine) {
    this.out = new MemoryEventOutput();
    const writer = new BinaryEventWriter(this.out);
    this.engine = engine ? engine(writer) : new MatchingEngine(config, writer);
    this.nextSeq = Math.max(firstSeq, this.engine.lastSeq + 1);
  }

  /** Encodes, applies and returns the events of one command. */
  submit(fields: Partial<Command> & Pick<Command, 'type'>): DecodedEvent[] {
    const c = command(fields);
    if (c.seq === 0) c.seq = this.nextSeq;
    if (c.timestampUs === 0) c.timestampUs = this.timestampUs;
    encodeCommand(c, this.slot, 0);
    return this.apply(this.slot, 0);
  }

  /** Applies an already encoded command record and returns its events. */
  apply(view: DataView, offset: number): DecodedEvent[] {
    this.out.clear();
    this.engine.apply(view, offset);
    this.nextSeq = this.engine.lastSeq + 1;
    this.timestampUs = this.engine.nowUs;
    return decodeEvents(this.out.bytes());
  }

  /** The raw event bytes of the last command applied. */
  lastEventBytes(): Uint8Array {
    return this.out.bytes();
  }

  get seqNext(): number {
    return this.nextSeq;
  }
}
