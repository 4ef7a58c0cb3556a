/**
 * The environment of every lab process and terminal is built here from scratch: nothing of the
 * runtime's or the gateway's own environment leaks in (no tokens, no npm_* variables).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The system PATH plus the directory of the running `node`, so `node` works in every host. */
export function labPath(): string {
  const nodeDir = dirname(process.execPath);
  return SYSTEM_PATH.split(':').includes(nodeDir) ? SYSTEM_PATH : `${SYSTEM_PATH}:${nodeDir}`;
}

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Looks a user up in /etc/passwd (lab hosts share the machine's users). */
export function lookupUser(name: string): UserInfo | null {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
  }
  return null;
}

/** Base environment for a user in a host; lab variables and host env are layered on top by the caller. */
export function baseEnv(user: UserInfo | null, host: string): Record<string, string> {
  return {
    PATH: labPath(),
    HOME: user?.home ?? '/root',
    USER: user?.name ?? 'root',
    LOGNAME: user?.name ?? 'root',
    LANG: 'C.UTF-8',
    HOSTNAME: host,
  };
}
