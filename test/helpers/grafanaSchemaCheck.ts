/**
 * Type-checks Grafana dashboard JSON models against `Dashboard` of @grafana/schema with the project's
 * TypeScript: each model goes into its own .ts file (`const d = <json> satisfies Dashboard;`) and one
 * `tsc --noEmit --strict` run checks them all. The files sit in a temp directory under var/ (ignored by
 * git) so the package resolves from the project's node_modules; the directory is removed afterwards.
 * Returns each model's errors (none: it is a dashboard Grafana's schema accepts).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

export async function grafanaSchemaErrors<K extends string>(models: Record<K, unknown>): Promise<Record<K, string[]>> {
  mkdirSync(join(ROOT, 'var'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'var', 'grafana-check-'));
  try {
    const files = Object.entries(models).map(([name, model]) => {
      const file = join(dir, `${name}.ts`);
      writeFileSync(file, `import type { Dashboard } from '@grafana/schema';\nexport const d = ${JSON.stringify(model, null, 2)} satisfies Dashboard;\n`);
      return file;
    });
    const args = ['--noEmit', '--strict', '--exactOptionalPropertyTypes', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', ...files];
    const output = await new Promise<string>((done) => execFile(TSC, args, { cwd: dir, timeout: 180_000 }, (_error, stdout, stderr) => done(`${stdout}${stderr}`)));
    const errors: Record<string, string[]> = Object.fromEntries(Object.keys(models).map((n) => [n, []]));
    let last: string[] | undefined;
    for (const line of output.split('\n')) {
      const m = /^(?:.*\/)?([^/(]+)\.ts\(\d+,\d+\): error (TS\d+: .*)$/.exec(line);
      if (m && m[1]! in errors) (last = errors[m[1]!]!).push(m[2]!);
      else if (/error TS\d+/.test(line)) throw new Error(`tsc: ${line}`);
      // tsc explains an error on the indented lines after it: they belong to it.
      else if (last && /^\s+\S/.test(line)) last[last.length - 1] += `\n${line.trim()}`;
    }
    return errors as Record<K, string[]>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
