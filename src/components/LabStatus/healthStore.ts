/**
 * Polls GET /api/health while anything on the page shows the lab's status; one poller however many
 * indicators are mounted (the navbar and the dock both show it).
 */
import { useSyncExternalStore } from 'react';
import { HEALTH_PATH, type HealthResponse } from '../../protocol/health.ts';
import { DEV_NOTICE_SECONDS, type DevStatus } from '../../protocol/devStatus.ts';
import { endedWords, formatMinutes, type LearnerLabStatus } from '../../protocol/learnerLab.ts';
import { callApi } from '../api/apiClient.ts';

/** Often enough to notice the lab becoming ready while a learner reads; cheap for the gateway. */
export const HEALTH_POLL_MS = 5_000;
/** While starting, poll faster so "ready" shows up promptly. */
export const HEALTH_POLL_STARTING_MS = 1_000;

export type HealthView =
  | { kind: 'loading' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'ok'; health: HealthResponse };

let view: HealthView = { kind: 'loading' };
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | null = null;

function publish(next: HealthView): void {
  view = next;
  for (const listener of listeners) listener();
}

async function poll(): Promise<void> {
  const r = await callApi<HealthResponse>(HEALTH_PATH, { cache: 'no-store' });
  // An error status is worth naming; no answer at all, or a success that is not JSON, is just "unreachable".
  const failedStatus = !r.ok && r.error.statusCode >= 300 ? r.error.statusCode : undefined;
  const next: HealthView = r.ok
    ? { kind: 'ok', health: r.value }
    : { kind: 'unreachable', message: failedStatus ? `gateway answered ${failedStatus}` : 'gateway unreachable' };
  publish(next);
  if (listeners.size === 0) return;
  const phase = next.kind === 'ok' ? next.health.learnerLab?.phase : undefined;
  const starting = next.kind === 'ok' && (next.health.lab?.state === 'starting' || phase === 'queued' || phase === 'starting');
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(() => void poll(), starting ? HEALTH_POLL_STARTING_MS : HEALTH_POLL_MS);
}

/** Polls now (after an action on the lab: stay, start, reset), instead of at the next interval. */
export function refreshHealth(): void {
  if (listeners.size === 0) return;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  void poll();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1 && timer === null) void poll();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

const getView = () => view;
const serverView = (): HealthView => ({ kind: 'loading' });
const SERVER_VIEW = serverView();

export function useHealth(): HealthView {
  return useSyncExternalStore(subscribe, getView, () => SERVER_VIEW);
}

export interface LabStatusSummary {
  tone: 'ok' | 'warn' | 'bad' | 'idle';
  label: string;
  detail: string;
}

/** What `patchbay dev` did with a save, in a few words for the label. */
const DEV_CHANGE_LABEL = {
  'challenges-reloaded': 'challenges reloaded',
  'challenges-removed': 'challenges removed',
  'lab-restarting': 'restarting',
  'lab-restarted': 'restarted',
  'lab-unchanged': 'definition saved',
} as const;

/** Pure: what the indicator says for a health answer. */
export function summarize(view: HealthView): LabStatusSummary {
  const mine = view.kind === 'ok' ? view.health.learnerLab : undefined;
  const summary = mine && view.kind === 'ok' ? summarizeLearnerLab(mine, view.health.lab?.name ?? 'lab') ?? summarizeLab(view) : summarizeLab(view);
  const dev = view.kind === 'ok' ? view.health.dev : undefined;
  return dev ? withDevStatus(summary, dev, view.kind === 'ok' ? (view.health.lab?.name ?? 'lab') : 'lab') : summary;
}

/** `patchbay dev`: errors of the lab's files first (the lab runs from before them), else a recent change. */
function withDevStatus(summary: LabStatusSummary, dev: DevStatus, name: string): LabStatusSummary {
  if (dev.errors.length) {
    const files = [...new Set(dev.errors.map((e) => e.file.split('/').pop()))];
    return {
      tone: 'bad',
      label: `${files.join(', ')} ${files.length === 1 ? 'has' : 'have'} errors`,
      detail: [...dev.errors.map((e) => e.text), '', `Fix and save: until then ${name} runs as it was before (${summary.label}).`].join('\n'),
    };
  }
  const change = dev.lastChange;
  if (dev.restarting) return { tone: 'warn', label: `${name} restarting`, detail: change?.message ?? 'The lab definition changed' };
  if (!change || change.secondsAgo > DEV_NOTICE_SECONDS) return summary;
  return { ...summary, label: `${summary.label} · ${DEV_CHANGE_LABEL[change.kind]}`, detail: `${summary.detail}\n${change.message}` };
}

/** A lab per learner: the learner's own instance while they hold none or wait (null: the instance's health says it). */
function summarizeLearnerLab(mine: LearnerLabStatus, name: string): LabStatusSummary | null {
  switch (mine.phase) {
    case 'queued': {
      const q = mine.queue!;
      const when = q.problem ? 'labs are failing to start' : q.estimateSeconds === null ? 'no estimate yet' : `about ${formatMinutes(q.estimateSeconds)}`;
      return { tone: 'warn', label: `${name}: queued, #${q.place}`, detail: `Every lab is taken: you are number ${q.place} of ${q.waiting} waiting (${when})${q.problem ? `\n${q.problem}` : ''}` };
    }
    case 'starting':
      return { tone: 'warn', label: `${name} starting`, detail: 'Starting your own lab' };
    case 'none':
      return mine.reclaimed
        ? { tone: 'idle', label: `${name} reclaimed`, detail: `Your lab was reclaimed ${endedWords(mine.reclaimed.reason, mine.idleSeconds)}; a terminal or "Start my lab" gets a fresh one` }
        : { tone: 'idle', label: `${name} not started`, detail: 'Your lab starts when a lesson needs it (a terminal, a graph, a check)' };
    case 'ready':
      return null;
  }
}

function summarizeLab(view: HealthView): LabStatusSummary {
  if (view.kind === 'loading') return { tone: 'idle', label: 'lab …', detail: 'Asking the gateway for the lab status' };
  if (view.kind === 'unreachable') return { tone: 'bad', label: 'offline', detail: view.message };
  const lab = view.health.lab;
  if (!lab) return { tone: 'idle', label: 'no lab', detail: 'No lab is running; terminals open on the local tools target' };
  switch (lab.state) {
    case 'ready':
      return { tone: 'ok', label: `${lab.name} ready`, detail: `Lab ${lab.name} (${lab.instance}) is ready` };
    case 'starting': {
      const pending = lab.hosts.flatMap((h) => h.processes.filter((p) => p.state !== 'ready').map((p) => `${h.name}/${p.name}`));
      return { tone: 'warn', label: `${lab.name} starting`, detail: pending.length ? `Waiting for ${pending.join(', ')}` : 'Starting' };
    }
    case 'degraded': {
      const failing = lab.failing.length ? lab.failing.join(', ') : 'a process';
      const errors = lab.hosts.flatMap((h) => h.processes.filter((p) => p.lastError).map((p) => `${h.name}/${p.name}: ${p.lastError}`));
      return { tone: 'bad', label: `${lab.name} degraded: ${failing}`, detail: errors.join('\n') || `Failing: ${failing}` };
    }
    case 'none':
      return { tone: 'idle', label: 'no lab', detail: 'No lab is running' };
    default:
      return { tone: lab.state === 'down' ? 'bad' : 'warn', label: `${lab.name} ${lab.state}`, detail: `Lab ${lab.name} is ${lab.state}` };
  }
}
