import { resultCodeName } from '../engine/result-code.js';

/**
 * Gateway result codes: the 10000+ range of the one result-code space (engine/result-code.ts).
 * The gateway decides these before a command reaches the ring, so the core never produces them.
 * A number, once published, is never reused for another meaning; the name is as stable as the
 * number (clients may switch on either). docs/protocol.md lists every code.
 */
export enum GatewayCode {
  FRAME_TOO_LARGE = 10001,
  MALFORMED_JSON = 10002,
  MALFORMED_MSGPACK = 10003,
  NOT_AN_OBJECT = 10004,
  UNKNOWN_MESSAGE_TYPE = 10005,
  UNKNOWN_FIELD = 10006,
  MISSING_FIELD = 10007,
  INVALID_FIELD_TYPE = 10008,
  INVALID_FIELD_VALUE = 10009,
  INVALID_DECIMAL = 10010,
  PRICE_NOT_TICK_MULTIPLE = 10011,
  QTY_NOT_LOT_MULTIPLE = 10012,
  DECIMAL_OUT_OF_RANGE = 10013,
  UNKNOWN_SYMBOL = 10014,
  SYMBOL_NOT_TRADING = 10015,
  QTY_BELOW_MIN = 10016,
  QTY_ABOVE_MAX = 10017,
  PRICE_ABOVE_MAX = 10018,
  NOTIONAL_ABOVE_MAX = 10019,
  PRICE_OUTSIDE_BAND = 10020,
  INVALID_ORDER_COMBINATION = 10021,
  BATCH_TOO_LARGE = 10022,
  SESSION_RATE_LIMITED = 10023,
  ACCOUNT_RATE_LIMITED = 10024,
  NOT_LOGGED_IN = 10025,
  ALREADY_LOGGED_IN = 10026,
  AUTH_FAILED = 10027,
  TOO_MANY_SUBSCRIPTIONS = 10028,
  ALREADY_SUBSCRIBED = 10029,
  NOT_SUBSCRIBED = 10030,
  BUSY = 10031,
  SLOW_CONSUMER = 10032,
  TRADING_DISABLED = 10033,
  INTERNAL_ERROR = 10034,
  LOGIN_THROTTLED = 10035,
  STORAGE_UNAVAILABLE = 10036,
  NOT_LEADER = 10037,
}

export const GATEWAY_CODE_MIN = 10001;
export const GATEWAY_CODE_MAX = 10037;

/** The fixed human-readable sentence of each code; a detail may follow it after ": ". */
const GATEWAY_CODE_MESSAGES: Readonly<Record<GatewayCode, string>> = {
  [GatewayCode.FRAME_TOO_LARGE]: 'frame exceeds the maximum frame size',
  [GatewayCode.MALFORMED_JSON]: 'text frame is not valid UTF-8 JSON',
  [GatewayCode.MALFORMED_MSGPACK]: 'binary frame is not valid msgpack',
  [GatewayCode.NOT_AN_OBJECT]: 'message is not an object',
  [GatewayCode.UNKNOWN_MESSAGE_TYPE]: 'unknown message type',
  [GatewayCode.UNKNOWN_FIELD]: 'unknown field',
  [GatewayCode.MISSING_FIELD]: 'required field missing',
  [GatewayCode.INVALID_FIELD_TYPE]: 'field has the wrong type',
  [GatewayCode.INVALID_FIELD_VALUE]: 'field value is not allowed',
  [GatewayCode.INVALID_DECIMAL]: 'not a plain decimal string',
  [GatewayCode.PRICE_NOT_TICK_MULTIPLE]: 'price is not a multiple of the tick size',
  [GatewayCode.QTY_NOT_LOT_MULTIPLE]: 'quantity is not a multiple of the lot size',
  [GatewayCode.DECIMAL_OUT_OF_RANGE]: 'decimal value is zero or too large',
  [GatewayCode.UNKNOWN_SYMBOL]: 'unknown symbol',
  [GatewayCode.SYMBOL_NOT_TRADING]: 'symbol is not trading',
  [GatewayCode.QTY_BELOW_MIN]: 'quantity below the minimum',
  [GatewayCode.QTY_ABOVE_MAX]: 'quantity above the maximum',
  [GatewayCode.PRICE_ABOVE_MAX]: 'price above the maximum',
  [GatewayCode.NOTIONAL_ABOVE_MAX]: 'notional above the maximum',
  [GatewayCode.PRICE_OUTSIDE_BAND]: 'price outside the band around the reference price',
  [GatewayCode.INVALID_ORDER_COMBINATION]: 'order fields do not fit together',
  [GatewayCode.BATCH_TOO_LARGE]: 'batch holds too many orders',
  [GatewayCode.SESSION_RATE_LIMITED]: 'session order rate limit exceeded',
  [GatewayCode.ACCOUNT_RATE_LIMITED]: 'account order rate limit exceeded',
  [GatewayCode.NOT_LOGGED_IN]: 'login required',
  [GatewayCode.ALREADY_LOGGED_IN]: 'session is already logged in',
  [GatewayCode.AUTH_FAILED]: 'unknown account or wrong API key',
  [GatewayCode.TOO_MANY_SUBSCRIPTIONS]: 'too many open subscriptions',
  [GatewayCode.ALREADY_SUBSCRIBED]: 'already subscribed',
  [GatewayCode.NOT_SUBSCRIBED]: 'not subscribed',
  [GatewayCode.BUSY]: 'engine busy, try again',
  [GatewayCode.SLOW_CONSUMER]: 'market data dropped: the connection did not keep up',
  [GatewayCode.TRADING_DISABLED]: 'trading is disabled',
  [GatewayCode.INTERNAL_ERROR]: 'internal error',
  [GatewayCode.LOGIN_THROTTLED]: 'too many failed logins, try again later',
  [GatewayCode.STORAGE_UNAVAILABLE]: 'journal storage unavailable, try again later',
  [GatewayCode.NOT_LEADER]: 'this node is a standby and takes no orders',
};

/** A refusal as it goes on the wire: stable code and name, a readable message. */
export interface GatewayError {
  readonly code: number;
  readonly name: string;
  readonly message: string;
  /** NOT_LEADER only: the leader's WebSocket address, or null while no leader is known. */
  readonly leader?: string | null;
}

/** Longest detail kept in a message: details may echo client input, which must stay bounded. */
export const ERROR_DETAIL_LENGTH_MAX = 120;

/** The one factory for gateway refusals; `detail` says which field or value, never a secret. */
export function gatewayError(code: GatewayCode, detail?: string): GatewayError {
  const base = GATEWAY_CODE_MESSAGES[code];
  if (base === undefined) throw new Error(`gateway code ${String(code)} has no message`);
  const clipped = detail === undefined ? undefined : detail.slice(0, ERROR_DETAIL_LENGTH_MAX);
  return { code, name: GatewayCode[code], message: clipped === undefined ? base : `${base}: ${clipped}` };
}

/**
 * The refusal of a standby: NOT_LEADER, naming where the leader is (`leader`, and the message
 * says it in words), or saying that no leader is known yet (a takeover is under way).
 */
export function notLeaderError(leaderAddress: string | undefined): GatewayError {
  const error = gatewayError(GatewayCode.NOT_LEADER, leaderAddress === undefined ? 'no leader is known yet, try again shortly' : `the leader is at ${leaderAddress}`);
  return { ...error, leader: leaderAddress ?? null };
}

/** A refusal decided by the core (a REJECTED event), with the core's stable name. */
export function coreError(code: number): GatewayError {
  if (!Number.isInteger(code) || code <= 0 || code >= GATEWAY_CODE_MIN) throw new Error(`core code ${code} outside (0, ${GATEWAY_CODE_MIN})`);
  const name = resultCodeName(code);
  return { code, name, message: name.toLowerCase().replaceAll('_', ' ') };
}

/** The stable name of any code on the wire, gateway or core. */
export function wireCodeName(code: number): string {
  if (code >= GATEWAY_CODE_MIN && code <= GATEWAY_CODE_MAX) return GatewayCode[code] as string;
  return resultCodeName(code);
}

/** Every gateway code, in order (for documentation and tests). */
export function allGatewayCodes(): GatewayCode[] {
  const codes: GatewayCode[] = [];
  for (let code = GATEWAY_CODE_MIN; code <= GATEWAY_CODE_MAX; code++) codes.push(code as GatewayCode);
  return codes;
}
