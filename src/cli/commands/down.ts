/** `patchbay down [INSTANCE]`: stop a lab instance and remove everything it created. */
import { commandHelp, defineCommand } from '../command.ts';
import { isRuntimeAlive, listInstances, runtimeDirFrom, type InstanceRecord } from '../../lab/instanceState.ts';
import { findInstance, removeInstance } from '../../lab/startLab.ts';

/** How long the runtime gets to stop its lab on SIGTERM before `down` removes what is left itself. */
const RUNTIME_STOP_TIMEOUT_MS = 15_000;

const help = commandHelp('down', `[INSTANCE] [--all]

Asks the instance's runtime (a foreground or detached \`patchbay up\`, or the gateway) to stop, waits
for it, and removes whatever remains (namespaces, links, mounts, files, and every process in the
instance's cgroup, also jobs that left their host's namespaces or session). An instance whose runtime
is gone is removed directly. Without INSTANCE, the only instance running.

Options:
  --all        stop every instance
  -h, --help   show this help

Environment: PATCHBAY_RUNTIME_DIR (default /run/patchbay).

Examples:
  patchbay down          # the only instance running
  patchbay down --all`);

const options = { all: { type: 'boolean' } } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function stopInstance(runtimeDir: string, record: InstanceRecord): Promise<void> {
  if (isRuntimeAlive(record) && record.runtime.pid !== process.pid) {
    try {
      process.kill(record.runtime.pid, 'SIGTERM');
    } catch {
      // Gone meanwhile.
    }
    const deadline = Date.now() + RUNTIME_STOP_TIMEOUT_MS;
    while (isRuntimeAlive(record) && Date.now() < deadline) await sleep(25);
    if (isRuntimeAlive(record)) {
      try {
        process.kill(record.runtime.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }
  await removeInstance(runtimeDir, record);
}

export const down = defineCommand({
  name: 'down',
  help,
  options,
  allowPositionals: true,
  async run(parsed) {
    const runtimeDir = runtimeDirFrom();
    let records: InstanceRecord[];
    if (parsed.values.all) records = listInstances(runtimeDir);
    else {
      const found = findInstance(runtimeDir, parsed.positionals[0]);
      if (!found.ok) {
        console.error(`patchbay down: ${found.message}`);
        return 1;
      }
      records = [found.record];
    }
    for (const record of records) {
      const t0 = Date.now();
      await stopInstance(runtimeDir, record);
      console.log(`stopped ${record.id} (lab ${record.lab}) in ${Date.now() - t0} ms`);
    }
    return 0;
  },
});
