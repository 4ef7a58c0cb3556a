/**
 * Runs the conntrack exporter (from source) inside a test namespace, and scrapes it from inside that
 * namespace. The exporter listens on 127.0.0.1 port 0 of the namespace; its start-up line gives the port.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor, type TestNetns } from './testNetns.ts';

export const EXPORTER_MAIN = fileURLToPath(new URL('../../labs/programs/conntrack-exporter/main.ts', import.meta.url));

export interface RunningExporter {
  child: ChildProcess;
  port: number;
  stderr(): string;
  stdout(): string[];
  /** The metrics text, fetched from inside the namespace. */
  scrape(): string;
  /** Parsed samples: `name{labels}` → value. */
  samples(): Map<string, number>;
}

export async function startExporter(net: TestNetns, ns: string, args: string[], prefix: string[] = []): Promise<RunningExporter> {
  const [cmd, ...rest] = [...prefix, 'node', '--import', 'tsx', EXPORTER_MAIN, '--bind-address=127.0.0.1', '--listen-port=0', ...args];
  const child = net.spawn(ns, cmd!, rest);
  let err = '';
  const out: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (l) => out.push(l));
  const port = await waitFor('the exporter to listen', () => {
    if (child.exitCode !== null) throw new Error(`exporter exited: ${err}`);
    const m = out.map((l) => /listening on http:\/\/[^ ]+:(\d+)\//.exec(l)).find((x) => x !== null);
    return m ? Number(m[1]) : undefined;
  });
  const scrape = () => net.exec(ns, 'curl', ['-sf', `http://127.0.0.1:${port}/metrics`]);
  return {
    child,
    port,
    stderr: () => err,
    stdout: () => out,
    scrape,
    samples: () => parseSamples(scrape()),
  };
}

export function parseSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
