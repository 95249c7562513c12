import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // a test without any assertion fails (tests/setup/assertions.ts)
    setupFiles: ['tests/setup/assertions.ts'],
    // tests/scale.ts DEFAULT_TIMEOUT_MS; longer tests set theirs with timeoutFor (3x their loaded time)
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on the reference machine: forks keep memory-heavy suites apart.
    pool: 'forks',
  },
});
