/** `patchbay serve`: the built site, the API and terminals on one port. */
import { commandHelp, defineCommand, parseOptions, usageError, type ParsedArgs } from '../command.ts';
import { createGateway, DEFAULT_HOST, DEFAULT_PORT, nonLoopbackRefusal, type Fallback, type Gateway, type GatewayOptions } from '../../server/createGateway.ts';
import { DEFAULT_AUTH_DIR } from '../../server/authSecrets.ts';
import { isLoopbackAddress, validHostEntry } from '../../server/hostCheck.ts';
import { DEFAULT_SESSION_LIMITS } from '../../server/SessionLimits.ts';
import { startGatewayLab, type GatewayLab, type GatewayLabResult } from '../../server/gatewayLab.ts';
import type { TerminalLimits } from '../../terminal/TerminalLimits.ts';
import { parseBytes } from '../../lab/instanceCgroup.ts';
import { POOL_DEFAULTS, type PoolTunables } from '../../lab/poolTunables.ts';
import { defaultDatabase, type Database } from '../../server/database.ts';
import { DatabaseSessionStore } from '../../server/rosterSessionStore.ts';
import { DatabaseInviteBook } from '../../server/databaseInviteBook.ts';
import { Roster } from '../../server/roster.ts';
import { instructorRoutes } from '../../server/routes/instructor.ts';
import { bindLabToGateway, labGatewayOptions } from '../../server/labGatewayWiring.ts';

/**
 * The lab pool's tunables as flags and environment variables, named once: `--help`, the parser and the
 * README's table come from here. Defaults and their reasons: src/lab/poolTunables.ts.
 */
export const POOL_FLAGS = [
  { flag: 'pool-idle', env: 'PATCHBAY_POOL_IDLE', key: 'idleMs', kind: 'duration', help: `Reclaim a learner's lab after this long without activity (default ${POOL_DEFAULTS.idleMs / 60_000}m)` },
  { flag: 'pool-warn', env: 'PATCHBAY_POOL_WARN', key: 'warnMs', kind: 'duration', help: `Warn the learner this long before (default ${POOL_DEFAULTS.warnMs / 60_000}m)` },
  { flag: 'pool-lifetime', env: 'PATCHBAY_POOL_LIFETIME', key: 'maxLifetimeMs', kind: 'duration', help: `Replace a lab this long after it was assigned (default ${POOL_DEFAULTS.maxLifetimeMs / 3_600_000}h)` },
  { flag: 'pool-warm', env: 'PATCHBAY_POOL_WARM', key: 'warm', kind: 'count', help: `Ready spare labs kept started (default ${POOL_DEFAULTS.warm}; local mode: 1 until taken, then none)` },
  { flag: 'pool-max-instances', env: 'PATCHBAY_POOL_MAX_INSTANCES', key: 'maxInstances', kind: 'count', help: 'Lab instances at most; more learners wait in a queue (default from memory and cores)' },
  { flag: 'pool-pause', env: 'PATCHBAY_POOL_PAUSE', key: 'pauseIdleMs', kind: 'duration', help: `Pause a learner's lab nobody uses (no terminal open) after this long; 0s never (default ${POOL_DEFAULTS.pauseIdleMs / 1000}s)` },
] as const satisfies readonly { flag: string; env: string; key: keyof PoolTunables; kind: 'duration' | 'count'; help: string }[];

export const GATEWAY_OPTIONS_HELP = `  --port N               Port (default $PORT or ${DEFAULT_PORT})
  --host ADDR            Address to bind (default $HOST or ${DEFAULT_HOST}); beyond loopback only with --hosted
  --allowed-origin URL   Origin allowed to open terminals, exact match; repeatable
                         (default http://localhost:PORT, http://127.0.0.1:PORT, http://[::1]:PORT)
  --new-secret           Replace the sign-in token (and admin token) and the session key:
                         the printed link changes, everyone is signed out, unused invites end
  --auth-dir DIR         Where the secrets' 0600 files are kept (default $PATCHBAY_AUTH_DIR or var/auth)
  --hosted               Hosted mode (also PATCHBAY_HOSTED=1): learners join through invite links
                         (patchbay invite); the admin token (or $PATCHBAY_ADMIN_TOKEN) is printed at start
  --public-url URL       Hosted: the URL learners use (invite links; its host is allowed)
  --allowed-host NAME    Hosted: another host name to answer (the Host header's name); repeatable
  --max-sessions-per-address N
                         Live sessions one client address may hold (default ${DEFAULT_SESSION_LIMITS.maxSessionsPerAddress})
  --grace DURATION       Keep a terminal after its socket closes (default 5m)
  --idle-timeout DUR     End a terminal without input for this long (default 60m)
  --max-lifetime DUR     End a terminal this long after it started (default 8h)
  --terminal-pids N      Tasks one terminal may run at once, its cgroup's pids.max (default 128)
  --terminal-memory SIZE Memory of one terminal, its screen copy's 8M included (default 512M)
  --terminal-cpu-weight N  CPU share of one terminal under contention, 1-10000 (default 100)
  --lab NAME             Lab to run, an instance per learner (default connections); stopped on Ctrl-C
${POOL_FLAGS.map((f) => `  --${f.flag} ${f.kind === 'duration' ? 'DUR' : 'N'}`.padEnd(25) + `${f.help}\n${''.padEnd(25)}(also $${f.env})`).join('\n')}
  --no-lab               Run no lab: terminals are local shells, /api/health reports lab: null
  Durations: 500ms, 30s, 5m, 2h (a bare number is seconds).

At start the gateway prints a sign-in link, http://localhost:PORT/?token=...: only a browser that
opened it (or was given its token on the sign-in page) gets a session. The token stays the same
across restarts until --new-secret.`;

const help = commandHelp('serve', `[OPTIONS]

The site is the one \`npm run build\` made, the API includes GET /api/health, and terminals are
WebSockets. Open the sign-in link it prints.

Options:
${GATEWAY_OPTIONS_HELP}
  --site-dir DIR         Built site to serve (default build/site)
  -h, --help             This help

Every learner gets a lab instance of their own on first need (a terminal, a graph, a check), from a
pool: idle ones are reclaimed (with a warning in the page first), and when every instance is taken new
learners wait in a queue that shows their place.

Environment: PORT, HOST, PATCHBAY_CGROUP_PARENT (parent pids cgroup of terminals, default patchbay),
PATCHBAY_AUTH_DIR, PATCHBAY_HOSTED, PATCHBAY_ADMIN_TOKEN, PATCHBAY_DATABASE (sessions, roster and
progress; default var/patchbay.db), the PATCHBAY_POOL_* variables above.

Examples:
  patchbay serve                  # what npm start runs, after npm run build
  patchbay serve --hosted --pool-max-instances 20 --pool-warm 5 --pool-idle 20m
  PORT=8080 patchbay serve --grace 10m
  patchbay serve --no-lab --allowed-origin https://learn.example.org
  patchbay serve --new-secret     # a new sign-in link; everyone signed in before is signed out
  patchbay serve --hosted --host 0.0.0.0 --public-url http://learn.example.org:3000`);

/** The flags of `serve` and `dev`. */
export const GATEWAY_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'allowed-origin': { type: 'string', multiple: true },
  grace: { type: 'string' },
  'idle-timeout': { type: 'string' },
  'max-lifetime': { type: 'string' },
  'terminal-pids': { type: 'string' },
  'terminal-memory': { type: 'string' },
  'terminal-cpu-weight': { type: 'string' },
  'site-dir': { type: 'string' },
  lab: { type: 'string' },
  'no-lab': { type: 'boolean' },
  'new-secret': { type: 'boolean' },
  'auth-dir': { type: 'string' },
  hosted: { type: 'boolean' },
  'public-url': { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  'max-sessions-per-address': { type: 'string' },
  'pool-idle': { type: 'string' },
  'pool-warn': { type: 'string' },
  'pool-lifetime': { type: 'string' },
  'pool-warm': { type: 'string' },
  'pool-max-instances': { type: 'string' },
  'pool-pause': { type: 'string' },
} as const;

/** The pool tunables the flags (or their environment variables) ask for, checked. */
export function poolTunables(values: ParsedArgs<typeof GATEWAY_FLAGS>['values'], env: NodeJS.ProcessEnv): { ok: true; tunables: Partial<PoolTunables> } | { ok: false; message: string } {
  const tunables: Partial<PoolTunables> = {};
  for (const f of POOL_FLAGS) {
    const text = values[f.flag] ?? env[f.env];
    if (text === undefined || text === '') continue;
    if (f.kind === 'duration') {
      const ms = parseDuration(text);
      if (ms === null || ms < 0 || (ms === 0 && f.key !== 'pauseIdleMs')) return { ok: false, message: `--${f.flag}/${f.env} must be a duration like 30s, 5m or 2h, got ${text}` };
      tunables[f.key] = ms;
    } else {
      const min = f.key === 'warm' ? 0 : 1;
      if (!/^\d+$/.test(text) || Number(text) < min) return { ok: false, message: `--${f.flag}/${f.env} must be a whole number of ${min} or more, got ${text}` };
      tunables[f.key] = Number(text);
    }
  }
  const idle = tunables.idleMs ?? POOL_DEFAULTS.idleMs;
  const warn = tunables.warnMs ?? POOL_DEFAULTS.warnMs;
  if (warn >= idle) return { ok: false, message: `--pool-warn (${text(warn)}) must be shorter than --pool-idle (${text(idle)})` };
  return { ok: true, tunables };
}

function text(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** The terminal caps the flags ask for (TerminalLimits' pidsMax, memoryBytes, cpuWeight), checked. */
function terminalCaps(values: ParsedArgs<typeof GATEWAY_FLAGS>['values']): { ok: true; limits: Partial<TerminalLimits> } | { ok: false; message: string } {
  const limits: Partial<TerminalLimits> = {};
  const pids = values['terminal-pids'];
  if (pids !== undefined) {
    if (!/^\d+$/.test(pids) || Number(pids) < 8) return { ok: false, message: `--terminal-pids must be a whole number of 8 or more, got ${pids}` };
    limits.pidsMax = Number(pids);
  }
  const memory = values['terminal-memory'];
  if (memory !== undefined) {
    const bytes = parseBytes(memory);
    if (bytes === null || bytes < 64 * 1024 ** 2) return { ok: false, message: `--terminal-memory must be a size of at least 64M like 512M or 1G, got ${memory}` };
    limits.memoryBytes = bytes;
  }
  const weight = values['terminal-cpu-weight'];
  if (weight !== undefined) {
    if (!/^\d+$/.test(weight) || Number(weight) < 1 || Number(weight) > 10_000) return { ok: false, message: `--terminal-cpu-weight must be 1-10000, got ${weight}` };
    limits.cpuWeight = Number(weight);
  }
  return { ok: true, limits };
}

/** "500ms", "30s", "5m", "2h", "7d", or a bare number of seconds, in ms; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's'];
  return Math.round(Number(m[1]) * unit!);
}

/** `lab`: the lab to start (undefined: the default), or null for --no-lab; `pool`: its pool's tunables. */
export type GatewayArgs = { ok: true; options: GatewayOptions; lab?: string | null; pool: Partial<PoolTunables> } | { ok: false; message: string };

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
  const caps = terminalCaps(values);
  if (!caps.ok) return caps;
  Object.assign(limits, caps.limits);
  const origins = values['allowed-origin'];
  for (const origin of origins ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) return { ok: false, message: `--allowed-origin must be scheme://host[:port] with no path, got ${origin}` };
  }
  if (values.lab !== undefined && values['no-lab']) return { ok: false, message: '--lab and --no-lab exclude each other' };
  const hosted = values.hosted === true || /^(1|true|yes)$/i.test(env.PATCHBAY_HOSTED ?? '');
  const host = values.host ?? env.HOST ?? DEFAULT_HOST;
  if (!hosted && !isLoopbackAddress(host)) return { ok: false, message: nonLoopbackRefusal(host) };
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && (!hosted || !/^https?:\/\/[^/]+\/?$/.test(publicUrl))) {
    return { ok: false, message: hosted ? `--public-url must be scheme://host[:port], got ${publicUrl}` : '--public-url is for hosted mode: add --hosted' };
  }
  const allowedHosts = values['allowed-host'];
  for (const h of allowedHosts ?? []) {
    if (!hosted) return { ok: false, message: '--allowed-host is for hosted mode: add --hosted' };
    if (!validHostEntry(h)) return { ok: false, message: `--allowed-host must be a host name or address, got ${h}` };
  }
  const capText = values['max-sessions-per-address'];
  const cap = capText === undefined ? undefined : Number(capText);
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) return { ok: false, message: `--max-sessions-per-address must be a whole number of 1 or more, got ${capText}` };
  const pool = poolTunables(values, env);
  if (!pool.ok) return pool;
  return {
    ok: true,
    pool: pool.tunables,
    ...(values['no-lab'] ? { lab: null } : values.lab !== undefined ? { lab: values.lab } : {}),
    options: {
      port,
      host,
      auth: {
        mode: hosted ? 'hosted' : 'local',
        dir: values['auth-dir'] ?? env.PATCHBAY_AUTH_DIR ?? DEFAULT_AUTH_DIR,
        ...(values['new-secret'] ? { renew: true } : {}),
        ...(hosted && env.PATCHBAY_ADMIN_TOKEN ? { adminToken: env.PATCHBAY_ADMIN_TOKEN } : {}),
        ...(publicUrl ? { publicUrl } : {}),
        ...(allowedHosts ? { allowedHosts } : {}),
        ...(cap !== undefined ? { limits: { maxSessionsPerAddress: cap } } : {}),
      },
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
  /** The lab pool's tunables (serve's flags). */
  pool?: Partial<PoolTunables>;
  /** Starts the lab instead of `startGatewayLab` (dev's lab follows edits of its files). */
  startLab?: (log: (line: string) => void, database: Database) => Promise<GatewayLabResult>;
  /** Called with the gateway's URL once it listens. */
  onListening?: (url: string) => void;
}

/**
 * Starts the lab (when there is one) and the gateway; on SIGINT/SIGTERM closes sockets, ends every
 * terminal, stops the lab and resolves. Shared by serve and dev.
 */
export async function runGateway(options: GatewayOptions, extra: GatewayExtras = {}): Promise<number> {
  const log = (line: string) => console.log(line);
  // Sessions, the roster and progress in one database, so all three outlive a restart (even a SIGKILL).
  let database: Database;
  try {
    database = defaultDatabase(process.env, log);
  } catch (error) {
    console.error(`patchbay: database: ${(error as Error).message}`);
    return 1;
  }
  const sessions = options.auth?.store ? null : new DatabaseSessionStore(database);
  const invites = options.auth?.invites ?? new DatabaseInviteBook(database);
  const mode = options.auth?.mode ?? 'local';
  const started = extra.startLab
    ? await extra.startLab(log, database)
    : await startGatewayLab({ log, database, mode, ...(extra.pool && { tunables: extra.pool }), ...(extra.lab !== undefined ? { lab: extra.lab } : {}) });
  if (!started.ok) {
    console.error(started.message);
    return 1;
  }
  const lab: GatewayLab | null = started.lab;
  let gateway: Gateway;
  // The instructor's view (/instructor, /api/instructor/): the roster, each learner's lab, read-only terminals.
  const instructor = instructorRoutes({ roster: lab?.roster ?? new Roster(database), pool: lab?.labs?.pool ?? null, gateway: () => gateway ?? null });
  try {
    gateway = await createGateway({
      ...options,
      auth: { ...options.auth, ...(sessions && { store: sessions }), invites },
      ...(extra.fallback ? { fallback: extra.fallback } : {}),
      ...(lab && labGatewayOptions(lab)),
      routes: [...instructor, ...(lab?.routes ?? []), ...(options.routes ?? [])],
    });
  } catch (error) {
    console.error(`patchbay: cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
    await lab?.stop();
    return 1;
  }
  if (lab) bindLabToGateway(lab, gateway);
  log(`Patchbay is serving on ${gateway.url}${gateway.mode === 'hosted' ? ` (hosted mode, public URL ${gateway.publicUrl})` : ''}`);
  extra.onListening?.(gateway.url);
  const kept = gateway.tokenFile ? ` (kept in ${gateway.tokenFile})` : '';
  if (gateway.mode === 'hosted') {
    log(`  admin token: ${gateway.adminToken}${kept}`);
    log(`  operator sign-in: ${gateway.signInUrl}`);
    log(`  invite learners: patchbay invite --port ${gateway.port}   (or POST /api/invites with Authorization: Bearer <admin token>)`);
  } else {
    log(`  sign in: open ${gateway.signInUrl}`);
    log(`  (only browsers that open this link get in; the token is kept in ${gateway.tokenFile ?? 'memory'}, --new-secret replaces it)`);
  }
  log(`  terminals accept origins: ${[...gateway.allowedOrigins].join(', ')}`);
  log(`  instructor's view: ${gateway.publicUrl}/instructor (asks for the ${gateway.mode === 'hosted' ? 'admin' : 'sign-in'} token)`);
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
  sessions?.flush();
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
    return runGateway({ siteDir: 'build/site', ...parsed.options }, { pool: parsed.pool, ...(parsed.lab !== undefined ? { lab: parsed.lab } : {}) });
  },
});
