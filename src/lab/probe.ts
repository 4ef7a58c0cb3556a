/**
 * Readiness probes, run inside the host's namespaces (a probe for `127.0.0.1:8080` means the host's
 * own loopback): HTTP via curl (ready on 2xx/3xx), TCP via bash's /dev/tcp, or a command (exit 0).
 */
import type { ProbeSpec } from './schema.ts';
import type { EnterOptions, HostCommand } from './labDriver.ts';
import { runCommand } from './runCommand.ts';

export type ProbeResult = { ok: true } | { ok: false; message: string };

export function probeArgv(probe: ProbeSpec): string[] {
  const seconds = (probe.timeout / 1000).toFixed(3);
  if (probe.http !== undefined) return ['curl', '-sS', '-o', '/dev/null', '--fail', '--max-time', seconds, probe.http];
  if (probe.tcp !== undefined) {
    const i = probe.tcp.lastIndexOf(':');
    return ['timeout', seconds, 'bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'probe', probe.tcp.slice(0, i), probe.tcp.slice(i + 1)];
  }
  return ['timeout', seconds, ...probe.command!];
}

/** `enterHost`: how a command enters the probed host (its instance's driver). */
export async function runProbe(enterHost: (argv: string[], options: EnterOptions) => HostCommand, probe: ProbeSpec, env: Record<string, string>): Promise<ProbeResult> {
  const host = enterHost(probeArgv(probe), { workdir: '/' });
  // The outer limit covers entering the host too (nsenter/setpriv for netns), a little above the probe's own.
  const r = await runCommand(host.file, host.args, { env: { ...host.env, ...env }, timeoutMs: probe.timeout + 1000, cwd: host.cwd });
  if (r.code === 0) return { ok: true };
  const what = probe.http ?? probe.tcp ?? probe.command!.join(' ');
  return { ok: false, message: `probe ${what} failed (exit ${r.code})${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').at(-1)}` : ''}` };
}
