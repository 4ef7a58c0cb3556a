/** Runs a helper program (ip, nft, umount, …) to completion. A non-zero exit is a value, not a throw. */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCommand(
  file: string,
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number; cwd?: string; maxOutputChars?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      // stdin is /dev/null unless there is input: bash treats a socket on stdin (node's default pipe)
      // as an rshd connection and sources ~/.bashrc, which can stall a probe for seconds.
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      detached: options.timeoutMs !== undefined,
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    // Each stream keeps at most maxOutputChars characters (what comes after is read and dropped), so a chatty command cannot fill memory.
    const max = options.maxOutputChars ?? Infinity;
    child.stdout!.on('data', (d: Buffer) => (stdout += stdout.length < max ? d.toString().slice(0, max - stdout.length) : ''));
    child.stderr!.on('data', (d: Buffer) => (stderr += stderr.length < max ? d.toString().slice(0, max - stderr.length) : ''));
    if (options.timeoutMs !== undefined) {
      // Detached: its own process group, so a timeout kills whatever it started too.
      timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, options.timeoutMs);
    }
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1), stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
export function signalNumber(signal: string): number | undefined {
  return SIGNALS[signal];
}
