/**
 * The built site for the challenge browser tests. `npm test` builds it first (`npm run build`); run alone,
 * a test builds it when it is missing or older than its sources. Builds take a lock so two test files
 * (or two engineers) never write build/site and .docusaurus at the same time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const SITE_DIR = join(PROJECT_DIR, 'build', 'site');
/** Shared with any other test that builds the site. */
const BUILD_LOCK = '/tmp/patchbay-site-build.lock';
/** What the built site is made from; a newer file here means build/site is stale. */
const SOURCES = ['docs', 'src/components', 'src/theme', 'src/css', 'src/protocol', 'docusaurus.config.ts', 'sidebars.ts'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function siteIsFresh(): boolean {
  const index = join(SITE_DIR, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return SOURCES.every((s) => newestMtime(join(PROJECT_DIR, s)) <= built);
}

/** Builds build/site unless it is fresh. Waiting on the lock, another build may have finished first: cheap
 * to repeat compared with two builds writing the same directories. */
export function ensureSiteBuilt(): void {
  if (siteIsFresh()) return;
  execFileSync('flock', [BUILD_LOCK, 'npx', 'docusaurus', 'build', '--out-dir', 'build/site'], { cwd: PROJECT_DIR, stdio: 'inherit' });
}
