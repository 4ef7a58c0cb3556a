import { describe, expect, it } from 'vitest';
import { COMMAND_END_PRINTF, PROMPT_MARK_OSC, PROMPT_START_PS1, formatPromptMark, parsePromptMark } from './promptMarks.ts';

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
  });

  it('parses what it formats', () => {
    for (const mark of [
      { kind: 'prompt-start' },
      { kind: 'command-end', exitCode: 0, seq: 1 },
      { kind: 'command-end', exitCode: 255, seq: 987654 },
      { kind: 'command-end', exitCode: 0, seq: 2, pipeStatus: [23, 0] },
      { kind: 'command-end', exitCode: 4, seq: 5, pipeStatus: [4] },
    ] as const) {
      expect(parsePromptMark(oscData(formatPromptMark(mark)))).toEqual(mark);
    }
  });

  it('ignores other OSC 133 data and malformed marks', () => {
    for (const data of ['B', 'C', 'A;x', 'D', 'D;0', 'D;1000;1', 'D;x;1', 'D;0;1;x', 'D;0;1;2,', 'D;0;1;1000', 'D;0;1;2;3', 'D;0;', ' A']) {
      expect(parsePromptMark(data)).toBeNull();
    }
    expect(parsePromptMark(`D;0;1;${Array(257).fill(0).join(',')}`)).toBeNull();
  });

  it('reads a D mark whose shell reported no stage statuses as one without them', () => {
    expect(parsePromptMark('D;3;9;')).toEqual({ kind: 'command-end', exitCode: 3, seq: 9 });
  });

  it('gives shell hooks a printf format for D, from the same formatter', () => {
    // What printf makes of it: \033 and \007 are the escape bytes, the %s the exit status, the sequence number and the stage statuses.
    const printed = COMMAND_END_PRINTF.replaceAll('\\033', '\x1b').replaceAll('\\007', '\x07').replace('%s', '7').replace('%s', '3').replace('%s', '0,7');
    expect(printed).toBe(formatPromptMark({ kind: 'command-end', exitCode: 7, seq: 3, pipeStatus: [0, 7] }));
    // Safe inside single quotes, and no printf directive but the three fields.
    expect(COMMAND_END_PRINTF).not.toContain("'");
    expect(COMMAND_END_PRINTF.match(/%./g)).toEqual(['%s', '%s', '%s']);
  });

  it('gives shell hooks A as prompt text, from the same formatter', () => {
    // What bash makes of it in PS1: \e and \a are the escape bytes; \[ \] mark text that takes no room.
    expect(PROMPT_START_PS1.startsWith('\\[') && PROMPT_START_PS1.endsWith('\\]')).toBe(true);
    const printed = PROMPT_START_PS1.slice(2, -2).replaceAll('\\e', '\x1b').replaceAll('\\a', '\x07');
    expect(printed).toBe(formatPromptMark({ kind: 'prompt-start' }));
    expect(PROMPT_START_PS1).not.toContain("'");
  });
});
