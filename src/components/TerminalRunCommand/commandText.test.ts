import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { commandsOf } from './commandText.ts';

const Command = ({ children }: { children?: unknown }) => children as never;

describe('commandsOf', () => {
  it('reads each Command child in order, trimmed, skipping whitespace text between them', () => {
    const children = ['\n  ', createElement(Command, { key: 1 }, 'clear'), '\n  ', createElement(Command, { key: 2 }, ' ls -l / ')];
    expect(commandsOf(children)).toEqual(['clear', 'ls -l /']);
  });

  it('joins text split across nested elements and MDX line breaks', () => {
    const nested = createElement(Command, null, 'curl -s ', createElement('code', null, 'localhost:19000/stats'), '\n | grep cx');
    expect(commandsOf(nested)).toEqual(['curl -s localhost:19000/stats | grep cx']);
  });
});
