/**
 * `patchbay dev`: Docusaurus with hot reload behind the gateway. The dev server runs as a child on an
 * internal port; the gateway serves the API and terminals on PORT and proxies everything else to it
 * (its HMR WebSocket too), and prints the child's output with the gateway's URL for the internal one.
 * The lab follows edits of its files (src/server/devLab.ts). The child is stopped by PID on exit.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { commandHelp, defineCommand, usageError } from '../command.ts';
import { devProxy } from '../../server/devProxy.ts';
import { DEFAULT_LAB } from '../../server/gatewayLab.ts';
import { startDevLab } from '../../server/devLab.ts';
import { DevOutput } from '../devOutput.ts';
import { gatewayArgs, GATEWAY_FLAGS, GATEWAY_OPTIONS_HELP, runGateway } from './serve.ts';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The dev server has this long to exit on SIGTERM before it is killed. */
const CHILD_STOP_MS = 5_000;

const help = commandHelp('dev', `[OPTIONS]

Starts \`docusaurus start\` on an internal port and serves it with hot reload, the API and terminals on
PORT. Lessons reload as you save them. Saving the lab's challenges.yaml reloads the challenges; saving
its lab.yaml (or a file it names) restarts the lab when what runs changed. A file saved with errors
changes nothing: the errors are printed and shown in the page's lab status. As with serve, only a
browser that opened the printed sign-in link gets in. Unlike serve, dev runs ONE instance of the lab
that every signed-in browser shares (it is what follows your edits): the --pool-* flags are serve's.

Options:
${GATEWAY_OPTIONS_HELP}
  -h, --help             This help

Environment: PORT, HOST, PATCHBAY_CGROUP_PARENT (parent pids cgroup of terminals, default patchbay),
PATCHBAY_AUTH_DIR, PATCHBAY_HOSTED, PATCHBAY_ADMIN_TOKEN.

Examples:
  patchbay dev                    # what npm run dev runs; open the sign-in link it prints
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

export const dev = defineCommand({
  name: 'dev',
  help,
  options: GATEWAY_FLAGS,
  allowPositionals: false,
  async run({ values }) {
    const parsed = gatewayArgs(values, process.env);
    if (!parsed.ok) return usageError('dev', parsed.message);
    const internalPort = await freePort();
    // Own process group, so stopping it also stops the workers it starts.
    // Colours survive the pipe when our own output is a terminal.
    const colour = process.stdout.isTTY ? { FORCE_COLOR: '1' } : {};
    const child = spawn(
      process.execPath,
      [`${REPO_ROOT}/node_modules/@docusaurus/core/bin/docusaurus.mjs`, 'start', '--port', String(internalPort), '--host', '127.0.0.1', '--no-open'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...colour } },
    );
    const stdout = new DevOutput(internalPort, (line) => console.log(line));
    const stderr = new DevOutput(internalPort, (line) => console.error(line));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        stdout.flush();
        stderr.flush();
        resolve();
      }),
    );
    console.log(`site: Docusaurus dev server started (pid ${child.pid}); it is reached through the gateway`);
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
    const lab = parsed.lab === undefined ? DEFAULT_LAB : parsed.lab;
    const code = await runGateway(parsed.options, {
      fallback: devProxy({ host: '127.0.0.1', port: internalPort }),
      onStop: stopChild,
      startLab: async (log) => ({ ok: true, lab: lab === null ? null : await startDevLab({ lab, log }) }),
      onListening: (url) => {
        stdout.setUrl(url);
        stderr.setUrl(url);
      },
    });
    // Also when the gateway never listened (the port was taken): the dev server must not outlive us.
    await stopChild();
    return code;
  },
});
