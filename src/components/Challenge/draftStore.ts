/**
 * The learner's last query per challenge, kept in the browser so a reload or a visit to another lesson
 * does not lose what they typed. Storage may be unavailable (private mode, quota): then drafts are
 * simply not kept.
 */
const KEY_PREFIX = 'patchbay.challenge.draft.';

export function loadDraft(id: string): string {
  try {
    return window.localStorage.getItem(KEY_PREFIX + id) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(id: string, query: string): void {
  try {
    if (query === '') window.localStorage.removeItem(KEY_PREFIX + id);
    else window.localStorage.setItem(KEY_PREFIX + id, query);
  } catch {
    // Not kept; nothing else depends on it.
  }
}
