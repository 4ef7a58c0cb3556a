/**
 * JSON Schema (draft-07) from a definition's zod schema, for editors: yaml-language-server reads it from a
 * `# yaml-language-server: $schema=…` line and completes and checks the file as it is typed. It describes
 * what an author may write (the schema's input side): a transform or a refinement is the loader's to check,
 * a default makes a key optional, a strict object takes no other keys. zod 3 has no converter of its own
 * (zod 4's `toJSONSchema` reads only zod 4 schemas), and the definitions use a handful of zod's types, so
 * this walks them; a type it does not know is an error, so a new one cannot slip out of the schema unseen.
 */
import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

export interface JsonSchemaOptions {
  /** `$id` of the document. */
  id?: string;
  title?: string;
  description?: string;
}

export function toJsonSchema(schema: z.ZodTypeAny, options: JsonSchemaOptions = {}): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(options.id !== undefined && { $id: options.id }),
    ...(options.title !== undefined && { title: options.title }),
    ...(options.description !== undefined && { description: options.description }),
    ...convert(schema, []),
  };
}

/** Whether an object may leave the key out: optional, or filled in by a default. */
function mayOmit(schema: z.ZodTypeAny): boolean {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return true;
  if (schema instanceof z.ZodEffects) return mayOmit(schema.innerType());
  return false;
}

/** A default worth showing: JSON data (not a function, not undefined). */
function jsonDefault(value: unknown): { default: unknown } | Record<string, never> {
  if (value === undefined) return {};
  try {
    return { default: JSON.parse(JSON.stringify(value)) as unknown };
  } catch {
    return {};
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function convert(schema: z.ZodTypeAny, path: readonly string[]): JsonSchema {
  const described = schema.description !== undefined ? { description: schema.description } : {};
  return { ...described, ...convertType(schema, path) };
}

function convertType(schema: z.ZodTypeAny, path: readonly string[]): JsonSchema {
  const at = (key: string) => [...path, key];
  if (schema instanceof z.ZodEffects) return convert(schema.innerType(), path);
  if (schema instanceof z.ZodOptional) return convert(schema.unwrap(), path);
  if (schema instanceof z.ZodDefault) return { ...convert(schema.removeDefault(), path), ...jsonDefault(schema._def.defaultValue()) };
  if (schema instanceof z.ZodNullable) return { anyOf: [convert(schema.unwrap(), path), { type: 'null' }] };
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodTypeAny>;
    const properties = Object.fromEntries(Object.entries(shape).map(([key, value]) => [key, convert(value, at(key))]));
    const required = Object.entries(shape).filter(([, value]) => !mayOmit(value)).map(([key]) => key);
    // Our objects are strict (src/definitions/strictObject.ts): an unknown key is an error there too.
    return { type: 'object', properties, ...(required.length && { required }), additionalProperties: false };
  }
  if (schema instanceof z.ZodRecord) {
    const key = convert(schema.keySchema as z.ZodTypeAny, at('(key)'));
    const keyRules = Object.fromEntries(Object.entries(key).filter(([k]) => k === 'pattern' || k === 'minLength' || k === 'maxLength'));
    return { type: 'object', ...(Object.keys(keyRules).length && { propertyNames: keyRules }), additionalProperties: convert(schema.valueSchema as z.ZodTypeAny, at('*')) };
  }
  if (schema instanceof z.ZodArray) {
    const { minLength, maxLength, exactLength } = schema._def;
    return {
      type: 'array',
      items: convert(schema.element as z.ZodTypeAny, at('[]')),
      ...(minLength && { minItems: minLength.value }),
      ...(maxLength && { maxItems: maxLength.value }),
      ...(exactLength && { minItems: exactLength.value, maxItems: exactLength.value }),
    };
  }
  if (schema instanceof z.ZodUnion) {
    const options = (schema.options as z.ZodTypeAny[]).map((o) => convert(o, path));
    return { anyOf: options.flatMap((o) => (Object.keys(o).length === 1 && Array.isArray(o.anyOf) ? (o.anyOf as JsonSchema[]) : [o])) };
  }
  if (schema instanceof z.ZodEnum) return { type: 'string', enum: [...(schema.options as string[])] };
  if (schema instanceof z.ZodLiteral) return { const: schema.value as unknown };
  if (schema instanceof z.ZodString) return stringSchema(schema);
  if (schema instanceof z.ZodNumber) return numberSchema(schema);
  if (schema instanceof z.ZodBoolean) return { type: 'boolean' };
  // YAML gives a timestamp as text; the loader reads it.
  if (schema instanceof z.ZodDate) return { type: 'string', format: 'date-time' };
  if (schema instanceof z.ZodAny || schema instanceof z.ZodUnknown) return {};
  throw new Error(`toJsonSchema: no JSON Schema for zod type ${(schema._def as { typeName?: string }).typeName ?? 'unknown'} at ${path.join('.') || '(root)'}`);
}

function stringSchema(schema: z.ZodString): JsonSchema {
  const out: JsonSchema = { type: 'string' };
  const patterns: string[] = [];
  for (const check of schema._def.checks) {
    if (check.kind === 'regex') patterns.push(check.regex.source);
    else if (check.kind === 'startsWith') patterns.push(`^${escapeRegex(check.value)}`);
    else if (check.kind === 'endsWith') patterns.push(`${escapeRegex(check.value)}$`);
    else if (check.kind === 'min') out.minLength = check.value;
    else if (check.kind === 'max') out.maxLength = check.value;
    else if (check.kind === 'length') out.minLength = out.maxLength = check.value;
    else if (check.kind === 'url') out.format = 'uri';
    // `trim` changes the value, it checks nothing.
  }
  if (patterns.length === 1) out.pattern = patterns[0];
  else if (patterns.length > 1) out.allOf = patterns.map((pattern) => ({ pattern }));
  return out;
}

function numberSchema(schema: z.ZodNumber): JsonSchema {
  const out: JsonSchema = { type: schema.isInt ? 'integer' : 'number' };
  for (const check of schema._def.checks) {
    if (check.kind === 'min') out[check.inclusive ? 'minimum' : 'exclusiveMinimum'] = check.value;
    else if (check.kind === 'max') out[check.inclusive ? 'maximum' : 'exclusiveMaximum'] = check.value;
    else if (check.kind === 'multipleOf') out.multipleOf = check.value;
  }
  return out;
}
