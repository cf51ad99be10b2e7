// The journal's exceptions. Both mean the process must not go on as if nothing happened
// (design §3, §6): a corrupt journal is reported with its sequence and a non-zero exit; a journal
// written under another format or configuration is refused before a single command is replayed.

/** What verification found wrong. Every kind is named by the first sequence it concerns. */
export type JournalCorruptKind =
  /** A group's CRC does not match its bytes: accidental damage or an edit without re-checksumming. */
  | 'checksum'
  /** The hash chain is broken: an edited, reordered or substituted group, or a value under the wrong key. */
  | 'chain'
  /** Sequences are not contiguous: a group (or the first one) is missing. */
  | 'gap'
  /** A value is shorter than its header says, or the tail recorded in meta is missing. */
  | 'truncated'
  /** Bytes that are not a group of this format: wrong magic, version, command size or non-zero padding. */
  | 'format';

export class JournalCorruptError extends Error {
  override readonly name = 'JournalCorruptError';
  readonly seq: number;
  readonly kind: JournalCorruptKind;
  /** What the message says after the kind and sequence (kept so that the error can be rebuilt, replay/read-error.ts). */
  readonly detail: string;
  constructor(kind: JournalCorruptKind, seq: number, detail: string) {
    super(`journal corrupt (${kind}) at sequence ${seq}: ${detail}`);
    this.kind = kind;
    this.seq = seq;
    this.detail = detail;
  }
}

/** The journal on disk was written under a different format or configuration than the caller's. */
export class JournalMetaMismatchError extends Error {
  override readonly name = 'JournalMetaMismatchError';
  readonly field: string;
  readonly stored: string;
  readonly expected: string;
  constructor(path: string, field: string, stored: string, expected: string) {
    super(
      `journal at ${path} was written with ${field} ${JSON.stringify(stored)}, but this process is ` +
        `configured with ${field} ${JSON.stringify(expected)}; refusing to open it, because replaying ` +
        `it under a different format or symbol configuration would rebuild a wrong state`,
    );
    this.field = field;
    this.stored = stored;
    this.expected = expected;
  }
}
