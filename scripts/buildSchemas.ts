/**
 * `npm run build:schemas`: writes the JSON Schemas of lab.yaml and challenges.yaml (schemas/*.schema.json)
 * from the zod schemas their loaders use, so an editor with yaml-language-server completes and checks the
 * files (each starts with `# yaml-language-server: $schema=…`). The files are committed;
 * test/definitions/schemaFiles.test.ts fails when they differ from what this script writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJsonSchema } from '../src/definitions/jsonSchema.ts';
import { labSchema } from '../src/lab/schema.ts';
import { challengeSetSchema } from '../src/checker/challengeSchema.ts';
import { taskSetSchema } from '../src/lab/taskSchema.ts';

export const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Each schema file, relative to the project, with what it describes. */
export const SCHEMA_FILES = [
  {
    path: 'schemas/lab.schema.json',
    schema: labSchema,
    title: 'Patchbay lab definition (labs/<lab>/lab.yaml)',
    description: 'Hosts, their processes and Prometheus; see docs/authoring/lab-definition.md.',
  },
  {
    path: 'schemas/challenges.schema.json',
    schema: challengeSetSchema,
    title: 'Patchbay challenges (labs/<lab>/challenges.yaml)',
    description: 'PromQL challenges graded by meaning; see docs/authoring/challenges.md.',
  },
  {
    path: 'schemas/tasks.schema.json',
    schema: taskSetSchema,
    title: 'Patchbay tasks (labs/<lab>/tasks.yaml)',
    description: "Tasks checked on a host of the learner's lab; see docs/authoring/tasks.md.",
  },
] as const;

/** The text of each schema file as this script writes it. */
export function renderSchemaFiles(): { path: string; text: string }[] {
  return SCHEMA_FILES.map((f) => ({
    path: f.path,
    text: `${JSON.stringify(toJsonSchema(f.schema, { title: f.title, description: f.description }), null, 2)}\n`,
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of renderSchemaFiles()) {
    writeFileSync(join(PROJECT_DIR, f.path), f.text);
    console.log(`wrote ${f.path}`);
  }
}
