import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRoutes, json } from './http-routes.js';
import { Logger } from './log.js';

describe('HttpRoutes', () => {
  let server: Server | null = null;

  afterEach(async () => {
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    server = null;
  });

  async function serve(routes: HttpRoutes): Promise<string> {
    server = createServer((req, res) => routes.handle(req, res));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function call(url: string, method = 'GET'): Promise<[number, unknown]> {
    const res = await fetch(url, { method });
    return [res.status, await res.json()];
  }

  it('answers an exact route by method and path, ignoring the query, 405 with Allow for another method, and 404 otherwise', async () => {
    const routes = new HttpRoutes(Logger.silent())
      .add('GET', '/a', (_req, res, path) => json(res, 200, { path }))
      .add('DELETE', '/a', (_req, res) => json(res, 200, { deleted: true }));
    const base = await serve(routes);
    expect(await call(`${base}/a?x=1`)).toEqual([200, { path: '/a' }]);
    expect(await call(`${base}/a`, 'DELETE')).toEqual([200, { deleted: true }]);
    const post = await fetch(`${base}/a`, { method: 'POST' });
    expect([post.status, post.headers.get('allow'), await post.json()]).toEqual([405, 'GET, HEAD, DELETE', { error: 'POST not allowed here' }]);
    expect(await call(`${base}/b`)).toEqual([404, { error: 'not found' }]);
  });

  it("answers HEAD with the GET route's status and headers and no body", async () => {
    const routes = new HttpRoutes(Logger.silent()).add('GET', '/a', (_req, res) => json(res, 200, { body: 'x'.repeat(100) }));
    const base = await serve(routes);
    const head = await fetch(`${base}/a`, { method: 'HEAD' });
    const get = await fetch(`${base}/a`);
    expect([head.status, head.headers.get('content-type'), head.headers.get('content-length')]).toEqual([200, 'application/json', get.headers.get('content-length')]);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/b`, { method: 'HEAD' })).status).toBe(404);
  });

  it('sends a path with no exact route to the prefix that it starts with, whatever the method', async () => {
    const routes = new HttpRoutes(Logger.silent())
      .add('GET', '/admin/exact', (_req, res) => json(res, 200, { exact: true }))
      .addPrefix('/admin/', (req, res, path) => json(res, 200, { method: req.method, path }));
    const base = await serve(routes);
    expect(await call(`${base}/admin/exact`)).toEqual([200, { exact: true }]);
    expect(await call(`${base}/admin/x`, 'DELETE')).toEqual([200, { method: 'DELETE', path: '/admin/x' }]);
    expect(await call(`${base}/admin`)).toEqual([404, { error: 'not found' }]);
  });

  it('answers 500 when an async handler rejects, and keeps serving', async () => {
    const routes = new HttpRoutes(Logger.silent())
      .add('GET', '/fails', async () => {
        throw new Error('boom');
      })
      .add('GET', '/ok', (_req, res) => json(res, 200, {}));
    const base = await serve(routes);
    expect(await call(`${base}/fails`)).toEqual([500, { error: 'internal error' }]);
    expect(await call(`${base}/ok`)).toEqual([200, {}]);
  });

  it('refuses a route or a prefix added twice, and a path or prefix of the wrong form', () => {
    const routes = new HttpRoutes(Logger.silent()).add('GET', '/a', () => undefined).addPrefix('/p/', () => undefined);
    expect(() => routes.add('GET', '/a', () => undefined)).toThrow('route GET /a added twice');
    expect(() => routes.addPrefix('/p/', () => undefined)).toThrow('route prefix /p/ added twice');
    expect(() => routes.add('GET', 'a', () => undefined)).toThrow('route path a');
    expect(() => routes.add('GET', '/a?b', () => undefined)).toThrow('route path /a?b');
    expect(() => routes.addPrefix('/q', () => undefined)).toThrow('route prefix /q');
  });
});
