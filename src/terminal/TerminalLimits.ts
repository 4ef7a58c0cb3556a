/** Every tunable time and size of a terminal's life, with the reason for its default. */
export interface TerminalLimits {
  /** Keep a terminal this long after its socket closes, so a reload or a network blip resumes it. */
  graceMs: number;
  /** End a terminal that had no input from its learner for this long. */
  idleMs: number;
  /** End a terminal this long after it started, whatever happens. */
  maxLifetimeMs: number;
  /** Close the socket of a client that leaves the pty paused this long without one ack. */
  ackStallMs: number;
  /** End a terminal whose child has not read queued input for this long (stops node-pty's write spin). */
  inputStallMs: number;
  /** After the shell exits, wait this long for trailing output before sending Exit. */
  exitDrainMs: number;
  /** After SIGHUP/SIGTERM, wait this long for the shell before SIGKILLing everything in its cgroup. */
  killGraceMs: number;
  /** Lines of scrollback the server keeps for replay. */
  scrollback: number;
  /** Terminals one session may hold at once. */
  maxTerminalsPerSession: number;
  /** Terminals the whole gateway may hold: sessions are free to mint, shells are not. */
  maxTerminals: number;
}

export const DEFAULT_TERMINAL_LIMITS: TerminalLimits = {
  // Long enough for a laptop lid or a flaky network; short enough that abandoned shells go away.
  graceMs: 5 * 60_000,
  // A lesson page left open overnight should not hold shells.
  idleMs: 60 * 60_000,
  // A working day.
  maxLifetimeMs: 8 * 60 * 60_000,
  // A healthy client acks within one round trip plus one parse of HIGH bytes (well under a second).
  ackStallMs: 30_000,
  // A pty's input buffer (4 KiB) is full and nothing reads it; typing into `sleep` never gets here.
  inputStallMs: 10_000,
  // Measured: trailing output of an exiting shell arrives within a few ms; 250 ms is generous.
  exitDrainMs: 250,
  // Bash handles SIGHUP at once; jobs that ignore it are what the cgroup kill is for.
  killGraceMs: 3_000,
  // Matches xterm.js's default in the browser, so the replayed screen has the same scrollback.
  scrollback: 1000,
  // A lesson docks a handful of terminals; this only stops a runaway client.
  maxTerminalsPerSession: 32,
  // Each shell costs a process and ~0.1 MB of gateway memory; 2 cores serve a few hundred idle ones.
  maxTerminals: 256,
};
