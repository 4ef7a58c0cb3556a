import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { commandsOf } from './commandText.ts';

const Command = ({ children }: { children?: unknown; [attribute: string]: unknown }) => children as never;
const textsOf = (children: Parameters<typeof commandsOf>[0]) => commandsOf(children).map((c) => c.text);

describe('commandsOf', () => {
  it('reads each Command child in order, trimmed, skipping whitespace text between them', () => {
    const children = ['\n  ', createElement(Command, { key: 1 }, 'clear'), '\n  ', createElement(Command, { key: 2 }, ' ls -l / ')];
    expect(textsOf(children)).toEqual(['clear', 'ls -l /']);
  });

  it('joins text split across nested elements and MDX line breaks', () => {
    const nested = createElement(Command, null, 'curl -s ', createElement('code', null, 'localhost:19000/stats'), '\n | grep cx');
    expect(textsOf(nested)).toEqual(['curl -s localhost:19000/stats | grep cx']);
  });

  it('reads each command’s attributes as lesson validation does', () => {
    const children = [
      createElement(Command, { key: 1 }, 'curl -s api:19000/ready'),
      createElement(Command, { key: 2, expectExit: 22 }, 'curl -sf api:19000/nope'),
      createElement(Command, { key: 3, expectFail: true }, 'false'),
      createElement(Command, { key: 4, expectFail: false }, 'true'),
      createElement(Command, { key: 5, allowPipeFailure: true }, 'curl -s x | grep -q y'),
      createElement(Command, { key: 6, keepsRunning: true, timeout: 90 }, 'tail -f /var/log/x'),
    ];
    expect(commandsOf(children)).toEqual([
      { text: 'curl -s api:19000/ready', expect: { kind: 'code', code: 0 }, keepsRunning: false, allowPipeFailure: false },
      { text: 'curl -sf api:19000/nope', expect: { kind: 'code', code: 22 }, keepsRunning: false, allowPipeFailure: false },
      { text: 'false', expect: { kind: 'nonzero' }, keepsRunning: false, allowPipeFailure: false },
      { text: 'true', expect: { kind: 'code', code: 0 }, keepsRunning: false, allowPipeFailure: false },
      { text: 'curl -s x | grep -q y', expect: { kind: 'code', code: 0 }, keepsRunning: false, allowPipeFailure: true },
      { text: 'tail -f /var/log/x', expect: { kind: 'code', code: 0 }, keepsRunning: true, allowPipeFailure: false },
    ]);
  });
});
