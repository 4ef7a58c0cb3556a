import { describe, expect, it } from 'vitest';
import { splitInlineCode } from './inlineCode.ts';

describe('splitInlineCode', () => {
  it('splits backtick-quoted names out of a message', () => {
    expect(splitInlineCode('No filter on `job`, so `up` matches more')).toEqual([
      { code: false, text: 'No filter on ' },
      { code: true, text: 'job' },
      { code: false, text: ', so ' },
      { code: true, text: 'up' },
      { code: false, text: ' matches more' },
    ]);
  });
  it('leaves text without pairs of backticks as it is', () => {
    expect(splitInlineCode('plain')).toEqual([{ code: false, text: 'plain' }]);
    expect(splitInlineCode('one ` tick')).toEqual([{ code: false, text: 'one ` tick' }]);
    expect(splitInlineCode('')).toEqual([]);
  });
});
