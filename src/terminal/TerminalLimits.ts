import type { CgroupLimits } from './ProcessCgroup.ts';

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
  /** Tasks (processes and threads) in one terminal's cgroup: `pids.max`. */
  pidsMax: number;
  /**
   * Memory of one terminal, its screen copy included: its processes' cgroup gets this less
   * `screenBytes`, so the copy the gateway keeps counts in the same budget.
   */
  memoryBytes: number;
  /** The terminal's share of CPU under contention (cgroup v2 `cpu.weight`, 1-10000). */
  cpuWeight: number;
  /** What the gateway's screen copy of one terminal may hold (estimated; scrollback and then rows give way). */
  screenBytes: number;
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
  // A lesson's shell runs pipelines and a few node programs (about a dozen threads each); a fork bomb
  // stops at this many tasks, a few hundred MB at most, inside the memory cap below.
  pidsMax: 128,
  // The lab's programs use tens of MB each; 512 MiB lets a learner run them by hand, and a runaway
  // (`tail /dev/zero`) is OOM-killed inside its own cgroup long before the machine swaps.
  memoryBytes: 512 * 1024 * 1024,
  // cgroup v2's default: every terminal the same share, so a busy one cannot starve another's echo.
  cpuWeight: 100,
  // The largest screen the protocol allows (1000x500) with a little scrollback; an ordinary 200x50
  // terminal keeps its full 1,000 lines (about 3.5 MB).
  screenBytes: 8 * 1024 * 1024,
};

/** Measured on @xterm/headless (a 1000x500 screen with 1,000 lines of scrollback holds 19.5 MB): 12 bytes a cell… */
export const SCREEN_BYTES_PER_CELL = 12;
/** …plus about 1 KB for each line's own objects. */
export const SCREEN_BYTES_PER_LINE = 1024;

/** Estimated bytes of a screen copy of this size. */
export function screenCopyBytes(cols: number, rows: number, scrollback: number): number {
  return (rows + scrollback) * (cols * SCREEN_BYTES_PER_CELL + SCREEN_BYTES_PER_LINE);
}

/**
 * The size of a terminal (already clamped by the protocol) whose screen copy fits `screenBytes`:
 * scrollback gives way first, then rows, so the copy never holds more than its share.
 */
export function fitScreen(cols: number, rows: number, limits: Pick<TerminalLimits, 'scrollback' | 'screenBytes'>): { cols: number; rows: number; scrollback: number } {
  const lines = Math.max(1, Math.floor(limits.screenBytes / (cols * SCREEN_BYTES_PER_CELL + SCREEN_BYTES_PER_LINE)));
  const fitRows = Math.min(rows, lines);
  return { cols, rows: fitRows, scrollback: Math.max(0, Math.min(limits.scrollback, lines - fitRows)) };
}

/** The caps of a terminal's cgroup: its memory budget less what its screen copy may hold. */
export function terminalCgroupLimits(limits: TerminalLimits): CgroupLimits {
  return { pidsMax: limits.pidsMax, memoryBytes: Math.max(limits.memoryBytes - limits.screenBytes, 16 * 1024 * 1024), cpuWeight: limits.cpuWeight };
}
