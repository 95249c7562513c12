/**
 * Sizes of the heavy property and seed sweeps. `npm test` (CI, every
 * landing) runs a small default so it stays fast on a busy 2-core machine;
 * `npm run test:full` sets MODSWAP_TEST_FULL=1 and runs them at full size
 * (with the fuzz and the benches, not in CI). The one home of that switch.
 */
export const TEST_FULL = process.env['MODSWAP_TEST_FULL'] === '1';

/** `small` under `npm test`, `full` under `npm run test:full`. */
export function sweep(small: number, full: number): number {
  return TEST_FULL ? full : small;
}

/** The suite's default per-test timeout (vitest.config.ts testTimeout). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * A per-test timeout in ms for a test that takes `loadedMs` on a loaded
 * 2-core machine (a CPU-bound process beside the suite): 3 times that, and
 * never below the suite's default.
 */
export function timeoutFor(loadedMs: number): number {
  return Math.max(DEFAULT_TIMEOUT_MS, Math.ceil(3 * loadedMs));
}
