/**
 * Web tabs through the real gateway: two learners (two sessions, two instances of the `webtabs` fixture
 * lab) each reach their own instance's page server and their own Prometheus at /lab-web/<id>/…, and no
 * path trick (`..`, encoded dots and slashes, an absolute URL as the path or as the request target, a
 * `@`, the Host header) reaches the other's. Unsigned and forged sessions get 401, an unknown service
 * 404; redirects stay under the prefix, cookies of the page are dropped, bodies are bounded, the answer
 * is streamed, and a silent service times out. Real instances, in a private runtime dir.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { join } from 'node:path';
import type { GatewayLab } from '../../src/server/gatewayLab.ts';
import { startClassroomGateway, type ClassroomGateway } from '../helpers/classroomGateway.ts';
import type { LearnerLabStatus } from '../../src/protocol/learnerLab.ts';
import { WebTabLimits } from '../../src/server/routes/webTabs.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { FIXTURES, waitFor } from '../lab/helpers.ts';

const PREFIX = 'pbwt';
const HOUR = 3_600_000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let classroom: ClassroomGateway | undefined;
let gw: TestGateway;
let lab: GatewayLab;

/** One request exactly as written: the request target is sent as is (no client-side normalizing). */
function raw(target: string, options: { cookie?: string; method?: string; headers?: Record<string, string>; body?: Buffer | string; firstChunkOnly?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: gw.gateway.port, path: target, method: options.method ?? 'GET', headers: { ...(options.cookie && { cookie: options.cookie }), ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if (options.firstChunkOnly) {
            res.destroy();
            resolve({ status: res.statusCode!, headers: res.headers, body });
          }
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = <T>(a: Answer) => JSON.parse(a.body) as T;

afterAll(async () => {
  await classroom?.close();
});

describe('web tabs', () => {
  let a: string;
  let b: string;
  let ia: string;
  let ib: string;

  beforeAll(async () => {
    classroom = await startClassroomGateway({
      prefix: PREFIX,
      lab: join(FIXTURES, 'webtabs'),
      tunables: { maxInstances: 2, warm: 0, idleMs: HOUR, warnMs: 60_000, maxLifetimeMs: 8 * HOUR },
    });
    ({ gw, lab } = classroom);
    a = gw.cookie;
    b = await gw.newCookie();
    for (const cookie of [a, b]) await raw('/api/lab', { cookie, method: 'POST' });
    const ready = async (cookie: string) =>
      waitFor('the learner’s instance', async () => {
        const s = json<LearnerLabStatus>(await raw('/api/lab', { cookie }));
        return s.phase === 'ready' && s.instance ? s.instance : undefined;
      }, 60_000);
    ia = await ready(a);
    ib = await ready(b);
    expect(ia).not.toBe(ib);
  }, 180_000);

  it('gives each learner their own instance’s page and Prometheus', async () => {
    // The bare service redirects to its default path; the page is the learner's own instance's.
    const bare = await raw('/lab-web/site', { cookie: a });
    expect(bare).toMatchObject({ status: 302, headers: { location: '/lab-web/site/hello?from=lab' } });
    for (const [cookie, mine] of [[a, ia], [b, ib]] as const) {
      const page = await waitFor('the site through the gateway', async () => {
        const r = await raw('/lab-web/site/hello?from=lab', { cookie });
        return r.status === 200 ? r : undefined;
      });
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.body).toContain(`<title>site of ${mine}</title>`);
      expect(page.body).toContain('path /hello?from=lab');
      expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
      // Prometheus: its flags name the instance's own TSDB directory.
      const flags = json<{ data: Record<string, string> }>(await raw('/lab-web/prometheus/api/v1/status/flags', { cookie }));
      expect(flags.data['storage.tsdb.path']).toContain(mine);
      expect(flags.data['storage.tsdb.path']).not.toContain(mine === ia ? ib : ia);
      // Its UI page, at the lab's default path.
      const ui = await raw('/lab-web/prometheus/classic/targets', { cookie });
      expect(ui.status).toBe(200);
      expect(ui.body).toContain('<title>Prometheus Time Series Collection and Processing Server</title>');
    }
  }, 60_000);

  it('never reaches another learner’s instance, whatever the path, target or Host', async () => {
    const addressOf = async (cookie: string) => {
      const h = json<{ lab: { hosts: { name: string; address: string }[] } }>(await raw('/api/health', { cookie }));
      return h.lab.hosts.find((x) => x.name === 'web')!.address;
    };
    const bWeb = await addressOf(b);
    const tricks = [
      `/lab-web/site/../site/x`,
      `/lab-web/site/%2e%2e/site/x`,
      `/lab-web/site/..%2f..%2fx`,
      `/lab-web/site/%2F%2F${bWeb}:8080/x`,
      `/lab-web/site//${bWeb}:8080/x`,
      `/lab-web/site/http://${bWeb}:8080/x`,
      `http://${bWeb}:8080/lab-web/site/x`,
      `http://127.0.0.1:${gw.gateway.port}/lab-web/site/http:%2F%2F${bWeb}:8080%2Fx`,
    ];
    for (const t of tricks) {
      const r = await raw(t, { cookie: a });
      // A's own page: the trick is only a path on A's own service.
      expect(r.body, t).not.toContain(ib);
      expect(r.status, t).toBe(200);
      expect(r.headers['x-instance'], t).toBe(ia);
    }
    // `@` and `:` in the service id name no service.
    const at = await raw(`/lab-web/site@${bWeb}:8080/x`, { cookie: a });
    expect(at.status).toBe(404);
    expect(json<{ code: string }>(at).code).toBe('PB_UNKNOWN_WEB_SERVICE');
    // A's request with B's web address as Host is refused before any route.
    const host = await raw('/lab-web/site/x', { cookie: a, headers: { host: `${bWeb}:8080` } });
    expect(host.status).toBe(403);
    expect(json<{ code: string }>(host).code).toBe('PB_BAD_HOST');
    // The upstream never sees the learner's cookie nor the gateway's Host.
    const echo = json<{ instance: string; cookie: string | null; host: string }>(await raw('/lab-web/site/echo', { cookie: a }));
    expect(echo).toMatchObject({ instance: ia, cookie: null });
    expect(echo.host).toMatch(/:8080$/);
  }, 60_000);

  it('refuses unsigned and forged sessions, and names an unknown service', async () => {
    expect((await raw('/lab-web/site/hello')).status).toBe(401);
    const forged = `${a.slice(0, a.indexOf('=') + 1)}${Buffer.from(JSON.stringify({ lid: 'someone' })).toString('base64url')}.AAAA`;
    expect((await raw('/lab-web/site/hello', { cookie: forged })).status).toBe(401);
    const unknown = await raw('/lab-web/grafana/', { cookie: a });
    expect(unknown.status).toBe(404);
    expect(json<{ code: string; message: string }>(unknown)).toMatchObject({ code: 'PB_UNKNOWN_WEB_SERVICE', message: 'No web service "grafana" in this lab (it has: site, prometheus)' });
    expect(json<{ code: string }>(await raw('/lab-web/site/x', { cookie: a, method: 'PUT' })).code).toBe('PB_BAD_REQUEST');
  }, 30_000);

  it('keeps redirects under the prefix, drops the page’s cookies, bounds bodies, streams, and times out', async () => {
    expect((await raw('/lab-web/site/redirect', { cookie: a })).headers.location).toBe('/lab-web/site/landing?x=1');
    expect((await raw('/lab-web/site/absolute-redirect', { cookie: a })).headers.location).toBe('/lab-web/site/landing');
    expect((await raw('/lab-web/site/away', { cookie: a })).headers.location).toBe('https://example.org/');
    // Prometheus' own redirects (under its route prefix) too.
    expect((await raw('/lab-web/prometheus/classic/', { cookie: a })).headers.location).toBe('/lab-web/prometheus/classic/graph');
    const cookie = await raw('/lab-web/site/cookie', { cookie: a });
    expect(cookie.headers['set-cookie']).toBeUndefined();
    expect(cookie.headers['x-frame-options']).toBe('SAMEORIGIN');

    const small = json<{ method: string; bytes: number }>(await raw('/lab-web/site/echo', { cookie: a, method: 'POST', body: 'x'.repeat(1000) }));
    expect(small).toMatchObject({ method: 'POST', bytes: 1000 });
    const big = await raw('/lab-web/site/echo', { cookie: a, method: 'POST', body: Buffer.alloc(WebTabLimits.MAX_BODY_BYTES + 1) });
    expect(big.status).toBe(413);
    // Without Content-Length (chunked), counted as it arrives.
    const chunked = await raw('/lab-web/site/echo', { cookie: a, method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: Buffer.alloc(WebTabLimits.MAX_BODY_BYTES * 2) });
    expect(chunked.status).toBe(413);

    // The first chunk of an answer that never ends arrives: nothing waits for the whole of it.
    const drip = await raw('/lab-web/site/drip', { cookie: a, firstChunkOnly: true });
    expect(drip.body).toBe(`first chunk of ${ia}\n`);

    const silent = await raw('/lab-web/site/silent', { cookie: a });
    expect(silent.status).toBe(502);
    expect(json<{ code: string; message: string }>(silent)).toMatchObject({ code: 'PB_UPSTREAM', message: expect.stringMatching(/web service site of your lab .*no answer within/) });
  }, WebTabLimits.UPSTREAM_TIMEOUT_MS + 60_000);
});
