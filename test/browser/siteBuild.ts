/**
 * The browser tests need build/site as the gateway serves it. Builds it (under a lock, since other
 * test files and engineers may build at the same time) when it is missing or older than its sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const SITE_DIR = 'build/site';
const SOURCES = ['docs', 'src/components', 'src/theme', 'src/pages', 'src/css', 'src/protocol', 'static', 'docusaurus.config.ts', 'sidebars.ts'];
const LOCK = '/tmp/patchbay-site-build.lock';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function siteIsFresh(): boolean {
  const index = join(SITE_DIR, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return SOURCES.every((source) => newestMtime(source) <= built);
}

export function ensureSiteBuilt(): void {
  if (siteIsFresh()) return;
  // Another build may be running: wait for it, then look again before building ourselves.
  execFileSync('flock', [LOCK, 'true']);
  if (siteIsFresh()) return;
  execFileSync('flock', [LOCK, 'sh', '-c', `npx docusaurus build --out-dir ${SITE_DIR} >/tmp/pbb-site-build.log 2>&1 || { tail -40 /tmp/pbb-site-build.log >&2; exit 1; }`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
