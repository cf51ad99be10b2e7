import type { EngineConfig } from '../engine/symbol-config.js';
import type { Durability, EngineHostStart, OnCommand } from './engine-host.js';
import { Pipeline, type PipelineOptions } from './pipeline.js';
import { PipelineBackedHost } from './pipeline-backed-host.js';

export interface PipelineHostOptions {
  config: EngineConfig;
  pipeline?: Omit<PipelineOptions, 'config' | 'journal' | 'seqBase' | 'snapshot'>;
  /**
   * Called with each command's bytes as sequenced (tests replay them into an in-process engine
   * to check the live state). The bytes are a copy; the sequence is stamped in them.
   */
  onCommand?: OnCommand;
}

/** The engine host over the threaded pipeline, without a journal (durability "none"). */
export class PipelineHost extends PipelineBackedHost {
  readonly durability: Durability = 'none';

  constructor(private readonly options: PipelineHostOptions) {
    super(options.onCommand);
  }

  async start(): Promise<EngineHostStart> {
    if (this.pipeline !== null) throw new Error('engine host started twice');
    this.pipeline = await Pipeline.start({ ...this.options.pipeline, config: this.options.config });
    return { seqNext: this.pipeline.seqBase, state: null };
  }
}
