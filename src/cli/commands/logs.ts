/** `patchbay logs HOST [PROCESS] [-f]`: print (and follow) the logs of a host's processes. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { commandHelp, defineCommand, usageError } from '../command.ts';
import { runtimeDirFrom } from '../../lab/instanceState.ts';
import { didYouMean } from '../../definitions/closest.ts';
import { findHost, unknownHostMessage } from '../../lab/hostNames.ts';
import { findInstance } from '../../lab/startLab.ts';

/** How often -f looks for new output: fast enough to feel live, cheap enough to leave running. */
const FOLLOW_POLL_MS = 200;

const help = commandHelp('logs', `[--instance ID] [-f] HOST [PROCESS]

Prints the output (stdout and stderr) of PROCESS on HOST, or of every process on HOST with each
line prefixed by the process name. Lines starting with [patchbay …] are the supervisor's own
(start, ready, exit, restart).

Options:
  -f, --follow    keep printing new output until Ctrl-C
  --instance ID   the lab instance (default: the only one running)
  -h, --help      show this help

Examples:
  patchbay logs api sidecar
  patchbay logs ingress -f   # every process on ingress, as it writes`);

const options = { follow: { type: 'boolean', short: 'f' }, instance: { type: 'string' } } as const;

interface Tail {
  name: string;
  file: string;
  offset: number;
  partial: string;
}

function readNew(t: Tail, prefix: boolean): void {
  let size: number;
  try {
    size = statSync(t.file).size;
  } catch {
    return;
  }
  if (size < t.offset) t.offset = 0; // rotated
  if (size === t.offset) return;
  const fd = openSync(t.file, 'r');
  const buf = Buffer.alloc(size - t.offset);
  readSync(fd, buf, 0, buf.length, t.offset);
  closeSync(fd);
  t.offset = size;
  if (!prefix) {
    process.stdout.write(buf);
    return;
  }
  const text = t.partial + buf.toString();
  const lines = text.split('\n');
  t.partial = lines.pop() ?? '';
  for (const line of lines) process.stdout.write(`${t.name.padEnd(12)} | ${line}\n`);
}

export const logs = defineCommand({
  name: 'logs',
  help,
  options,
  allowPositionals: true,
  async run(parsed) {
    const [hostName, processName, ...extra] = parsed.positionals;
    if (!hostName || extra.length) return usageError('logs', !hostName ? 'name a HOST' : `unexpected argument ${extra[0]}: expected HOST [PROCESS]`);
    const found = findInstance(runtimeDirFrom(), parsed.values.instance);
    if (!found.ok) {
      console.error(`patchbay logs: ${found.message}`);
      return 1;
    }
    const record = found.record;
    const host = findHost(record.hosts, hostName);
    if (!host) {
      console.error(`patchbay logs: ${unknownHostMessage(record.lab, record.hosts, hostName)}`);
      return 1;
    }
    const onHost = Object.values(record.processes).filter((p) => p.host === host.name);
    const chosen = processName ? onHost.filter((p) => p.name === processName) : onHost;
    if (!chosen.length) {
      const meant = processName ? didYouMean(processName, onHost.map((p) => p.name)) : null;
      console.error(
        processName
          ? `patchbay logs: no process "${processName}" on host ${host.name}; its processes are: ${onHost.map((p) => p.name).join(', ') || '(none)'}${meant ? ` (did you mean "${meant}"?)` : ''}`
          : `patchbay logs: host ${host.name} runs no processes`,
      );
      return 1;
    }
    const prefix = chosen.length > 1;
    const tails: Tail[] = chosen.map((p) => ({ name: p.name, file: p.logFile, offset: 0, partial: '' }));
    for (const t of tails) readNew(t, prefix);
    if (!parsed.values.follow) return 0;
    return new Promise<number>((resolve) => {
      const timer = setInterval(() => tails.forEach((t) => readNew(t, prefix)), FOLLOW_POLL_MS);
      process.on('SIGINT', () => {
        clearInterval(timer);
        resolve(0);
      });
    });
  },
});
