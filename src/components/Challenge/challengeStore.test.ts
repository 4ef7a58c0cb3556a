import { describe, expect, it } from 'vitest';
import { isPassed, markPassed, peekChallengeStore, registerChallenge, setChallengeTitle } from './challengeStore.ts';

describe('challenge page store', () => {
  it('lists mounted challenges in page order, with titles once loaded, and forgets unmounted ones', () => {
    const offA = registerChallenge('a');
    const offB = registerChallenge('b');
    setChallengeTitle('b', 'Bee');
    expect(peekChallengeStore().onPage).toEqual([{ id: 'a' }, { id: 'b', title: 'Bee' }]);
    offA();
    expect(peekChallengeStore().onPage).toEqual([{ id: 'b', title: 'Bee' }]);
    offB();
    expect(peekChallengeStore().onPage).toEqual([]);
  });

  it('counts a challenge mounted twice once', () => {
    const off1 = registerChallenge('twice');
    const off2 = registerChallenge('twice');
    expect(peekChallengeStore().onPage.filter((c) => c.id === 'twice')).toHaveLength(1);
    off1();
    off2();
  });

  it('marks a challenge done at once when a check passes', () => {
    expect(isPassed(peekChallengeStore(), 'c')).toBe(false);
    markPassed('c');
    expect(isPassed(peekChallengeStore(), 'c')).toBe(true);
    expect(peekChallengeStore().progress?.c).toMatchObject({ passed: true, attempts: 1, revealed: false });
  });
});
