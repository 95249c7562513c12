/**
 * Nothing can fail after the point of no return (the staged commit): every
 * check the redirect makes runs before it, and a fault injected inside
 * redirect after the staged commit leaves a complete update; a fault before
 * it leaves the old version untouched. ext3 2 -> 3 under load, results and
 * tree against the model, e2fsck clean.
 */
import { describe, it, expect } from 'vitest';
import { errno } from '../../../src/uapi/errno.ts';
import { ext3Definition } from '../../../src/modules/ext3-releases.ts';
import type { Module, ModuleDefinition } from '../../../src/modules/core/module.ts';
import { instrumentationOf } from '../../../src/modules/update/instrument.ts';
import type { FaultPoint } from '../../../src/modules/update/manager.ts';
import { runFaultPlan, type FaultRun } from '../../../src/reliability/fault-plan.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import type { QuiescenceStrategy } from '../../../src/modules/update/usecount.ts';

function consistent(r: FaultRun, version: string): void {
  expect(r.version).toBe(version);
  expect(r.mismatches).toEqual([]);
  expect(r.treeDiff).toBeNull();
  expect(e2fsckRequired(r.sparseImage).status).toBe(0);
}

const throwAt = (point: FaultPoint) => () => ({
  inject(p: FaultPoint) {
    if (p === point) throw errno('EIO', `injected at ${p}`);
  },
});

const STRATEGIES: QuiescenceStrategy[] = ['counter-shared', 'counter-percpu', 'stack-walk'];

describe('the point of no return', () => {
  it.each(STRATEGIES)('a fault inside redirect after the staged commit: the update completes (%s)', (strategy) => {
    for (const seed of [1, 2, 3]) {
      const r = runFaultPlan({ seed, strategy, opts: throwAt('committed') });
      const rep = r.report!;
      expect(rep.ok).toBe(true);
      expect(rep.error).toBeUndefined();
      expect(rep.afterCommitFaults).toEqual(['EIO: Input/output error (injected at committed)']);
      expect(rep.phases.map((p) => p.name)).toEqual(['check', 'interpose', 'block', 'quiesce', 'transfer', 'redirect', 'release', 'retire']);
      expect(rep.stats.ranOld + rep.stats.ranNew + rep.stats.killedWhileBlocked).toBe(rep.stats.mediated);
      consistent(r, '3');
    }
  });

  it('a fault inside redirect before the staged commit: the old version, untouched', () => {
    const r = runFaultPlan({ seed: 4, opts: throwAt('redirect') });
    const rep = r.report!;
    expect(rep.ok).toBe(false);
    expect(rep.stats.ranNew).toBe(0);
    expect(rep.afterCommitFaults).toEqual([]);
    consistent(r, '2');
  });

  it("a check of the redirect (the new code's slot) fails before the staged commit, not after it", () => {
    // The new release's file table loses a slot after the check phase looked
    // at it (after init): only the redirect's own planning can notice, and it
    // must do so before the staged commit.
    const v3 = ext3Definition(3);
    let committed = false;
    let newMod: Module | null = null;
    const sneaky: ModuleDefinition = {
      ...v3,
      instantiate(mod) {
        newMod = mod;
        const body = v3.instantiate(mod);
        const hooks = body.update!;
        return {
          ...body,
          update: {
            ...hooks,
            *importState(format, snap, costs) {
              const staged = yield* hooks.importState(format, snap, costs);
              return {
                ...staged,
                convertInode: (i) => staged.convertInode(i),
                convertFile: (f) => staged.convertFile(f),
                commit() {
                  committed = true;
                  staged.commit();
                },
                abort: () => staged.abort(),
              };
            },
          },
        };
      },
    };
    const r = runFaultPlan({
      seed: 5,
      request: () => ({ module: 'ext3', def: sneaky, source: 'test' }),
      opts: () => ({
        inject(p) {
          if (p !== 'convert') return;
          // the new module's instrumented slots lose fsync (after check)
          const ins = instrumentationOf(newMod!)!;
          for (const per of ins.slots.values()) (per as Map<string, unknown>).delete('fsync');
        },
      }),
    });
    expect(committed).toBe(false);
    const rep = r.report!;
    expect(rep.ok).toBe(false);
    expect(rep.error!.phase).toBe('redirect');
    expect(rep.error!.message).toContain('lacks');
    consistent(r, '2');
  });
});
