import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toJsonSchema } from './jsonSchema.ts';
import { strictObject } from './strictObject.ts';

describe('toJsonSchema', () => {
  it('describes what an author writes: strict objects, required keys, defaults, checks of strings and numbers', () => {
    const schema = strictObject({
      name: z.string().regex(/^[a-z]+$/),
      port: z.number().int().min(1).max(65535).default(9090),
      url: z.string().url().optional(),
      path: z.string().startsWith('/'),
      mode: z.enum(['a', 'b']).default('a'),
      tags: z.array(z.string()).min(1),
      env: z.record(z.string().regex(/^[A-Z_]+$/), z.union([z.string(), z.number()]).transform(String)).default({}),
      // A transform's input is what the file holds.
      wait: z.union([z.number(), z.string()]).transform((v) => Number(v)),
    });
    expect(toJsonSchema(schema, { title: 'T' })).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'T',
      type: 'object',
      properties: {
        name: { type: 'string', pattern: '^[a-z]+$' },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 9090 },
        url: { type: 'string', format: 'uri' },
        path: { type: 'string', pattern: '^/' },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
        env: { type: 'object', propertyNames: { pattern: '^[A-Z_]+$' }, additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }] }, default: {} },
        wait: { anyOf: [{ type: 'number' }, { type: 'string' }] },
      },
      required: ['name', 'path', 'tags', 'wait'],
      additionalProperties: false,
    });
  });

  it('refuses a zod type it has no JSON Schema for, naming where it is', () => {
    expect(() => toJsonSchema(z.object({ hosts: z.object({ when: z.bigint() }) }))).toThrow(/ZodBigInt at hosts\.when/);
  });
});
