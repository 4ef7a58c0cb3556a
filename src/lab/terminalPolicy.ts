/**
 * A terminal on a lab host: checks the requested user, shell and workdir against the host's policy and
 * builds the SpawnSpec that enters the host's namespaces with the lab's environment (nothing of the
 * gateway's). Unknown hosts and refused requests are values with a message a learner can act on.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolveResult } from '../terminal/target.ts';
import { hostArgv } from './hostCommand.ts';
import { findHost, unknownHostMessage } from './hostNames.ts';
import { baseEnv, lookupUser } from './labEnv.ts';
import { SANDBOX_HOME } from './sandboxPaths.ts';
import type { HostRecord } from './instanceState.ts';
import type { TerminalOptions } from './types.ts';

/** What the shell's terminal is; xterm.js speaks it. */
const TERM = 'xterm-256color';

/** The rc file of a lab host's own home: a prompt naming the host, nothing of the machine's dotfiles. */
const HOST_BASHRC = `# Written by Patchbay for this lab host; edit freely, it lasts as long as the lab instance.
PS1='\\u@\\h:\\w\\$ '
alias ls='ls --color=auto'
alias grep='grep --color=auto'
`;

/**
 * Root's shells on a lab host get a home of the host's own (its rc file, its history), as a container
 * would, instead of the machine's /root: that one's dotfiles belong to the machine (here they run pyenv,
 * which can stall every new shell for a minute) and would be shared by every host and instance. The
 * host's sandbox mounts it at /root.
 */
export function hostHome(host: HostRecord): string {
  const home = join(host.hostDir, 'home');
  if (!existsSync(join(home, '.bashrc'))) {
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, '.bashrc'), HOST_BASHRC);
    writeFileSync(join(home, '.profile'), '[ -f ~/.bashrc ] && . ~/.bashrc\n');
  }
  return home;
}

export function resolveTerminal(lab: string, hosts: readonly HostRecord[], target: string, options: TerminalOptions = {}): ResolveResult {
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
  const [file, ...args] = hostArgv(host, [shell], user, { cwd: workdir });
  // Root's home inside the host's sandbox is /root, where its own home directory is mounted.
  if (user.uid === 0) hostHome(host);
  const home = user.uid === 0 ? SANDBOX_HOME : user.home;
  return {
    ok: true,
    spec: {
      host: host.name,
      file: file!,
      args,
      env: { ...baseEnv(user, host.name), HOME: home, ...host.env, TERM, COLORTERM: 'truecolor', SHELL: shell },
      // Where the spawn starts, before nsenter enters the workdir inside the sandbox: the same path when
      // the machine has it too (as /root, /tmp and / are), else the host's directory.
      cwd: existsSync(workdir) ? workdir : host.hostDir,
      shell,
      user: userName,
      workdir,
    },
  };
}

function refused(message: string): ResolveResult {
  return { ok: false, code: 'PB_TARGET_REFUSED', message };
}
