import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatPromptMark } from '../../protocol/promptMarks.ts';
import { PromptWaiter, PromptWaitDefaults, type CommandEnd, type PromptWaitTimes } from './promptWaiter.ts';

// Fake timers, performance.now() and Date included: every wait below is exact, however busy the machine.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const times: PromptWaitTimes = PromptWaitDefaults;

const PROMPT_START = 'A';
const oscData = (sequence: string) => sequence.slice('\x1b]133;'.length, -1);
const commandEnd = (exitCode: number, seq: number, pipeStatus?: number[], shell = 'pb.1') =>
  oscData(formatPromptMark({ kind: 'command-end', exitCode, seq, ...(pipeStatus && { pipeStatus }), shell }));

/** Lets fake time pass, running the timers and promise callbacks due meanwhile. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** Tracks a promise: whether it has resolved yet, and with what. */
function track<T>(waiting: Promise<T>): { done: () => boolean; value: () => T | undefined } {
  let done = false;
  let value: T | undefined;
  void waiting.then((v) => {
    value = v;
    done = true;
  });
  return { done: () => done, value: () => value };
}

/** `tracked` is still pending just before `ms` have passed, and resolved at `ms`. */
async function resolvesAfter(tracked: ReturnType<typeof track>, ms: number): Promise<void> {
  if (ms > 0) {
    await advance(ms - 1);
    expect(tracked.done()).toBe(false);
    await advance(1);
  } else await advance(0);
  expect(tracked.done()).toBe(true);
}

/** A waiter for a fresh shell that marks prompts; `atPrompt`: its first prompt has been marked. */
function markingShell(atPrompt: boolean, onUsesMarks?: (usesMarks: boolean) => void): PromptWaiter {
  const w = new PromptWaiter(times, onUsesMarks);
  w.hello({ promptMarks: true, resumed: false });
  w.output();
  if (atPrompt) {
    w.oscMark(commandEnd(0, 1));
    w.oscMark(PROMPT_START);
  }
  return w;
}

describe('PromptWaiter, a shell that marks its prompts', () => {
  it('waits for the next prompt mark, not for quiet output', async () => {
    const w = markingShell(false);
    const ready = track(w.waitForPrompt());
    await advance(times.SETTLE_MAX_MS * 2);
    expect(ready.done()).toBe(false);
    // The hook prints D before the prompt; only A (printed with the prompt, once readline reads) says it is ready.
    expect(w.oscMark(commandEnd(0, 1))).toBe(true);
    await advance(20);
    expect(ready.done()).toBe(false);
    expect(w.oscMark(PROMPT_START)).toBe(true);
    await resolvesAfter(ready, 0);
    expect(ready.value()).toEqual({ kind: 'ready' });
  });

  it('waits for a command to end however long it runs and prints: no timer types into it', async () => {
    const w = markingShell(true);
    w.input('sleep 5\r');
    const end = track(w.commandEnd());
    const flood = setInterval(() => w.output(), 10);
    try {
      await advance(times.FIRST_PROMPT_MAX_MS * 2);
      expect(end.done()).toBe(false);
      const prompt = track(w.waitForPrompt());
      await advance(0);
      expect(prompt.done()).toBe(false);
    } finally {
      clearInterval(flood);
    }
    w.oscMark(commandEnd(0, 2));
    w.oscMark(PROMPT_START);
    await resolvesAfter(end, 0);
    expect(end.value()).toEqual<CommandEnd>({ kind: 'exited', exitCode: 0 });
  });

  it('reports the exit status and pipeline stages of the D mark before the next prompt', async () => {
    const w = markingShell(true);
    w.input('curl -s x | grep y\r');
    const end = track(w.commandEnd());
    w.oscMark(commandEnd(1, 2, [23, 1]));
    await advance(20);
    // D alone: the prompt is not there yet.
    expect(end.done()).toBe(false);
    w.oscMark(PROMPT_START);
    await resolvesAfter(end, 0);
    expect(end.value()).toEqual<CommandEnd>({ kind: 'exited', exitCode: 1, pipeStatus: [23, 1] });
  });

  it('leaves the prompt on Enter, so the next command waits for the next mark', async () => {
    const w = markingShell(true);
    w.input('sleep 1');
    await resolvesAfter(track(w.waitForPrompt()), 0);
    w.input('\r');
    const next = track(w.waitForPrompt());
    await advance(times.SETTLE_MAX_MS * 2);
    expect(next.done()).toBe(false);
    w.oscMark(PROMPT_START);
    await resolvesAfter(next, 0);
  });

  it('waits for a fresh shell’s first prompt, and takes one that marks none for a while for a shell without marks', async () => {
    const told: boolean[] = [];
    const w = new PromptWaiter(times, (usesMarks) => told.push(usesMarks));
    w.hello({ promptMarks: true, resumed: false });
    w.output();
    const first = track(w.waitForPrompt());
    await advance(times.SETTLE_MAX_MS * 2);
    expect(first.done()).toBe(false);
    expect(w.usesMarks).toBe(true);
    // An rc file that sets its own PROMPT_COMMAND: no mark ever comes.
    await resolvesAfter(first, times.FIRST_PROMPT_MAX_MS - times.SETTLE_MAX_MS * 2);
    expect(w.usesMarks).toBe(false);
    expect(told).toEqual([true, false]);
  });

  it('says when it gives up on marks, though no run waits (the button\'s tooltip then tells the truth)', async () => {
    const told: boolean[] = [];
    const w = markingShell(false, (usesMarks) => told.push(usesMarks));
    expect(told).toEqual([true]);
    await advance(times.FIRST_PROMPT_MAX_MS - 1);
    expect(told).toEqual([true]);
    await advance(1);
    expect(told).toEqual([true, false]);
    // A mark after all (a slow first prompt): followed by its marks again.
    w.oscMark(commandEnd(0, 1));
    expect(told).toEqual([true, false, true]);
    w.dispose('gone');
  });

  it('tells a shell without marks as such at Hello, once', async () => {
    const told: boolean[] = [];
    const w = new PromptWaiter(times, (usesMarks) => told.push(usesMarks));
    w.hello({ promptMarks: false, resumed: false });
    await advance(times.FIRST_PROMPT_MAX_MS * 2);
    expect(told).toEqual([false]);
    w.dispose('gone');
  });

  it('on a resumed shell, waits for the prompt mark the gateway replays when the shell is at a prompt', async () => {
    const w = new PromptWaiter(times);
    w.hello({ promptMarks: true, resumed: true });
    w.output();
    const ready = track(w.waitForPrompt());
    await advance(times.SETTLE_MAX_MS * 2);
    expect(ready.done()).toBe(false);
    w.oscMark(commandEnd(0, 7));
    w.oscMark(PROMPT_START);
    await resolvesAfter(ready, 0);
  });

  it('on a resumed shell whose replay ends with a D mark but no A (a command runs), waits for the prompt however long', async () => {
    const w = new PromptWaiter(times);
    w.hello({ promptMarks: true, resumed: true });
    w.output();
    w.oscMark(commandEnd(0, 7));
    const ready = track(w.waitForPrompt());
    await advance(times.FIRST_PROMPT_MAX_MS * 2);
    expect(ready.done()).toBe(false);
    expect(w.usesMarks).toBe(true);
    w.oscMark(commandEnd(0, 8));
    w.oscMark(PROMPT_START);
    await resolvesAfter(ready, 0);
  });

  it('forgets being at a prompt on a reattach (the shell may have moved on meanwhile)', async () => {
    const w = markingShell(true);
    w.hello({ promptMarks: true, resumed: true });
    const ready = track(w.waitForPrompt());
    await advance(times.SETTLE_MAX_MS * 2);
    expect(ready.done()).toBe(false);
    w.oscMark(PROMPT_START);
    await resolvesAfter(ready, 0);
  });

  it('keeps waiting for a command across a reattach, and takes its end from the replayed marks', async () => {
    const w = markingShell(true);
    w.input('sleep 5\r');
    const end = track(w.commandEnd());
    w.hello({ promptMarks: true, resumed: true });
    w.oscMark(commandEnd(3, 2));
    w.oscMark(PROMPT_START);
    await resolvesAfter(end, 0);
    expect(end.value()).toEqual<CommandEnd>({ kind: 'exited', exitCode: 3 });
  });

  it('does not take the replayed marks of the prompt a command was typed at (held while reconnecting) for its end', async () => {
    const w = markingShell(true);
    // The socket dropped at a prompt; Run typed the command, held until the gateway's Hello.
    w.input('sleep 5\r');
    const end = track(w.commandEnd());
    w.hello({ promptMarks: true, resumed: true });
    // The replay ends with the marks of the prompt the command was typed at: it has not reached the shell yet.
    w.oscMark(commandEnd(0, 1));
    w.oscMark(PROMPT_START);
    await advance(times.FIRST_PROMPT_MAX_MS * 2);
    expect(end.done()).toBe(false);
    const prompt = track(w.waitForPrompt());
    await advance(0);
    expect(prompt.done()).toBe(false);
    w.oscMark(commandEnd(4, 2));
    w.oscMark(PROMPT_START);
    await resolvesAfter(end, 0);
    expect(end.value()).toEqual<CommandEnd>({ kind: 'exited', exitCode: 4 });
    expect(prompt.done()).toBe(true);
  });

  it('takes the first prompt of a nested bash (its counter starts again at 1) for the end of the command that started it', async () => {
    const w = markingShell(true);
    w.oscMark(commandEnd(0, 2));
    w.oscMark(PROMPT_START);
    w.input('bash\r');
    const end = track(w.commandEnd());
    w.oscMark(commandEnd(0, 1, [0], 'nested.2'));
    w.oscMark(PROMPT_START);
    await resolvesAfter(end, 0);
    expect(end.value()).toEqual<CommandEnd>({ kind: 'exited', exitCode: 0, pipeStatus: [0] });
  });

  it('ends the wait for a command typed into a shell the terminal has since replaced', async () => {
    const w = markingShell(true);
    w.input('sleep 5\r');
    const end = track(w.commandEnd());
    w.hello({ promptMarks: true, resumed: false });
    await resolvesAfter(end, 0);
    expect(end.value()).toEqual<CommandEnd>({ kind: 'ended', reason: 'the terminal started a new shell' });
  });
});

describe('PromptWaiter, any shell', () => {
  it('knows nothing before Hello: waits for it', async () => {
    const w = new PromptWaiter(times);
    w.output();
    const ready = track(w.waitForPrompt());
    await advance(times.FIRST_PROMPT_MAX_MS * 2);
    expect(ready.done()).toBe(false);
    expect(w.usesMarks).toBeNull();
    w.hello({ promptMarks: true, resumed: false });
    w.oscMark(PROMPT_START);
    await resolvesAfter(ready, 0);
  });

  it('ends every wait, and every later one, with the reason once the shell has ended', async () => {
    const w = markingShell(false);
    const ready = track(w.waitForPrompt());
    w.ended('the shell exited with code 0');
    await resolvesAfter(ready, 0);
    expect(ready.value()).toEqual({ kind: 'ended', reason: 'the shell exited with code 0' });
    expect(await w.commandEnd()).toEqual({ kind: 'ended', reason: 'the shell exited with code 0' });
  });
});

describe('PromptWaiter, a shell without prompt marks', () => {
  function plainShell(): PromptWaiter {
    const w = new PromptWaiter(times);
    w.hello({ promptMarks: false, resumed: false });
    return w;
  }

  it('waits until output has been quiet for a moment', async () => {
    const w = plainShell();
    w.output();
    const ready = track(w.waitForPrompt());
    await advance(times.SETTLE_QUIET_MS / 2);
    w.output();
    await resolvesAfter(ready, times.SETTLE_QUIET_MS);
  });

  it('counts quiet from the Enter, not from output before it, and cannot tell the status', async () => {
    const w = plainShell();
    w.output();
    await advance(times.SETTLE_QUIET_MS * 2);
    w.input('false\r');
    const end = track(w.commandEnd());
    await resolvesAfter(end, times.SETTLE_QUIET_MS);
    expect(end.value()).toEqual<CommandEnd>({ kind: 'settled' });
  });

  it('does not take silence before any output for quiet, up to the cap', async () => {
    await resolvesAfter(track(plainShell().waitForPrompt()), times.SETTLE_MAX_MS);
  });

  it('does not wait for ever on a command that keeps printing', async () => {
    const w = plainShell();
    w.output();
    w.input('yes\r');
    const flood = setInterval(() => w.output(), 10);
    try {
      await resolvesAfter(track(w.commandEnd()), times.SETTLE_MAX_MS);
    } finally {
      clearInterval(flood);
    }
  });

  it('ignores OSC 133 data that is not a prompt mark', () => {
    const w = plainShell();
    expect(w.oscMark('B')).toBe(false);
    expect(w.oscMark('D;x')).toBe(false);
  });
});

it('keeps the default cap the README describes for shells without marks: a command still printing after 3 s does not hold the next back', () => {
  expect(PromptWaitDefaults.SETTLE_MAX_MS).toBe(3_000);
  expect(PromptWaitDefaults.FIRST_PROMPT_MAX_MS).toBe(15_000);
});
