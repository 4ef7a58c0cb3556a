/**
 * Offline mode: the lab's fixture backfilled with `promtool tsdb create-blocks-from openmetrics` into a
 * temporary TSDB, served by a temporary /usr/bin/prometheus on 127.0.0.1. The checker then talks to it
 * exactly as to the live lab's Prometheus. stop() ends the process by PID and removes the directory.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { ChallengeSet } from './challenges.ts';
import { PrometheusClient } from './prometheusClient.ts';

const run = promisify(execFile);

export const OfflineDefaults = {
  PROMETHEUS: '/usr/bin/prometheus',
  PROMTOOL: '/usr/bin/promtool',
  /** Data before the window's start, so the longest lesson range (and its ×5 mutant, 5m) has samples at the first step. */
  LEAD_SECONDS: 15 * 60,
  /** Server-side guards, as the live lab sets them (C's lab config): a hostile query stops here. */
  QUERY_TIMEOUT: '2s',
  /** Lesson queries on the fixture load a few thousand samples at once; every series over its
   * 30 minutes is ~300k. The fixture is small, so the limit is too, or no hostile query could reach it. */
  QUERY_MAX_SAMPLES: 100_000,
  /** The fixture lies in a fixed past; retention must not drop it. */
  RETENTION: '36500d',
  /** Prometheus is ready in 40–80 ms on this machine; allow for a loaded CI box. */
  READY_TIMEOUT_MS: 20_000,
  READY_POLL_MS: 25,
  STOP_GRACE_MS: 5_000,
  /** Temp directories are named after this unless the caller gives its own prefix (tests use theirs). */
  PREFIX: 'pb-offline',
} as const;

export interface OfflinePrometheus {
  url: string;
  client: PrometheusClient;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export type OfflineResult = { ok: true; prometheus: OfflinePrometheus } | { ok: false; message: string };

/** The fixture's OpenMetrics text: an `.om` file as is, or a generator module's output for the window. */
export async function fixtureText(set: ChallengeSet): Promise<string> {
  const file = set.offline.fixturePath;
  if (file.endsWith('.om') || file.endsWith('.txt')) return readFile(file, 'utf8');
  const mod = (await import(pathToFileURL(file).href)) as { generateOpenMetrics?: (span: { start: number; end: number; scrapeSeconds: number }) => string };
  if (typeof mod.generateOpenMetrics !== 'function') throw new Error(`${file} exports no generateOpenMetrics()`);
  return mod.generateOpenMetrics({ start: set.offline.start - OfflineDefaults.LEAD_SECONDS, end: set.offline.end, scrapeSeconds: set.scrapeInterval });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startOfflinePrometheus(set: ChallengeSet, options: { prefix?: string } = {}): Promise<OfflineResult> {
  const dir = await mkdtemp(path.join(tmpdir(), `${options.prefix ?? OfflineDefaults.PREFIX}-`));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const om = path.join(dir, 'fixture.om');
    await writeFile(om, await fixtureText(set));
    const tsdb = path.join(dir, 'tsdb');
    try {
      await run(OfflineDefaults.PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', om, tsdb], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      await cleanup();
      return { ok: false, message: `promtool could not backfill ${set.offline.fixturePath}: ${(err as { stderr?: string }).stderr || (err as Error).message}` };
    }
    await rm(om);
    const config = path.join(dir, 'prometheus.yml');
    await writeFile(config, `# Offline checker: no scraping; the TSDB holds the fixture.\nglobal:\n  scrape_interval: ${set.scrapeInterval}s\n`);
    // A port taken between freePort() and Prometheus' bind shows as an early exit; retry a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const child = spawn(OfflineDefaults.PROMETHEUS, [
        `--config.file=${config}`,
        `--storage.tsdb.path=${tsdb}`,
        `--storage.tsdb.retention.time=${OfflineDefaults.RETENTION}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--query.timeout=${OfflineDefaults.QUERY_TIMEOUT}`,
        `--query.max-samples=${OfflineDefaults.QUERY_MAX_SAMPLES}`,
        '--log.level=warn',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      const url = `http://127.0.0.1:${port}`;
      const client = new PrometheusClient(url);
      const ready = await waitReady(child, client);
      if (ready) {
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        return { ok: true, prometheus: { url, client, pid: child.pid!, dir, stop: () => stopProcess(child).then(cleanup) } };
      }
      await stopProcess(child);
      if (attempt === 2) {
        await cleanup();
        return { ok: false, message: `Prometheus did not become ready: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
      }
    }
    await cleanup();
    return { ok: false, message: 'unreachable' };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function waitReady(child: ChildProcess, client: PrometheusClient): Promise<boolean> {
  const deadline = Date.now() + OfflineDefaults.READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await client.ready()) return true;
    await new Promise((r) => setTimeout(r, OfflineDefaults.READY_POLL_MS));
  }
  return false;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), OfflineDefaults.STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
