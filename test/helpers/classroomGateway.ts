/**
 * A real gateway in front of a real lab pool, wired by the functions `patchbay serve` uses
 * (src/server/labGatewayWiring.ts), with a runtime directory and database of its own. `close()` undoes everything,
 * also after a start that failed half-way, and removes the instances' leftovers by the test's prefix.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayOptions } from '../../src/server/createGateway.ts';
import { startGatewayLab, type GatewayLab } from '../../src/server/gatewayLab.ts';
import { bindLabToGateway, labGatewayOptions } from '../../src/server/labGatewayWiring.ts';
import { openDatabase, type Database } from '../../src/server/database.ts';
import { cleanStaleInstances } from '../../src/lab/startLab.ts';
import type { PoolTunables } from '../../src/lab/poolTunables.ts';
import { startGateway, type TestGateway } from './gateway.ts';

export interface ClassroomGateway {
  gw: TestGateway;
  lab: GatewayLab;
  db: Database;
  /** The runtime directory: instances' records and the database file. */
  dir: string;
  close(): Promise<void>;
}

export interface ClassroomGatewayOptions {
  /** Instances, namespaces and temp dirs are named with it. */
  prefix: string;
  /** Lab name or path. */
  lab: string;
  tunables: Partial<PoolTunables>;
  mode?: 'local' | 'hosted';
  /** More gateway options (a site, a cgroup parent, the instructor's routes before the lab's), given the lab. */
  gateway?: (lab: GatewayLab) => GatewayOptions;
}

export async function startClassroomGateway(options: ClassroomGatewayOptions): Promise<ClassroomGateway> {
  const undo: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), `${options.prefix}-rt-`));
    undo.push(async () => {
      await cleanStaleInstances(dir, options.prefix);
      rmSync(dir, { recursive: true, force: true });
    });
    const db = openDatabase(join(dir, 'patchbay.db'));
    undo.push(() => db.close());
    const started = await startGatewayLab({
      lab: options.lab,
      log: () => undefined,
      database: db,
      mode: options.mode ?? 'hosted',
      tunables: options.tunables,
      labOptions: { prefix: options.prefix, runtimeDir: dir },
    });
    if (!started.ok || !started.lab) throw new Error(started.ok ? 'no lab' : started.message);
    const lab = started.lab;
    undo.push(() => lab.stop());
    const extra = options.gateway?.(lab) ?? {};
    const wired = labGatewayOptions(lab);
    const gw = await startGateway({ cgroupParent: null, ...wired, ...extra, routes: [...(extra.routes ?? []), ...lab.routes] });
    undo.push(() => gw.close());
    bindLabToGateway(lab, gw.gateway);
    return { gw, lab, db, dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
