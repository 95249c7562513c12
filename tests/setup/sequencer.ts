/**
 * The order test files start in (vitest.config.ts `sequence.sequencer`): the
 * most expensive first, by the CPU seconds each cost in a recent profile
 * (tests/setup/file-costs.json, written by `node scripts/test-profile.mjs
 * PROFILE --write`; docs/testing.md), files not in it before all others (a
 * new file may be slow). Two workers share the queue, so a long file that
 * starts last (the tutorial runs ~25 CLI processes) would leave one worker
 * idle while the other finishes it. vitest's own order needs its result
 * cache, which a fresh clone (CI: `npm ci`) does not have; this one is the
 * same on every machine.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const COSTS = join(import.meta.dirname, 'file-costs.json');

export class CostSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const costs = JSON.parse(readFileSync(COSTS, 'utf8')) as Record<string, number>;
    const root = this.ctx.config.root;
    const cost = (f: TestSpecification): number => costs[relative(root, f.moduleId)] ?? Number.MAX_SAFE_INTEGER;
    // vitest's order (size, or cached durations) breaks ties; Array.prototype.sort is stable
    return (await super.sort(files)).sort((a, b) => cost(b) - cost(a));
  }
}
