/**
 * The lazy instance hand-over: what keeps the block window independent of
 * how many inodes are cached.
 *
 * Eager transfer converts every cached inode and re-points every VFS inode
 * inside the block window (update-run.ts `transfer`/`redirect`), so the
 * window grows with the cache. When both modules offer it (the old one a
 * per-inode `exportInode` hook, the new one a schema for it), the window
 * instead hands the new module the old inode cache as one kernel-owned
 * table, and each inode crosses the module boundary later, one at a time:
 *
 *   - on its next use: the new code asks the engine for it, which converts
 *     it (old module's export -> zod-checked, frozen data -> new module's
 *     import), and switches the VFS inode's i_private and tables;
 *   - or by the background pass (`drain`), run by the update's thread
 *     after release: it switches every VFS inode still holding the old
 *     structure or tables, then has the module convert whatever is left,
 *     yielding the CPU every LAZY_BATCH inodes.
 *
 * Until the drain ends, the old module's export hook is the one piece of
 * old code that still runs (on data, never on a call path): `LazyHandOver`
 * counts those calls for the report, and the old module stays loaded; it is
 * retired (and its bundle collectable) only after the drain, when this
 * object drops its last reference to the old hooks. The model of this is
 * K42's lazy object conversion (src/k42/lazy-update.ts), with the Linux
 * inode cache in place of the object translation table.
 */
import { yieldCpu, type Sim } from '../../sim/effects.ts';
import type { Machine } from '../../hw-ppc64/machine.ts';
import type { Inode } from '../../vfs/inode.ts';
import type { LazyInstanceExport, LiveUpdateHooks, StagedTakeover } from '../core/hooks.ts';
import { sealSnapshot } from '../core/snapshot.ts';
import type { OpsTable } from '../core/module.ts';
import type { LazyReport } from './types.ts';
import type { z } from 'zod';

/** The background pass switches this many instances between yields of the CPU. */
const LAZY_BATCH = 64;

/** Whether the two modules can hand instances over lazily in `format`. */
export function canHandOverLazily(oldHooks: LiveUpdateHooks, newHooks: LiveUpdateHooks, format: string): boolean {
  return typeof oldHooks.exportInode === 'function' && newHooks.inodeSchemas?.[format] !== undefined;
}

export class LazyHandOver implements LazyInstanceExport {
  private hooks: LiveUpdateHooks | null;
  private schema: z.ZodType | null;
  readonly report: LazyReport;

  constructor(
    oldHooks: LiveUpdateHooks,
    newHooks: LiveUpdateHooks,
    private readonly format: string,
    private readonly m: Machine,
  ) {
    this.hooks = oldHooks;
    this.schema = newHooks.inodeSchemas![format]!;
    const c = m.costs;
    this.report = {
      instances: 0,
      instancesByPass: 0,
      handedOver: 0,
      convertedOnUse: 0,
      convertedByPass: 0,
      dropped: 0,
      oldExportCalls: 0,
      perInodeCycles: c.stateExportInode + c.stateImportInode,
      drainedAt: null,
      drainCycles: null,
    };
  }

  /** The old module's export of one inode, checked against the new module's schema and frozen. */
  exportInode(priv: unknown): unknown {
    if (!this.hooks) throw new Error('lazy hand-over: the drain is over, the old module is retired');
    this.report.oldExportCalls++;
    return sealSnapshot(this.format, this.hooks.exportInode!(this.format, priv), this.schema!);
  }

  /**
   * The background pass (after release, in the update's thread): switch
   * every VFS inode of `inodes` still on the old structure or tables, then
   * let the module convert the rest of its handed-over state. `to` maps an
   * old table to the new table of the same name.
   */
  *drain(staged: StagedTakeover, inodes: readonly Inode[], tables: ReadonlyMap<OpsTable, OpsTable>, releasedAt: number): Sim<void> {
    const c = this.m.costs;
    const to = <T>(x: T): T => (tables.get(x as unknown as OpsTable) as T | undefined) ?? x;
    const r = this.report;
    r.instances = inodes.length;
    let n = 0;
    for (const inode of inodes) {
      // evicted since release (destroy_inode dropped its structure): nothing to switch
      if (inode.i_private === null) continue;
      const stale = tables.has(inode.i_op as unknown as OpsTable) || (inode.i_fop !== null && tables.has(inode.i_fop as unknown as OpsTable));
      inode.i_private = staged.convertInode(inode);
      inode.i_op = to(inode.i_op);
      inode.i_fop = to(inode.i_fop);
      if (stale) r.instancesByPass++;
      yield c.updateRepointInstance + (staged.takeDebt?.() ?? 0);
      if (++n % LAZY_BATCH === 0) yield* yieldCpu();
    }
    if (staged.drainRest) yield* staged.drainRest();
    const s = staged.lazyStats?.();
    if (s) {
      r.handedOver = s.handedOver;
      r.convertedOnUse = s.onUse;
      r.convertedByPass = s.background;
      r.dropped = s.dropped;
    }
    r.drainedAt = this.m.engine.now;
    r.drainCycles = r.drainedAt - releasedAt;
    // the old module's hooks are no longer reachable from here: it can be retired
    this.hooks = null;
    this.schema = null;
  }
}
