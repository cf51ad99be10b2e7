import type { RejectReply } from '../protocol/wire-schema.js';

/**
 * The server refused a request: the stable code and name, and its message. A refusal is an
 * answer, not a fault of the caller's code, so it carries no stack trace: capturing one cost a
 * load generator more than the rest of handling the reply when the server answers BUSY.
 */
export class ReplyError extends Error {
  override readonly name = 'ReplyError';
  readonly reply: RejectReply;

  constructor(reply: RejectReply) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(`${reply.name} (${reply.code}): ${reply.message}`);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.reply = reply;
  }

  get code(): number {
    return this.reply.code;
  }

  get codeName(): string {
    return this.reply.name;
  }
}

/**
 * A request that got no reply. `sent`: it left for the server, so it may have been applied there
 * (timed out, or the connection closed first); false when it was never sent.
 */
export class NoReplyError extends Error {
  override readonly name = 'NoReplyError';

  constructor(
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
  }
}
