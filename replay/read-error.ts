// Errors of the journal-reading thread, carried to the applying thread as plain data and thrown
// there as the same class with the same fields, so that a threaded replay reports a problem
// exactly as an inline one does (kind, sequence, detail: the CLI's messages and exit codes).

import { AssertionError } from '../engine/assert.js';
import { JournalCorruptError, JournalMetaMismatchError, type JournalCorruptKind } from '../journal/journal-error.js';

export type ReadErrorMessage =
  | { readonly type: 'corrupt'; readonly kind: JournalCorruptKind; readonly seq: number; readonly detail: string }
  | { readonly type: 'meta'; readonly message: string; readonly field: string; readonly stored: string; readonly expected: string }
  | { readonly type: 'assertion'; readonly message: string }
  | { readonly type: 'other'; readonly name: string; readonly message: string; readonly stack: string };

export function serializeReadError(error: unknown): ReadErrorMessage {
  if (error instanceof JournalCorruptError) return { type: 'corrupt', kind: error.kind, seq: error.seq, detail: error.detail };
  if (error instanceof JournalMetaMismatchError) {
    return { type: 'meta', message: error.message, field: error.field, stored: error.stored, expected: error.expected };
  }
  if (error instanceof AssertionError) return { type: 'assertion', message: error.message };
  if (error instanceof Error) return { type: 'other', name: error.name, message: error.message, stack: error.stack ?? '' };
  return { type: 'other', name: 'Error', message: String(error), stack: '' };
}

export function deserializeReadError(message: ReadErrorMessage): Error {
  switch (message.type) {
    case 'corrupt':
      return new JournalCorruptError(message.kind, message.seq, message.detail);
    case 'meta': {
      const error = new JournalMetaMismatchError('', message.field, message.stored, message.expected);
      error.message = message.message;
      return error;
    }
    case 'assertion':
      return new AssertionError(message.message);
    case 'other': {
      const error = new Error(`journal reader thread: ${message.name}: ${message.message}`);
      if (message.stack !== '') error.stack = `${error.stack ?? ''}\n  reader thread: ${message.stack}`;
      return error;
    }
    default: {
      const unknown: never = message;
      throw new AssertionError(`unknown read error message ${JSON.stringify(unknown)}`);
    }
  }
}
