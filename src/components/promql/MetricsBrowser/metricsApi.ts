/**
 * The metrics browser's questions to the lab's Prometheus, through the gateway's pass-through
 * (PROMETHEUS_PROXY_PREFIX, the learner's own lab): metric names with their metadata, the labels of one
 * metric, and a label's values under a selector. Failures come back as values (apiClient's ApiResult).
 */
import { PROMETHEUS_PROXY_PREFIX } from '../../../protocol/challenges.ts';
import { callApi, type ApiResult } from '../../api/apiClient.ts';
import type { MetricMetadata } from './selectorText.ts';

interface PromAnswer<T> {
  status: 'success' | 'error';
  data: T;
}

const API = `${PROMETHEUS_PROXY_PREFIX}/api/v1`;

async function get<T>(path: string, params: Record<string, string>, signal: AbortSignal): Promise<ApiResult<T>> {
  const q = new URLSearchParams(params).toString();
  const r = await callApi<PromAnswer<T>>(`${API}/${path}${q ? `?${q}` : ''}`, { signal });
  return r.ok ? { ok: true, value: r.value.data } : r;
}

export interface MetricCatalog {
  /** Every metric name with series, sorted. */
  names: string[];
  /** Metadata by family name (a histogram's under its base name), the first entry Prometheus gives. */
  metadata: Map<string, MetricMetadata>;
}

/**
 * Names from `/label/__name__/values` (so metrics without metadata are listed too) and metadata from
 * `/metadata`; metadata failing is not fatal (the list shows no HELP then).
 */
export async function loadCatalog(signal: AbortSignal): Promise<ApiResult<MetricCatalog>> {
  const [names, meta] = await Promise.all([get<string[]>('label/__name__/values', {}, signal), get<Record<string, MetricMetadata[]>>('metadata', {}, signal)]);
  if (!names.ok) return names;
  const metadata = new Map<string, MetricMetadata>();
  if (meta.ok) for (const [name, entries] of Object.entries(meta.value ?? {})) if (entries[0]) metadata.set(name, entries[0]);
  return { ok: true, value: { names: [...(names.value ?? [])].sort(), metadata } };
}

/** Label names of the series `selector` selects, without `__name__`. */
export async function loadLabels(selector: string, signal: AbortSignal): Promise<ApiResult<string[]>> {
  const r = await get<string[]>('labels', { 'match[]': selector }, signal);
  return r.ok ? { ok: true, value: (r.value ?? []).filter((l) => l !== '__name__').sort() } : r;
}

/** Values of `label` among the series `selector` selects. */
export async function loadValues(label: string, selector: string, signal: AbortSignal): Promise<ApiResult<string[]>> {
  const r = await get<string[]>(`label/${encodeURIComponent(label)}/values`, { 'match[]': selector }, signal);
  return r.ok ? { ok: true, value: [...(r.value ?? [])].sort() } : r;
}
