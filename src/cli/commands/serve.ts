/** `patchbay serve`: the built site, the API and terminals on one port. */
import { commandHelp, defineCommand, parseOptions, usageError, type ParsedArgs } from '../command.ts';
import { createGateway, DEFAULT_HOST, DEFAULT_PORT, type Fallback, type Gateway, type GatewayOptions } from '../../server/createGateway.ts';
import { startGatewayLab, type GatewayLab, type GatewayLabResult } from '../../server/gatewayLab.ts';
import type { TerminalLimits } from '../../terminal/TerminalLimits.ts';

export const GATEWAY_OPTIONS_HELP = `  --port N               Port (default $PORT or ${DEFAULT_PORT})
  --host ADDR            Address to bind (default $HOST or ${DEFAULT_HOST}; terminals are shells, keep it local)
  --allowed-origin URL   Origin allowed to open terminals, exact match; repeatable
                         (default http://localhost:PORT and http://127.0.0.1:PORT)
  --grace DURATION       Keep a terminal after its socket closes (default 5m)
  --idle-timeout DUR     End a terminal without input for this long (default 60m)
  --max-lifetime DUR     End a terminal this long after it started (default 8h)
  --lab NAME             Lab to bring up with the gateway (default connections); stopped on Ctrl-C
  --no-lab               Run no lab: terminals are local shells, /api/health reports lab: null
  Durations: 500ms, 30s, 5m, 2h (a bare number is seconds).`;

const help = commandHelp('serve', `[OPTIONS]

The site is the one \`npm run build\` made, the API includes GET /api/health, and terminals are
WebSockets.

Options:
${GATEWAY_OPTIONS_HELP}
  --site-dir DIR         Built site to serve (default build/site)
  -h, --help             This help

Environment: PORT, HOST, PATCHBAY_CGROUP_PARENT (parent pids cgroup of terminals, default patchbay).

Examples:
  patchbay serve                  # what npm start runs, after npm run build
  PORT=8080 patchbay serve --grace 10m
  patchbay serve --no-lab --allowed-origin https://learn.example.org`);

/** The flags of `serve` and `dev`. */
export const GATEWAY_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'allowed-origin': { type: 'string', multiple: true },
  grace: { type: 'string' },
  'idle-timeout': { type: 'string' },
  'max-lifetime': { type: 'string' },
  'site-dir': { type: 'string' },
  lab: { type: 'string' },
  'no-lab': { type: 'boolean' },
} as const;

/** "500ms", "30s", "5m", "2h", or a bare number of seconds, in ms; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'];
  return Math.round(Number(m[1]) * unit!);
}

/** `lab`: the lab to start (undefined: the default), or null for --no-lab. */
export type GatewayArgs = { ok: true; options: GatewayOptions; lab?: string | null } | { ok: false; message: string };

/** The arguments of `serve` and `dev` parsed (`parseOptions`) and checked (`gatewayArgs`). */
export function parseGatewayArgs(args: string[], env: NodeJS.ProcessEnv): GatewayArgs {
  const result = parseOptions(args, GATEWAY_FLAGS, false);
  return result.ok ? gatewayArgs(result.parsed.values, env) : { ok: false, message: result.problem };
}

/** What the values of the gateway's flags ask for, checked; PORT and HOST from `env` where no flag gives them. */
export function gatewayArgs(values: ParsedArgs<typeof GATEWAY_FLAGS>['values'], env: NodeJS.ProcessEnv): GatewayArgs {
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { ok: false, message: `--port/PORT must be a port number, got ${portText}` };
  const limits: Partial<TerminalLimits> = {};
  for (const [flag, key] of [['grace', 'graceMs'], ['idle-timeout', 'idleMs'], ['max-lifetime', 'maxLifetimeMs']] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const ms = parseDuration(text);
    if (ms === null) return { ok: false, message: `--${flag} must be a duration like 30s, 5m or 2h, got ${text}` };
    limits[key] = ms;
  }
  const origins = values['allowed-origin'];
  for (const origin of origins ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) return { ok: false, message: `--allowed-origin must be scheme://host[:port] with no path, got ${origin}` };
  }
  if (values.lab !== undefined && values['no-lab']) return { ok: false, message: '--lab and --no-lab exclude each other' };
  return {
    ok: true,
    ...(values['no-lab'] ? { lab: null } : values.lab !== undefined ? { lab: values.lab } : {}),
    options: {
      port,
      host: values.host ?? env.HOST ?? DEFAULT_HOST,
      limits,
      ...(origins ? { allowedOrigins: origins } : {}),
      ...(values['site-dir'] ? { siteDir: values['site-dir'] } : {}),
      // Parent cgroup (under the pids controller) of the terminals; tests and operators set their own.
      ...(env.PATCHBAY_CGROUP_PARENT ? { cgroupParent: env.PATCHBAY_CGROUP_PARENT } : {}),
    },
  };
}

/** What `dev` adds to `serve`'s gateway. */
export interface GatewayExtras {
  fallback?: Fallback;
  onStop?: () => Promise<void>;
  lab?: string | null;
  /** Starts the lab instead of `startGatewayLab` (dev's lab follows edits of its files). */
  startLab?: (log: (line: string) => void) => Promise<GatewayLabResult>;
  /** Called with the gateway's URL once it listens. */
  onListening?: (url: string) => void;
}

/**
 * Starts the lab (when there is one) and the gateway; on SIGINT/SIGTERM closes sockets, ends every
 * terminal, stops the lab and resolves. Shared by serve and dev.
 */
export async function runGateway(options: GatewayOptions, extra: GatewayExtras = {}): Promise<number> {
  const log = (line: string) => console.log(line);
  const started = extra.startLab ? await extra.startLab(log) : await startGatewayLab({ log, ...(extra.lab !== undefined ? { lab: extra.lab } : {}) });
  if (!started.ok) {
    console.error(started.message);
    return 1;
  }
  const lab: GatewayLab | null = started.lab;
  let gateway: Gateway;
  try {
    gateway = await createGateway({
      ...options,
      ...(extra.fallback ? { fallback: extra.fallback } : {}),
      ...(lab ? { resolver: lab.resolver, healthProvider: lab.health, routes: [...lab.routes, ...(options.routes ?? [])] } : {}),
      ...(lab?.status && { devStatus: lab.status }),
    });
  } catch (error) {
    console.error(`patchbay: cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
    await lab?.stop();
    return 1;
  }
  log(`Patchbay is serving on ${gateway.url}`);
  extra.onListening?.(gateway.url);
  log(`  terminals accept origins: ${[...gateway.allowedOrigins].join(', ')}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log('Stopping: closing sockets and ending terminals...');
  await gateway.close();
  await extra.onStop?.();
  await lab?.stop();
  return 0;
}

export const serve = defineCommand({
  name: 'serve',
  help,
  options: GATEWAY_FLAGS,
  allowPositionals: false,
  async run({ values }) {
    const parsed = gatewayArgs(values, process.env);
    if (!parsed.ok) return usageError('serve', parsed.message);
    return runGateway({ siteDir: 'build/site', ...parsed.options }, parsed.lab !== undefined ? { lab: parsed.lab } : {});
  },
});
