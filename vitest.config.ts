import { defineConfig } from 'vitest/config';

// Unit tests live beside their unit (src/**, labs/programs/**); whole-system tests in test/.
// Tests that make namespaces, ptys and servers use unique names and port 0, so files may run in parallel;
// two workers match the 2-core machine.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'labs/programs/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits on real browsers and processes; 1 s (vitest's default) is short on a busy 2-core
    // machine. A condition that never holds still fails, only later.
    expect: { poll: { timeout: 10_000 } },
  },
});
