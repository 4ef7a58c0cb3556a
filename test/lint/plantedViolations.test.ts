/**
 * The layer rules catch what they exist to catch. `test/lint/planted/` keeps one violation per rule; each file
 * says where it pretends to live (`planted at:`) and what must be reported (`expect:`). The linter's files are
 * linted as if they sat at that path, with the project's own eslint.config.mjs; the typecheck files are compiled
 * with their layer's own tsconfig. A rule that stops catching its violation fails here.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PLANTED = path.join(ROOT, 'test/lint/planted');
const run = promisify(execFile);

interface Planted {
  file: string;
  text: string;
  /** Repository path the file is linted as, or null for typecheck plants and on-disk plants. */
  plantedAt: string | null;
  typecheck: string | null;
  expects: string[];
}

function header(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^// ${key}: (.+)$`, 'gm'))].map((m) => m[1]!.trim());
}

function readPlanted(dir: string): Planted[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => {
      const text = readFileSync(path.join(dir, e.name), 'utf8');
      return {
        file: path.join(dir, e.name),
        text,
        plantedAt: header(text, 'planted at')[0] ?? null,
        typecheck: header(text, 'typecheck')[0] ?? null,
        expects: header(text, 'expect'),
      };
    });
}

const planted = readPlanted(PLANTED);
// `ignore: false`: the planted folder is in the config's ignores so that `npm run lint` stays green.
const eslint = new ESLint({ cwd: ROOT, ignore: false });

/** Rule ids reported for `text` as if it were the file at `filePath`. */
async function reportedRules(text: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, filePath) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? (m.message.includes('Unused eslint-disable') ? 'unused-disable-directive' : `fatal: ${m.message}`));
}

describe('planted layer violations', () => {
  it('keeps a plant for every rule the config sets', () => {
    const expected = new Set(planted.flatMap((p) => p.expects));
    for (const rule of [
      'import-x/no-restricted-paths',
      'import-x/no-nodejs-modules',
      'react-hooks/rules-of-hooks',
      'react-hooks/exhaustive-deps',
      'check-file/filename-naming-convention',
      'unused-disable-directive',
    ]) {
      expect(expected, rule).toContain(rule);
    }
    expect(readPlanted(path.join(PLANTED, 'cycle')).flatMap((p) => p.expects)).toContain('import-x/no-cycle');
  });

  for (const plant of planted.filter((p) => p.plantedAt !== null)) {
    it(`reports ${plant.expects.join(', ')} for ${path.basename(plant.file)} at ${plant.plantedAt}`, async () => {
      const rules = await reportedRules(plant.text, plant.plantedAt!);
      expect(rules.length).toBeGreaterThan(0);
      // Only what the plant is for: a plant that trips another rule (or fails to parse) tests nothing.
      for (const rule of rules) expect(plant.expects).toContain(rule);
      for (const rule of plant.expects) expect(rules).toContain(rule);
    });
  }

  it('passes a file that keeps to its layer, so the plants fail for their violation alone', async () => {
    const rules = await reportedRules(
      "import { apiError } from '../../protocol/errors.ts';\nexport const planted = apiError;\n",
      'src/components/Planted/fine.ts',
    );
    expect(rules).toEqual([]);
  });

  it('reports an import cycle between two files on disk', async () => {
    const results = await eslint.lintFiles([path.join(PLANTED, 'cycle')]);
    expect(results).toHaveLength(2);
    for (const result of results) expect(result.messages.map((m) => m.ruleId)).toEqual(['import-x/no-cycle']);
  });

  /** tsc's error lines for one planted layer config (which lists that layer's plants), run once per config. */
  const typecheckRuns = new Map<string, Promise<string[]>>();
  function typecheck(configName: string): Promise<string[]> {
    let result = typecheckRuns.get(configName);
    if (!result) {
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
      result = run(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', path.join(PLANTED, configName)], { cwd: ROOT })
        .then(
          () => '',
          (error: { stdout: string }) => error.stdout,
        )
        .then((out) => out.split('\n').filter((l) => l.includes('error TS')));
      typecheckRuns.set(configName, result);
    }
    return result;
  }

  for (const plant of planted.filter((p) => p.typecheck !== null)) {
    it(`does not compile ${path.basename(plant.file)} with ${plant.typecheck}`, async () => {
      const errors = await typecheck(plant.typecheck!);
      const plantsOfConfig = planted.filter((p) => p.typecheck === plant.typecheck).map((p) => `test/lint/planted/${path.basename(p.file)}`);
      // Every error is in a plant of this layer (nothing else breaks), and every expected one is in this plant.
      for (const line of errors) expect(plantsOfConfig.some((f) => line.startsWith(f)), line).toBe(true);
      const own = errors.filter((l) => l.startsWith(`test/lint/planted/${path.basename(plant.file)}`));
      for (const message of plant.expects) expect(own.some((l) => l.includes(message)), message).toBe(true);
    });
  }
});
