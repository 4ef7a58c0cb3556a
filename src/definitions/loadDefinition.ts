/**
 * Loading a definition file: YAML with positions, one schema pass (input type in, resolved type out,
 * defaults applied), then the checks between parts that need the resolved value. Every error of the
 * file comes back at once, each with file:line:column: YAML errors first (they may explain the rest),
 * then the others in file order.
 */
import type { z, ZodIssue } from 'zod';
import { byPosition, type DefinitionError } from './definitionError.ts';
import { parseWithWarnings } from './strictObject.ts';
import { parseYamlSource, type DefinitionPath, type PointAt, type YamlSource, type YamlSourceOptions } from './yamlSource.ts';

/** A problem at a path into the definition, before it has a position. */
export interface DefinitionIssue extends PointAt {
  path: DefinitionPath;
  message: string;
}

export type DefinitionResult<T> =
  | { ok: true; value: T; source: YamlSource; warnings: DefinitionError[] }
  | { ok: false; errors: DefinitionError[]; source: YamlSource };

export interface LoadDefinitionOptions<T> extends YamlSourceOptions {
  /** Rules between parts of a well-formed definition (references, cycles, clashes). */
  check?: (value: T) => DefinitionIssue[];
}

export function loadDefinition<S extends z.ZodTypeAny>(
  text: string,
  file: string,
  schema: S,
  options: LoadDefinitionOptions<z.output<S>> = {},
): DefinitionResult<z.output<S>> {
  const source = parseYamlSource(text, file, options);
  // Aliases that cannot be expanded leave nothing to validate.
  if (source.value === undefined && source.errors.length) return { ok: false, errors: source.errors, source };
  const { result, warnings } = parseWithWarnings(schema, source.value);
  const issues: DefinitionIssue[] = result.success ? (options.check?.(result.data) ?? []) : describeIssues(result.error.issues);
  const errors = [...source.errors, ...issues.map((i) => source.errorAt(i.path, i.message, i)).sort(byPosition)];
  if (errors.length || !result.success) return { ok: false, errors, source };
  return { ok: true, value: result.data, source, warnings: warnings.map((w) => source.errorAt(w.path, w.message, { atKey: true })) };
}

/** An error about the file as a whole (it cannot be read, say). */
export function fileError(file: string, message: string): DefinitionError {
  return { file, line: 1, column: 1, path: '', message };
}

/** zod issues in the house style, one per problem. */
export function describeIssues(issues: readonly ZodIssue[]): DefinitionIssue[] {
  const seen = new Set<string>();
  const out: DefinitionIssue[] = [];
  for (const issue of issues.flatMap(flattenUnion)) {
    const params = issue.code === 'custom' ? (issue.params as { atKey?: boolean; within?: number } | undefined) : undefined;
    const described: DefinitionIssue = { path: issue.path, message: describeIssue(issue), atKey: params?.atKey === true, ...(params?.within !== undefined && { within: params.within }) };
    const key = `${issue.path.join('.')}|${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(described);
  }
  return out;
}

/** A union's own message says nothing; report the branch that got furthest. */
function flattenUnion(issue: ZodIssue): ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const branches = issue.unionErrors.map((e) => e.issues);
  const deepest = branches.reduce((best, b) => (depth(b) > depth(best) ? b : best), branches[0] ?? []);
  if (depth(deepest) > issue.path.length) return deepest.flatMap(flattenUnion);
  const expected = branches.flat().flatMap(expectedBy);
  return [{ ...issue, message: expected.length ? `expected ${[...new Set(expected)].join(' or ')}` : issue.message }];
}
/** What a failed union branch wanted: a type, a literal value or an enum's values. */
function expectedBy(issue: ZodIssue): string[] {
  if (issue.code === 'invalid_type') return [issue.expected];
  if (issue.code === 'invalid_literal') return [JSON.stringify(issue.expected)];
  if (issue.code === 'invalid_enum_value') return issue.options.map((o) => JSON.stringify(o));
  return [];
}
const depth = (issues: ZodIssue[]) => Math.max(0, ...issues.map((i) => i.path.length));

/** zod's default messages in the house style; a schema's own message is kept as written. */
function describeIssue(issue: ZodIssue): string {
  if (issue.code === 'invalid_type' && (issue.message === 'Required' || issue.message === `Expected ${issue.expected}, received ${issue.received}`)) {
    if (issue.received === 'undefined') return `missing required key \`${String(issue.path.at(-1))}\``;
    return `expected ${issue.expected}, got ${issue.received}`;
  }
  if (issue.code === 'invalid_enum_value' && issue.message.startsWith('Invalid enum value.')) {
    return `expected one of ${issue.options.join(', ')}, got "${String(issue.received)}"`;
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && /^(Number|String|Array) must /.test(issue.message)) {
    const small = issue.code === 'too_small';
    const limit = Number(small ? issue.minimum : issue.maximum);
    const bound = issue.exact ? 'exactly' : small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
    if (issue.type === 'number') return `expected ${bound} ${limit}`;
    if (issue.type === 'string') return small && limit === 1 && !issue.exact ? 'expected a non-empty string' : `expected ${bound} ${limit} characters`;
    if (issue.type === 'array') return `expected ${bound} ${limit} ${limit === 1 ? 'item' : 'items'}`;
  }
  if (issue.code === 'invalid_literal' && issue.message.startsWith('Invalid literal value')) {
    return `expected ${JSON.stringify(issue.expected)}, got ${JSON.stringify(issue.received)}`;
  }
  return issue.message;
}
