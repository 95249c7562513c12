/**
 * A vitest config for V8 CPU profiles of test files (docs/testing.md): each
 * file in a process of its own (`isolate: true`, one worker), so each writes
 * its profile when it exits:
 *   npx vitest run --config tests/setup/cpu-profile.config.ts FILE... \
 *     --execArgv=--cpu-prof --execArgv=--cpu-prof-dir=/tmp/cpuprof
 */
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: join(import.meta.dirname, '..', '..'),
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup/assertions.ts'],
    pool: 'forks',
    maxWorkers: 1,
    isolate: true,
    testTimeout: 600_000,
  },
});
