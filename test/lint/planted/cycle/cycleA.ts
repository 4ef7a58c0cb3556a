// A cycle on disk (no-cycle follows real files): cycleA imports cycleB, which imports cycleA.
// expect: import-x/no-cycle
import { b } from './cycleB.ts';

export const a = (): number => b() + 1;
