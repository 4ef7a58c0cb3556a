/** Every tunable of sign-in and sessions, with the reason for its default. */
export interface SessionLimits {
  /**
   * Live sessions (seen within `liveWindowMs`) one client address may hold; a sign-in past it is
   * refused. A sign-in from a browser that already has a session replaces it and is never refused.
   */
  maxSessionsPerAddress: number;
  /** How recently a session must have been seen to count as live for the cap above. */
  liveWindowMs: number;
  /** Failed sign-ins (wrong token, unknown invite) per address per minute before every sign-in from it is refused. */
  maxFailedSignInsPerMinute: number;
  /** A session's cookie and id expire this long after sign-in. */
  sessionMaxAgeMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  // A learner has one or two browsers; a classroom behind one NAT needs the flag raised (README says so).
  maxSessionsPerAddress: 16,
  // A lesson is done in a day; a session idle for longer no longer holds a place.
  liveWindowMs: 24 * 3_600_000,
  // A person mistyping a pasted token a few times, never a guessing run.
  maxFailedSignInsPerMinute: 10,
  // A course over two weeks without signing in again.
  sessionMaxAgeMs: 14 * 24 * 3_600_000,
};

/** Invites (hosted mode): a personal link by default, valid for a day. */
export const InviteDefaults = {
  uses: 1,
  ttlMs: 24 * 3_600_000,
  maxUses: 1000,
  maxTtlMs: 30 * 24 * 3_600_000,
} as const;

/** Display names given on the join page. */
export const DISPLAY_NAME_MAX_CHARS = 40;
