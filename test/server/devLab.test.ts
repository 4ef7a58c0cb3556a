/**
 * `patchbay dev`'s lab for real: a temporary copy of a lab (the runtime's `mini` test lab, with a
 * challenges file) started in namespaces behind a real gateway, its files edited on disk as an author
 * would, and the API and /api/health read over HTTP. Saving challenges.yaml changes what the API answers
 * without a restart; saving lab.yaml restarts the lab only when what runs changed; a file saved with
 * errors changes nothing and its errors are in the health answer. (The Docusaurus side of `patchbay
 * dev` is test/server/devServer.test.ts.)
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/server/createGateway.ts';
import { DevLabTiming, startDevLab, type DevLab } from '../../src/server/devLab.ts';
import { CHALLENGES_PATH, type ChallengeListResponse } from '../../src/protocol/challenges.ts';
import { HEALTH_PATH, type HealthResponse } from '../../src/protocol/health.ts';
import { FIXTURES } from '../lab/helpers.ts';
import { onLoopbackIp, signIn, TerminalTestClient } from '../helpers/gateway.ts';

/** This file's own instance prefix, so no other test's cleanup touches its instances. */
const PREFIX = 'pbdv';
/** A restart stops the lab and starts it again, Prometheus included. */
const RESTART_MS = 30_000;

/** Made in beforeAll (not at import, so a file that is collected but not run leaves nothing behind). */
let work = '';
let labDir = '';
let runtimeDir = '';
let labFile = '';
let challengesFile = '';
const log: string[] = [];
let lab: DevLab;
let gateway: Gateway;
/** Signed in through the gateway's sign-in link once it listens. */
let cookie = '';
/** Terminal clients opened by curlWeb, closed after the tests. */
const clients: TerminalTestClient[] = [];

const challenges = (title: string, extra = '') => `scrapeInterval: 1s
live: { window: 1m, step: 5s }
offline: { fixture: none.om, start: 2026-01-01T00:15:00Z, end: 2026-01-01T00:30:00Z, step: 10s }
challenges:
  - id: web-requests
    lesson: none
    title: ${title}
    prompt: How many requests has the web server answered?
    reference: mini_requests_total{service="web"}
${extra}`;

const get = async <T>(path: string): Promise<T> => (await (await fetch(`${gateway.url}${path}`, { headers: { cookie } })).json()) as T;
const health = () => get<HealthResponse>(HEALTH_PATH);
const titles = async () => (await get<ChallengeListResponse>(CHALLENGES_PATH)).challenges.map((c) => c.title);
/** Saves a file as an editor does: a new file renamed over the old one. */
const save = (file: string, text: string) => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbdv-'));
  labDir = join(work, 'lab');
  runtimeDir = join(work, 'run');
  labFile = join(labDir, 'lab.yaml');
  challengesFile = join(labDir, 'challenges.yaml');
  cpSync(join(FIXTURES, 'mini'), labDir, { recursive: true });
  writeFileSync(challengesFile, challenges('Requests so far'));
  lab = await startDevLab({ lab: labDir, log: (l) => log.push(l), progressDir: join(work, 'progress'), labOptions: { prefix: PREFIX, runtimeDir } });
  gateway = await createGateway({ port: 0, siteDir: work, resolver: lab.resolver, healthProvider: lab.health, routes: lab.routes, devStatus: lab.status, cgroupParent: null });
  cookie = await signIn(onLoopbackIp(gateway.signInUrl));
}, RESTART_MS);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gateway?.close();
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('patchbay dev follows the lab files', () => {
  let instance = '';

  it('serves the lab and its challenges, and reports no errors', async () => {
    await expect.poll(async () => (await health()).lab?.state, { timeout: RESTART_MS }).toBe('ready');
    const h = await health();
    instance = h.lab!.instance;
    expect(h.dev).toEqual({ errors: [], restarting: false, lastChange: null });
    // lab.yaml's `prometheus.scrapeInterval: 1s`, which the page's graphs read from here.
    expect(h.lab?.scrapeIntervalSeconds).toBe(1);
    expect(await titles()).toEqual(['Requests so far']);
  }, RESTART_MS);

  it('answers from challenges.yaml as saved, without restarting the lab', async () => {
    save(challengesFile, challenges('Requests answered', `  - id: api-requests
    lesson: none
    title: Requests to the api
    prompt: And the api?
    reference: mini_requests_total{service="api"}
`));
    await expect.poll(titles).toEqual(['Requests answered', 'Requests to the api']);
    const h = await health();
    expect(h.lab).toMatchObject({ instance, state: 'ready' });
    expect(h.dev?.lastChange).toMatchObject({ kind: 'challenges-reloaded', message: expect.stringContaining('reloaded: 2 challenges') });
  });

  it('reports a challenges.yaml with errors by file and line, and keeps answering from the one before', async () => {
    save(challengesFile, challenges('Requests answered').replace('title:', 'titel:'));
    await expect.poll(async () => (await health()).dev?.errors.map((e) => e.text)).toEqual([
      expect.stringMatching(/challenges\.yaml:5:5: challenges\.0\.title: missing required key `title`$/),
      expect.stringMatching(/challenges\.yaml:7:5: challenges\.0\.titel: unknown key `titel`; expected one of: id, lesson, title, /),
    ]);
    expect(await titles()).toEqual(['Requests answered', 'Requests to the api']);
    expect(log).toContain('challenges: the API keeps the challenges from before; fix the file and save');
    save(challengesFile, challenges('Requests answered'));
    await expect.poll(titles).toEqual(['Requests answered']);
    expect((await health()).dev?.errors).toEqual([]);
  });

  it('settles a burst of saves: settled() asked after the first save resolves once the last one is applied', async () => {
    const text = readFileSync(challengesFile, 'utf8');
    save(challengesFile, `${text}# first save\n`);
    // The first save's event is in and its settle timer running (events arrive within milliseconds).
    await sleep(DevLabTiming.SETTLE_MS / 3);
    const settled = lab.settled();
    save(challengesFile, `${text}# second save\n`);
    expect(await within(settled, 10_000)).toBe('settled');
    await lab.settled();
  });

  it('restarts nothing when a save of lab.yaml changes nothing that runs', async () => {
    save(labFile, `# A comment an author added.\n${readFileSync(labFile, 'utf8').replace('Test lab for the lab runtime', 'The runtime test lab')}`);
    await expect.poll(async () => (await health()).dev?.lastChange?.kind).toBe('lab-unchanged');
    await lab.settled();
    expect((await health()).lab).toMatchObject({ instance, state: 'ready' });
  });

  it('keeps the lab running when lab.yaml is saved with errors, and says where they are', async () => {
    const good = readFileSync(labFile, 'utf8');
    save(labFile, good.replace('dependsOn: [web/server]', 'depends_on: [web/server]'));
    await expect.poll(async () => (await health()).dev?.errors.map((e) => e.text)).toEqual([
      expect.stringMatching(/lab\.yaml:\d+:9: hosts\.api\.processes\.poller\.depends_on: `depends_on` is not a key here; write `dependsOn` instead$/),
    ]);
    expect((await health()).lab).toMatchObject({ instance, state: 'ready' });
    save(labFile, good);
    await expect.poll(async () => (await health()).dev?.errors).toEqual([]);
    await lab.settled();
    expect((await health()).lab).toMatchObject({ instance });
  });

  it('restarts the lab when what runs changed, in lab.yaml or in a file it names; terminals then reach the new one', async () => {
    const before = await curlWeb('before');
    expect(before.output).toContain('hello-from-mini');
    save(labFile, readFileSync(labFile, 'utf8').replace('GREETING: hello-from-mini', 'GREETING: hello-again'));
    await expect.poll(async () => (await health()).lab?.instance, { timeout: RESTART_MS }).not.toBe(instance);
    // The old lab's shells end with it.
    expect((await before.client.closed).code).toBe(1000);
    await expect.poll(async () => (await health()).lab?.state, { timeout: RESTART_MS }).toBe('ready');
    const h = await health();
    expect(h.dev?.lastChange).toMatchObject({ kind: 'lab-restarted' });
    expect(log.filter((l) => l.includes('restart'))).toEqual([
      expect.stringMatching(/^lab: \S*\/lab\/lab\.yaml changed: restarting lab…$/),
      expect.stringMatching(/^lab: lab restarted \(\S*\/lab\/lab\.yaml changed\)$/),
    ]);
    expect((await curlWeb('after')).output).toContain('hello-again');
    // web.mjs is named by lab.yaml (`${LAB_DIR}/web.mjs`): the lab runs it, so a change restarts the lab.
    const second = h.lab!.instance;
    save(join(labDir, 'web.mjs'), readFileSync(join(labDir, 'web.mjs'), 'utf8').replace("process.env.GREETING ?? ''", "`v2 ${process.env.GREETING ?? ''}`"));
    await expect.poll(async () => (await health()).lab?.instance, { timeout: RESTART_MS }).not.toBe(second);
    await expect.poll(async () => (await health()).lab?.state, { timeout: RESTART_MS }).toBe('ready');
    expect((await curlWeb('v2')).output).toContain('v2 hello-again');
    expect(log.filter((l) => l.includes('restarting')).at(-1)).toMatch(/^lab: \S*\/lab\/web\.mjs changed: restarting lab…$/);
    expect(await titles()).toEqual(['Requests answered']);
  }, 4 * RESTART_MS);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** 'settled' when the promise resolves within `ms`, else 'hung'. */
const within = (p: Promise<void>, ms: number): Promise<'settled' | 'hung'> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.then(() => 'settled' as const), new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)))]).finally(() => clearTimeout(timer));
};

/** Opens a terminal on the api host through the gateway and asks the web host's server what it says. */
async function curlWeb(id: string): Promise<{ client: TerminalTestClient; output: string }> {
  const url = `http://127.0.0.1:${gateway.port}`;
  const client = await TerminalTestClient.open({ url, origin: url, cookie }, `dev-${id}`, { target: 'api' });
  clients.push(client);
  client.type(`curl -s web:8080/ | sed 's/^/web-says: /'\r`);
  await client.waitForText(/web-says: web \S+/, 20_000);
  return { client, output: client.text };
}

describe('patchbay dev started on a lab whose definition has errors', () => {
  it('keeps running without the lab, reports the errors, and starts the lab once the file is fixed', async () => {
    const dir = join(work, 'broken');
    cpSync(join(FIXTURES, 'mini'), dir, { recursive: true });
    const good = readFileSync(join(dir, 'lab.yaml'), 'utf8');
    writeFileSync(join(dir, 'lab.yaml'), good.replace('sysctls:', 'sysctl:'));
    const broken = await startDevLab({ lab: dir, log: () => undefined, progressDir: join(work, 'progress2'), labOptions: { prefix: PREFIX, runtimeDir } });
    let stopped = false;
    try {
      expect(broken.health()).toMatchObject({ name: 'broken', instance: '', state: 'down' });
      expect(broken.status().errors.map((e) => e.text)).toEqual([expect.stringMatching(/lab\.yaml:\d+:5: hosts\.web\.sysctl: `sysctl` is not a key here; write `sysctls` instead$/)]);
      expect(await broken.resolver.resolve({ target: 'web' }, { owner: 'test' })).toMatchObject({ ok: false, code: 'PB_LAB_NOT_READY', message: 'The lab is not running: its definition has errors' });
      save(join(dir, 'lab.yaml'), good);
      await expect.poll(() => broken.health().state, { timeout: RESTART_MS }).toBe('ready');
      expect(broken.status().errors).toEqual([]);
      // A save cut short by stop(): whoever waits for it is answered, not left hanging.
      save(join(dir, 'challenges.yaml'), 'challenges: []\n');
      await sleep(DevLabTiming.SETTLE_MS / 3);
      const settled = broken.settled();
      await broken.stop();
      stopped = true;
      expect(await within(settled, 10_000)).toBe('settled');
    } finally {
      if (!stopped) await broken.stop();
    }
  }, 2 * RESTART_MS);
});
