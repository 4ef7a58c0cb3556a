/** The element id of a challenge on its page, for links from the progress summary. */
export function challengeAnchor(id: string): string {
  return `challenge-${id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}
