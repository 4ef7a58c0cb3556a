/**
 * The committed JSON Schemas (schemas/*.schema.json) are what `npm run build:schemas` writes from the
 * loaders' own zod schemas, the definition files name them for their editors, and the course's files
 * fit them: every key they use is one the schema lists, every required key is there, every value has a
 * type the schema allows (a small walk over the subset of JSON Schema the converter writes).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_DIR, renderSchemaFiles } from '../../scripts/buildSchemas.ts';
import type { JsonSchema } from '../../src/definitions/jsonSchema.ts';

const DEFINITION_FILES = [
  { file: 'labs/connections/lab.yaml', schema: 'schemas/lab.schema.json' },
  { file: 'labs/connections/challenges.yaml', schema: 'schemas/challenges.schema.json' },
  { file: 'labs/connections/tasks.yaml', schema: 'schemas/tasks.schema.json' },
];

/** Where `value` does not fit `schema`, as `path: problem` lines (types, keys, required keys, enums, patterns). */
function misfits(value: unknown, schema: JsonSchema, path = '$'): string[] {
  if (Array.isArray(schema.anyOf)) {
    const each = (schema.anyOf as JsonSchema[]).map((s) => misfits(value, s, path));
    return each.some((m) => m.length === 0) ? [] : [`${path}: fits none of ${each.length} forms (${each.map((m) => m[0]).join(' | ')})`];
  }
  const type = schema.type as string | undefined;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (type === 'integer' ? !Number.isInteger(value) : type !== undefined && type !== actual) return [`${path}: expected ${type}, got ${actual}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${path}: not one of ${schema.enum.join(', ')}`];
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) return [`${path}: does not match ${schema.pattern}`];
  if (actual === 'array') return (value as unknown[]).flatMap((v, i) => misfits(v, schema.items as JsonSchema, `${path}[${i}]`));
  if (actual !== 'object') return [];
  const object = value as Record<string, unknown>;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out = ((schema.required ?? []) as string[]).filter((k) => !(k in object)).map((k) => `${path}: missing ${k}`);
  for (const [key, v] of Object.entries(object)) {
    const names = schema.propertyNames as JsonSchema | undefined;
    if (names?.pattern && !new RegExp(names.pattern as string).test(key)) out.push(`${path}.${key}: key does not match ${String(names.pattern)}`);
    const sub = properties[key] ?? schema.additionalProperties;
    if (sub === false || sub === undefined) out.push(`${path}.${key}: not a key the schema allows`);
    else if (sub !== true) out.push(...misfits(v, sub as JsonSchema, `${path}.${key}`));
  }
  return out;
}

describe('JSON Schemas of the definition files', () => {
  it('are what npm run build:schemas writes from the loaders\' zod schemas (run it after changing a schema)', () => {
    for (const f of renderSchemaFiles()) {
      expect(readFileSync(join(PROJECT_DIR, f.path), 'utf8'), `${f.path} is stale: run npm run build:schemas`).toBe(f.text);
    }
  });

  for (const { file, schema } of DEFINITION_FILES) {
    it(`${file} names ${schema} for its editor and fits it`, () => {
      const text = readFileSync(join(PROJECT_DIR, file), 'utf8');
      const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text.split('\n')[0] ?? '');
      expect(modeline, `${file} starts with # yaml-language-server: $schema=…`).not.toBeNull();
      expect(resolve(dirname(join(PROJECT_DIR, file)), modeline![1]!)).toBe(join(PROJECT_DIR, schema));
      const json = JSON.parse(readFileSync(join(PROJECT_DIR, schema), 'utf8')) as JsonSchema;
      expect(misfits(parseYaml(text), json)).toEqual([]);
    });
  }

  it('tells a misspelt key, a wrong type and a missing key apart (the walk above can fail)', () => {
    const json = JSON.parse(readFileSync(join(PROJECT_DIR, 'schemas/lab.schema.json'), 'utf8')) as JsonSchema;
    const lab = { hosts: { web: { processes: { app: { comand: ['node'] } }, address: 'ten' } } };
    expect(misfits(lab, json)).toEqual([
      '$.hosts.web.processes.app: missing command',
      '$.hosts.web.processes.app.comand: not a key the schema allows',
      '$.hosts.web.address: expected integer, got string',
    ]);
  });
});
