import { describe, expect, it } from 'vitest';
import { extractTags, prometheusName, renderPrometheus, StatsStore } from './stats.ts';

describe('tag extraction and Prometheus naming', () => {
  it.each([
    ['listener.10.42.0.26_20000.downstream_cx_active', 'envoy_listener_downstream_cx_active', [['envoy_listener_address', '10.42.0.26_20000']]],
    ['listener.10.42.0.26_20000.worker_0.downstream_cx_active', 'envoy_listener_worker_downstream_cx_active', [['envoy_worker_id', '0'], ['envoy_listener_address', '10.42.0.26_20000']]],
    ['listener.127.0.0.1_15001.worker_11.downstream_cx_total', 'envoy_listener_worker_downstream_cx_total', [['envoy_worker_id', '11'], ['envoy_listener_address', '127.0.0.1_15001']]],
    ['cluster.payments.circuit_breakers.default.cx_open', 'envoy_cluster_circuit_breakers_default_cx_open', [['envoy_cluster_name', 'payments']]],
    ['cluster.payments.upstream_rq_503', 'envoy_cluster_upstream_rq', [['envoy_response_code', '503'], ['envoy_cluster_name', 'payments']]],
    ['cluster.payments.upstream_rq_5xx', 'envoy_cluster_upstream_rq_xx', [['envoy_response_code_class', '5'], ['envoy_cluster_name', 'payments']]],
    ['http.public_listener.downstream_rq_2xx', 'envoy_http_downstream_rq_xx', [['envoy_http_conn_manager_prefix', 'public_listener'], ['envoy_response_code_class', '2']]],
    ['http.ingress.downstream_cx_active', 'envoy_http_downstream_cx_active', [['envoy_http_conn_manager_prefix', 'ingress']]],
    ['server.live', 'envoy_server_live', []],
  ])('%s becomes %s', (dotted, metric, tags) => {
    const t = extractTags(dotted);
    expect(prometheusName(t.name)).toBe(metric);
    expect(t.tags).toEqual(tags);
  });

  it('prints one # TYPE line per metric name and no # HELP', () => {
    const s = new StatsStore();
    s.counter('listener.1.2.3.4_80.worker_0.downstream_cx_total').inc(2);
    s.counter('listener.1.2.3.4_80.worker_1.downstream_cx_total').inc(3);
    s.counter('listener.1.2.3.4_80.downstream_cx_total').inc(5);
    s.gauge('listener.1.2.3.4_80.downstream_cx_active').set(1);
    const out = renderPrometheus(s);
    expect(out).not.toContain('# HELP');
    expect(out).toBe(
      [
        '# TYPE envoy_listener_downstream_cx_active gauge',
        'envoy_listener_downstream_cx_active{envoy_listener_address="1.2.3.4_80"} 1',
        '# TYPE envoy_listener_downstream_cx_total counter',
        'envoy_listener_downstream_cx_total{envoy_listener_address="1.2.3.4_80"} 5',
        '# TYPE envoy_listener_worker_downstream_cx_total counter',
        'envoy_listener_worker_downstream_cx_total{envoy_worker_id="0",envoy_listener_address="1.2.3.4_80"} 2',
        'envoy_listener_worker_downstream_cx_total{envoy_worker_id="1",envoy_listener_address="1.2.3.4_80"} 3',
        '',
      ].join('\n'),
    );
  });
});
