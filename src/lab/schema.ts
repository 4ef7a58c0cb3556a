/**
 * The lab definition (`labs/<name>/lab.yaml`): one zod schema gives both the input type (what an author
 * writes) and the resolved type (defaults applied, durations in milliseconds). Unknown keys are rejected;
 * keys that were renamed (or that authors bring from docker-compose and friends) fail with a message
 * saying what to write instead, misspelt ones with the key that was meant (src/definitions). Cross-field
 * rules (dependencies, cycles, addresses) live in `validate.ts`.
 */
import { z } from 'zod';
import { AT_KEY, strictObject as strict } from '../definitions/strictObject.ts';

/** Defaults, each with its reason. */
export const LabDefaults = {
  /** Probe often while starting: start-up time is dominated by how soon readiness is noticed. */
  PROBE_INTERVAL_MS: 100,
  PROBE_TIMEOUT_MS: 1_000,
  /** A process that never becomes ready fails the start instead of hanging it. */
  START_TIMEOUT_MS: 30_000,
  /** First restart is quick (a crash is often transient); later ones back off exponentially. */
  BACKOFF_INITIAL_MS: 250,
  /** Cap so a crash-looping process is retried a few times a minute, not hammered. */
  BACKOFF_MAX_MS: 8_000,
  /** Lessons should feel live: a query sees new samples within a couple of seconds. */
  SCRAPE_INTERVAL_MS: 2_000,
  /** A learner's bad query must not hold Prometheus for long. */
  QUERY_TIMEOUT_MS: 10_000,
  /** Enough for any lesson query on a small lab; a runaway query fails fast instead. */
  QUERY_MAX_SAMPLES: 5_000_000,
  PROMETHEUS_PORT: 9090,
  /** A lab is short-lived; keeping an hour bounds the TSDB on tmpfs. */
  PROMETHEUS_RETENTION: '1h',
} as const;

/** Keys authors commonly write for ours, keyed by where they appear. */
const RENAMED = {
  lab: { vars: 'variables', env: 'variables', services: 'hosts', machines: 'hosts', tabs: 'web', webTabs: 'web', ports: 'web' },
  host: { alias: 'aliases', hostnames: 'aliases', ip: 'address', addr: 'address', sysctl: 'sysctls', environment: 'env', services: 'processes', programs: 'processes', hostname: '(nothing: the host name is the key under `hosts`)' },
  process: {
    cmd: 'command', args: 'command', entrypoint: 'command', environment: 'env', depends_on: 'dependsOn', dependencies: 'dependsOn',
    depends: 'dependsOn', after: 'dependsOn', readiness: 'ready', healthcheck: 'ready', readinessProbe: 'ready', probe: 'ready',
    restart_policy: 'restart', restartPolicy: 'restart',
  },
  probe: { url: 'http', port: 'tcp', exec: 'command', cmd: 'command', period: 'interval' },
  terminal: { user: 'users', shell: 'shells', workdir: 'workdirs', cwd: 'workdirs' },
  prometheus: { interval: 'scrapeInterval', scrape_interval: 'scrapeInterval', scrape_configs: 'scrape', jobs: 'scrape' },
  scrape: { job_name: 'job', static_configs: 'targets', metrics_path: 'metricsPath', path: 'metricsPath' },
} as const;

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000 } as const;
/** `250ms`, `2s`, `1.5s`, `1m`, or a number of milliseconds. */
export const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration such as 250ms, 2s or 1m, got "${value}"` });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS]);
});

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** A DNS name: dot-separated labels of lowercase letters, digits and '-', none starting or ending with '-'. */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const name = (what: string) => z.string().regex(NAME, `expected a ${what} name: lowercase letters, digits and '-', starting with a letter, at most 31 characters`);
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** Scalars in YAML (`8080`, `true`) are accepted where a string is expected, so `[--port, 8080]` works. */
const argv = z.array(z.union([z.string(), z.number()]).transform(String)).min(1, 'expected a command as a list: [program, arg, …]');

const probeShape = {
  http: z.string().url('expected an http:// URL').optional().describe('GET this URL inside the host; ready on a 2xx or 3xx answer.'),
  tcp: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port').optional().describe('Connect to host:port inside the host.'),
  command: argv.optional().describe('Run this inside the host; ready when it exits 0.'),
  interval: duration.default(LabDefaults.PROBE_INTERVAL_MS),
  timeout: duration.default(LabDefaults.PROBE_TIMEOUT_MS),
  startTimeout: duration.default(LabDefaults.START_TIMEOUT_MS).describe('How long the process may take to become ready before the start fails.'),
};
export const probeSchema = strict(probeShape, { renamed: RENAMED.probe }).superRefine((probe, ctx) => {
  const kinds = [probe.http, probe.tcp, probe.command].filter((k) => k !== undefined).length;
  if (kinds !== 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected exactly one of `http`, `tcp` or `command`' });
});

export const restartPolicy = z.enum(['always', 'on-failure', 'never']);

/**
 * Why `path` (a `files:` key) would land outside the host's directory, or null when it stays inside:
 * an absolute path, or more `..` than there are directories before them.
 */
export function escapesHostDir(path: string): string | null {
  if (path.startsWith('/')) return 'an absolute path; write a path relative to the host\'s directory (${HOST_DIR})';
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return '`..` leads outside the host\'s directory; files are written only inside it';
  }
  return depth === 0 ? 'names the host\'s directory itself, not a file in it' : null;
}

const filePath = z.string().superRefine((path, ctx) => {
  const problem = escapesHostDir(path);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, params: AT_KEY, message: `file path \`${path}\`: ${problem}` });
});

const fileSchema = z.union([
  z.string(),
  strict({ content: z.string().optional(), from: z.string().optional(), mode: z.string().regex(/^0?[0-7]{3}$/).optional() }),
]);

export const processSchema = strict(
  {
    command: argv.describe('argv; `${VAR}` is substituted in every element. The program must exist on PATH or as a file.'),
    env: stringMap.default({}),
    files: z.record(filePath, fileSchema).default({}).describe("Written into the host's directory (`${HOST_DIR}/<path>`) before the process starts; never outside it."),
    ready: probeSchema.optional(),
    restart: restartPolicy.default('always'),
    backoff: strict({ initial: duration.default(LabDefaults.BACKOFF_INITIAL_MS), max: duration.default(LabDefaults.BACKOFF_MAX_MS) })
      .default({}),
    dependsOn: z.array(z.string()).default([]).describe('Processes that must be ready first: `name` on the same host, or `host/name`.'),
    user: z.string().optional().describe('Run as this user (default root).'),
    workdir: z.string().optional().describe("Working directory inside the host (default the host's directory)."),
  },
  { renamed: RENAMED.process },
);

export const terminalPolicySchema = strict(
  {
    users: z.array(z.string()).min(1).optional().describe('Users a terminal may run as; the first is the default.'),
    shells: z.array(z.string()).min(1).optional(),
    workdirs: z.array(z.string()).min(1).optional(),
  },
  { renamed: RENAMED.terminal },
);

export const hostSchema = strict(
  {
    /**
     * Other names of the host: terminals and lessons may target it by them, and every host of the lab
     * resolves them (/etc/hosts), so a lesson ported from another platform keeps its names
     * (`aliases: [tools.container.shipyard.run]`).
     */
    aliases: z.array(z.string().regex(DNS_NAME, 'expected a host name: lowercase letters, digits, \'-\' and \'.\'')).default([]),
    address: z.number().int().min(1).max(253).optional().describe("Fixed last octet in the instance's /24 (1-253); otherwise the next free one in definition order."),
    sysctls: z.record(z.string().regex(/^net\.[a-z0-9_.]+$/, 'expected a per-namespace sysctl under net.*'), z.union([z.string(), z.number()]).transform(String)).default({}),
    env: stringMap.default({}).describe('Added to every process and terminal of this host.'),
    terminal: terminalPolicySchema.optional(),
    processes: z.record(name('process'), processSchema).default({}),
  },
  { renamed: RENAMED.host },
);

const scrapeTarget = z.union([
  z.string().regex(/^[a-z][a-z0-9-]*:\d{1,5}$/, 'expected host:port with a host of this lab'),
  strict({ target: z.string().regex(/^[a-z][a-z0-9-]*:\d{1,5}$/, 'expected host:port'), labels: stringMap.default({}) }),
]);

export const prometheusSchema = strict(
  {
    host: name('host').describe('The lab host that runs Prometheus.'),
    port: z.number().int().min(1).max(65535).default(LabDefaults.PROMETHEUS_PORT),
    scrapeInterval: duration.default(LabDefaults.SCRAPE_INTERVAL_MS),
    queryTimeout: duration.default(LabDefaults.QUERY_TIMEOUT_MS),
    maxSamples: z.number().int().positive().default(LabDefaults.QUERY_MAX_SAMPLES),
    retention: z.string().default(LabDefaults.PROMETHEUS_RETENTION),
    scrape: z
      .array(
        strict(
          {
            job: z.string().min(1),
            targets: z.array(scrapeTarget).min(1),
            metricsPath: z.string().startsWith('/').default('/metrics'),
            labels: stringMap.default({}),
          },
          { renamed: RENAMED.scrape },
        ),
      )
      .default([]),
  },
  { renamed: RENAMED.prometheus },
);

/**
 * An HTTP service of the lab a lesson opens in a dock tab (`<WebTab service="…"/>`): the gateway proxies
 * `/lab-web/<id>/…` to it on the learner's own instance. Either a host's port, or the lab's Prometheus.
 */
export const webServiceSchema = strict(
  {
    title: z.string().min(1).optional().describe("The dock tab's title; default the service's id."),
    host: z.string().optional().describe('The lab host that serves it (its name or an alias); with `port`.'),
    port: z.number().int().min(1).max(65535).optional().describe('The port it listens on, on that host (on its address, not only 127.0.0.1).'),
    prometheus: z.literal(true).optional().describe("`true`: the lab's own Prometheus UI (needs the `prometheus` section); no `host` or `port`."),
    path: z
      .string()
      .regex(/^\/[^\s#]*$/, 'expected a path starting with `/` (a query string may follow), e.g. `/stats?filter=cx_active`')
      .default('/')
      .describe('What the tab opens first, under the service (a query string may follow).'),
  },
  { renamed: { url: 'path', address: 'host', target: 'host', name: 'title', label: 'title' } },
).superRefine((w, ctx) => {
  if (w.prometheus && (w.host !== undefined || w.port !== undefined)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: '`prometheus: true` is the lab\'s Prometheus; leave out `host` and `port`' });
  } else if (!w.prometheus && (w.host === undefined || w.port === undefined)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected `host` and `port` (a service on a lab host), or `prometheus: true` (the lab\'s Prometheus UI)' });
  }
});

export const labSchema = strict(
  {
    name: name('lab').optional().describe('Defaults to the directory name.'),
    description: z.string().optional(),
    variables: z.record(z.string().regex(VAR_NAME, 'expected a variable name (letters, digits, _)'), z.union([z.string(), z.number()]).transform(String)).default({}).describe('Lab-wide `${VAR}` values, also exported to every process and terminal.'),
    terminal: terminalPolicySchema.optional().describe('Terminal defaults for every host.'),
    hosts: z.record(name('host'), hostSchema).refine((h) => Object.keys(h).length > 0, 'expected at least one host'),
    prometheus: prometheusSchema.optional(),
    web: z.record(name('web service'), webServiceSchema).default({}).describe('HTTP services a lesson opens in a dock tab (`<WebTab service="ID"/>`), keyed by id.'),
  },
  { renamed: RENAMED.lab },
);

/** What an author writes. */
export type LabInput = z.input<typeof labSchema>;
/** After one schema pass: defaults applied, durations in ms. */
export type LabSpec = z.output<typeof labSchema>;
export type HostSpec = z.output<typeof hostSchema>;
export type ProcessSpec = z.output<typeof processSchema>;
export type ProbeSpec = z.output<typeof probeSchema>;
export type PrometheusSpec = z.output<typeof prometheusSchema>;
export type TerminalPolicySpec = z.output<typeof terminalPolicySchema>;
export type WebServiceSpec = z.output<typeof webServiceSchema>;

/** Built-in `${VAR}`s, filled in per instance and host. */
export const BUILTIN_VARIABLES = ['LAB', 'LAB_DIR', 'PROGRAMS', 'INSTANCE', 'INSTANCE_DIR', 'HOST', 'HOST_DIR', 'ADDRESS', 'PROMETHEUS_URL'] as const;
