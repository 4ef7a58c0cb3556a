/**
 * Targets of the bare gateway (no lab): `tools` is a login shell in a workspace directory, in a sandbox
 * of its own per terminal (src/lab/sandbox.ts: its own PID, mount, IPC, UTS, cgroup and network
 * namespaces, the system read-only, the workspace as its HOME at /root, a private /tmp). The client may
 * ask for a shell, user and workdir; each is checked against an allowlist. A lab replaces this with a
 * resolver that enters the host's sandbox.
 */
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TerminalRequest } from '../protocol/terminal.ts';
import { bwrapPath, localSandboxArgs } from '../lab/sandbox.ts';
import { SANDBOX_HOME } from '../lab/sandboxPaths.ts';
import type { ResolveResult, TargetResolver } from './target.ts';

/** The repository root (src/terminal/../..). */
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DEFAULT_WORKSPACE = join(REPO_ROOT, 'var', 'workspace');
export const LOCAL_TARGET = 'tools';
/** A PATH that finds the usual tools without inheriting the gateway's (the sandbox hides /usr/local). */
const SHELL_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export interface LocalTargetOptions {
  /** Working directory root; requested workdirs must lie inside it. Created on demand. */
  workspace?: string;
  /** Allowed shells; the first is the default. */
  shells?: string[];
  /** Allowed users; only the gateway's own user can be honoured without a privilege switch. */
  users?: string[];
  /** Extra variables for the shell (the explicit environment has nothing else of the gateway's). */
  env?: Record<string, string>;
}

export class LocalTargetResolver implements TargetResolver {
  private readonly workspace: string;
  private readonly shells: string[];
  private readonly users: string[];
  private readonly env: Record<string, string>;

  constructor(options: LocalTargetOptions = {}) {
    this.workspace = resolve(options.workspace ?? DEFAULT_WORKSPACE);
    this.shells = options.shells ?? ['/bin/bash', '/bin/sh'];
    this.users = options.users ?? [userInfo().username];
    this.env = options.env ?? {};
  }

  resolve(request: TerminalRequest): ResolveResult {
    if (request.target !== LOCAL_TARGET) {
      return { ok: false, code: 'PB_UNKNOWN_TARGET', message: `No host ${JSON.stringify(request.target)}: the bare gateway has only "${LOCAL_TARGET}"` };
    }
    const shell = request.shell || this.shells[0]!;
    if (!this.shells.includes(shell)) {
      return { ok: false, code: 'PB_TARGET_REFUSED', message: `Shell ${shell} is not allowed (allowed: ${this.shells.join(', ')})` };
    }
    const user = request.user || this.users[0]!;
    if (!this.users.includes(user)) {
      return { ok: false, code: 'PB_TARGET_REFUSED', message: `User ${user} is not allowed (allowed: ${this.users.join(', ')})` };
    }
    mkdirSync(this.workspace, { recursive: true });
    const root = realpathSync(this.workspace);
    const wanted = resolve(root, request.workdir ?? '.');
    let cwd: string;
    try {
      cwd = realpathSync(wanted);
      if (!statSync(cwd).isDirectory()) throw new Error('not a directory');
    } catch {
      return { ok: false, code: 'PB_TARGET_REFUSED', message: `Workdir ${request.workdir} does not exist in the workspace` };
    }
    const rel = relative(root, cwd);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      return { ok: false, code: 'PB_TARGET_REFUSED', message: `Workdir ${request.workdir} is outside the workspace` };
    }
    const bwrap = bwrapPath();
    if (!bwrap) return { ok: false, code: 'PB_TARGET_REFUSED', message: 'The shell sandbox (bubblewrap) is not installed on the server: run scripts/setup.sh' };
    // HOME is the workspace, mounted at /root in the sandbox: the learner's shell must not run (or see)
    // the gateway user's dotfiles, which may do slow or stateful things (a login shell killed mid-`pyenv
    // rehash` leaves its lock). A HOME given in `env` names the workspace as the gateway sees it.
    const inside = rel ? join(SANDBOX_HOME, rel) : SANDBOX_HOME;
    return {
      ok: true,
      spec: {
        host: LOCAL_TARGET,
        file: bwrap,
        // A login shell, as a learner expects (profile, prompt); `sh` takes -l too.
        args: [...localSandboxArgs({ workspace: root, cwd: inside }), '--', shell, '-l'],
        env: {
          TERM: 'xterm-256color',
          COLORTERM: 'truecolor',
          LANG: 'C.UTF-8',
          PATH: SHELL_PATH,
          SHELL: shell,
          USER: user,
          LOGNAME: user,
          PATCHBAY_HOST: LOCAL_TARGET,
          ...this.env,
          HOME: SANDBOX_HOME,
        },
        // Where bwrap itself starts, on the machine; the shell starts in `inside`.
        cwd,
        shell,
        user,
        workdir: cwd,
      },
    };
  }
}
