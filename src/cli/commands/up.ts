/** `patchbay up [LAB]`: start a lab instance and keep it running in the foreground (or detached). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { commandHelp, defineCommand, usageError } from '../command.ts';
import { startLab } from '../../lab/startLab.ts';
import { findLabFile } from '../../lab/loadLab.ts';
import { challengeErrorsBeside } from '../../checker/challenges.ts';
import type { LabInstance, LabProgress } from '../../lab/types.ts';
import { formatDefinitionError } from '../../definitions/definitionError.ts';

/** Printed by a detached runtime once its lab is up; the launching `up` exits when it sees it. */
const READY_MARKER = 'PATCHBAY_LAB_UP ';

const help = commandHelp('up', `[LAB] [--detach] [--prefix P]

Starts an instance of LAB (a name under labs/, a directory with lab.yaml, or a YAML file;
default: connections), showing each host and process as it becomes ready. The definition is
checked first: errors are printed as file:line:column and nothing is started. Errors of the
lab's challenges.yaml are printed too (as challenges: lines) but do not stop the lab.

By default \`up\` stays in the foreground and supervises the lab; Ctrl-C stops it and removes
everything it created. With --detach the runtime moves to the background once the lab is up;
stop it with \`patchbay down\`.

Options:
  --detach       leave the lab running in the background once it is up
  --prefix P     prefix for the instance's names (default pb; at most 5 characters)
  -h, --help     show this help

Examples:
  patchbay up                    # the course lab, in the foreground
  patchbay up connections --detach
  patchbay up test/fixtures/labs/mini`);

/** `--detached-child` is internal: the background runtime that `--detach` starts. */
const options = { detach: { type: 'boolean' }, prefix: { type: 'string' }, 'detached-child': { type: 'boolean' } } as const;

export function formatProgress(e: LabProgress): string | null {
  const t = 'elapsedMs' in e ? `${(e.elapsedMs / 1000).toFixed(2)}s` : '';
  switch (e.kind) {
    case 'cleanup':
      return `cleanup  ${e.message}`;
    case 'network':
      return `${t.padStart(7)}  network  ${e.message}`;
    case 'process':
      if (e.state === 'pending') return null;
      return `${t.padStart(7)}  ${`${e.host}/${e.process}`.padEnd(24)} ${e.state}${e.message ? ` (${e.message})` : ''}`;
    case 'ready':
      return `${t.padStart(7)}  all processes ready`;
  }
}

export function summary(lab: LabInstance): string {
  const width = Math.max(...lab.hosts.map((h) => h.name.length));
  return [
    `lab ${lab.name} instance ${lab.id} on ${lab.subnet}: ${lab.health().state}`,
    ...lab.hosts.map((h) => `  ${h.name.padEnd(width)}  ${h.address.padEnd(15)} ${h.processes.join(', ')}`),
    ...(lab.prometheusUrl ? [`  Prometheus: ${lab.prometheusUrl}/`] : []),
  ].join('\n');
}

export const up = defineCommand({
  name: 'up',
  help,
  options,
  allowPositionals: true,
  async run(parsed) {
    if (parsed.positionals.length > 1) return usageError('up', `expected at most one LAB, got ${parsed.positionals.join(' ')}`);
    const labName = parsed.positionals[0] ?? 'connections';
    if (parsed.values.detach) return detach(labName, parsed.values.prefix);
    const child = parsed.values['detached-child'] === true;
    if (child) {
      // The launcher closes its ends of our pipes once we are up.
      process.stdout.on('error', () => {});
      process.stderr.on('error', () => {});
    }

    let instance: LabInstance | null = null;
    let stopping = false;
    // A signal during start-up is acted on once startLab() has returned the instance to stop.
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      if (!instance) return;
      if (!child) console.log(`\nstopping ${instance.id}…`);
      await instance.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    if (child) process.on('SIGHUP', () => {});

    // Not part of the lab's definition, so it does not stop the lab; but a bad query is named now, not in a lesson.
    for (const e of await challengeErrorsBeside(findLabFile(labName))) console.error(`challenges: ${formatDefinitionError(e)}`);
    let up = false;
    const result = await startLab({
      lab: labName,
      ...(parsed.values.prefix ? { prefix: parsed.values.prefix } : {}),
      onProgress: (e) => {
        if (child && up) return;
        const line = formatProgress(e);
        if (line) console.log(line);
      },
    });
    if (!result.ok) {
      for (const e of result.errors) console.error(formatDefinitionError(e));
      console.error(`patchbay up: ${result.message}; nothing was started`);
      return 1;
    }
    instance = result.instance;
    up = true;
    if (stopping) {
      await instance.stop();
      return 130;
    }
    const ready = await instance.ready();
    console.log(summary(instance));
    if (!ready.ok) console.log(`warning: ${ready.message}`);
    if (child) console.log(`${READY_MARKER}${instance.id}`);
    else console.log('Press Ctrl-C to stop the lab.');
    return new Promise<number>(() => {}); // runs until a signal
  },
});

/** Starts `patchbay up --detached-child` in its own session, relays its progress, returns once it is up. */
function detach(lab: string, prefix: string | undefined): Promise<number> {
  const bin = fileURLToPath(new URL('../../../bin/patchbay.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'up', lab, '--detached-child', ...(prefix ? ['--prefix', prefix] : [])], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve) => {
    let buffer = '';
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith(READY_MARKER)) {
          console.log(`running in the background (runtime pid ${child.pid}); stop it with \`patchbay down ${line.slice(READY_MARKER.length)}\``);
          child.stdout!.destroy();
          child.stderr!.destroy();
          child.unref();
          resolve(0);
          return;
        }
        console.log(line);
      }
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
