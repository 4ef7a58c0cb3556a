import { describe, expect, it } from 'vitest';
import { COMMAND_END_PRINTF, PROMPT_MARK_OSC, PROMPT_START_PS1, formatPromptMark, isLaterMark, parsePromptMark } from './promptMarks.ts';

/** The data xterm.js hands an OSC handler: what follows `ESC ] 133 ;` up to BEL. */
function oscData(sequence: string): string {
  const prefix = `\x1b]${PROMPT_MARK_OSC};`;
  expect(sequence.startsWith(prefix) && sequence.endsWith('\x07')).toBe(true);
  return sequence.slice(prefix.length, -1);
}

describe('prompt marks', () => {
  it('formats OSC 133 A and D as shells print them', () => {
    expect(formatPromptMark({ kind: 'prompt-start' })).toBe('\x1b]133;A\x07');
    expect(formatPromptMark({ kind: 'command-end', exitCode: 130, seq: 12 })).toBe('\x1b]133;D;130;12\x07');
    expect(formatPromptMark({ kind: 'command-end', exitCode: 1, seq: 3, pipeStatus: [7, 1] })).toBe('\x1b]133;D;1;3;7,1\x07');
    expect(formatPromptMark({ kind: 'command-end', exitCode: 1, seq: 3, pipeStatus: [7, 1], shell: '41.7' })).toBe('\x1b]133;D;1;3;7,1;aid=41.7\x07');
    expect(formatPromptMark({ kind: 'command-end', exitCode: 0, seq: 2, shell: '41.7' })).toBe('\x1b]133;D;0;2;;aid=41.7\x07');
  });

  it('parses what it formats', () => {
    for (const mark of [
      { kind: 'prompt-start' },
      { kind: 'command-end', exitCode: 0, seq: 1 },
      { kind: 'command-end', exitCode: 255, seq: 987654 },
      { kind: 'command-end', exitCode: 0, seq: 2, pipeStatus: [23, 0] },
      { kind: 'command-end', exitCode: 4, seq: 5, pipeStatus: [4] },
      { kind: 'command-end', exitCode: 4, seq: 5, pipeStatus: [4], shell: '1234.5678' },
      { kind: 'command-end', exitCode: 0, seq: 1, shell: 'a_b-c' },
    ] as const) {
      expect(parsePromptMark(oscData(formatPromptMark(mark)))).toEqual(mark);
    }
  });

  it('ignores other OSC 133 data and malformed marks', () => {
    for (const data of ['B', 'C', 'A;x', 'D', 'D;0', 'D;1000;1', 'D;x;1', 'D;0;1;x', 'D;0;1;2,', 'D;0;1;1000', 'D;0;1;2;3', 'D;0;', ' A', 'D;0;1;2;aid=', 'D;0;1;2;aid=a b', `D;0;1;2;aid=${'x'.repeat(65)}`, 'D;0;1;aid=3']) {
      expect(parsePromptMark(data)).toBeNull();
    }
    expect(parsePromptMark(`D;0;1;${Array(257).fill(0).join(',')}`)).toBeNull();
  });

  it('reads a D mark whose shell reported no stage statuses as one without them', () => {
    expect(parsePromptMark('D;3;9;')).toEqual({ kind: 'command-end', exitCode: 3, seq: 9 });
  });

  it('gives shell hooks a printf format for D, from the same formatter', () => {
    // What printf makes of it: \033 and \007 are the escape bytes, the %s the exit status, the sequence number and the stage statuses.
    const printed = COMMAND_END_PRINTF.replaceAll('\\033', '\x1b').replaceAll('\\007', '\x07').replace('%s', '7').replace('%s', '3').replace('%s', '0,7').replace('%s', '99.1');
    expect(printed).toBe(formatPromptMark({ kind: 'command-end', exitCode: 7, seq: 3, pipeStatus: [0, 7], shell: '99.1' }));
    // Safe inside single quotes, and no printf directive but the four fields.
    expect(COMMAND_END_PRINTF).not.toContain("'");
    expect(COMMAND_END_PRINTF.match(/%./g)).toEqual(['%s', '%s', '%s', '%s']);
  });

  it('orders D marks within a shell by seq, and takes a mark of another shell as later', () => {
    const d = (seq: number, shell?: string) => ({ kind: 'command-end', exitCode: 0, seq, ...(shell !== undefined && { shell }) }) as const;
    expect(isLaterMark(null, d(1, 'a'))).toBe(true);
    expect(isLaterMark(d(4, 'a'), d(5, 'a'))).toBe(true);
    // Seen again (a replay): not later.
    expect(isLaterMark(d(4, 'a'), d(4, 'a'))).toBe(false);
    expect(isLaterMark(d(4, 'a'), d(3, 'a'))).toBe(false);
    // A nested bash or `exec bash` counts from 1 again, under its own name.
    expect(isLaterMark(d(9, 'a'), d(1, 'b'))).toBe(true);
    expect(isLaterMark(d(4), d(5))).toBe(true);
    expect(isLaterMark(d(4), d(4))).toBe(false);
  });

  it('gives shell hooks A as prompt text, from the same formatter', () => {
    // What bash makes of it in PS1: \e and \a are the escape bytes; \[ \] mark text that takes no room.
    expect(PROMPT_START_PS1.startsWith('\\[') && PROMPT_START_PS1.endsWith('\\]')).toBe(true);
    const printed = PROMPT_START_PS1.slice(2, -2).replaceAll('\\e', '\x1b').replaceAll('\\a', '\x07');
    expect(printed).toBe(formatPromptMark({ kind: 'prompt-start' }));
    expect(PROMPT_START_PS1).not.toContain("'");
  });
});
