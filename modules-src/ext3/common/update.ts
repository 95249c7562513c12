/**
 * ext3's live-update hooks (src/modules/update/hooks.ts contract) and the
 * state formats it speaks.
 *
 *   ext3-state@2  every mounted superblock's engine state with 'goal'
 *                 per-inode allocation state (the v1/v2 ext3_inode_info);
 *   ext3-state@3  the same with v3's reservation windows ('rsv').
 *
 *   version  exports            imports (best first)
 *   1, 2     ext3-state@2       ext3-state@2
 *   3        ext3-state@3, @2   ext3-state@3, ext3-state@2
 *
 * So v1 -> v2 and v2 -> v3 move over @2 (v3 converts every cached inode
 * v2 -> v3 on import), v3 -> v3 over @3, and a v3 -> v2 rollback over @2
 * (v3 converts its inodes v3 -> v2 on export).
 *
 * prepare (old code, calls still flowing, before the block window): commit
 * the running transaction, so the update starts from a recent durable
 * point; a disk error there stops the update before anything is blocked.
 * exportState (old code, quiescent): for each superblock it serves, the
 * engine describes its in-memory state and writes nothing: the buffer
 * cache and the journal (JBD2 is its own module in Linux; its journal_t and
 * running transaction are not ext3's code) are handed to the new engine as
 * they are. The old engine stays usable, so a rollback needs nothing undone.
 * importState (new code): builds a new engine per superblock from the old
 * one's in-memory superblock and group descriptors, on the same buffer
 * cache and journal, adopting the cached inodes (no I/O); nothing
 * VFS-visible changes until commit, which re-points each superblock's
 * s_fs_info and retires the old engine (any late call into it fails with EIO).
 */
import { z } from 'modswap/kernel';
import type { CostTable } from 'modswap/kernel';
import { yieldCpu, type Sim } from 'modswap/kernel';
import { errno } from 'modswap/kernel';
import { exportState, importState, inodeInfoFromJSON, inodeInfoToJSON, type Ext2InodeInfo, type Ext2StateSnapshot } from 'modswap/kernel';
import type { Ext2Fs, LazyInstanceExport } from 'modswap/kernel';
import { EXT2_STATE_FORMAT } from 'modswap/kernel';
import type { OpenFile } from 'modswap/kernel';
import type { Inode } from 'modswap/kernel';
import type { SuperBlock } from 'modswap/kernel';
import type { LiveUpdateHooks, StagedTakeover } from 'modswap/kernel';
import { super_blocks_by_id } from 'modswap/kernel';
import { EXT3_SB, Ext3FileInfo, Ext3SbInfo, ext3_handed_over, type Ext3Ctx, type Ext3HandedOver } from './ext3.ts';
import { ext3_clock } from './super.ts';
import { ext3_switch_private } from './inode.ts';
import { convertInodeV3toV2 } from './inode-layouts.ts';

/** prepare() waits at most this long for a commit (a thread stalled inside an operation holds its handle). */
const PREPARE_WAIT_US = 5000;
/** A parked kjournald lets itself go after this long if the update never unparks it (rolled back before transfer). */
const KJOURNALD_PARK_LEASE_US = 200_000;
/** The background pass converts this many handed-over inodes between yields of the CPU. */
const LAZY_BATCH = 64;

export const EXT3_STATE_V2 = 'ext3-state@2';
export const EXT3_STATE_V3 = 'ext3-state@3';

export interface Ext3SuperSnapshot {
  /** Ext3SbInfo.id of the superblock. */
  id: string;
  /** Device name (for messages). */
  dev: string;
  engine: Ext2StateSnapshot;
}

export interface Ext3StateSnapshot {
  format: string;
  supers: Ext3SuperSnapshot[];
}

// ---- schemas ------------------------------------------------------------------

const int = z.number().int();
const nat = int.nonnegative();
const goalAlloc = z.object({ layout: z.literal('goal'), i_next_alloc_block: int, i_next_alloc_goal: nat });
const rsvAlloc = z.object({
  layout: z.literal('rsv'),
  i_rsv_window: z.object({ start: nat, end: nat, goal: nat }).nullable(),
  i_last_alloc_logical: int,
  i_last_alloc_physical: nat,
});

function inodeSchema(alloc: z.ZodType) {
  return z.object({ ino: int.positive(), group: nat, disk: z.object({ raw: z.string().min(1) }), alloc, dirStartLookup: nat });
}

function stateSchema(format: string, layout: 'goal' | 'rsv', alloc: z.ZodType) {
  const inode = inodeSchema(alloc);
  const engine = z.object({
    format: z.literal(EXT2_STATE_FORMAT),
    logicVersion: int.positive(),
    layout: z.literal(layout),
    readOnly: z.boolean(),
    inodes: z.array(inode),
    orphans: z.array(int.positive()),
    nextGeneration: nat,
    journal: z.object({ sequence: nat, head: nat, tail: nat, tailSequence: nat, used: nat }).nullable(),
    pendingFree: z.array(nat),
    maxTransactionBlocks: int.positive().nullable(),
    mountCount: nat,
  });
  return z.object({ format: z.literal(format), supers: z.array(z.object({ id: z.string().min(1), dev: z.string(), engine })) });
}

export const EXT3_STATE_V2_SCHEMA = stateSchema(EXT3_STATE_V2, 'goal', goalAlloc);
export const EXT3_STATE_V3_SCHEMA = stateSchema(EXT3_STATE_V3, 'rsv', rsvAlloc);
const SCHEMAS: Record<string, z.ZodType> = { [EXT3_STATE_V2]: EXT3_STATE_V2_SCHEMA, [EXT3_STATE_V3]: EXT3_STATE_V3_SCHEMA };
/** One cached inode (ext3_inode_info) as the lazy hand-over moves it, per format. */
export const EXT3_INODE_V2_SCHEMA = inodeSchema(goalAlloc);
export const EXT3_INODE_V3_SCHEMA = inodeSchema(rsvAlloc);
const INODE_SCHEMAS: Record<string, z.ZodType> = { [EXT3_STATE_V2]: EXT3_INODE_V2_SCHEMA, [EXT3_STATE_V3]: EXT3_INODE_V3_SCHEMA };

// ---- hooks ----------------------------------------------------------------------

function pick(all: Record<string, z.ZodType>, names: readonly string[]): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {};
  for (const n of names) if (all[n]) out[n] = all[n];
  return out;
}

interface Staged {
  sb: SuperBlock;
  old: Ext3HandedOver;
  sbi: Ext3SbInfo;
}

export function ext3_update_hooks(ctx: Ext3Ctx): LiveUpdateHooks {
  const formats = ctx.formats.formats;
  const layout = ctx.release.alloc.layout;

  function* ext3_export_state(format: string): Sim<unknown> {
    if (!formats.includes(format)) throw errno('EINVAL', `ext3 v${ctx.release.version} cannot export ${format}`);
    const supers: Ext3SuperSnapshot[] = [];
    const sbs = [...ctx.supers].sort((a, b) => (EXT3_SB(a).id < EXT3_SB(b).id ? -1 : 1));
    for (const sb of sbs) {
      const sbi = EXT3_SB(sb);
      // The new engine takes over this cache and journal as they are (nothing
      // is written inside the block window), and the cached inodes move by
      // reference in the import (the instance handover), not in the
      // snapshot: per-inode work stays a pointer unless the structure changes.
      const engine = yield* exportState(sbi.fs, { handOver: true, inodes: false });
      supers.push({ id: sbi.id, dev: sb.s_id, engine: ctx.formats.exportAs(format, engine) });
    }
    const snap: Ext3StateSnapshot = { format, supers };
    return snap;
  }

  /** Old code after the update (LazyInstanceExport): one cached inode as data in `format`. */
  function ext3_export_inode(format: string, priv: unknown): unknown {
    if (!formats.includes(format)) throw errno('EINVAL', `ext3 v${ctx.release.version} cannot export ${format}`);
    const info = priv as Ext2InodeInfo;
    // a newer layout than the format's is converted down (v3 -> v2 rollback)
    return inodeInfoToJSON(format === EXT3_STATE_V2 ? convertInodeV3toV2(info) : info);
  }

  /** New code: rebuild one exported inode in this release's layout (the lazy hand-over's import). */
  function ext3_import_inode(fs: Ext2Fs, data: unknown): Ext2InodeInfo {
    const info = ctx.release.convertInode(inodeInfoFromJSON(data as Parameters<typeof inodeInfoFromJSON>[0]));
    if (info.alloc.layout === 'rsv' && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
    return info;
  }

  function* ext3_import_state(format: string, snapshot: unknown, costs: CostTable, lazy?: LazyInstanceExport): Sim<StagedTakeover> {
    if (!formats.includes(format)) throw errno('EINVAL', `ext3 v${ctx.release.version} cannot import ${format}`);
    const snap = snapshot as Ext3StateSnapshot;
    if (snap.format !== format) throw errno('EINVAL', `snapshot is ${snap.format}, expected ${format}`);
    const staged: Staged[] = [];
    try {
      for (const s of snap.supers) {
        const sb = super_blocks_by_id.get(s.id);
        if (!sb) throw errno('ESTALE', `ext3: superblock ${s.id} (${s.dev}) is gone`);
        const old = ext3_handed_over(sb);
        const fs = yield* importState(old.dev, s.engine, { now: ext3_clock(sb.s_kernel), logic: ctx.release, from: old.fs, costs });
        if (lazy) {
          // The old engine's inode cache crosses as one kernel-owned table:
          // each inode leaves it as data (the old module's export, checked
          // and frozen by the manager) and is rebuilt by this release's
          // import the first time anything asks for it, or by the update's
          // background pass. Nothing per inode happens in the block window.
          fs.icache.takeLazily(old.fs.icache, (o) => ext3_import_inode(fs, lazy.exportInode(o)), costs.stateExportInode + costs.stateImportInode);
          yield costs.stateHandoverInode;
        } else {
          // No per-inode export offered: the cached inodes are adopted by
          // reference when the per-inode layout stays (a pointer each), else converted.
          let converted = 0;
          for (const info of old.fs.icache.values()) {
            const mine = ctx.release.convertInode(info);
            if (mine !== info) converted++;
            fs.adopt(mine);
            if (mine.alloc.layout === 'rsv' && mine.alloc.i_rsv_window) fs.rsvWindows.set(mine.ino, mine.alloc.i_rsv_window);
          }
          yield old.fs.icache.size * costs.stateHandoverInode + converted * costs.stateConvertInode;
        }
        staged.push({ sb, old, sbi: new Ext3SbInfo(fs, old.dev, old.inodes, ctx, old.id, old.writers) });
      }
    } catch (e) {
      for (const st of staged) st.sbi.fs.retired = true;
      throw e;
    }
    const bySb = new Map(staged.map((st) => [st.sb, st]));
    const fileFormat = ctx.formats.fileFormat;
    return {
      // same per-inode layout (v1 -> v2): the cached inodes are adopted as they are
      convertsInstances: snap.supers.some((s) => s.engine.layout !== layout),
      lazyInstances: lazy !== undefined,
      *drainRest(): Sim<void> {
        // what the instance pass left: engine inodes no VFS inode points at
        for (const st of staged) {
          const cache = st.sbi.fs.icache;
          while (cache.lazy) {
            cache.convertNext(LAZY_BATCH);
            yield cache.takeDebt();
            yield* yieldCpu();
          }
          // every VFS inode was switched before (the manager's instance pass)
          if (cache.handingOver) cache.endHandOver();
        }
      },
      takeDebt(): number {
        let d = 0;
        for (const st of staged) d += st.sbi.fs.icache.takeDebt();
        return d;
      },
      lazyStats() {
        const out = { handedOver: 0, onUse: 0, background: 0, dropped: 0 };
        for (const st of staged) {
          const l = st.sbi.fs.icache.lazyStats;
          if (!l) continue;
          out.handedOver += l.handedOver;
          out.onUse += l.onUse;
          out.background += l.background;
          out.dropped += l.dropped;
        }
        return out;
      },
      convertInode(inode: Inode): Ext2InodeInfo {
        const st = bySb.get(inode.i_sb);
        if (!st) throw new Error(`ext3: inode ${inode.i_ino} of an unknown superblock`);
        const fs = st.sbi.fs;
        if (lazy) return ext3_switch_private(fs, inode, 'background');
        const cached = fs.icache.get(inode.i_ino);
        if (cached) return cached;
        // Not cached by the old engine: the instance's own structure, converted if the layout changes.
        const old = inode.i_private as Ext2InodeInfo;
        const info = ctx.release.convertInode(old);
        fs.adopt(info);
        if (info.alloc.layout === 'rsv' && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
        return info;
      },
      convertFile(_file: OpenFile): Ext3FileInfo {
        return new Ext3FileInfo(fileFormat);
      },
      commit(): void {
        for (const st of staged) {
          st.sb.s_fs_info = st.sbi;
          // the old engine stays with the old module instance, which is retired after redirect
          // the commit thread changes hands with the journal: same thread, new engine
          const kj = st.old.fs.kjournald;
          if (kj && st.sbi.fs.journal) {
            st.old.fs.kjournald = null;
            st.sbi.fs.kjournald = kj;
            kj.handOver(st.sbi.fs.journal);
            kj.unpark();
          }
          st.old.fs.retired = true;
          ctx.supers.add(st.sb);
        }
      },
      abort(): void {
        for (const st of staged) {
          st.sbi.fs.retired = true;
          st.old.fs.kjournald?.unpark();
        }
      },
    };
  }

  /**
   * Before the block window, while calls still run: commit every mounted
   * engine's running transaction, so what the update hands over is a few
   * operations beyond a durable point (a crash during the update loses no
   * more than it would have without one), and a failing disk stops the
   * update before it blocks anybody. Best effort about waiting: an engine
   * whose transaction cannot close within PREPARE_WAIT_US (an operation
   * stalled on a disk holds a handle) is skipped; its transaction is handed
   * over uncommitted. Then each engine's kjournald is parked (kjournald.ts).
   */
  function* ext3_prepare(): Sim<void> {
    for (const sb of [...ctx.supers]) {
      const fs = EXT3_SB(sb).fs;
      if (fs.readOnly || fs.retired) continue;
      const cyclesPerUs = sb.s_kernel.engine.cyclesPerUs;
      const wait = Math.round(PREPARE_WAIT_US * cyclesPerUs);
      if (!(yield* fs.syncWithin(wait))) continue;
      // The commit thread runs ext3's code: park it outside it until the update is over.
      if (fs.kjournald) yield* fs.kjournald.park(wait, Math.round(KJOURNALD_PARK_LEASE_US * cyclesPerUs));
    }
  }

  return {
    exportFormats: formats,
    importFormats: formats,
    stateSchemas: pick(SCHEMAS, formats),
    inodeSchemas: pick(INODE_SCHEMAS, formats),
    prepare: ext3_prepare,
    exportState: ext3_export_state,
    exportInode: ext3_export_inode,
    importState: ext3_import_state,
  };
}
