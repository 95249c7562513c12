/**
 * Vitest setup file (vitest.config.ts `setupFiles`): every test must make at
 * least one assertion, so a test whose checks were skipped or never reached
 * (a branch not taken, a callback never called) fails instead of passing.
 */
import { beforeEach, expect } from 'vitest';

beforeEach(() => {
  expect.hasAssertions();
});
