import { DECIMAL_LENGTH_MAX } from './decimal.js';
import { type GatewayError, GatewayCode, gatewayError } from './gateway-codes.js';

/**
 * The wire schema: the validation of a decoded frame (JSON or msgpack: one schema) into a client
 * message. The message types are in wire-messages.ts (re-exported here); docs/protocol.md
 * describes the same messages for people, and the three change together.
 *
 * Validation is strict, so that a malformed message changes nothing and gets a stable code:
 * exact types (a quantity is a decimal string, never a number; an id is a safe integer, never a
 * string), unknown fields refused, optional fields omitted rather than null, every string and
 * array bounded. It never throws on any input.
 */

export * from './wire-messages.js';
import type { ClientMessage, ClientMessageType, OrderMessage } from './wire-messages.js';
import { WIRE_CHANNELS, WIRE_ORDER_TYPES, WIRE_SIDES, WIRE_STP_MODES, WIRE_TIMES_IN_FORCE } from './wire-messages.js';

// ───────────────────────────── validation ─────────────────────────────

export type Validation<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: GatewayError; readonly id: number | null };

export interface SchemaLimits {
  /** Most orders in one batch frame. */
  batchOrdersMax: number;
}
export const BATCH_ORDERS_MAX_DEFAULT = 64;
/** Upper bound of batchOrdersMax: a batch is answered in one event-loop turn. */
export const BATCH_ORDERS_MAX_LIMIT = 1_024;
export const SCHEMA_LIMITS_DEFAULT: SchemaLimits = { batchOrdersMax: BATCH_ORDERS_MAX_DEFAULT };

export const SYMBOL_LENGTH_MAX = 32;
export const API_KEY_LENGTH_MIN = 16;
export const API_KEY_LENGTH_MAX = 128;
/** Account ids are u32 in the command record; the engine bounds them further. */
export const ACCOUNT_ID_MAX = 2 ** 31 - 1;
/** The core's rule for client order ids: 1..32 printable ASCII characters, no space. */
const CL_ORD_ID_PATTERN = /^[\x21-\x7e]{1,32}$/;
const API_KEY_PATTERN = /^[\x21-\x7e]+$/;
const DECIMAL_SYNTAX = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

type FieldSpec =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'string'; readonly lengthMin: number; readonly lengthMax: number; readonly pattern?: RegExp }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'decimal' }
  | { readonly kind: 'bool'; readonly orValues?: readonly string[] }
  | { readonly kind: 'array' };

interface MessageSpec {
  readonly required: Readonly<Record<string, FieldSpec>>;
  readonly optional: Readonly<Record<string, FieldSpec>>;
  /** Optional fields of which exactly one must be present. */
  readonly exactlyOne?: readonly string[];
}

const ID: FieldSpec = { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER };
const ORDER_ID: FieldSpec = { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER };
const SYMBOL: FieldSpec = { kind: 'string', lengthMin: 1, lengthMax: SYMBOL_LENGTH_MAX };
const DECIMAL: FieldSpec = { kind: 'decimal' };
const CHANNEL: FieldSpec = { kind: 'enum', values: WIRE_CHANNELS };
const CL_ORD_ID: FieldSpec = { kind: 'string', lengthMin: 1, lengthMax: 32, pattern: CL_ORD_ID_PATTERN };
/** Most fills one `fills` query returns, and its default. */
export const FILLS_LIMIT_MAX = 1_000;
/** Most orders one `open_orders` page holds, and its default: 10,000 orders in one reply came to 2 MB. */
export const OPEN_ORDERS_LIMIT_MAX = 1_000;

const SPECS: Readonly<Record<ClientMessageType, MessageSpec>> = {
  login: {
    required: {
      type: { kind: 'enum', values: ['login'] },
      id: ID,
      account: { kind: 'int', min: 1, max: ACCOUNT_ID_MAX },
      apiKey: { kind: 'string', lengthMin: API_KEY_LENGTH_MIN, lengthMax: API_KEY_LENGTH_MAX, pattern: API_KEY_PATTERN },
    },
    optional: { cancelOnDisconnect: { kind: 'bool', orValues: ['session', 'account'] }, bundle: { kind: 'bool' } },
  },
  place: {
    required: {
      type: { kind: 'enum', values: ['place'] },
      id: ID,
      symbol: SYMBOL,
      side: { kind: 'enum', values: WIRE_SIDES },
      orderType: { kind: 'enum', values: WIRE_ORDER_TYPES },
      qty: DECIMAL,
    },
    optional: {
      tif: { kind: 'enum', values: WIRE_TIMES_IN_FORCE },
      price: DECIMAL,
      stopPrice: DECIMAL,
      clOrdId: CL_ORD_ID,
      postOnly: { kind: 'bool' },
      stp: { kind: 'enum', values: WIRE_STP_MODES },
      expireAtUs: { kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER },
    },
  },
  cancel: { required: { type: { kind: 'enum', values: ['cancel'] }, id: ID }, optional: { orderId: ORDER_ID, clOrdId: CL_ORD_ID }, exactlyOne: ['orderId', 'clOrdId'] },
  amend: {
    required: { type: { kind: 'enum', values: ['amend'] }, id: ID, orderId: ORDER_ID },
    optional: { symbol: SYMBOL, price: DECIMAL, qty: DECIMAL, stopPrice: DECIMAL },
  },
  open_orders: {
    required: { type: { kind: 'enum', values: ['open_orders'] }, id: ID },
    optional: { symbol: SYMBOL, afterOrderId: ORDER_ID, limit: { kind: 'int', min: 1, max: OPEN_ORDERS_LIMIT_MAX } },
  },
  order_status: { required: { type: { kind: 'enum', values: ['order_status'] }, id: ID }, optional: { orderId: ORDER_ID, clOrdId: CL_ORD_ID }, exactlyOne: ['orderId', 'clOrdId'] },
  balances: { required: { type: { kind: 'enum', values: ['balances'] }, id: ID }, optional: {} },
  fills: {
    required: { type: { kind: 'enum', values: ['fills'] }, id: ID },
    optional: { symbol: SYMBOL, fromSeq: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, limit: { kind: 'int', min: 1, max: FILLS_LIMIT_MAX } },
  },
  symbols: { required: { type: { kind: 'enum', values: ['symbols'] }, id: ID }, optional: {} },
  mass_cancel: { required: { type: { kind: 'enum', values: ['mass_cancel'] }, id: ID }, optional: { symbol: SYMBOL } },
  subscribe: { required: { type: { kind: 'enum', values: ['subscribe'] }, id: ID, channel: CHANNEL, symbol: SYMBOL }, optional: {} },
  unsubscribe: { required: { type: { kind: 'enum', values: ['unsubscribe'] }, id: ID, channel: CHANNEL, symbol: SYMBOL }, optional: {} },
  ping: { required: { type: { kind: 'enum', values: ['ping'] }, id: ID }, optional: {} },
  batch: { required: { type: { kind: 'enum', values: ['batch'] }, id: ID, orders: { kind: 'array' } }, optional: {} },
};

/** A spec as the validator walks it, computed once: no per-message Object.entries. */
interface CompiledSpec {
  readonly fields: ReadonlySet<string>;
  readonly required: ReadonlyArray<readonly [string, FieldSpec]>;
  readonly optional: ReadonlyArray<readonly [string, FieldSpec]>;
  readonly exactlyOne: readonly string[];
}

const COMPILED: ReadonlyMap<string, CompiledSpec> = new Map(
  Object.entries(SPECS).map(([type, spec]) => [
    type,
    {
      fields: new Set([...Object.keys(spec.required), ...Object.keys(spec.optional)]),
      required: Object.entries(spec.required),
      optional: Object.entries(spec.optional),
      exactlyOne: spec.exactlyOne ?? [],
    },
  ]),
);

/** Most fields any message has: a larger object is refused before its keys are looked at one by one. */
const FIELDS_MAX = 16;
const BATCH_ITEM_TYPES: ReadonlySet<string> = new Set(['place', 'cancel', 'amend']);

function isClientMessageType(value: string): value is ClientMessageType {
  return Object.prototype.hasOwnProperty.call(SPECS, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The request id of a value, when it carries a valid one: echoed in a refusal so the client can match it. */
export function requestIdOf(value: unknown): number | null {
  if (!isPlainObject(value)) return null;
  const id = Object.prototype.hasOwnProperty.call(value, 'id') ? value['id'] : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

/** Validates a decoded frame as a client message. Never throws. */
export function validateClientMessage(value: unknown, limits: SchemaLimits = SCHEMA_LIMITS_DEFAULT): Validation<ClientMessage> {
  const result = validateAgainstSpecs(value, null);
  if (!result.ok || result.message.type !== 'batch') return result;
  const count = result.message.orders.length;
  if (count > limits.batchOrdersMax) return refuse(GatewayCode.BATCH_TOO_LARGE, `${count} > ${limits.batchOrdersMax}`, result.message.id);
  if (count === 0) return refuse(GatewayCode.INVALID_FIELD_VALUE, 'orders: empty batch', result.message.id);
  return result;
}

/** Validates one element of a batch: a place, cancel or amend. Never throws. */
export function validateBatchOrder(value: unknown): Validation<OrderMessage> {
  return validateAgainstSpecs(value, BATCH_ITEM_TYPES) as Validation<OrderMessage>;
}

function refuse(code: GatewayCode, detail: string, id: number | null): { ok: false; error: GatewayError; id: number | null } {
  return { ok: false, error: gatewayError(code, detail), id };
}

function validateAgainstSpecs(value: unknown, allowedTypes: ReadonlySet<string> | null): Validation<ClientMessage> {
  if (!isPlainObject(value)) return refuse(GatewayCode.NOT_AN_OBJECT, describe(value), null);
  const id = requestIdOf(value);
  const keys = Object.keys(value);
  if (keys.length > FIELDS_MAX) return refuse(GatewayCode.UNKNOWN_FIELD, `${keys.length} fields`, id);
  if (!Object.prototype.hasOwnProperty.call(value, 'type')) return refuse(GatewayCode.MISSING_FIELD, 'type', id);
  const type = value['type'];
  if (typeof type !== 'string') return refuse(GatewayCode.INVALID_FIELD_TYPE, 'type', id);
  if (!isClientMessageType(type) || (allowedTypes !== null && !allowedTypes.has(type))) {
    return refuse(GatewayCode.UNKNOWN_MESSAGE_TYPE, JSON.stringify(type.slice(0, 32)), id);
  }
  const spec = COMPILED.get(type);
  if (spec === undefined) throw new Error(`no compiled spec for message type ${type}`);
  for (const key of keys) {
    if (!spec.fields.has(key)) return refuse(GatewayCode.UNKNOWN_FIELD, JSON.stringify(key.slice(0, 32)), id);
  }
  for (const [field, fieldSpec] of spec.required) {
    if (!Object.prototype.hasOwnProperty.call(value, field)) return refuse(GatewayCode.MISSING_FIELD, field, id);
    const error = checkField(field, value[field], fieldSpec);
    if (error !== null) return { ok: false, error, id };
  }
  for (const [field, fieldSpec] of spec.optional) {
    if (!Object.prototype.hasOwnProperty.call(value, field)) continue;
    const error = checkField(field, value[field], fieldSpec);
    if (error !== null) return { ok: false, error, id };
  }
  if (spec.exactlyOne.length > 0) {
    const present = spec.exactlyOne.filter((field) => Object.prototype.hasOwnProperty.call(value, field));
    if (present.length === 0) return refuse(GatewayCode.MISSING_FIELD, spec.exactlyOne.join(' or '), id);
    if (present.length > 1) return refuse(GatewayCode.INVALID_FIELD_VALUE, `${present.join(' and ')}: give one`, id);
  }
  // Every field is now known, present when required, and of its spec's type and range: the
  // object is the TypeScript type its `type` names.
  return { ok: true, message: value as unknown as ClientMessage };
}

function checkField(field: string, value: unknown, spec: FieldSpec): GatewayError | null {
  switch (spec.kind) {
    case 'int':
      if (typeof value !== 'number') return gatewayError(GatewayCode.INVALID_FIELD_TYPE, `${field}: expected an integer`);
      if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
        return gatewayError(GatewayCode.INVALID_FIELD_VALUE, `${field}: expected an integer in [${spec.min}, ${spec.max}]`);
      }
      return null;
    case 'string':
      if (typeof value !== 'string') return gatewayError(GatewayCode.INVALID_FIELD_TYPE, `${field}: expected a string`);
      if (value.length < spec.lengthMin || value.length > spec.lengthMax) {
        return gatewayError(GatewayCode.INVALID_FIELD_VALUE, `${field}: length outside [${spec.lengthMin}, ${spec.lengthMax}]`);
      }
      if (spec.pattern !== undefined && !spec.pattern.test(value)) return gatewayError(GatewayCode.INVALID_FIELD_VALUE, `${field}: characters not allowed`);
      return null;
    case 'enum':
      if (typeof value !== 'string') return gatewayError(GatewayCode.INVALID_FIELD_TYPE, `${field}: expected a string`);
      if (!spec.values.includes(value)) return gatewayError(GatewayCode.INVALID_FIELD_VALUE, `${field}: one of ${spec.values.join(', ')}`);
      return null;
    case 'decimal':
      if (typeof value !== 'string') return gatewayError(GatewayCode.INVALID_FIELD_TYPE, `${field}: expected a decimal string`);
      if (value.length > DECIMAL_LENGTH_MAX || !DECIMAL_SYNTAX.test(value)) return gatewayError(GatewayCode.INVALID_DECIMAL, field);
      return null;
    case 'bool':
      if (typeof value === 'string' && spec.orValues !== undefined) {
        if (!spec.orValues.includes(value)) return gatewayError(GatewayCode.INVALID_FIELD_VALUE, `${field}: a boolean or one of ${spec.orValues.join(', ')}`);
        return null;
      }
      if (typeof value !== 'boolean') return gatewayError(GatewayCode.INVALID_FIELD_TYPE, `${field}: expected a boolean`);
      return null;
    case 'array':
      if (!Array.isArray(value)) return gatewayError(GatewayCode.INVALID_FIELD_TYPE, `${field}: expected an array`);
      return null;
    default: {
      const unknownKind: never = spec;
      throw new Error(`unknown field spec ${JSON.stringify(unknownKind)}`);
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
