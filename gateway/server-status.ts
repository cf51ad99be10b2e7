/**
 * What the parts of the gateway read of the server's state on every request: the lifecycle
 * phase (orders are refused BUSY unless ready, /health answers 503). One object shared by
 * reference, so a check is a field read and only the server writes it. (The kill switch for the
 * whole market is journaled state: the read model's tradingHalted.)
 */
export type ServerPhase = 'starting' | 'ready' | 'stopping' | 'stopped';

export class ServerStatus {
  phase: ServerPhase = 'starting';
}
