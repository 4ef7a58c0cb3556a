import { describe, expect, it } from 'vitest';
import { formatPromptMark } from '../../protocol/promptMarks.ts';
import { PromptWaiter, PromptWaitDefaults, type PromptWaitTimes } from './promptWaiter.ts';

// Real timers, with the caps shortened where the defaults would make a test wait for seconds.
const times: PromptWaitTimes = { ...PromptWaitDefaults, SETTLE_MAX_MS: 800, FIRST_PROMPT_MAX_MS: 2_000 };
/** Slack for a timer on a busy 2-core machine: a resolve expected "soon" may come this late. */
const LATE_MS = 400;

const PROMPT_START = 'A';
const commandEnd = (exitCode: number, seq: number) => formatPromptMark({ kind: 'command-end', exitCode, seq }).slice('\x1b]133;'.length, -1);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tracks a settled() promise: whether it has resolved yet, and after how long. */
function track(waiting: Promise<void>): { done: () => boolean; after: () => number } {
  const started = performance.now();
  let at: number | null = null;
  void waiting.then(() => (at = performance.now()));
  return { done: () => at !== null, after: () => (at ?? Number.NaN) - started };
}

/** Waits for `settled` to resolve, failing when it takes more than `ms` (plus slack), or less. */
async function resolvesAfter(settled: ReturnType<typeof track>, ms: number): Promise<void> {
  const deadline = performance.now() + ms + LATE_MS;
  while (!settled.done()) {
    if (performance.now() > deadline) throw new Error(`settled() did not resolve within ${ms} ms (+${LATE_MS})`);
    await sleep(5);
  }
  expect(settled.after()).toBeGreaterThanOrEqual(ms - 1);
}

/** A waiter for a fresh shell that marks prompts, `atPrompt`: its first prompt has been marked and printed. */
function markingShell(atPrompt: boolean): PromptWaiter {
  const w = new PromptWaiter(times);
  w.hello({ promptMarks: true, resumed: false });
  if (atPrompt) w.oscMark(PROMPT_START);
  w.output();
  return w;
}

describe('PromptWaiter, a shell that marks its prompts', () => {
  it('waits for the next prompt mark, not for quiet output', async () => {
    const w = markingShell(false);
    const settled = track(w.settled());
    await sleep(times.SETTLE_QUIET_MS * 2);
    expect(settled.done()).toBe(false);
    // The hook prints D then A; only A says readline is about to read.
    expect(w.oscMark(commandEnd(0, 1))).toBe(true);
    await sleep(times.PROMPT_QUIET_MS * 3);
    expect(settled.done()).toBe(false);
    expect(w.oscMark(PROMPT_START)).toBe(true);
    await resolvesAfter(settled, 0);
  });

  it('lets the prompt itself print before resolving', async () => {
    await resolvesAfter(track(markingShell(true).settled()), times.PROMPT_QUIET_MS);
  });

  it('leaves the prompt on Enter, so the next command waits for the next mark', async () => {
    const w = markingShell(true);
    w.input('sleep 1');
    await resolvesAfter(track(w.settled()), times.PROMPT_QUIET_MS);
    w.input('\r');
    const next = track(w.settled());
    await sleep(times.SETTLE_QUIET_MS * 2);
    expect(next.done()).toBe(false);
    w.oscMark(PROMPT_START);
    await resolvesAfter(next, 0);
  });

  it('waits longer for a fresh shell’s first prompt than for a command, and no longer than that', async () => {
    const w = new PromptWaiter(times);
    w.hello({ promptMarks: true, resumed: false });
    await resolvesAfter(track(w.settled()), times.FIRST_PROMPT_MAX_MS);
  });

  it('does not wait for ever on a command that keeps running after a prompt was seen', async () => {
    const w = markingShell(true);
    w.input('yes\r');
    const flood = setInterval(() => w.output(), 10);
    try {
      await resolvesAfter(track(w.settled()), times.SETTLE_MAX_MS);
    } finally {
      clearInterval(flood);
    }
  });

  it('on a resumed shell not yet seen to mark a prompt, waits for quiet output instead', async () => {
    const w = new PromptWaiter(times);
    w.hello({ promptMarks: true, resumed: true });
    w.output();
    await resolvesAfter(track(w.settled()), times.SETTLE_QUIET_MS);
  });

  it('forgets being at a prompt on a reattach (the shell may have moved on meanwhile)', async () => {
    const w = markingShell(true);
    w.hello({ promptMarks: true, resumed: true });
    const settled = track(w.settled());
    await sleep(times.SETTLE_QUIET_MS * 2);
    expect(settled.done()).toBe(false);
    w.oscMark(PROMPT_START);
    await resolvesAfter(settled, 0);
  });
});

describe('PromptWaiter, a shell without prompt marks', () => {
  it('waits until output has been quiet for a moment', async () => {
    const w = new PromptWaiter(times);
    w.hello({ promptMarks: false, resumed: false });
    w.output();
    const settled = track(w.settled());
    await sleep(times.SETTLE_QUIET_MS / 2);
    w.output();
    await resolvesAfter(settled, times.SETTLE_QUIET_MS * 1.5);
  });

  it('does not take silence before any output for quiet, up to the cap', async () => {
    const w = new PromptWaiter(times);
    w.hello({ promptMarks: false, resumed: false });
    await resolvesAfter(track(w.settled()), times.SETTLE_MAX_MS);
  });

  it('ignores OSC 133 data that is not a prompt mark', () => {
    const w = new PromptWaiter(times);
    expect(w.oscMark('B')).toBe(false);
    expect(w.oscMark('D;x')).toBe(false);
  });
});

it('keeps the default cap the README describes: a command still running after 3 s does not hold the next back', () => {
  expect(PromptWaitDefaults.SETTLE_MAX_MS).toBe(3_000);
  expect(PromptWaitDefaults.FIRST_PROMPT_MAX_MS).toBeGreaterThan(PromptWaitDefaults.SETTLE_MAX_MS);
});
