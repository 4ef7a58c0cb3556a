/**
 * `patchbay dev`: Docusaurus with hot reload behind the gateway. The dev server runs as a child on an
 * internal port; the gateway serves the API and terminals on PORT and proxies everything else to it
 * (its HMR WebSocket too). The child is stopped by PID on exit.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { commandHelp, type Command } from '../command.ts';
import { devProxy } from '../../server/devProxy.ts';
import { GATEWAY_FLAGS, GATEWAY_OPTIONS_HELP, parseGatewayCommand, runGateway } from './serve.ts';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The dev server has this long to exit on SIGTERM before it is killed. */
const CHILD_STOP_MS = 5_000;

const help = commandHelp('dev', `[OPTIONS]

Starts \`docusaurus start\` on an internal port and serves it with hot reload, the API and terminals on
PORT.

Options:
${GATEWAY_OPTIONS_HELP}
  -h, --help             This help

Environment: PORT, HOST, PATCHBAY_CGROUP_PARENT (parent pids cgroup of terminals, default patchbay).

Examples:
  patchbay dev                    # what npm run dev runs
  patchbay dev --no-lab --port 3001`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const dev: Command = {
  name: 'dev',
  help,
  options: GATEWAY_FLAGS,
  allowPositionals: false,
  async run(args) {
    const parsed = parseGatewayCommand('dev', help, args);
    if (!parsed.ok) return parsed.exitCode;
    const internalPort = await freePort();
    // Own process group, so stopping it also stops the workers it starts.
    const child = spawn(
      process.execPath,
      [`${REPO_ROOT}/node_modules/@docusaurus/core/bin/docusaurus.mjs`, 'start', '--port', String(internalPort), '--host', '127.0.0.1', '--no-open'],
      { cwd: REPO_ROOT, stdio: 'inherit', detached: true },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    console.log(`Docusaurus dev server starting on internal port ${internalPort} (pid ${child.pid})`);
    const stopChild = async () => {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, CHILD_STOP_MS);
      await exited;
      clearTimeout(timer);
    };
    return runGateway(parsed.options, { fallback: devProxy({ host: '127.0.0.1', port: internalPort }), onStop: stopChild, ...(parsed.lab !== undefined ? { lab: parsed.lab } : {}) });
  },
};
