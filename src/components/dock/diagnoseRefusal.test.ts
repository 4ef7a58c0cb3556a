import { describe, expect, it } from 'vitest';
import type { HealthResponse, LabHealth } from '../../protocol/health.ts';
import { diagnose } from './diagnoseRefusal.ts';

const lab: LabHealth = {
  name: 'connections',
  instance: 'pb1',
  state: 'ready',
  hosts: [
    { name: 'tools', address: '10.213.1.2', processes: [] },
    { name: 'api', address: '10.213.1.3', processes: [] },
  ],
  failing: [],
};

function health(l: LabHealth | null): HealthResponse {
  return { status: 'ok', version: '0.1.0', uptimeSeconds: 5, lab: l };
}

describe('diagnose', () => {
  it('names the hosts when the lab has no such host, and gives up retrying', () => {
    expect(diagnose('web', health(lab))).toEqual({ message: 'No host "web" in lab connections (hosts: tools, api)', final: true });
  });

  it('takes a host alias for the host it names', () => {
    const aliased = { ...lab, hosts: [{ ...lab.hosts[0]!, aliases: ['tools.container.shipyard.run'] }, lab.hosts[1]!] };
    expect(diagnose('tools.container.shipyard.run', health({ ...aliased, state: 'starting' }))).toEqual({ message: 'the lab is starting', final: false });
    expect(diagnose('tools.container.shipyard.run', health({ ...lab, state: 'starting' })).final).toBe(true);
  });

  it('keeps retrying while the lab is starting', () => {
    expect(diagnose('tools', health({ ...lab, state: 'starting' }))).toEqual({ message: 'the lab is starting', final: false });
  });

  it('keeps retrying when the gateway cannot be reached', () => {
    expect(diagnose('tools', null)).toEqual({ message: 'cannot reach the gateway', final: false });
  });

  it('gives up when a bare gateway refuses the target', () => {
    const d = diagnose('nope', health(null));
    expect(d.final).toBe(true);
    expect(d.message).toContain('"nope"');
  });
});
