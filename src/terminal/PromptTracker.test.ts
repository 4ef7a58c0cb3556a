import { describe, expect, it } from 'vitest';
import { formatPromptMark } from '../protocol/promptMarks.ts';
import { PromptTracker } from './PromptTracker.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const A = formatPromptMark({ kind: 'prompt-start' });
const D = (exitCode: number, seq: number, pipeStatus?: number[]) => formatPromptMark({ kind: 'command-end', exitCode, seq, ...(pipeStatus && { pipeStatus }) });
/** What bash prints around a prompt: D, readline's bracketed-paste switch, A at the start of PS1. */
const prompt = (exitCode: number, seq: number) => `${D(exitCode, seq)}\x1b[?2004h${A}root@tools:~# `;

describe('PromptTracker', () => {
  it('replays nothing for a shell never seen to mark a prompt', () => {
    const t = new PromptTracker();
    t.output(bytes('\x1b[1mhello\x1b[0m\r\n$ '));
    expect(t.replayMarks()).toBe('');
  });

  it('replays the last D mark and A while the shell is at its prompt', () => {
    const t = new PromptTracker();
    t.output(bytes(`${prompt(0, 1)}`));
    t.output(bytes(`(exit 3)\r\n${prompt(3, 2)}`));
    expect(t.replayMarks()).toBe(D(3, 2) + A);
  });

  it('leaves the prompt on Enter: only the D mark is replayed until the next A', () => {
    const t = new PromptTracker();
    t.output(bytes(prompt(0, 1)));
    t.input(bytes('sleep'));
    expect(t.replayMarks()).toBe(D(0, 1) + A);
    t.input(bytes(' 5\r'));
    expect(t.replayMarks()).toBe(D(0, 1));
    // The D mark alone: job notices and readline's set-up still come before the prompt.
    t.output(bytes(`\r\n${D(0, 2, [0])}[1]+  Done    sleep 1\r\n`));
    expect(t.replayMarks()).toBe(D(0, 2, [0]));
    t.output(bytes(`\x1b[?2004h${A}$ `));
    expect(t.replayMarks()).toBe(D(0, 2, [0]) + A);
  });

  it('reads marks cut anywhere between chunks', () => {
    const text = `out\r\n${prompt(7, 9)}`;
    for (let cut = 1; cut < text.length; cut++) {
      const t = new PromptTracker();
      t.output(bytes(text.slice(0, cut)));
      t.output(bytes(text.slice(cut)));
      expect(t.replayMarks(), `cut at ${cut}`).toBe(D(7, 9) + A);
    }
  });

  it('ignores other OSC sequences and an OSC 133 that never ends', () => {
    const t = new PromptTracker();
    t.output(bytes(`\x1b]0;title\x07\x1b]133;B\x07\x1b]133;${'x'.repeat(5_000)}`));
    t.output(bytes('more output, no BEL'.repeat(100)));
    expect(t.replayMarks()).toBe('');
    t.output(bytes(prompt(0, 1)));
    expect(t.replayMarks()).toBe(D(0, 1) + A);
  });
});
