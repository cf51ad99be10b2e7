/**
 * What the parts of the gateway read of the server's state on every request: the lifecycle
 * phase (orders are refused BUSY unless ready, /health answers 503) and the admin kill switch
 * for the whole market (orders refused TRADING_DISABLED). One object shared by reference, so a
 * check is a field read and only the server and the admin routes write it.
 */
export type ServerPhase = 'starting' | 'ready' | 'stopping' | 'stopped';

export class ServerStatus {
  phase: ServerPhase = 'starting';
  /** Set by POST /admin/kill-switch {"all": true}, lifted by POST /admin/resume. */
  tradingDisabled = false;
}
