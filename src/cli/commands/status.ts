/** `patchbay status [INSTANCE]`: every instance, host and process with its state and restarts, and which learner holds it. */
import { existsSync } from 'node:fs';
import { commandHelp, defineCommand } from '../command.ts';
import { isRuntimeAlive, listInstances, noInstanceMessage, runtimeDirFrom, type InstanceRecord } from '../../lab/instanceState.ts';
import { DatabaseDefaults, openDatabase } from '../../server/database.ts';
import { Roster } from '../../server/roster.ts';

/** Who holds an instance: the learner's display name (if any) and the start of their roster key. */
export interface Holder {
  name: string | null;
  key: string;
}

/**
 * The learners holding instances, by instance id, as the gateway recorded them in its database
 * (PATCHBAY_DATABASE or var/patchbay.db); empty when there is no database yet (nothing is created).
 */
export function instanceHolders(env: NodeJS.ProcessEnv = process.env): Map<string, Holder> {
  const file = env.PATCHBAY_DATABASE || DatabaseDefaults.file;
  const holders = new Map<string, Holder>();
  if (!existsSync(file)) return holders;
  const db = openDatabase(file);
  try {
    for (const e of new Roster(db).list()) if (e.instance) holders.set(e.instance.instanceId, { name: e.name, key: e.key });
  } finally {
    db.close();
  }
  return holders;
}

function holderText(h: Holder | undefined): string {
  if (!h) return '';
  return `  learner ${h.name ? `${h.name} (${h.key.slice(0, 8)})` : h.key.slice(0, 8)}`;
}

const help = commandHelp('status', `[INSTANCE] [--json]

For each lab instance (or INSTANCE): its state (starting, ready, degraded, stopping), the learner who
holds it under \`patchbay serve\` (display name and the start of their roster key, from the gateway's
database: $PATCHBAY_DATABASE or var/patchbay.db; a warm spare has none), and per host its address and
processes with state, restarts and last error. An instance whose runtime is gone is shown as
"orphaned"; \`patchbay down\` or the next \`up\` removes it.

Options:
  --json       print the instance records as JSON
  -h, --help   show this help

Examples:
  patchbay status
  patchbay status --json`);

const options = { json: { type: 'boolean' } } as const;

export function formatStatus(record: InstanceRecord, holder?: Holder): string {
  const alive = isRuntimeAlive(record);
  const health = record.health;
  const state = alive ? (health?.state ?? 'starting') : 'orphaned';
  const lines = [`${record.id}  lab ${record.lab}  ${state}${holderText(holder)}  runtime pid ${record.runtime.pid}  ${record.prometheusUrl ? `prometheus ${record.prometheusUrl}/` : ''}`.trimEnd()];
  for (const host of record.hosts) {
    lines.push(`  ${host.name}  ${host.address}${host.aliases?.length ? `  (also ${host.aliases.join(', ')})` : ''}`);
    const processes = health?.hosts.find((h) => h.name === host.name)?.processes ?? [];
    for (const p of processes) {
      const restarts = p.restarts ? `  restarts ${p.restarts}` : '';
      const error = p.lastError && p.state !== 'ready' ? `  (${p.lastError})` : '';
      lines.push(`    ${p.name.padEnd(16)} ${p.state}${restarts}${error}`);
    }
  }
  if (health?.failing.length) lines.push(`  failing: ${health.failing.join(', ')}`);
  return lines.join('\n');
}

export const status = defineCommand({
  name: 'status',
  help,
  options,
  allowPositionals: true,
  async run(parsed) {
    const want = parsed.positionals[0];
    const runtimeDir = runtimeDirFrom();
    const records = listInstances(runtimeDir).filter((r) => !want || r.id === want);
    if (want && !records.length) {
      console.error(`patchbay status: ${noInstanceMessage(runtimeDir, want)}`);
      return 1;
    }
    let holders = new Map<string, Holder>();
    try {
      holders = instanceHolders();
    } catch (error) {
      console.error(`patchbay status: cannot read who holds which instance: ${(error as Error).message}`);
    }
    if (parsed.values.json) console.log(JSON.stringify(records.map((r) => ({ ...r, learner: holders.get(r.id) ?? null })), null, 2));
    else if (!records.length) console.log('no lab instances (start one with `patchbay up`)');
    else console.log(records.map((r) => formatStatus(r, holders.get(r.id))).join('\n\n'));
    return 0;
  },
});
