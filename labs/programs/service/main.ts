/**
 * `service`: the lab's demo services.
 *   payments: node build/programs/service.mjs --name payments --port 8080
 *   api:      node build/programs/service.mjs --name api --port 8080 --upstream http://127.0.0.1:15001/pay
 * Routes: any path serves a request (calling the upstream first when one is set); `GET /metrics` shows
 * the service's own counts; `GET|POST /control/client[?mode=per-request|pooled]` reads or switches the
 * upstream client mode at run time.
 */
import { createServer, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { CLIENT_MODES, UpstreamClient, type ClientMode } from './upstreamClient.ts';

const HELP = `Usage: service --name NAME [--port 8080] [--host 0.0.0.0] [--upstream URL] [--client per-request|pooled] [--latency-ms 5]

  --name NAME         service name (label on its metrics)
  --upstream URL      call this URL once per request (the API calls payments through its sidecar)
  --client MODE       upstream client: per-request (new connection each call; default) or pooled
  --latency-ms N      mean work time per request, jittered +/-50% (default 5)
`;

/** Idle keep-alive connections from the sidecar stay open (Envoy's upstream idle timeout is 1 h). */
const KEEP_ALIVE_TIMEOUT_MS = 3_600_000;

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '0.0.0.0' },
    upstream: { type: 'string' },
    client: { type: 'string', default: 'per-request' },
    'latency-ms': { type: 'string', default: '5' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help || !args.name) {
  (args.help ? process.stdout : process.stderr).write(HELP);
  process.exit(args.help ? 0 : 2);
}
const name = args.name;
const latencyMs = Number(args['latency-ms']);
if (!CLIENT_MODES.includes(args.client as ClientMode)) {
  process.stderr.write(`service: --client must be one of ${CLIENT_MODES.join(', ')}\n`);
  process.exit(2);
}
const upstream = args.upstream ? new UpstreamClient(new URL(args.upstream), args.client as ClientMode) : undefined;
const served = new Map<number, number>();
const calls = new Map<number, number>();
const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);

function metrics(): string {
  const l = `service="${name}"`;
  let out = '# HELP app_requests_total Requests this service answered, by status code.\n# TYPE app_requests_total counter\n';
  for (const [code, n] of [...served].sort()) out += `app_requests_total{${l},code="${code}"} ${n}\n`;
  if (upstream) {
    out += '# HELP app_upstream_requests_total Calls this service made to its upstream, by status code (-1: socket error).\n# TYPE app_upstream_requests_total counter\n';
    for (const [code, n] of [...calls].sort()) out += `app_upstream_requests_total{${l},code="${code}"} ${n}\n`;
    out += `# HELP app_upstream_connections_opened_total TCP connections this service's client opened to its upstream.\n# TYPE app_upstream_connections_opened_total counter\napp_upstream_connections_opened_total{${l}} ${upstream.connectionsOpened}\n`;
    out += '# HELP app_client_mode The upstream client mode in use (1) and not (0).\n# TYPE app_client_mode gauge\n';
    for (const m of CLIENT_MODES) out += `app_client_mode{${l},mode="${m}"} ${m === upstream.mode ? 1 : 0}\n`;
  }
  return out;
}

function parseOrText(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Answers a service request (counted on /metrics). */
function reply(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  bump(served, status);
  send(res, status, body, type);
}

/** Answers a control request (not counted: it is not traffic). */
function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://service');
  if (url.pathname === '/metrics') {
    const body = metrics();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return res.end(body);
  }
  if (url.pathname === '/control/client') {
    if (!upstream) return send(res, 404, JSON.stringify({ error: `${name} has no upstream client` }) + '\n');
    const mode = url.searchParams.get('mode');
    if (mode !== null) {
      if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: 'use POST to change the mode' }) + '\n');
      if (!CLIENT_MODES.includes(mode as ClientMode)) return send(res, 400, JSON.stringify({ error: `mode must be one of ${CLIENT_MODES.join(', ')}` }) + '\n');
      upstream.setMode(mode as ClientMode);
    }
    return send(res, 200, JSON.stringify({ service: name, client: upstream.mode, upstream: upstream.url.href }) + '\n');
  }
  const work = latencyMs * (0.5 + Math.random());
  setTimeout(async () => {
    if (!upstream) return reply(res, 200, JSON.stringify({ service: name, path: url.pathname, ok: true }) + '\n');
    const r = await upstream.call(upstream.url.pathname + upstream.url.search, { 'x-request-id': String(req.headers['x-request-id'] ?? '') });
    bump(calls, r.status);
    if (r.status === 200) return reply(res, 200, JSON.stringify({ service: name, upstream: parseOrText(r.body) }) + '\n');
    // The upstream's failure is passed on with its status (503 overflow shows at the edge), -1 as 502.
    return reply(res, r.status > 0 ? r.status : 502, r.body || `upstream ${upstream.url.host} unreachable\n`, 'text/plain');
  }, work);
});
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.listen({ host: args.host, port: Number(args.port) }, () => {
  const a = server.address();
  process.stderr.write(`[info] ${name} listening on ${typeof a === 'object' && a ? `${a.address}:${a.port}` : args.port}${upstream ? `, upstream ${upstream.url.href} (${upstream.mode})` : ''}\n`);
});
const stop = () => {
  upstream?.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
