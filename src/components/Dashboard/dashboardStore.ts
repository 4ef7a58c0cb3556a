/**
 * The learner's dashboards on this page, outside React: what <Dashboard> shows and edits, and what other
 * components (a panel challenge) read. One entry per dashboard id, loaded once from GET /api/dashboards/:id
 * and saved back (debounced PUT) after each edit. Light: no editor or chart code, so a challenge can import
 * it without pulling either in.
 *
 *   const unsubscribe = subscribeDashboard('api-connections', () => { … peekDashboard('api-connections') … });
 *   const panel = usePanel('api-connections', { title: 'API connections' });   // in a component
 *   findPanel(peekDashboard('api-connections')?.dashboard, { panelId: 'p1' });
 */
import { useCallback, useSyncExternalStore } from 'react';
import { dashboardPath, type Dashboard, type DashboardResponse, type Panel } from '../../protocol/dashboard.ts';
import { callApi } from '../api/apiClient.ts';

/** Where the last edit stands on the server. */
export type SaveState =
  | { kind: 'unchanged' }
  /** Edited; the save waits for the learner to pause (SAVE_DEBOUNCE_MS). */
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: number }
  /** `conflict`: saved meanwhile from another tab (409); reloading shows that version. */
  | { kind: 'error'; message: string; conflict: boolean };

export interface DashboardEntry {
  id: string;
  /** Undefined until the first GET answers (or when it failed: see loadError). */
  dashboard: Dashboard | undefined;
  source: DashboardResponse['source'] | undefined;
  loadError: string | undefined;
  save: SaveState;
  /** Counts the loads from the server: editors that own their text (the PromQL editor) start again when it changes. */
  loads: number;
}

/** A pause in editing this long sends the dashboard to the server. */
export const SAVE_DEBOUNCE_MS = 800;

const entries = new Map<string, DashboardEntry>();
const listeners = new Map<string, Set<() => void>>();
const loads = new Map<string, Promise<void>>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();
/** Ids with a PUT in flight; an edit meanwhile is sent after it answers. */
const inFlight = new Set<string>();

function blank(id: string): DashboardEntry {
  return { id, dashboard: undefined, source: undefined, loadError: undefined, save: { kind: 'unchanged' }, loads: 0 };
}

function set(id: string, next: DashboardEntry): void {
  entries.set(id, next);
  for (const l of listeners.get(id) ?? []) l();
}

function patch(id: string, change: Partial<DashboardEntry>): void {
  set(id, { ...(entries.get(id) ?? blank(id)), ...change });
}

/** Calls `listener` after every change of dashboard `id` (loaded, edited, saved). Returns the unsubscribe. */
export function subscribeDashboard(id: string, listener: () => void): () => void {
  let group = listeners.get(id);
  if (!group) listeners.set(id, (group = new Set()));
  group.add(listener);
  return () => {
    group.delete(listener);
  };
}

/** The current state of dashboard `id`, outside React; undefined before anything asked for it. */
export function peekDashboard(id: string): DashboardEntry | undefined {
  return entries.get(id);
}

/** Loads dashboard `id` once per page (`force` asks the server again, e.g. after a conflict). */
export function loadDashboard(id: string, force = false): Promise<void> {
  const existing = loads.get(id);
  if (existing && !force) return existing;
  if (!entries.has(id)) entries.set(id, blank(id));
  const request = callApi<DashboardResponse>(dashboardPath(id), { cache: 'no-store' }).then((r) => {
    if (r.ok) patch(id, { dashboard: r.value.dashboard, source: r.value.source, loadError: undefined, save: { kind: 'unchanged' }, loads: (entries.get(id)?.loads ?? 0) + 1 });
    else {
      patch(id, { loadError: r.error.message });
      loads.delete(id);
    }
  });
  loads.set(id, request);
  return request;
}

/**
 * Changes dashboard `id` at once on the page and saves it after a pause. `update` gets the current
 * dashboard and returns the next (never mutate it); nothing happens before the dashboard has loaded.
 */
export function editDashboard(id: string, update: (d: Dashboard) => Dashboard): void {
  const entry = entries.get(id);
  if (!entry?.dashboard) return;
  patch(id, { dashboard: update(entry.dashboard), save: { kind: 'pending' } });
  clearTimeout(timers.get(id));
  timers.set(id, setTimeout(() => void saveDashboard(id), SAVE_DEBOUNCE_MS));
}

/** Sends dashboard `id` now (the debounce calls this; so may a test or an unload handler). */
export async function saveDashboard(id: string): Promise<void> {
  clearTimeout(timers.get(id));
  timers.delete(id);
  const entry = entries.get(id);
  if (!entry?.dashboard || entry.save.kind !== 'pending' || inFlight.has(id)) return;
  const sent = entry.dashboard;
  inFlight.add(id);
  patch(id, { save: { kind: 'saving' } });
  const r = await callApi<DashboardResponse>(dashboardPath(id), { method: 'PUT', body: sent });
  inFlight.delete(id);
  const now = entries.get(id)!;
  const editedMeanwhile = now.dashboard !== sent;
  if (!r.ok) {
    patch(id, { save: { kind: 'error', message: r.error.message, conflict: r.error.statusCode === 409 } });
    return;
  }
  // The server's version counts on; edits made while the PUT was out keep their panels and take it.
  const saved = r.value.dashboard;
  if (editedMeanwhile && now.dashboard) {
    patch(id, { dashboard: { ...now.dashboard, version: saved.version }, source: 'saved', save: { kind: 'pending' } });
    void saveDashboard(id);
  } else {
    patch(id, { dashboard: saved, source: 'saved', save: { kind: 'saved', at: Date.now() } });
  }
}

/** How a challenge or a test names a panel: by its id, or by its title (trimmed, case-insensitive). */
export interface PanelRef {
  panelId?: string;
  title?: string;
}

/** The panel of `dashboard` that `ref` names (the first when several have the title), else undefined. */
export function findPanel(dashboard: Dashboard | undefined, ref: PanelRef): Panel | undefined {
  if (!dashboard) return undefined;
  if (ref.panelId !== undefined) return dashboard.panels.find((p) => p.id === ref.panelId);
  if (ref.title !== undefined) {
    const want = ref.title.trim().toLowerCase();
    return dashboard.panels.find((p) => p.title.trim().toLowerCase() === want);
  }
  return undefined;
}

/** Dashboard `id` in a component, loading it on first use; re-renders on every change. */
export function useDashboard(id: string): DashboardEntry {
  const subscribe = useCallback(
    (l: () => void) => {
      void loadDashboard(id);
      return subscribeDashboard(id, l);
    },
    [id],
  );
  const get = useCallback(() => entries.get(id) ?? stableBlank(id), [id]);
  return useSyncExternalStore(subscribe, get, get);
}

/** One panel of dashboard `dashboardId` in a component (e.g. a panel challenge reading what the learner built). */
export function usePanel(dashboardId: string, ref: PanelRef): Panel | undefined {
  return findPanel(useDashboard(dashboardId).dashboard, ref);
}

/** A stable blank per id, so useSyncExternalStore sees the same snapshot until something changes. */
const blanks = new Map<string, DashboardEntry>();
function stableBlank(id: string): DashboardEntry {
  let b = blanks.get(id);
  if (!b) blanks.set(id, (b = blank(id)));
  return b;
}
