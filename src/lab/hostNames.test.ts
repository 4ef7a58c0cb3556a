import { describe, expect, it } from 'vitest';
import { findHost, hostAdvice, unknownHostMessage } from './hostNames.ts';

const hosts = [{ name: 'tools', aliases: ['tools.container.shipyard.run'] }, { name: 'api' }, { name: 'payments' }];

describe('host names', () => {
  it('finds a host by its name or by an alias', () => {
    expect(findHost(hosts, 'api')?.name).toBe('api');
    expect(findHost(hosts, 'tools.container.shipyard.run')?.name).toBe('tools');
    expect(findHost(hosts, 'tools.container')).toBeUndefined();
  });

  it('suggests the host a typo or a qualified name probably means, and how to keep a qualified name', () => {
    expect(hostAdvice(hosts, 'paymets')).toBe('did you mean "payments"?');
    expect(hostAdvice(hosts, 'tools.container.shipyard.rum')).toBe('did you mean "tools.container.shipyard.run"?');
    expect(hostAdvice(hosts, 'api.container.shipyard.run')).toBe('did you mean "api"? Or keep the name: add `aliases: [api.container.shipyard.run]` to host api in lab.yaml');
    expect(hostAdvice(hosts, 'database')).toBeNull();
    // Same domain, another host: no suggestion from the shared suffix.
    expect(hostAdvice(hosts, 'db.container.shipyard.run')).toBeNull();
  });

  it('words an unknown host the same everywhere, as a sentence or after a prefix', () => {
    expect(unknownHostMessage('connections', hosts, 'db')).toBe('no host "db" in lab connections; its hosts are: tools, api, payments');
    expect(unknownHostMessage('connections', hosts, 'ap', { sentence: true })).toBe('No host "ap" in lab connections; its hosts are: tools, api, payments (did you mean "api"?)');
  });
});
