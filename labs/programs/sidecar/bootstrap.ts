/**
 * The subset of Envoy's v3 bootstrap YAML the sidecar reads, validated in one pass into resolved
 * settings with the definitions toolkit (src/definitions, a pure helper bundled in): YAML with positions,
 * aliases bounded, strict objects. Like real Envoy, a field that Envoy does not know is an error naming
 * the field; a field Envoy knows but this stand-in ignores is a warning. Every error of the file comes
 * back at once as `file:line:column: field.path[0]: message`.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { formatDefinitionError } from '../../../src/definitions/definitionError.ts';
import { loadDefinition, type DefinitionIssue } from '../../../src/definitions/loadDefinition.ts';
import { strictObject, uniqueBy } from '../../../src/definitions/strictObject.ts';
import type { DefinitionPath } from '../../../src/definitions/yamlSource.ts';

export const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_PROTOCOL_OPTIONS_TYPE = `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS_KEY}`;
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** Envoy's built-in circuit-breaker defaults (cluster/v3/circuit_breaker.proto). */
export const ENVOY_THRESHOLD_DEFAULTS = {
  max_connections: 1024,
  max_pending_requests: 1024,
  max_requests: 1024,
  max_retries: 3,
} as const;

/** Envoy's default idle timeout for upstream HTTP connections (common_http_protocol_options, 1 h). */
const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 3_600_000;
/** Envoy's default connect_timeout for a cluster (5 s). */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface HostPort {
  host: string;
  port: number;
}

export interface Thresholds {
  max_connections: number;
  max_pending_requests: number;
  max_requests: number;
  max_retries: number;
}

export interface ListenerConfig {
  name: string;
  address: HostPort;
  statPrefix: string;
  routes: { prefix: string; cluster: string }[];
}

export interface ClusterConfig {
  name: string;
  type: 'STATIC' | 'STRICT_DNS';
  endpoints: HostPort[];
  connectTimeoutMs: number;
  thresholds: Thresholds;
  trackRemaining: boolean;
  /** Unset: unlimited (Envoy's default). */
  maxRequestsPerConnection: number | undefined;
  /** Idle upstream connections close after this long (Envoy's default 1 h; 0 disables). */
  idleTimeoutMs: number;
}

export interface Bootstrap {
  admin: HostPort;
  listeners: ListenerConfig[];
  clusters: ClusterConfig[];
  /** The document as written, for `/config_dump`. */
  raw: Record<string, unknown>;
  warnings: string[];
}

export type BootstrapResult = { ok: true; bootstrap: Bootstrap } | { ok: false; errors: string[] };

// ---- schema ------------------------------------------------------------------------------------

/** `a.b[0].c`: how Envoy's messages (and so ours) name a field. */
function fieldPath(path: DefinitionPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('');
}

/**
 * A strict object: keys outside `shape` are errors unless listed in `ignored` (fields real Envoy
 * accepts that the stand-in does not implement), which are warnings.
 */
function envoyObject<S extends z.ZodRawShape>(shape: S, ignored: readonly string[] = []) {
  return strictObject(shape, {
    ignored,
    ignoredMessage: 'accepted by Envoy but ignored by this sidecar',
    unknownKey: (key, meant) => `unknown field "${key}"${meant ? ` (did you mean "${meant}"?)` : ''}`,
  });
}

const uint32 = z
  .number({ invalid_type_error: 'must be a non-negative integer' })
  .int('must be a non-negative integer')
  .min(0, 'must be a non-negative integer')
  .max(0xffffffff, 'must fit in 32 bits');

const port = z
  .number({ invalid_type_error: 'must be a port number' })
  .int('must be a port number')
  .min(0, 'must be a port number 0-65535')
  .max(65535, 'must be a port number 0-65535');

const ipAddress = z.string().refine((s) => isIP(s) !== 0, { message: 'must be an IPv4 or IPv6 address' });
const hostname = z
  .string()
  .refine((s) => isIP(s) !== 0 || /^[a-zA-Z0-9]([a-zA-Z0-9-.]*[a-zA-Z0-9])?$/.test(s), {
    message: 'must be an IP address or a DNS name',
  });

const duration = z.string().regex(/^\d+(\.\d+)?s$/, 'must be a duration such as "0.25s"');

/** "0.25s" → 0.25 (the schema has checked the form). */
function seconds(d: string): number {
  return parseFloat(d);
}

const socketAddress = (addr: z.ZodTypeAny) =>
  envoyObject({ socket_address: envoyObject({ address: addr, port_value: port, protocol: z.literal('TCP').optional() }, ['ipv4_compat', 'resolver_name']) });

const routeConfig = envoyObject(
  {
    name: z.string().optional(),
    virtual_hosts: z
      .array(
        envoyObject(
          {
            name: z.string(),
            domains: z.array(z.string()).min(1),
            routes: z
              .array(
                envoyObject({
                  match: envoyObject({ prefix: z.string() }, ['headers', 'case_sensitive']),
                  route: envoyObject({ cluster: z.string().min(1) }, ['timeout', 'retry_policy', 'idle_timeout']),
                }, ['name']),
              )
              .min(1),
          },
          ['retry_policy', 'request_headers_to_add', 'response_headers_to_add'],
        ),
      )
      .min(1),
  },
  ['validate_clusters', 'request_headers_to_add', 'response_headers_to_add'],
);

const hcm = envoyObject(
  {
    '@type': z.literal(HCM_TYPE, { errorMap: () => ({ message: `must be "${HCM_TYPE}"` }) }),
    stat_prefix: z.string().min(1),
    codec_type: z.enum(['AUTO', 'HTTP1']).optional(),
    route_config: routeConfig,
    http_filters: z
      .array(
        envoyObject({
          name: z.string(),
          typed_config: envoyObject({ '@type': z.literal(ROUTER_TYPE) }).optional(),
        }),
      )
      .optional(),
  },
  ['access_log', 'use_remote_address', 'generate_request_id', 'common_http_protocol_options', 'stream_idle_timeout', 'normalize_path', 'tracing', 'server_name', 'xff_num_trusted_hops'],
);

const listener = envoyObject(
  {
    name: z.string().min(1),
    address: socketAddress(ipAddress),
    filter_chains: z
      .array(
        envoyObject({
          filters: z
            .array(envoyObject({ name: z.string(), typed_config: hcm }))
            .length(1, 'this sidecar supports exactly one filter (the http_connection_manager) per chain'),
        }, ['name', 'filter_chain_match']),
      )
      .length(1, 'this sidecar supports exactly one filter chain per listener'),
  },
  ['traffic_direction', 'per_connection_buffer_limit_bytes', 'listener_filters', 'connection_balance_config', 'enable_reuse_port'],
);

const thresholds = envoyObject({
  priority: z.enum(['DEFAULT', 'HIGH']).optional(),
  max_connections: uint32.optional(),
  max_pending_requests: uint32.optional(),
  max_requests: uint32.optional(),
  max_retries: uint32.optional(),
  track_remaining: z.boolean().optional(),
}, ['retry_budget', 'max_connection_pools']);

const httpProtocolOptions = envoyObject(
  {
    '@type': z.literal(HTTP_PROTOCOL_OPTIONS_TYPE, { errorMap: () => ({ message: `must be "${HTTP_PROTOCOL_OPTIONS_TYPE}"` }) }),
    common_http_protocol_options: envoyObject({ max_requests_per_connection: uint32.min(1, 'must be at least 1').optional(), idle_timeout: duration.optional() }, ['max_connection_duration', 'max_headers_count']).optional(),
    explicit_http_config: envoyObject({ http_protocol_options: envoyObject({}, ['accept_http_10']) }).optional(),
  },
);

const cluster = envoyObject(
  {
    name: z.string().regex(/^[^.]+$/, 'must not contain dots (the stand-in extracts the cluster name tag up to the first dot)'),
    type: z.enum(['STATIC', 'STRICT_DNS']).optional(),
    connect_timeout: duration.optional(),
    lb_policy: z.literal('ROUND_ROBIN').optional(),
    load_assignment: envoyObject({
      cluster_name: z.string(),
      endpoints: z
        .array(envoyObject({ lb_endpoints: z.array(envoyObject({ endpoint: envoyObject({ address: socketAddress(hostname) }, ['hostname']) })).min(1) }, ['locality', 'priority']))
        .min(1),
    }),
    circuit_breakers: envoyObject({ thresholds: z.array(thresholds).max(1, 'only the DEFAULT priority is supported') }).optional(),
    max_requests_per_connection: uint32.min(1, 'must be at least 1').optional(),
    typed_extension_protocol_options: envoyObject({ [HTTP_PROTOCOL_OPTIONS_KEY]: httpProtocolOptions.optional() }).optional(),
  },
  ['dns_lookup_family', 'dns_refresh_rate', 'per_connection_buffer_limit_bytes', 'common_lb_config', 'upstream_connection_options', 'outlier_detection', 'health_checks', 'respect_dns_ttl'],
);

const bootstrapSchema = envoyObject(
  {
    admin: envoyObject({ address: socketAddress(ipAddress) }, ['access_log', 'access_log_path', 'profile_path']),
    static_resources: envoyObject({
      listeners: z.array(listener).optional(),
      clusters: uniqueBy(z.array(cluster), 'name', (name) => `duplicate cluster name "${name}"`).optional(),
    }),
  },
  ['node', 'stats_config', 'stats_flush_interval', 'layered_runtime', 'overload_manager', 'dynamic_resources'],
);

// ---- resolution --------------------------------------------------------------------------------

type BootstrapSpec = z.output<typeof bootstrapSchema>;

/** Parses and validates bootstrap YAML text; `source` names the file in messages. */
export function parseBootstrap(text: string, source = 'envoy.yaml'): BootstrapResult {
  const loaded = loadDefinition(text, source, bootstrapSchema, { formatPath: fieldPath, check: crossFieldIssues });
  if (!loaded.ok) return { ok: false, errors: loaded.errors.map(formatDefinitionError) };
  const cfg = loaded.value;
  const warnings = loaded.warnings.map((w) => `${w.path}: ${w.message}`);
  const clusters: ClusterConfig[] = (cfg.static_resources.clusters ?? []).map((c, ci) => {
    const t = c.circuit_breakers?.thresholds[0];
    const common = c.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY]?.common_http_protocol_options;
    const typed = common?.max_requests_per_connection;
    if (c.max_requests_per_connection !== undefined && typed === undefined) {
      warnings.push(`${fieldPath(['static_resources', 'clusters', ci, 'max_requests_per_connection'])}: deprecated in Envoy; use typed_extension_protocol_options.${HTTP_PROTOCOL_OPTIONS_KEY}.common_http_protocol_options.max_requests_per_connection`);
    }
    return {
      name: c.name,
      type: c.type ?? 'STATIC',
      endpoints: c.load_assignment.endpoints.flatMap((e) =>
        e.lb_endpoints.map((l) => ({ host: l.endpoint.address.socket_address.address as string, port: l.endpoint.address.socket_address.port_value })),
      ),
      connectTimeoutMs: c.connect_timeout ? seconds(c.connect_timeout) * 1000 : DEFAULT_CONNECT_TIMEOUT_MS,
      thresholds: {
        max_connections: t?.max_connections ?? ENVOY_THRESHOLD_DEFAULTS.max_connections,
        max_pending_requests: t?.max_pending_requests ?? ENVOY_THRESHOLD_DEFAULTS.max_pending_requests,
        max_requests: t?.max_requests ?? ENVOY_THRESHOLD_DEFAULTS.max_requests,
        max_retries: t?.max_retries ?? ENVOY_THRESHOLD_DEFAULTS.max_retries,
      },
      trackRemaining: t?.track_remaining ?? false,
      maxRequestsPerConnection: typed ?? c.max_requests_per_connection,
      idleTimeoutMs: common?.idle_timeout !== undefined ? seconds(common.idle_timeout) * 1000 : DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
    };
  });
  const listeners: ListenerConfig[] = (cfg.static_resources.listeners ?? []).map((l) => {
    const h = l.filter_chains[0]!.filters[0]!.typed_config;
    return {
      name: l.name,
      address: { host: l.address.socket_address.address as string, port: l.address.socket_address.port_value },
      statPrefix: h.stat_prefix,
      routes: h.route_config.virtual_hosts.flatMap((vh) => vh.routes.map((r) => ({ prefix: r.match.prefix, cluster: r.route.cluster }))),
    };
  });
  return {
    ok: true,
    bootstrap: {
      admin: { host: cfg.admin.address.socket_address.address as string, port: cfg.admin.address.socket_address.port_value },
      listeners,
      clusters,
      raw: loaded.source.value as Record<string, unknown>,
      warnings,
    },
  };
}

/** What Envoy checks between fields once each field is well-formed. */
function crossFieldIssues(cfg: BootstrapSpec): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const clusters = cfg.static_resources.clusters ?? [];
  clusters.forEach((c, ci) => {
    const base = ['static_resources', 'clusters', ci];
    const typed = c.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY]?.common_http_protocol_options?.max_requests_per_connection;
    if (c.max_requests_per_connection !== undefined && typed !== undefined) {
      issues.push({ path: [...base, 'max_requests_per_connection'], message: 'set max_requests_per_connection in one place only (typed_extension_protocol_options is the current one)' });
    }
    if ((c.type ?? 'STATIC') === 'STATIC') {
      c.load_assignment.endpoints.forEach((e, ei) =>
        e.lb_endpoints.forEach((l, li) => {
          if (isIP(l.endpoint.address.socket_address.address as string) === 0) {
            const path = [...base, 'load_assignment', 'endpoints', ei, 'lb_endpoints', li, 'endpoint', 'address', 'socket_address', 'address'];
            issues.push({ path, message: 'a STATIC cluster needs IP addresses (use type: STRICT_DNS for names)' });
          }
        }),
      );
    }
  });
  const clusterNames = new Set(clusters.map((c) => c.name));
  const addresses = new Set<string>();
  (cfg.static_resources.listeners ?? []).forEach((l, li) => {
    const base = ['static_resources', 'listeners', li];
    l.filter_chains[0]!.filters[0]!.typed_config.route_config.virtual_hosts.forEach((vh, vi) =>
      vh.routes.forEach((r, ri) => {
        if (clusterNames.has(r.route.cluster)) return;
        const path = [...base, 'filter_chains', 0, 'filters', 0, 'typed_config', 'route_config', 'virtual_hosts', vi, 'routes', ri, 'route', 'cluster'];
        issues.push({ path, message: `unknown cluster "${r.route.cluster}"` });
      }),
    );
    const key = `${l.address.socket_address.address}:${l.address.socket_address.port_value}`;
    if (addresses.has(key) && l.address.socket_address.port_value !== 0) issues.push({ path: [...base, 'address'], message: `another listener already uses ${key}` });
    addresses.add(key);
  });
  return issues;
}
