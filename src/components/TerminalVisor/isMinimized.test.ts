import { describe, expect, it } from 'vitest';
import { isMinimized } from './index.tsx';

describe('isMinimized', () => {
  it('reads MDX attribute forms: bare, "true" and true fold; "false", false and absent do not', () => {
    expect([true, 'true', ''].map(isMinimized)).toEqual([true, true, true]);
    expect([false, 'false', undefined].map(isMinimized)).toEqual([false, false, false]);
  });
});
