/**
 * `sidecar`: an Envoy stand-in for the lab. Command line as Envoy's where it overlaps:
 *   node build/programs/sidecar.mjs -c envoy.yaml [--concurrency N] [--mode validate]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { parseBootstrap } from './bootstrap.ts';
import { Sidecar } from './sidecar.ts';

const HELP = `Usage: sidecar -c FILE [--concurrency N] [--mode serve|validate]

An Envoy stand-in (see labs/programs/sidecar/README.md for the subset it implements).

  -c, --config-path FILE   Envoy v3 bootstrap YAML (static_resources + admin)
      --concurrency N      number of workers (default: number of CPUs, like Envoy)
      --mode validate      check the configuration and exit (0 when valid)
  -h, --help               this help
`;

function main(): void {
  let args;
  try {
    args = parseArgs({
      options: {
        'config-path': { type: 'string', short: 'c' },
        concurrency: { type: 'string' },
        mode: { type: 'string', default: 'serve' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`sidecar: ${(e as Error).message}\n${HELP}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const path = args['config-path'];
  if (!path) {
    process.stderr.write(`sidecar: -c/--config-path is required\n${HELP}`);
    process.exit(2);
  }
  const concurrency = args.concurrency === undefined ? cpus().length : Number(args.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`sidecar: --concurrency must be a positive integer (got "${args.concurrency}")\n`);
    process.exit(2);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    process.stderr.write(`sidecar: cannot read ${path}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const parsed = parseBootstrap(text, path);
  if (!parsed.ok) {
    for (const e of parsed.errors) process.stderr.write(`[critical] error initializing configuration '${path}': ${e}\n`);
    process.exit(1);
  }
  for (const w of parsed.bootstrap.warnings) process.stderr.write(`[warning] ${path}: ${w}\n`);
  if (args.mode === 'validate') {
    process.stdout.write(`configuration '${path}' OK\n`);
    return;
  }
  const sidecar = new Sidecar({ bootstrap: parsed.bootstrap, concurrency, configPath: path });
  sidecar.start().then(
    () => {
      const ls = sidecar.listeners.map((l) => `${l.config.name} ${l.config.address.host}:${l.port}`).join(', ');
      process.stderr.write(`[info] sidecar ready: admin ${parsed.bootstrap.admin.host}:${sidecar.admin.port}; ${concurrency} worker(s); listeners: ${ls}\n`);
    },
    (e: Error) => {
      process.stderr.write(`[critical] cannot start: ${e.message}\n`);
      process.exit(1);
    },
  );
  const stop = () => void sidecar.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
