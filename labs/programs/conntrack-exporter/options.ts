/**
 * Command-line options. The original exporter's options keep their names and defaults; the rest are
 * ours. Parsing is a pure function: a value for help, errors or the resolved options.
 */
import { parseArgs } from 'node:util';
import { Tunables } from './tunables.ts';

export interface ExporterOptions {
  listenPort: number;
  listenPath: string;
  /** Undefined: every address of the namespace. */
  bindAddress: string | undefined;
  ignoreHosts: string | undefined;
  logEvents: boolean;
  logEventsFormat: 'netfilter' | 'json';
  debug: boolean;
  resyncIntervalSeconds: number;
  hostTtlSeconds: number;
  procRoot: string;
  conntrackCommand: string;
}

export type OptionsResult = { kind: 'ok'; options: ExporterOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export const HELP = `Usage: conntrack-exporter [options]

Exports, for each remote host, how many TCP connections are opening, open, closing and closed,
read from the kernel's connection tracking table of the network namespace it runs in.

Options (as the original conntrack_exporter):
  --listen-port=PORT          port to serve metrics on (default ${Tunables.defaultListenPort}; 0 picks a free one)
  --listen-path=PATH          path to serve metrics on (default /metrics)
  --bind-address=ADDRESS      address to listen on (default: all addresses)
  --ignore-hosts=LIST         comma-separated remote addresses, names or host labels to leave out
  --log-events                print every connection event on stdout
  --log-events-format=FORMAT  netfilter (the kernel's text, default) or json
  --debug                     print resyncs, event source restarts and other internals on stderr
Options of this exporter:
  --resync-interval=SECONDS   full re-read of the table that repairs missed events (default ${Tunables.defaultResyncIntervalSeconds})
  --host-ttl=SECONDS          drop a host after its counts have all been zero this long (default ${Tunables.defaultHostTtlSeconds}; 0 never)
  --conntrack=COMMAND         the conntrack tool that streams events (default conntrack)
  --proc-root=DIR             where /proc is (default /proc; for tests)
  -h, --help                  show this help

Signals: SIGHUP resyncs at once; SIGTERM and SIGINT stop.

Labels: host="name:port" for connections this host opened (to that port), host="name" for
connections the remote host opened to this one (client ports are not labels). Names come from
/etc/hosts; addresses are shown where no name is known.
`;

function positiveNumber(text: string | undefined, fallback: number, what: string, allowZero = false): number | string {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) return `${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${text}"`;
  return n;
}

export function parseOptions(argv: string[]): OptionsResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'listen-port': { type: 'string' },
        'listen-path': { type: 'string' },
        'bind-address': { type: 'string' },
        'ignore-hosts': { type: 'string' },
        'log-events': { type: 'boolean' },
        'log-events-format': { type: 'string' },
        debug: { type: 'boolean' },
        'resync-interval': { type: 'string' },
        'host-ttl': { type: 'string' },
        conntrack: { type: 'string' },
        'proc-root': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const port = positiveNumber(v['listen-port'], Tunables.defaultListenPort, '--listen-port', true);
  if (typeof port === 'string') return { kind: 'error', message: port };
  if (!Number.isInteger(port) || port > 65535) return { kind: 'error', message: `--listen-port must be a port number, got "${v['listen-port']}"` };
  const resync = positiveNumber(v['resync-interval'], Tunables.defaultResyncIntervalSeconds, '--resync-interval');
  if (typeof resync === 'string') return { kind: 'error', message: resync };
  const ttl = positiveNumber(v['host-ttl'], Tunables.defaultHostTtlSeconds, '--host-ttl', true);
  if (typeof ttl === 'string') return { kind: 'error', message: ttl };
  const format = v['log-events-format'] ?? 'netfilter';
  if (format !== 'netfilter' && format !== 'json') {
    return { kind: 'error', message: `--log-events-format must be netfilter or json, got "${format}"` };
  }
  const path = v['listen-path'] ?? '/metrics';
  if (!path.startsWith('/')) return { kind: 'error', message: `--listen-path must start with /, got "${path}"` };
  return {
    kind: 'ok',
    options: {
      listenPort: port,
      listenPath: path,
      bindAddress: v['bind-address'],
      ignoreHosts: v['ignore-hosts'],
      logEvents: v['log-events'] ?? false,
      logEventsFormat: format,
      debug: v.debug ?? false,
      resyncIntervalSeconds: resync,
      hostTtlSeconds: ttl,
      procRoot: v['proc-root'] ?? '/proc',
      conntrackCommand: v.conntrack ?? 'conntrack',
    },
  };
}
