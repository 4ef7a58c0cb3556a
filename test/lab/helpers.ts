/** Shared set-up for the lab runtime's tests: a private runtime dir and the `pbc` prefix. */
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecord } from '../../src/lab/instanceState.ts';
import { processesIn, type ProcessSnapshot } from './leftovers.ts';
import { startLab } from '../../src/lab/startLab.ts';
import type { LabInstance, StartLabOptions } from '../../src/lab/types.ts';
import { netnsStateOf } from '../../src/lab/netnsDriver.ts';

export const PREFIX = 'pbc';
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/labs');

export function runtimeDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pbc-rt-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function start(lab: string, dir: string, options: Partial<StartLabOptions> = {}): Promise<LabInstance> {
  const result = await startLab({ lab: join(FIXTURES, lab), prefix: PREFIX, runtimeDir: dir, ...options });
  if (!result.ok) throw new Error(`lab ${lab} did not start: ${result.message} ${JSON.stringify(result.errors)}`);
  return result.instance;
}

/**
 * One instance of fixture `lab` for the enclosing describe block: started before its tests, stopped
 * and its runtime dir removed after them. Returns a getter (the instance exists only once started).
 */
export function useLab(lab: string): () => LabInstance {
  const rt = runtimeDir();
  let instance: LabInstance | undefined;
  beforeAll(async () => {
    instance = await start(lab, rt.dir);
  });
  afterAll(async () => {
    await instance?.stop();
    rt.remove();
  });
  return () => {
    if (!instance) throw new Error(`lab ${lab} is not started`);
    return instance;
  };
}

/** The instance's processes right now (take it before stop; the leak check looks for survivors). */
export function processesOf(instance: LabInstance): ProcessSnapshot[] {
  return processesIn(netnsStateOf(readRecord(instance.dir))?.network.netns ?? []);
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
