#!/usr/bin/env node
// Bundles each lab program (labs/programs/<name>/main.ts) into build/programs/<name>.mjs, so a lab
// starts its processes with plain `node` (no TypeScript loader at run time: faster cold `up`).
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const programsDir = join(root, 'labs/programs');
const outDir = join(root, 'build/programs');

const entries = existsSync(programsDir)
  ? readdirSync(programsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(programsDir, d.name, 'main.ts')))
      .map((d) => d.name)
  : [];

await Promise.all(
  entries.map((name) =>
    build({
      entryPoints: [join(programsDir, name, 'main.ts')],
      outfile: join(outDir, `${name}.mjs`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: 'inline',
      logLevel: 'warning',
      // Native addons and their loaders cannot be bundled; they resolve from node_modules at run time.
      external: ['node-pty'],
      banner: { js: "import { createRequire as __pbCreateRequire } from 'node:module'; const require = __pbCreateRequire(import.meta.url);" },
    }),
  ),
);
console.log(`build:programs: ${entries.length} program(s) → ${outDir}${entries.length ? ': ' + entries.join(', ') : ''}`);
