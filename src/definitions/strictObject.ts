/**
 * Strict zod objects for definition files. A key the object does not have fails, pointing at the key:
 * a key that was renamed (or that authors bring from docker-compose, Envoy and friends) says what to
 * write instead, a misspelt one says which key was meant, in the manner of Docusaurus' option
 * validation. Unknown keys are found before the fields are parsed, so they are reported together with
 * every other error of the object. Input and output types stay those of the object: one schema gives
 * what an author writes and the resolved value (defaults applied).
 */
import { z } from 'zod';
import { didYouMean } from './closest.ts';
import type { DefinitionPath } from './yamlSource.ts';

export interface StrictOptions {
  /** Old or foreign key → what to write instead (a key, or a short explanation). */
  renamed?: Readonly<Record<string, string>>;
  /** Keys accepted and dropped with a warning (e.g. Envoy fields a stand-in does not implement). */
  ignored?: readonly string[];
  /** The warning for an ignored key. */
  ignoredMessage?: string;
  /** The message for an unknown key, given the key it is probably a typo of; default names the keys. */
  unknownKey?: (key: string, meant: string | null, known: readonly string[]) => string;
}

/** Marks an issue that points at a key rather than at its value. */
export const AT_KEY = { atKey: true } as const;

/** Non-fatal notes found while parsing (zod has no warnings): see `parseWithWarnings`. */
export interface DefinitionWarning {
  path: DefinitionPath;
  message: string;
}
let warningSink: DefinitionWarning[] | null = null;

/** Parses with `schema`, collecting the warnings strict objects give for ignored keys. */
export function parseWithWarnings<S extends z.ZodTypeAny>(schema: S, value: unknown): { result: z.SafeParseReturnType<z.input<S>, z.output<S>>; warnings: DefinitionWarning[] } {
  const outer = warningSink;
  const warnings: DefinitionWarning[] = [];
  warningSink = warnings;
  try {
    return { result: schema.safeParse(value), warnings };
  } finally {
    warningSink = outer;
  }
}

const defaultUnknownKey = (key: string, meant: string | null, known: readonly string[]) =>
  meant ? `unknown key \`${key}\`; did you mean \`${meant}\`?` : `unknown key \`${key}\`; expected one of: ${known.join(', ')}`;

export type StrictObject<S extends z.ZodRawShape> = z.ZodEffects<z.ZodObject<S>, z.output<z.ZodObject<S>>, z.input<z.ZodObject<S>>>;

export function strictObject<S extends z.ZodRawShape>(shape: S, options: StrictOptions = {}): StrictObject<S> {
  const known = Object.keys(shape);
  const ignored = options.ignored ?? [];
  const unknownKey = options.unknownKey ?? defaultUnknownKey;
  const schema = z.preprocess((value, ctx) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const kept: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (known.includes(key)) {
        kept[key] = v;
      } else if (ignored.includes(key)) {
        warningSink?.push({ path: [...ctx.path, key], message: options.ignoredMessage ?? 'accepted but ignored' });
      } else {
        const instead = options.renamed?.[key];
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          params: AT_KEY,
          message: instead ? `\`${key}\` is not a key here; write \`${instead}\` instead` : unknownKey(key, didYouMean(key, [...known, ...ignored]), known),
        });
      }
    }
    return kept;
  }, z.object(shape));
  // z.preprocess types its input as unknown; the object's input is what an author may write.
  return schema as unknown as StrictObject<S>;
}

/** A problem found in a value as written, relative to that value. */
export interface WrittenIssue {
  path: DefinitionPath;
  message: string;
  /** Character inside a one-line scalar to point at. */
  within?: number;
}

/**
 * `schema`, with `check` run first on the value as written: it runs whatever else is wrong in the value
 * (a refinement would run only once the whole value parsed), so its errors come with all the others.
 */
export function checkWritten<T extends z.ZodTypeAny>(schema: T, check: (written: unknown, report: (issue: WrittenIssue) => void) => void): z.ZodEffects<T, z.output<T>, z.input<T>> {
  const checked = z.preprocess((value, ctx) => {
    check(value, (issue) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...issue.path], message: issue.message, ...(issue.within !== undefined && { params: { within: issue.within } }) }),
    );
    return value;
  }, schema);
  // As for strictObject: keep the schema's own input type.
  return checked as unknown as z.ZodEffects<T, z.output<T>, z.input<T>>;
}

/** An array whose items must differ in `key` (ids, names), checked as written (see `checkWritten`). */
export function uniqueBy<T extends z.ZodTypeAny>(
  items: z.ZodArray<T>,
  key: string,
  duplicate: (value: string | number, firstIndex: number) => string,
): z.ZodEffects<z.ZodArray<T>, z.output<z.ZodArray<T>>, z.input<z.ZodArray<T>>> {
  return checkWritten(items, (value, report) => {
    if (!Array.isArray(value)) return;
    const first = new Map<unknown, number>();
    value.forEach((item: unknown, i) => {
      const k = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
      if (typeof k !== 'string' && typeof k !== 'number') return;
      const seen = first.get(k);
      if (seen === undefined) first.set(k, i);
      else report({ path: [i, key], message: duplicate(k, seen) });
    });
  });
}
