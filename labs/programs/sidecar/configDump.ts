/**
 * `GET /config_dump`: Envoy's `{"configs": [...]}` with one typed entry each for the bootstrap, the
 * clusters, the listeners and the route configurations. Everything is static here, so clusters and
 * listeners appear under `static_clusters` / `static_listeners` (each `{listener|cluster, last_updated}`),
 * as real Envoy shows a bootstrap-only configuration.
 */
const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

type Obj = Record<string, unknown>;

function asArray(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

export function configDump(raw: Obj, loadedAt: Date): unknown {
  const last_updated = loadedAt.toISOString();
  const sr = (raw.static_resources ?? {}) as Obj;
  const listeners = asArray(sr.listeners);
  const clusters = asArray(sr.clusters);
  const routeConfigs = listeners.flatMap((l) =>
    asArray(l.filter_chains).flatMap((fc) => asArray(fc.filters).map((f) => (f.typed_config as Obj | undefined)?.route_config)),
  );
  return {
    configs: [
      { '@type': ADMIN + 'BootstrapConfigDump', bootstrap: raw, last_updated },
      {
        '@type': ADMIN + 'ClustersConfigDump',
        static_clusters: clusters.map((c) => ({ cluster: { '@type': CLUSTER_TYPE, ...c }, last_updated })),
      },
      {
        '@type': ADMIN + 'ListenersConfigDump',
        static_listeners: listeners.map((l) => ({ listener: { '@type': LISTENER_TYPE, ...l }, last_updated })),
      },
      {
        '@type': ADMIN + 'RoutesConfigDump',
        static_route_configs: routeConfigs.filter(Boolean).map((r) => ({ route_config: { '@type': ROUTE_TYPE, ...(r as Obj) }, last_updated })),
      },
    ],
  };
}
