/**
 * Where a lab host's sandbox (sandbox.ts) shows the lab's files, so plans can name them: `${PROGRAMS}`
 * and `${LAB_DIR}` are these paths, not the machine's, since every process runs inside its host.
 */
import { basename, join } from 'node:path';

export const SANDBOX_PROGRAMS_DIR = '/opt/patchbay/programs';
export const SANDBOX_LABS_DIR = '/opt/patchbay/labs';
/** The home of root inside a sandbox: the host's own home directory (or the bare gateway's workspace). */
export const SANDBOX_HOME = '/root';

/** `${LAB_DIR}` inside a host: the lab's directory under SANDBOX_LABS_DIR by its name. */
export function sandboxLabDir(labDir: string): string {
  return join(SANDBOX_LABS_DIR, basename(labDir));
}
