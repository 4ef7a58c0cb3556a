import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthResponse, LabHealth } from '../../src/protocol/health.ts';
import { learnerIdOf, startGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
let site: string;
const lab: LabHealth = { name: 'connections', instance: 'pba-1', state: 'ready', hosts: [], failing: [] };

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'pba-site-'));
  mkdirSync(join(site, 'assets', 'js'), { recursive: true });
  mkdirSync(join(site, 'docs', 'welcome'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(join(site, '404.html'), '<!doctype html><title>not found page</title>');
  writeFileSync(join(site, 'docs', 'welcome', 'index.html'), '<!doctype html><title>welcome</title>');
  writeFileSync(join(site, 'assets', 'js', 'main.3f2a9c1b.js'), 'console.log(1)');
  writeFileSync(join(site, 'favicon.svg'), '<svg/>');
  gw = await startGateway({
    siteDir: site,
    healthProvider: () => lab,
    routes: [
      {
        method: 'POST',
        path: '/api/echo/:id',
        handler: async (_req, _res, ctx) => {
          const body = await ctx.readJson(1024);
          if (!body.ok) return;
          ctx.sendJson(200, { id: ctx.params.id, body: body.value, session: ctx.sessionId });
        },
      },
      { prefix: '/prometheus/', handler: (_req, _res, ctx) => ctx.sendError('PB_UPSTREAM', `no upstream for ${ctx.url.pathname}`) },
    ],
  });
});
afterAll(async () => {
  await gw.close();
  rmSync(site, { recursive: true, force: true });
});

/** A request of the signed-in browser. */
const get = (path: string, init: RequestInit = {}) => fetch(`${gw.url}${path}`, { ...init, headers: { cookie: gw.cookie, ...(init.headers as Record<string, string>) } });

describe('gateway HTTP', () => {
  it('serves index.html for / with revalidation, to a signed-in browser; others get the sign-in page', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('home');
    const stranger = await fetch(`${gw.url}/`);
    expect(stranger.status).toBe(401);
    expect(stranger.headers.get('set-cookie')).toBeNull();
    expect(await stranger.text()).toContain('Sign in to Patchbay');
  });

  it('serves directory pages with and without a trailing slash', async () => {
    for (const path of ['/docs/welcome', '/docs/welcome/']) {
      const res = await get(`${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('welcome');
    }
  });

  it('caches content-hashed assets for a year with their content type', async () => {
    const res = await get(`/assets/js/main.3f2a9c1b.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const svg = await get(`/favicon.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('cache-control')).toBe('no-cache');
  });

  it("answers unknown pages with the site's 404.html and status 404", async () => {
    const res = await get(`/no/such/page`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('not found page');
  });

  it('never serves files outside the site directory', async () => {
    for (const path of ['/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/a%00b']) {
      const res = await get(`${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('root:');
    }
  });

  it('answers GET /api/health with the lab from the provider', async () => {
    const res = await get(`/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as HealthResponse;
    expect(body).toMatchObject({ status: 'ok', version: expect.any(String), lab });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('routes added by other modules get params, the session and a JSON body', async () => {
    const res = await get('/api/echo/a%20b', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'up' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'a b', body: { query: 'up' }, session: learnerIdOf(gw.cookie) });
  });

  it('answers a body over the cap with 413 and bad JSON with 400, as ApiError', async () => {
    const big = await get('/api/echo/x', { method: 'POST', body: JSON.stringify({ q: 'x'.repeat(5000) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ statusCode: 413, code: 'PB_PAYLOAD_TOO_LARGE', error: 'Payload Too Large' });
    const bad = await get('/api/echo/x', { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'PB_BAD_REQUEST' });
  });

  it('routes by prefix, and answers unknown API paths with a JSON 404', async () => {
    const prom = await get(`/prometheus/api/v1/query`);
    expect(prom.status).toBe(502);
    expect(await prom.json()).toMatchObject({ code: 'PB_UPSTREAM' });
    const missing = await get(`/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'PB_NOT_FOUND', message: 'No route GET /api/nothing' });
  });
});

describe('gateway without a lab', () => {
  it('reports lab null in /api/health', async () => {
    const bare = await startGateway();
    const body = (await (await fetch(`${bare.url}/api/health`)).json()) as HealthResponse;
    expect(body.lab).toBeNull();
    await bare.close();
  });
});
