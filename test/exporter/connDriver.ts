/**
 * A TCP client and server to run inside a test network namespace (`ip netns exec NS node --import tsx
 * connDriver.ts`). Reads one JSON command per line on stdin, answers one JSON line on stdout:
 *   {"op":"listen","host":"10.77.0.2","port":7001}
 *   {"op":"connect","host":"10.77.0.2","port":7001,"n":5,"from":"10.77.0.3","wait":true}
 *   {"op":"end"}     graceful close of every client socket (FIN: the kernel entry goes to closing)
 *   {"op":"reset"}   abortive close of every client socket (RST: the kernel entry goes to CLOSE)
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

interface Command {
  op: 'listen' | 'connect' | 'end' | 'reset';
  host?: string;
  port?: number;
  n?: number;
  from?: string;
  wait?: boolean;
}

const clients: Socket[] = [];
const accepted: Socket[] = [];

async function run(c: Command): Promise<unknown> {
  if (c.op === 'listen') {
    const server = createServer({ allowHalfOpen: false }, (s) => {
      accepted.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: c.host, port: c.port, backlog: 4096 }, resolve));
    return { port: (server.address() as { port: number }).port };
  }
  if (c.op === 'connect') {
    const opened: Promise<void>[] = [];
    for (let i = 0; i < (c.n ?? 1); i++) {
      const s = createConnection({ host: c.host, port: c.port!, localAddress: c.from });
      s.on('error', () => {});
      clients.push(s);
      opened.push(new Promise((resolve) => s.once('connect', () => resolve())));
    }
    if (c.wait !== false) await Promise.all(opened);
    return { connecting: c.n ?? 1 };
  }
  const all = clients.splice(0);
  if (c.op === 'end') for (const s of all) s.end();
  else for (const s of all) s.resetAndDestroy();
  return { closed: all.length };
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  run(JSON.parse(line) as Command).then(
    (r) => process.stdout.write(JSON.stringify({ ok: true, ...(r as object) }) + '\n'),
    (err: Error) => process.stdout.write(JSON.stringify({ ok: false, error: err.message }) + '\n'),
  );
});
rl.on('close', () => process.exit(0));
