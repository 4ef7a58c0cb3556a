/**
 * Serves the built Docusaurus site: files with their content type, long caching for content-hashed
 * assets, revalidation for HTML, the site's 404.html for unknown paths. Paths never leave siteDir.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** A year: content-hashed files never change under their name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (HTML, unhashed files) is revalidated so a rebuild shows at once. */
const REVALIDATE = 'no-cache';
/** Docusaurus/webpack put a content hash of 8+ hex chars in asset names: main.3f2a9c1b.js. */
const HASHED_NAME = /[.-][0-9a-f]{8,}\.[a-z0-9]+$/i;

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export function cacheControlFor(urlPath: string): string {
  return urlPath.startsWith('/assets/') && HASHED_NAME.test(urlPath) ? IMMUTABLE : REVALIDATE;
}

/** Answers GET/HEAD from siteDir. Returns false when the method is not GET/HEAD (caller answers). */
export async function serveStatic(siteDir: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = '';
  }
  const file = decoded.includes('\0') ? null : await findFile(siteDir, decoded);
  if (file) {
    sendFile(req, res, file.path, file.size, 200, cacheControlFor(decoded));
    return true;
  }
  const notFound = await fileSize(join(siteDir, '404.html'));
  if (notFound !== null) {
    sendFile(req, res, join(siteDir, '404.html'), notFound, 404, REVALIDATE);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Not found. No site at ${siteDir}: run \`npm run build:site\`.\n`);
  }
  return true;
}

/** `/a/b` → a/b, a/b.html, a/b/index.html (Docusaurus writes both trailing-slash styles). */
async function findFile(siteDir: string, urlPath: string): Promise<{ path: string; size: number } | null> {
  const root = normalize(siteDir);
  const base = normalize(join(root, urlPath));
  if (base !== root && !base.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  for (const candidate of [base, `${base}.html`, join(base, 'index.html')]) {
    const size = await fileSize(candidate);
    if (size !== null) return { path: candidate, size };
  }
  return null;
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string, size: number, status: number, cacheControl: string): void {
  res.writeHead(status, {
    'content-type': contentTypeFor(path),
    'content-length': size,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
