/** `patchbay status [INSTANCE]`: every instance, host and process with its state and restarts. */
import { commandHelp, defineCommand } from '../command.ts';
import { isRuntimeAlive, listInstances, noInstanceMessage, runtimeDirFrom, type InstanceRecord } from '../../lab/instanceState.ts';

const help = commandHelp('status', `[INSTANCE] [--json]

For each lab instance (or INSTANCE): its state (starting, ready, degraded, stopping), and per host its
address and processes with state, restarts and last error. An instance whose runtime is gone is
shown as "orphaned"; \`patchbay down\` or the next \`up\` removes it.

Options:
  --json       print the instance records as JSON
  -h, --help   show this help

Examples:
  patchbay status
  patchbay status --json`);

const options = { json: { type: 'boolean' } } as const;

export function formatStatus(record: InstanceRecord): string {
  const alive = isRuntimeAlive(record);
  const health = record.health;
  const state = alive ? (health?.state ?? 'starting') : 'orphaned';
  const lines = [`${record.id}  lab ${record.lab}  ${state}  runtime pid ${record.runtime.pid}  ${record.prometheusUrl ? `prometheus ${record.prometheusUrl}/` : ''}`.trimEnd()];
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
    if (parsed.values.json) console.log(JSON.stringify(records, null, 2));
    else if (!records.length) console.log('no lab instances (start one with `patchbay up`)');
    else console.log(records.map(formatStatus).join('\n\n'));
    return 0;
  },
});
