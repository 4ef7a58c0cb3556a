/**
 * How anything (a supervised process, a probe, a terminal, `patchbay exec`) enters a lab host: nsenter
 * joins the host's UTS namespace (its hostname), `ip netns exec` joins its network namespace in a fresh
 * mount namespace with `/etc/netns/<ns>/hosts` bound over `/etc/hosts`, then setpriv drops to the user.
 * Each step execs the next, so the PID the caller sees is the program's own.
 */
import { findProgram } from './loadLab.ts';
import type { UserInfo } from './labEnv.ts';

export interface HostNamespaces {
  netns: string;
  utsFile: string;
}

let tools: { nsenter: string; ip: string; setpriv: string } | null = null;
function hostTools() {
  tools ??= {
    nsenter: findProgram('nsenter') ?? '/usr/bin/nsenter',
    ip: findProgram('ip') ?? '/usr/sbin/ip',
    setpriv: findProgram('setpriv') ?? '/usr/bin/setpriv',
  };
  return tools;
}

export function hostArgv(host: HostNamespaces, argv: string[], user?: UserInfo | null): string[] {
  const t = hostTools();
  const drop = user && user.uid !== 0 ? [t.setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'] : [];
  return [t.nsenter, `--uts=${host.utsFile}`, '--', t.ip, 'netns', 'exec', host.netns, ...drop, ...argv];
}
