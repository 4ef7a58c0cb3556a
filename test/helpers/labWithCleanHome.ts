/**
 * A lab started and ready for the Chromium tests that take its lessons, its terminals given a fresh
 * temp HOME as lesson validation gives them (the machine's dotfiles are slow and shared; lesson commands
 * do not depend on HOME). Its runtime dir and HOME are named after the test file's prefix and are gone
 * after stop().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../../src/lab/startLab.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import type { TargetResolver } from '../../src/terminal/target.ts';

export interface LabWithCleanHome {
  instance: LabInstance;
  /** The lab's own terminals, with HOME set to the clean one. */
  resolver: TargetResolver;
  stop(): Promise<void>;
}

export async function startLabWithCleanHome(lab: string, prefix: string): Promise<LabWithCleanHome> {
  const runtimeDir = mkdtempSync(join(tmpdir(), `${prefix}-run-`));
  const home = mkdtempSync(join(tmpdir(), `${prefix}-home-`));
  let instance: LabInstance | undefined;
  const stop = async () => {
    await instance?.stop();
    for (const dir of [runtimeDir, home]) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await startLab({ lab, prefix, runtimeDir });
    if (!started.ok) throw new Error(`lab did not start: ${started.message}`);
    const running = (instance = started.instance);
    const ready = await running.ready();
    if (!ready.ok) throw new Error(`lab not ready: ${ready.message}`);
    const resolver: TargetResolver = {
      async resolve(request, context) {
        const r = await running.resolver.resolve(request, context);
        return r.ok ? { ok: true, spec: { ...r.spec, env: { ...r.spec.env, HOME: home } } } : r;
      },
    };
    return { instance: running, resolver, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
