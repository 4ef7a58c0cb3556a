/**
 * `labctl`: the lab's helper on the tools host (installed there as `labctl` and `mesh`). It talks to the
 * sidecars' admin API and the services' control endpoint over the lab network, by host name.
 */
import { parseArgs } from 'node:util';

const HELP = `Usage: labctl COMMAND [options]

Commands:
  breaker HOST [--cluster NAME] [--max-connections N] [--max-pending N] [--max-requests N] [--max-retries N] [--reset]
      Set circuit-breaker thresholds on the sidecar of HOST (ingress, api, payments), for the cluster
      it sends traffic to (ingress: api, api: payments; use --cluster local_app for the cluster to its
      own app). Applied at once, without a restart and without closing connections. --reset goes back
      to the values in the sidecar's configuration.
  client HOST per-request|pooled
      Switch the HTTP client of the service on HOST (the api) between a new connection per request
      and a pooled keep-alive client.
  show [HOST...]
      Show thresholds and client modes (default hosts: ingress api payments).

Options:
  --admin-port N   sidecar admin port (default 19000)
  --app-port N     service port (default 8080)
  -h, --help       this help

HOST may carry a port (HOST:PORT) to override the default for that command.

Examples:
  labctl breaker ingress --max-connections 5 --max-pending 5
  labctl client api pooled
  labctl show
`;

const FLAG_TO_LIMIT = {
  'max-connections': 'max_connections',
  'max-pending': 'max_pending_requests',
  'max-requests': 'max_requests',
  'max-retries': 'max_retries',
} as const;
type Flag = keyof typeof FLAG_TO_LIMIT;

/** Admin calls are on the lab network; a host that does not answer in this time is reported down. */
const REQUEST_TIMEOUT_MS = 3000;

class UsageError extends Error {}

function target(host: string, defaultPort: string): string {
  return host.includes(':') ? host : `${host}:${defaultPort}`;
}

async function http(method: 'GET' | 'POST', url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return { status: -1, body: `cannot reach ${url}: ${cause}` };
  }
}

interface ClusterInfo {
  name: string;
  limits: Record<string, number>;
}

function parseClusters(text: string): ClusterInfo[] {
  const byName = new Map<string, ClusterInfo>();
  for (const line of text.split('\n')) {
    const [name, key, limit, value] = line.split('::');
    if (!name || !key) continue;
    let c = byName.get(name);
    if (!c) byName.set(name, (c = { name, limits: {} }));
    if (key === 'default_priority' && limit && value !== undefined) c.limits[limit] = Number(value);
  }
  return [...byName.values()];
}

async function clustersOf(admin: string): Promise<ClusterInfo[]> {
  const r = await http('GET', `http://${admin}/clusters`);
  if (r.status !== 200) throw new Error(r.status < 0 ? r.body : `GET http://${admin}/clusters: ${r.status} ${r.body.trim()}`);
  return parseClusters(r.body);
}

/** The cluster a sidecar sends its host's outgoing traffic to: the one that is not `local_app`. */
function defaultCluster(clusters: ClusterInfo[], host: string): string {
  const outgoing = clusters.filter((c) => c.name !== 'local_app');
  if (outgoing.length === 1) return outgoing[0]!.name;
  if (outgoing.length === 0 && clusters.length === 1) return clusters[0]!.name;
  throw new UsageError(`the sidecar on ${host} has clusters ${clusters.map((c) => c.name).join(', ')}: pick one with --cluster`);
}

async function breaker(argv: string[], adminPort: string): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cluster: { type: 'string' },
      reset: { type: 'boolean' },
      ...Object.fromEntries(Object.keys(FLAG_TO_LIMIT).map((f) => [f, { type: 'string' as const }])),
    },
  });
  const host = positionals[0];
  if (!host || positionals.length > 1) throw new UsageError('breaker needs exactly one HOST');
  const admin = target(host, adminPort);
  const clusters = await clustersOf(admin);
  const cluster = (values.cluster as string | undefined) ?? defaultCluster(clusters, host);
  if (!clusters.some((c) => c.name === cluster)) throw new UsageError(`the sidecar on ${host} has no cluster "${cluster}" (it has ${clusters.map((c) => c.name).join(', ')})`);
  const params = new URLSearchParams();
  for (const [flag, limit] of Object.entries(FLAG_TO_LIMIT) as [Flag, string][]) {
    const v = (values as Record<string, unknown>)[flag] as string | undefined;
    const key = `circuit_breakers.${cluster}.default.${limit}`;
    if (values.reset) params.set(key, '');
    else if (v !== undefined) {
      if (!/^\d+$/.test(v)) throw new UsageError(`--${flag} must be a non-negative integer (got "${v}")`);
      params.set(key, v);
    }
  }
  if (![...params.keys()].length) throw new UsageError('give at least one of --max-connections, --max-pending, --max-requests, --max-retries, or --reset');
  const r = await http('POST', `http://${admin}/runtime_modify?${params}`);
  if (r.status !== 200) throw new Error(r.status < 0 ? r.body : `sidecar on ${host} refused: ${r.body.trim()}`);
  const after = (await clustersOf(admin)).find((c) => c.name === cluster)!;
  process.stdout.write(`${host}: cluster ${cluster}: ${formatLimits(after.limits)}\n`);
}

function formatLimits(l: Record<string, number>): string {
  return ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries'].map((k) => `${k}=${l[k]}`).join(' ');
}

async function client(argv: string[], appPort: string): Promise<void> {
  const [host, mode, ...rest] = argv;
  if (!host || !mode || rest.length) throw new UsageError('client needs HOST and a mode (per-request or pooled)');
  if (mode !== 'per-request' && mode !== 'pooled') throw new UsageError(`mode must be per-request or pooled (got "${mode}")`);
  const r = await http('POST', `http://${target(host, appPort)}/control/client?mode=${mode}`);
  if (r.status !== 200) throw new Error(r.status < 0 ? r.body : `${host} refused: ${r.body.trim()}`);
  const j = JSON.parse(r.body) as { client: string; upstream: string };
  process.stdout.write(`${host}: client ${j.client} (calls ${j.upstream})\n`);
}

async function show(hosts: string[], adminPort: string, appPort: string): Promise<void> {
  for (const host of hosts.length ? hosts : ['ingress', 'api', 'payments']) {
    try {
      for (const c of await clustersOf(target(host, adminPort))) process.stdout.write(`${host}: sidecar cluster ${c.name}: ${formatLimits(c.limits)}\n`);
    } catch (e) {
      process.stdout.write(`${host}: sidecar: ${(e as Error).message}\n`);
    }
    const r = await http('GET', `http://${target(host, appPort)}/control/client`);
    if (r.status === 200) process.stdout.write(`${host}: client ${(JSON.parse(r.body) as { client: string }).client}\n`);
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let adminPort = '19000';
  let appPort = '8080';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help' || a === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    if (a === '--admin-port') adminPort = argv[++i] ?? '';
    else if (a === '--app-port') appPort = argv[++i] ?? '';
    else rest.push(a);
  }
  const [cmd, ...args] = rest;
  try {
    if (cmd === 'breaker') await breaker(args, adminPort);
    else if (cmd === 'client') await client(args, appPort);
    else if (cmd === 'show') await show(args, adminPort, appPort);
    else throw new UsageError(cmd ? `unknown command "${cmd}"` : 'missing command');
    return 0;
  } catch (e) {
    process.stderr.write(`labctl: ${(e as Error).message}\n`);
    if (e instanceof UsageError) process.stderr.write(`Run "labctl --help" for usage.\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main();
