import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './log.js';

/** Answers one request; a returned promise that rejects is logged and answered 500. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The HTTP server's routes: a table from method and exact path to a handler (HEAD takes the GET
 * route, and Node sends its headers without the body), then path prefixes (whose handler sees
 * every method and answers 405 itself), then 405 with `Allow` for a path routed under other
 * methods, then 404. Adding an endpoint is one call, `routes.add('GET', '/path', handler)`, in the
 * module that owns it (status-routes.ts, admin-routes.ts). The query string is not part of the path.
 */
export class HttpRoutes {
  private readonly exact = new Map<string, HttpHandler>();
  /** The methods each exact path is routed under, for a 405's Allow header. */
  private readonly methodsByPath = new Map<string, string[]>();
  private readonly prefixes: { readonly prefix: string; readonly handler: HttpHandler }[] = [];

  constructor(private readonly log: Logger) {}

  add(method: HttpMethod, path: string, handler: HttpHandler): this {
    if (!path.startsWith('/') || path.includes('?')) throw new Error(`route path ${path}: a path without a query`);
    const key = `${method} ${path}`;
    if (this.exact.has(key)) throw new Error(`route ${key} added twice`);
    this.exact.set(key, handler);
    const methods = this.methodsByPath.get(path) ?? [];
    methods.push(method);
    if (method === 'GET') methods.push('HEAD');
    this.methodsByPath.set(path, methods);
    return this;
  }

  /** Every path that starts with `prefix` and has no exact route, whatever the method. */
  addPrefix(prefix: string, handler: HttpHandler): this {
    // A prefix ends at a path segment, so '/admin/' never takes '/administrator'.
    if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`route prefix ${prefix}: must start and end with /`);
    if (this.prefixes.some((p) => p.prefix === prefix)) throw new Error(`route prefix ${prefix} added twice`);
    this.prefixes.push({ prefix, handler });
    return this;
  }

  /** The HTTP server's request listener. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? '';
    const handler =
      this.exact.get(`${method} ${path}`) ??
      (method === 'HEAD' ? this.exact.get(`GET ${path}`) : undefined) ??
      this.prefixes.find((p) => path.startsWith(p.prefix))?.handler;
    if (handler === undefined) {
      const allowed = this.methodsByPath.get(path);
      if (allowed === undefined) return json(res, 404, { error: 'not found' });
      res.setHeader('allow', allowed.join(', '));
      return json(res, 405, { error: `${method} not allowed here` });
    }
    const done = handler(req, res, path);
    if (done === undefined) return;
    done.catch((e: unknown) => {
      this.log.error('http request failed', { path, error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  }
}

export function json(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}

/** Reads a JSON object body of at most `bytesMax` bytes; null when it is not one. */
export function readBody(req: IncomingMessage, bytesMax: number): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Record<string, unknown> | null): void => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > bytesMax) {
        // Stop reading: the caller answers (with the connection closed after the answer), so
        // the client learns why instead of seeing the socket torn down.
        req.removeAllListeners('data');
        req.pause();
        finish(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => finish(null));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return finish({});
      try {
        const value: unknown = JSON.parse(text);
        finish(typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
      } catch {
        finish(null);
      }
    });
  });
}
