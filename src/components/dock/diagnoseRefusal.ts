/**
 * Why did a terminal socket fail before it opened? The gateway refuses a bad upgrade with an HTTP
 * status and a JSON body, which browsers hide from WebSocket code (all it sees is close 1006). So ask
 * the gateway what we can: is it up, is there a lab, does the lab have the target host?
 */
import { HEALTH_PATH, type HealthResponse } from '../../protocol/health.ts';
import { callApi } from '../api/apiClient.ts';

export interface Diagnosis {
  message: string;
  /** True when retrying cannot help (the lab has no such host). */
  final: boolean;
}

/** Pure: the diagnosis for a health answer (null: the gateway could not be reached). */
export function diagnose(target: string, health: HealthResponse | null): Diagnosis {
  if (!health) return { message: 'cannot reach the gateway', final: false };
  const lab = health.lab;
  if (lab && lab.hosts.length > 0 && !lab.hosts.some((h) => h.name === target || h.aliases?.includes(target))) {
    const hosts = lab.hosts.map((h) => h.name).join(', ');
    return { message: `No host "${target}" in lab ${lab.name} (hosts: ${hosts})`, final: true };
  }
  if (lab && lab.state !== 'ready' && lab.state !== 'degraded') return { message: `the lab is ${lab.state}`, final: false };
  return {
    message: `the gateway refused terminal target "${target}" (unknown target, or a shell, user or workdir it does not allow)`,
    final: !lab,
  };
}

export async function diagnoseRefusal(target: string): Promise<Diagnosis> {
  const r = await callApi<HealthResponse>(HEALTH_PATH, { cache: 'no-store' });
  return diagnose(target, r.ok ? r.value : null);
}
