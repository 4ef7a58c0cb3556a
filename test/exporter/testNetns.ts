/**
 * Test network namespaces for the conntrack exporter: a pair "a" (the host the exporter watches) and "b"
 * (the remote hosts), joined by a veth pair, with IPv4 and IPv6 addresses, names in a's /etc/hosts
 * (`/etc/netns/<a>/hosts`, which `ip netns exec` mounts over /etc/hosts), conntrack enabled in a by an
 * nft rule, and short TCP timeouts in a. Everything carries the `pbe` prefix and a random part;
 * dispose() removes exactly what create() made, in reverse order.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';

/** Addresses on the veth pair; identical across tests is fine, each pair lives in its own namespaces. */
export const Net = {
  a4: '10.77.0.1',
  b4: '10.77.0.2',
  /** A second client address on b, named "charlie", for the inbound cardinality test. */
  c4: '10.77.0.3',
  /** A third address on b, named "delta", for --ignore-hosts. */
  d4: '10.77.0.4',
  a6: 'fd77::1',
  b6: 'fd77::2',
} as const;

export const HOSTS_FILE = `127.0.0.1 localhost
${Net.a4} alpha
${Net.b4} bravo
${Net.c4} charlie
${Net.d4} delta
${Net.b6} bravo6
`;

const sh = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });

export class TestNetns {
  readonly a: string;
  readonly b: string;
  private readonly children: ChildProcess[] = [];
  private readonly undo: (() => void)[] = [];

  private constructor(id: string) {
    this.a = `pbe-${id}-a`;
    this.b = `pbe-${id}-b`;
  }

  /** Creates the pair; on failure it removes whatever it had made. */
  static create(opts: { sysctls?: Record<string, number>; track?: boolean } = {}): TestNetns {
    const t = new TestNetns(randomBytes(4).toString('hex'));
    try {
      t.setUp(opts.sysctls ?? {}, opts.track ?? true);
    } catch (err) {
      t.dispose();
      throw err;
    }
    return t;
  }

  private setUp(sysctls: Record<string, number>, track: boolean): void {
    const { a, b } = this;
    for (const ns of [a, b]) {
      sh('ip', ['netns', 'add', ns]);
      this.undo.push(() => sh('ip', ['netns', 'del', ns]));
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const id = a.slice(4, 12);
    sh('ip', ['link', 'add', `pbe${id}a`, 'netns', a, 'type', 'veth', 'peer', 'name', `pbe${id}b`, 'netns', b]);
    const ifA = `pbe${id}a`;
    const ifB = `pbe${id}b`;
    sh('ip', ['-n', a, 'addr', 'add', `${Net.a4}/24`, 'dev', ifA]);
    sh('ip', ['-n', a, '-6', 'addr', 'add', `${Net.a6}/64`, 'dev', ifA, 'nodad']);
    for (const addr of [Net.b4, Net.c4, Net.d4]) sh('ip', ['-n', b, 'addr', 'add', `${addr}/24`, 'dev', ifB]);
    sh('ip', ['-n', b, '-6', 'addr', 'add', `${Net.b6}/64`, 'dev', ifB, 'nodad']);
    sh('ip', ['-n', a, 'link', 'set', ifA, 'up']);
    sh('ip', ['-n', b, 'link', 'set', ifB, 'up']);
    mkdirSync(`/etc/netns/${a}`, { recursive: true });
    this.undo.push(() => rmSync(`/etc/netns/${a}`, { recursive: true, force: true }));
    writeFileSync(`/etc/netns/${a}/hosts`, HOSTS_FILE);
    if (track) {
      // Connection tracking runs in a namespace only when a rule there asks for it.
      this.nft(a, `table inet pbe_track {
        chain track_out { type filter hook output priority 0; ct state new,established accept; }
        chain track_in { type filter hook input priority 0; ct state new,established accept; }
      }`);
    }
    for (const [key, value] of Object.entries(sysctls)) sh('ip', ['netns', 'exec', a, 'sysctl', '-qw', `${key}=${value}`]);
  }

  /** Loads an nft ruleset (text) into a namespace. */
  nft(ns: string, ruleset: string): void {
    sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], ruleset);
  }

  /** Runs a command in a namespace and returns its stdout. */
  exec(ns: string, cmd: string, args: string[]): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Starts a long-running process in a namespace; dispose() stops it. */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  /** A connection driver (connDriver.ts) in a namespace; send() returns its JSON answer. */
  driver(ns: string): { send(cmd: object): Promise<Record<string, unknown>> } {
    const child = this.spawn(ns, 'node', ['--import', 'tsx', new URL('./connDriver.ts', import.meta.url).pathname]);
    const answers = createInterface({ input: child.stdout! });
    const waiting: ((v: Record<string, unknown>) => void)[] = [];
    answers.on('line', (line) => waiting.shift()?.(JSON.parse(line) as Record<string, unknown>));
    return {
      send(cmd: object) {
        return new Promise((resolve, reject) => {
          waiting.push((v) => (v.ok ? resolve(v) : reject(new Error(String(v.error)))));
          child.stdin!.write(JSON.stringify(cmd) + '\n');
        });
      },
    };
  }

  /** Stops the processes it started (by PID), then removes namespaces and files, newest first. */
  async dispose(): Promise<void> {
    await Promise.all(this.children.splice(0).map((c) => stopChild(c)));
    for (const step of this.undo.splice(0).reverse()) {
      try {
        step();
      } catch {
        // already gone
      }
    }
  }
}

/** SIGTERM, then SIGKILL if it has not ended after a grace period; resolves when it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Polls fn until it returns a value other than undefined, or fails after timeoutMs with the last state. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
