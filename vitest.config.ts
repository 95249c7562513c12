import { defineConfig } from 'vitest/config';
import { CostSequencer } from './tests/setup/sequencer.ts';
import { INTERRUPT_BUDGET } from './src/cli/main.ts';

/** Test files that mock a module (vi.mock): they run in a process of their own. */
const MOCKING = ['tests/reliability/fsck-missing.test.ts'];

export default defineConfig({
  test: {
    // a test without any assertion fails (tests/setup/assertions.ts);
    // MODSWAP_TEST_PROFILE=FILE records each file's CPU time (tests/setup/profile.ts)
    setupFiles: ['tests/setup/assertions.ts', 'tests/setup/profile.ts'],
    // tests/scale.ts DEFAULT_TIMEOUT_MS; longer tests set theirs with timeoutFor (3x their loaded time)
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // the budget every modswap process sets (src/cli/main.ts setUpProcess): tests boot machine
    // after machine, and with V8's default budget the forks re-optimize the same functions for each
    execArgv: [`--interrupt-budget=${INTERRUPT_BUDGET}`],
    // the most expensive files first, by a recorded profile (tests/setup/file-costs.json)
    sequence: { sequencer: CostSequencer },
    // Both cores of the reference 2-core machine (vitest's default leaves one idle).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // One worker process runs many files, its modules loaded and compiled
        // once: module loading and JIT warm-up repeated per file were about a
        // quarter of the suite's CPU time. The tests share no mutable state
        // through modules (the module-level maps are caches of immutable
        // images, builds and registries); docs/testing.md.
        test: { name: 'shared', include: ['tests/**/*.test.ts'], exclude: MOCKING, isolate: false },
      },
      { extends: true, test: { name: 'isolated', include: MOCKING, isolate: true } },
    ],
  },
});
