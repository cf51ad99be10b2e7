import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, DASHBOARD_NOT_BUILT, DashboardAssets, defaultDashboardDir } from './dashboard-assets.js';
import { HttpRoutes } from './http-routes.js';
import { Logger } from './log.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: the path is sent exactly as written (fetch would resolve `..` first). */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard assets served on the gateway port', () => {
  const root = mkdtempSync(join(tmpdir(), 'ordo-dashboard-'));
  const built = join(root, 'web');
  const servers: Server[] = [];
  let base = '';
  let bare = '';

  async function serve(dir: string): Promise<string> {
    const routes = new HttpRoutes(Logger.silent());
    DashboardAssets.load(dir).addRoutes(routes);
    const server = createServer((req, res) => routes.handle(req, res));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'index.html'), `<!doctype html><title>ordo</title>${'<p>dashboard</p>'.repeat(50)}`);
    writeFileSync(join(built, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(2000))});`);
    writeFileSync(join(built, 'assets', 'index-def456.css'), 'body { color: black; }');
    writeFileSync(join(built, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    // Files a traversal would try to reach: beside the build and above it.
    writeFileSync(join(root, 'secret.txt'), 'secret');
    base = await serve(built);
    bare = await serve(join(root, 'missing'));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at / as HTML that is revalidated, with a policy that allows this origin only', async () => {
    const a = await get(base, '/');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(a.headers['cache-control']).toBe('no-cache');
    expect(a.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.body.toString()).toContain('<title>ordo</title>');
    expect((await get(base, '/?x=1')).status).toBe(200);
  });

  it('serves the hashed assets with their content types, immutable, gzipped when asked', async () => {
    const js = await get(base, '/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-encoding']).toBeUndefined();
    expect(js.body.toString()).toContain('console.log');
    const zipped = await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toBe('accept-encoding');
    expect(Number(zipped.headers['content-length'])).toBeLessThan(js.body.length);
    expect(gunzipSync(zipped.body).equals(js.body)).toBe(true);
    expect((await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding']).toBeUndefined();
    expect((await get(base, '/assets/index-def456.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const png = await get(base, '/assets/logo.png', { 'accept-encoding': 'gzip' });
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-encoding']).toBeUndefined();
    const head = await get(base, '/assets/index-def456.css', {}, 'HEAD');
    expect([head.status, head.body.length, head.headers['content-length']]).toEqual([200, 0, String('body { color: black; }'.length)]);
  });

  it('answers 404 for unknown files and for every path that tries to leave the build', async () => {
    for (const path of [
      '/assets/nope.js',
      '/assets/',
      '/assets/../secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets//etc/passwd',
      '/assets/index-abc123.js%00.png',
      '/assets/./index-abc123.js',
      '/index.html',
      '/secret.txt',
      '/../secret.txt',
    ]) {
      const a = await get(base, path);
      expect([path, a.status]).toEqual([path, 404]);
      expect(a.body.toString()).not.toContain('secret');
    }
  });

  it('refuses other methods on the assets', async () => {
    const a = await get(base, '/assets/index-abc123.js', {}, 'POST');
    expect(a.status).toBe(405);
    expect(a.headers['allow']).toBe('GET, HEAD');
  });

  it('says how to build the dashboard where it is not built', async () => {
    const a = await get(bare, '/');
    expect(a.status).toBe(404);
    expect(a.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(a.body.toString()).toBe(DASHBOARD_NOT_BUILT);
    expect((await get(bare, '/assets/index-abc123.js')).status).toBe(404);
  });

  it('finds the build in dist/web from the source tree and from the built package', () => {
    expect(defaultDashboardDir('file:///repo/gateway/server.ts')).toBe('/repo/dist/web');
    expect(defaultDashboardDir('file:///repo/dist/gateway/server.js')).toBe('/repo/dist/web');
    expect(defaultDashboardDir('file:///usr/lib/node_modules/ordo/dist/gateway/server.js')).toBe('/usr/lib/node_modules/ordo/dist/web');
  });
});
