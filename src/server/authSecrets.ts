/**
 * The gateway's secrets, each in a 0600 file of a 0700 directory (default var/auth in the project,
 * `--auth-dir` or PATCHBAY_AUTH_DIR): the key that signs session cookies, the sign-in token of local
 * mode and the admin token of hosted mode. Kept across restarts, so the printed sign-in link and
 * everyone's session stay valid; `--new-secret` replaces all of them (signing everyone out). Without a
 * directory (tests, embedding) they are random and live only as long as the process.
 */
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PROJECT_DIR } from '../lab/loadLab.ts';

export const DEFAULT_AUTH_DIR = join(PROJECT_DIR, 'var', 'auth');
export const SESSION_KEY_FILE = 'session-key';
export const SIGN_IN_TOKEN_FILE = 'sign-in-token';
export const ADMIN_TOKEN_FILE = 'admin-token';
/** 32 random bytes, base64url: 43 characters, pasteable. */
const TOKEN_BYTES = 32;

export interface AuthSecrets {
  sessionKey: Buffer;
  /** What signs a browser in: the sign-in token (local) or the admin token (hosted). */
  signInToken: string;
  /** Hosted mode only: what POST /api/invites requires. */
  adminToken: string | null;
  /** Where the token a person needs is kept, for the start banner; null when not on disk. */
  tokenFile: string | null;
}

export interface AuthSecretsOptions {
  dir: string | null;
  hosted: boolean;
  /** Replace every secret instead of reading the files. */
  renew?: boolean;
  /** An admin token given by the operator (PATCHBAY_ADMIN_TOKEN) instead of the file's. */
  adminToken?: string;
}

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function loadAuthSecrets(options: AuthSecretsOptions): AuthSecrets {
  const { dir, hosted } = options;
  if (dir === null) {
    const token = options.adminToken ?? newToken();
    return { sessionKey: randomBytes(32), signInToken: token, adminToken: hosted ? token : null, tokenFile: null };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const renew = options.renew ?? false;
  const sessionKey = Buffer.from(secretFile(join(dir, SESSION_KEY_FILE), renew), 'base64url');
  if (hosted) {
    const adminToken = options.adminToken ?? secretFile(join(dir, ADMIN_TOKEN_FILE), renew);
    if (renew && options.adminToken === undefined) secretFile(join(dir, SIGN_IN_TOKEN_FILE), true);
    return { sessionKey, signInToken: adminToken, adminToken, tokenFile: options.adminToken === undefined ? join(dir, ADMIN_TOKEN_FILE) : null };
  }
  const signInToken = secretFile(join(dir, SIGN_IN_TOKEN_FILE), renew);
  return { sessionKey, signInToken, adminToken: null, tokenFile: join(dir, SIGN_IN_TOKEN_FILE) };
}

/** Reads the admin token as `patchbay invite` does: PATCHBAY_ADMIN_TOKEN, else the file; null when neither. */
export function readAdminToken(dir: string, env: NodeJS.ProcessEnv): string | null {
  if (env.PATCHBAY_ADMIN_TOKEN) return env.PATCHBAY_ADMIN_TOKEN;
  try {
    return readFileSync(join(dir, ADMIN_TOKEN_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * The secret in `file`, made when missing (or when `renew`). Created under a temp name and linked
 * into place, so two gateways starting at once agree on one secret and nobody reads a half-written file.
 */
function secretFile(file: string, renew: boolean): string {
  if (!renew) {
    const existing = readSecret(file);
    if (existing) return existing;
  }
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const value = newToken();
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${value}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (renew) {
      renameSync(temp, file);
      return value;
    }
    try {
      linkSync(temp, file);
      return value;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Another gateway made it first: use theirs.
      return readSecret(file) ?? value;
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed into place.
    }
  }
}

function readSecret(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // A copy restored with looser permissions is tightened: the file is a credential.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return text.length >= 32 ? text : null;
}
