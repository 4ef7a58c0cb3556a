import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatDefinitionError } from './definitionError.ts';
import { loadDefinition } from './loadDefinition.ts';
import { strictObject } from './strictObject.ts';

const schema = strictObject({
  name: z.string(),
  port: z.number().int().min(1).max(65535),
  peers: z.array(z.string()).default([]),
  mode: z.union([z.literal('a'), z.literal('b')]).optional(),
});

const noSelfPeer = (v: z.output<typeof schema>) =>
  v.peers.flatMap((p, i) => (p === v.name ? [{ path: ['peers', i], message: 'a node cannot be its own peer' }] : []));

describe('loadDefinition', () => {
  it('returns YAML errors and schema errors of a file together, YAML first, the rest in file order', () => {
    const r = loadDefinition('port: 70000\nname: 5\nname: 6\npeers: [a, [b]]\n', 'n.yaml', schema);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map(formatDefinitionError)).toEqual([
        'n.yaml:3:1: YAML: Map keys must be unique',
        'n.yaml:1:7: port: expected at most 65535',
        'n.yaml:2:7: name: expected string, got number',
        'n.yaml:4:12: peers.1: expected string, got array',
      ]);
    }
  });

  it('runs the checks between parts once the definition is well-formed', () => {
    const bad = loadDefinition('name: n\nport: 80\npeers: [m, n]\n', 'n.yaml', schema, { check: noSelfPeer });
    expect(!bad.ok && bad.errors.map(formatDefinitionError)).toEqual(['n.yaml:3:12: peers.1: a node cannot be its own peer']);
    const good = loadDefinition('name: n\nport: 80\n', 'n.yaml', schema, { check: noSelfPeer });
    expect(good.ok && good.value).toEqual({ name: 'n', port: 80, peers: [] });
  });

  it('says what a union expected instead of zod\'s "Invalid input"', () => {
    const r = loadDefinition('name: n\nport: 80\nmode: c\n', 'n.yaml', schema);
    expect(!r.ok && r.errors.map(formatDefinitionError)).toEqual(['n.yaml:3:7: mode: expected "a" or "b"']);
  });

  it('gives one error for a hostile file and does not run the schema on it', () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (const n of ['b', 'c', 'd', 'e', 'f', 'g']) text += `${n}: &${n} [${Array(10).fill(`*${String.fromCharCode(n.charCodeAt(0) - 1)}`).join(', ')}]\n`;
    const r = loadDefinition(text, 'n.yaml', schema);
    expect(!r.ok && r.errors.length).toBe(1);
  });
});
