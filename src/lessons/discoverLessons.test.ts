import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverLessons } from './discoverLessons.ts';

let project = '';
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'pbk-discover-'));
  const course = join(project, 'docs/course');
  mkdirSync(course, { recursive: true });
  const visor = '<TerminalVisor>\n  <Terminal target="tools" id="tools"/>\n</TerminalVisor>\n';
  writeFileSync(join(course, 'index.mdx'), "import DocCardList from '@theme/DocCardList';\n\n# The course\n\n<DocCardList />\n");
  writeFileSync(join(course, '01-first.mdx'), `# First\n\n${visor}`);
  writeFileSync(join(course, '02-second.mdx'), '# Second\n\n<Challenge id="x"/>\n');
  writeFileSync(join(course, '03-broken.mdx'), '# Broken\n\n<Terminal target=\n');
  writeFileSync(join(course, '99-complete.mdx'), '# You finished the course\n\nWell done.\n');
  writeFileSync(join(course, '_partial.mdx'), visor);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('discoverLessons', () => {
  it('lists the pages that have something to run, in order; a landing or completion page of prose is not a lesson', () => {
    expect(discoverLessons([], project, project)).toEqual({ ok: true, files: ['docs/course/01-first.mdx', 'docs/course/02-second.mdx', 'docs/course/03-broken.mdx'] });
  });

  it('names the lesson probably meant', () => {
    expect(discoverLessons(['secnd'], project, project)).toEqual({ ok: false, message: 'no lesson "secnd"; did you mean second?' });
    expect(discoverLessons(['zzz'], project, project)).toEqual({ ok: false, message: 'no lesson "zzz" (lessons: 01-first, 02-second, 03-broken)' });
  });
});
