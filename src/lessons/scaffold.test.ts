/**
 * `patchbay new` into a temporary copy of the project (the course and its lab): what it writes loads with
 * the definitions loaders, passes the reference checks, and passes `patchbay test --offline` (references,
 * and every challenge assertion on the lab's offline fixture, a real Prometheus).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenges } from '../checker/challenges.ts';
import { PROJECT_DIR } from '../lab/loadLab.ts';
import { loadLabContext } from './labContext.ts';
import { readLesson } from './readLesson.ts';
import { checkReferences } from './referenceChecks.ts';
import { newChallenge, newLesson } from './scaffold.ts';

let project = '';
const lab = () => join(project, 'labs/connections');

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'pbnew-'));
  cpSync(join(PROJECT_DIR, 'docs/course'), join(project, 'docs/course'), { recursive: true });
  cpSync(join(PROJECT_DIR, 'labs/connections'), lab(), { recursive: true });
  // The lab's programs are checked on disk (build/programs); the copy uses the project's.
  // ESM as in the project, for the fixture generator (a .ts module) the offline run loads.
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(project, 'build'));
  symlinkSync(join(PROJECT_DIR, 'build/programs'), join(project, 'build/programs'));
});
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function patchbay(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(PROJECT_DIR, 'bin/patchbay.mjs'), ...args], { cwd: project, timeout: 150_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('patchbay new', () => {
  it('writes a lesson after the last one and its challenge, which load and pass the reference checks', async () => {
    const before = readdirSync(join(project, 'docs/course'));
    const r = newLesson({ projectDir: project, lab: 'connections', name: 'retries', title: 'Retries and timeouts' });
    expect(r).toMatchObject({ ok: true, written: [join(project, 'docs/course/05-retries.mdx'), join(lab(), 'challenges.yaml')] });
    expect(readdirSync(join(project, 'docs/course')).filter((f) => !before.includes(f))).toEqual(['05-retries.mdx']);
    const text = readFileSync(join(project, 'docs/course/05-retries.mdx'), 'utf8');
    expect(text).toMatch(/^---\nid: retries\ntitle: "5\. Retries and timeouts"\nsidebar_position: 5\n/);

    const challenges = await loadChallenges(lab());
    expect(challenges.ok && challenges.set.byId.get('retries')).toMatchObject({ lesson: 'retries', reference: 'sum by (job) (up)' });
    const context = await loadLabContext(lab(), project);
    expect(context.ok).toBe(true);
    const plan = readLesson(text, 'docs/course/05-retries.mdx');
    expect(plan.terminals.map((t) => t.target)).toEqual(['tools']);
    expect(plan.steps.map((s) => s.kind)).toEqual(['command', 'challenge']);
    expect(checkReferences(plan, context.ok ? context.context.references : {})).toEqual([]);
  });

  it('appends a challenge that loads, and refuses a clash without writing anything', async () => {
    expect(newChallenge({ projectDir: project, lab: 'connections', id: 'targets-up', lesson: 'retries' })).toMatchObject({ ok: true });
    const written = readFileSync(join(lab(), 'challenges.yaml'), 'utf8');
    const loaded = await loadChallenges(lab());
    expect(loaded.ok && [...loaded.set.byId.keys()].slice(-2)).toEqual(['retries', 'targets-up']);
    const clash = newChallenge({ projectDir: project, lab: 'connections', id: 'targets-up' });
    expect(clash).toMatchObject({ ok: false, message: expect.stringMatching(/challenges\.yaml:\d+:\d+: challenges\.\d+\.id: duplicate id `targets-up`/) });
    expect(newLesson({ projectDir: project, lab: 'connections', name: 'retries' })).toMatchObject({ ok: false, message: expect.stringContaining('a lesson with id retries exists') });
    expect(readFileSync(join(lab(), 'challenges.yaml'), 'utf8')).toBe(written);
  });

  it('passes patchbay test --offline as written: references, and every challenge assertion on the fixture', async () => {
    const r = await patchbay(['test', '--offline', '--lab', lab(), 'docs/course/05-retries.mdx']);
    expect(r.out).not.toMatch(/✗|FAIL/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✓ challenge retries \(offline fixture\).*\n.*checks: reference passes, empty answer fails, wrong answer fails, must pass, must fail with hint aggregation, mutant/);
    expect(r.out).toContain('1 lesson: 1 passed, 0 failed, 0 not run');
  }, 180_000);
});
