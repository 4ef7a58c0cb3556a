/**
 * A private copy of the built site for one test file. Other test files (and engineers) rebuild
 * build/site at any time, and a Docusaurus build starts by emptying it, so a page served straight from
 * there can lose its lazy chunks mid-test. The copy is taken under the same lock as builds
 * (siteBuild.ts), so it is always a complete build.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SITE_DIR, ensureSiteBuilt } from './siteBuild.ts';

/** The lock siteBuild.ts builds under. */
const BUILD_LOCK = '/tmp/patchbay-site-build.lock';

export interface SiteCopy {
  dir: string;
  remove(): void;
}

export function copyBuiltSite(prefix: string): SiteCopy {
  ensureSiteBuilt();
  const parent = mkdtempSync(join(tmpdir(), `${prefix}-site-`));
  const dir = join(parent, 'site');
  execFileSync('flock', [BUILD_LOCK, 'cp', '-a', SITE_DIR, dir]);
  return { dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}
