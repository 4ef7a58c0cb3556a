/**
 * What the page knows about its challenges: which <Challenge>s are on it (in page order, with titles once
 * loaded) and the learner's progress from GET /api/progress. A small external store, so the progress
 * summary and every challenge agree without a provider in the theme. Light: no editor or chart code.
 */
import { useSyncExternalStore } from 'react';
import { PROGRESS_PATH, type ChallengeProgress, type ProgressResponse } from '../../protocol/challenges.ts';
import { callApi } from '../api/apiClient.ts';

export interface PageChallenge {
  id: string;
  title?: string;
}

export interface ChallengeStoreState {
  /** Challenges mounted on this page, in the order they were mounted (page order). */
  onPage: PageChallenge[];
  /** Undefined until GET /api/progress answers; stays undefined if it fails (then nothing is marked done). */
  progress: Record<string, ChallengeProgress> | undefined;
}

let state: ChallengeStoreState = { onPage: [], progress: undefined };
const listeners = new Set<() => void>();
let progressRequest: Promise<void> | undefined;

function set(next: ChallengeStoreState): void {
  state = next;
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Mounting challenge: returns the function that removes it again on unmount. */
export function registerChallenge(id: string): () => void {
  if (!state.onPage.some((c) => c.id === id)) set({ ...state, onPage: [...state.onPage, { id }] });
  void loadProgress();
  return () => set({ ...state, onPage: state.onPage.filter((c) => c.id !== id) });
}

export function setChallengeTitle(id: string, title: string): void {
  set({ ...state, onPage: state.onPage.map((c) => (c.id === id ? { ...c, title } : c)) });
}

/** One request per page load, shared by every challenge; `force` refetches (after a check). */
export function loadProgress(force = false): Promise<void> {
  if (progressRequest && !force) return progressRequest;
  progressRequest = callApi<ProgressResponse>(PROGRESS_PATH).then((r) => {
    if (r.ok) set({ ...state, progress: r.value.challenges });
  });
  return progressRequest;
}

/** A check just passed: mark it at once, without waiting for a refetch. */
export function markPassed(id: string): void {
  const prev = state.progress?.[id];
  set({
    ...state,
    progress: { ...state.progress, [id]: { attempts: (prev?.attempts ?? 0) + 1, revealed: prev?.revealed ?? false, ...prev, passed: true } },
  });
}

/** The current state, outside React (tests, event handlers). */
export function peekChallengeStore(): ChallengeStoreState {
  return state;
}

export function useChallengeStore(): ChallengeStoreState {
  return useSyncExternalStore(subscribe, peekChallengeStore, peekChallengeStore);
}

export function isPassed(s: ChallengeStoreState, id: string): boolean {
  return s.progress?.[id]?.passed === true;
}
