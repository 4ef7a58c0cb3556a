/** `patchbay exec HOST -- CMD…`: run a command inside a lab host; its exit code becomes ours. */
import { spawn } from 'node:child_process';
import { commandHelp, defineCommand, usageError } from '../command.ts';
import { joinInstance } from '../../lab/instanceCgroup.ts';
import { runtimeDirFrom } from '../../lab/instanceState.ts';
import { instanceDriver } from '../../lab/labDriver.ts';
import { baseEnv, lookupUser } from '../../lab/labEnv.ts';
import { findHost, unknownHostMessage } from '../../lab/hostNames.ts';
import { findInstance } from '../../lab/startLab.ts';

const help = commandHelp('exec', `[--instance ID] [--user USER] HOST -- CMD [ARG…]

Runs CMD inside HOST of the running lab (its network namespace, hostname and /etc/hosts), with the
lab's environment, stdin/stdout/stderr passed through. Exits with CMD's exit code.

Options:
  --instance ID   the lab instance (default: the only one running)
  --user USER     run as USER (default root)
  -h, --help      show this help

Examples:
  patchbay exec tools -- curl -s http://api:19000/stats
  patchbay exec api -- ss -tn   # the api host's TCP connections`);

const options = { instance: { type: 'string' }, user: { type: 'string' } } as const;
/** The flags that take a value: the word after one of them is that value, not HOST. */
const VALUE_FLAGS = Object.entries(options).filter(([, o]) => o.type === 'string').map(([name]) => `--${name}`);

/** Our own arguments end at `--`, or without one at HOST (the first word that is not an option or its value); CMD is the rest. */
function splitAtCommand(args: string[]): { own: string[]; rest: string[] } {
  const dash = args.indexOf('--');
  if (dash >= 0) return { own: args.slice(0, dash), rest: args.slice(dash + 1) };
  const hostAt = args.findIndex((a, i) => !a.startsWith('-') && !VALUE_FLAGS.includes(args[i - 1] ?? ''));
  return hostAt >= 0 ? { own: args.slice(0, hostAt + 1), rest: args.slice(hostAt + 1) } : { own: args, rest: [] };
}

export const exec = defineCommand({
  name: 'exec',
  help,
  options,
  allowPositionals: true,
  passThrough: splitAtCommand,
  async run({ values, positionals, rest: command }) {
    const hostName = positionals[0];
    if (!hostName || positionals.length > 1 || command.length === 0) {
      return usageError('exec', !hostName ? 'name a HOST' : command.length === 0 ? 'name a command to run: HOST -- CMD…' : `unexpected argument ${positionals[1]}; write HOST -- CMD…`);
    }
    const found = findInstance(runtimeDirFrom(), values.instance);
    if (!found.ok) {
      console.error(`patchbay exec: ${found.message}`);
      return 1;
    }
    const host = findHost(found.record.hosts, hostName);
    if (!host) {
      console.error(`patchbay exec: ${unknownHostMessage(found.record.lab, found.record.hosts, hostName)}`);
      return 1;
    }
    const user = lookupUser(values.user ?? 'root');
    if (!user) {
      console.error(`patchbay exec: no user "${values.user}"`);
      return 1;
    }
    // In the instance's cgroup, as its own processes are: its caps cover the command, and `down` finds it.
    const entry = instanceDriver(found.record).enter(host.name, command, { user, workdir: '/' });
    const [file, ...rest] = joinInstance(found.record.cgroup)([entry.file, ...entry.args]);
    const child = spawn(file!, rest, { stdio: 'inherit', cwd: entry.cwd, env: { ...baseEnv(user, host.name), ...entry.env, ...host.env, ...(process.env.TERM ? { TERM: process.env.TERM } : {}) } });
    // Ctrl-C reaches the child through the terminal's process group; we just wait for it.
    process.on('SIGINT', () => {});
    return new Promise((resolve) => {
      child.on('error', (err) => {
        console.error(`patchbay exec: ${err.message}`);
        resolve(127);
      });
      child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 128 + 15)));
    });
  },
});
