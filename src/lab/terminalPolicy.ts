/**
 * A terminal on a lab host: checks the requested user, shell and workdir against the host's policy and
 * builds the SpawnSpec that enters the host (through the instance's driver) with the lab's environment (nothing of the
 * gateway's). Unknown hosts and refused requests are values with a message a learner can act on.
 */
import type { ResolveResult } from '../terminal/target.ts';
import { findHost, unknownHostMessage } from './hostNames.ts';
import type { HostRecord } from './instanceState.ts';
import type { InstanceDriver } from './labDriver.ts';
import { baseEnv, lookupUser } from './labEnv.ts';
import type { TerminalOptions } from './types.ts';

/** What the shell's terminal is; xterm.js speaks it. */
const TERM = 'xterm-256color';

export function resolveTerminal(lab: string, hosts: readonly HostRecord[], driver: Pick<InstanceDriver, 'enter'>, target: string, options: TerminalOptions = {}): ResolveResult {
  // By name or alias: a lesson ported from another platform keeps its targets (lab.yaml `aliases`).
  const host = findHost(hosts, target);
  if (!host) {
    return { ok: false, code: 'PB_UNKNOWN_TARGET', message: unknownHostMessage(lab, hosts, target, { sentence: true }) };
  }
  const policy = host.terminal;
  const userName = options.user ?? policy.users[0]!;
  if (!policy.users.includes(userName)) return refused(`user "${userName}" is not allowed on host ${host.name} (allowed: ${policy.users.join(', ')})`);
  const user = lookupUser(userName);
  if (!user) return refused(`user "${userName}" does not exist on this machine`);
  const shell = options.shell ?? policy.shells[0]!;
  if (!policy.shells.includes(shell)) return refused(`shell "${shell}" is not allowed on host ${host.name} (allowed: ${policy.shells.join(', ')})`);
  const workdirs = policy.workdirs.length ? policy.workdirs : [user.home];
  const workdir = options.workdir ?? workdirs[0]!;
  if (!workdirs.includes(workdir)) return refused(`workdir "${workdir}" is not allowed on host ${host.name} (allowed: ${workdirs.join(', ')})`);
  // The driver may give the shell a home of the host's own (the netns driver does for root).
  const entry = driver.enter(host.name, [shell], { user, workdir, shell: true });
  return {
    ok: true,
    spec: {
      host: host.name,
      file: entry.file,
      args: entry.args,
      env: { ...baseEnv(user, host.name), HOME: user.home, ...entry.env, ...host.env, TERM, COLORTERM: 'truecolor', SHELL: shell },
      cwd: entry.cwd,
      shell,
      user: userName,
      workdir,
    },
  };
}

function refused(message: string): ResolveResult {
  return { ok: false, code: 'PB_TARGET_REFUSED', message };
}
