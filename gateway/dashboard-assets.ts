import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { HttpRoutes } from './http-routes.js';

/**
 * The web dashboard's files (web/, built by `make build` with Vite into dist/web/), served on the
 * gateway's port:
 *
 *   GET /            index.html             no-cache: a new build is seen at the next load
 *   GET /assets/*    the hashed bundles     immutable for a year: a new build has new names
 *
 * The files are read once, at start, into a table from URL path to bytes (gzipped at the first
 * request that takes it, where that is smaller); a request is one lookup in it. A path that is not a key is 404 whatever it holds
 * (`..`, encoded dots, slashes, NUL), so no request can name a file outside the build. Nothing is
 * fetched from elsewhere at run time: the page's Content-Security-Policy allows only this origin.
 * Without a build, GET / answers a plain 404 that says how to make one.
 */
export interface DashboardAsset {
  readonly body: Buffer;
  /** Whether a gzipped copy may be smaller (text); made at its first request, then kept. */
  readonly compressible: boolean;
  gzip: Buffer | null;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** Bounds of the build that is loaded: a web bundle is a few hundred KiB. */
export const DASHBOARD_FILES_MAX = 256;
export const DASHBOARD_BYTES_MAX = 16 * 1024 * 1024;
const DEPTH_MAX = 4;

export const DASHBOARD_INDEX_PATH = '/';
export const DASHBOARD_ASSETS_PREFIX = '/assets/';
export const DASHBOARD_NOT_BUILT = 'ordo: the web dashboard is not built here (no index.html in the web assets folder): run `make build`, then restart the server.\n';

const CACHE_INDEX = 'no-cache';
const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page, its scripts and styles come from this origin only; its WebSocket and fetches go back to it. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Where the build is: dist/web beside the package's dist/gateway when running the built package,
 * and the same dist/web under the repository when running from source.
 */
export function defaultDashboardDir(moduleUrl: string = import.meta.url): string {
  const gatewayDir = dirname(fileURLToPath(moduleUrl));
  const parent = dirname(gatewayDir);
  return basename(parent) === 'dist' ? join(parent, 'web') : join(parent, 'dist', 'web');
}

export class DashboardAssets {
  private constructor(
    readonly dir: string,
    private readonly byPath: ReadonlyMap<string, DashboardAsset>,
    readonly bytes: number,
  ) {}

  /** Reads the build in `dir`; an absent folder or one without index.html gives an empty table. */
  static load(dir: string): DashboardAssets {
    const files: string[] = [];
    try {
      if (!statSync(join(dir, 'index.html')).isFile()) return new DashboardAssets(dir, new Map(), 0);
    } catch {
      return new DashboardAssets(dir, new Map(), 0);
    }
    listFiles(dir, 0, files);
    const byPath = new Map<string, DashboardAsset>();
    let bytes = 0;
    for (const file of files) {
      const rel = relative(dir, file).split('\\').join('/');
      const body = readFileSync(file);
      bytes += body.length;
      if (bytes > DASHBOARD_BYTES_MAX) throw new Error(`dashboard assets in ${dir}: over ${DASHBOARD_BYTES_MAX} bytes`);
      const contentType = contentTypeOf(rel);
      const urlPath = rel === 'index.html' ? DASHBOARD_INDEX_PATH : `/${rel}`;
      byPath.set(urlPath, { body, compressible: compressible(contentType), gzip: null, contentType, cacheControl: urlPath.startsWith(DASHBOARD_ASSETS_PREFIX) ? CACHE_IMMUTABLE : CACHE_INDEX });
    }
    return new DashboardAssets(dir, byPath, bytes);
  }

  get built(): boolean {
    return this.byPath.has(DASHBOARD_INDEX_PATH);
  }

  get files(): number {
    return this.byPath.size;
  }

  /** The asset served at a URL path (query already removed), or undefined. */
  lookup(path: string): DashboardAsset | undefined {
    return this.byPath.get(path);
  }

  /** GET / and GET|HEAD /assets/*. */
  addRoutes(routes: HttpRoutes): void {
    routes.add('GET', DASHBOARD_INDEX_PATH, (req, res) => {
      if (!this.built) return plain(res, 404, DASHBOARD_NOT_BUILT);
      this.send(req, res, this.byPath.get(DASHBOARD_INDEX_PATH) as DashboardAsset);
    });
    routes.addPrefix(DASHBOARD_ASSETS_PREFIX, (req, res, path) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return plain(res, 405, 'method not allowed\n');
      }
      const asset = this.byPath.get(path);
      if (asset === undefined) return plain(res, 404, 'not found\n');
      this.send(req, res, asset);
    });
  }

  private send(req: IncomingMessage, res: ServerResponse, asset: DashboardAsset): void {
    const packed = asset.compressible && acceptsGzip(req.headers['accept-encoding']) ? gzipOf(asset) : null;
    const gzip = packed !== null && packed.length < asset.body.length;
    const body = gzip ? (packed as Buffer) : asset.body;
    const headers: Record<string, string | number> = {
      'content-type': asset.contentType,
      'content-length': body.length,
      'cache-control': asset.cacheControl,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (asset.compressible) headers['vary'] = 'accept-encoding';
    if (gzip) headers['content-encoding'] = 'gzip';
    if (asset.contentType.startsWith('text/html')) {
      headers['content-security-policy'] = DASHBOARD_CSP;
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

function listFiles(dir: string, depth: number, out: string[]): void {
  if (depth > DEPTH_MAX) throw new Error(`dashboard assets: folders nested deeper than ${DEPTH_MAX} under ${dir}`);
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) listFiles(path, depth + 1, out);
    else if (stat.isFile()) {
      out.push(path);
      if (out.length > DASHBOARD_FILES_MAX) throw new Error(`dashboard assets: more than ${DASHBOARD_FILES_MAX} files`);
    }
  }
}

/** Compressed once, at the first request that takes gzip: a server that nobody browses never pays for it. */
function gzipOf(asset: DashboardAsset): Buffer {
  asset.gzip ??= gzipSync(asset.body, { level: 9 });
  return asset.gzip;
}

function compressible(contentType: string): boolean {
  return contentType.startsWith('text/') || contentType === 'application/json' || contentType === 'image/svg+xml';
}

function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    return !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff' });
  res.end(text);
}
