/**
 * Live-update state transfer for a mounted file system: the old engine
 * instance exports a plain JSON-able snapshot, a new instance (possibly of
 * another module generation) imports it and continues without unmount.
 *
 * Export first makes the disk (and the shared BlockCache) authoritative:
 * the running transaction commits and the log is checkpointed, so the only
 * state not on disk is in-memory state: the cached inodes with their
 * per-inode private data (allocation goals or reservation windows), the
 * orphan set (unlinked but still open), the generation counter and the
 * journal position. Import rebuilds the engine from the on-disk superblock
 * and group descriptors plus that snapshot, converting every cached inode to
 * the new generation's layout.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../sim/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { Ext2Fs, type Ext2MountOptions } from './fs.ts';
import { convertInodeInfo, inodeInfoFromJSON, inodeInfoToJSON, type InodeInfoJSON } from './inode-info.ts';
import { Journal, type JournalState } from './journal.ts';
import type { InodeLayout } from './logic.ts';

export const EXT2_STATE_FORMAT = 'ext2fs-state/1';

export interface Ext2StateSnapshot {
  format: typeof EXT2_STATE_FORMAT;
  logicVersion: number;
  layout: InodeLayout;
  readOnly: boolean;
  inodes: InodeInfoJSON[];
  orphans: number[];
  nextGeneration: number;
  journal: JournalState | null;
  maxTransactionBlocks: number | null;
  /** s_mnt_count / s_mtime of this mount, so the superblock is not bumped again. */
  mountCount: number;
}

/**
 * Flush (commit; checkpoint only if the checkpoint list cannot be handed
 * over through the shared cache) and describe the in-memory state. The
 * engine stays usable.
 */
export function* exportState(fs: Ext2Fs, opts: { sharedCache?: boolean; inodes?: boolean } = {}): Sim<Ext2StateSnapshot> {
  fs.checkLive();
  if (!fs.readOnly) {
    yield* fs.sync();
    // Only an importer that takes over this engine's cache can inherit the
    // checkpoint list; otherwise write it home now.
    if (fs.journal && !(opts.sharedCache && fs.journal.canHandOver())) yield* fs.syncCheckpoint();
  }
  // `inodes: false`: the caller hands cached inodes over itself (a live
  // update's instance handover); the new engine re-reads any other from disk.
  const inodes = opts.inodes === false ? [] : [...fs.icache.values()].sort((a, b) => a.ino - b.ino).map(inodeInfoToJSON);
  yield inodes.length * 100;
  return {
    format: EXT2_STATE_FORMAT,
    logicVersion: fs.logic.version,
    layout: fs.logic.layout,
    readOnly: fs.readOnly,
    inodes,
    orphans: [...fs.orphans].sort((a, b) => a - b),
    nextGeneration: fs.nextGeneration,
    journal: fs.journal ? fs.journal.exportState(opts.sharedCache === true) : null,
    maxTransactionBlocks: fs.journal ? fs.journal.maxTransactionBlocks : null,
    mountCount: fs.sb.s_mnt_count,
  };
}

/**
 * Take over the file system on `dev` described by `snap` (from exportState
 * on the same device, with nothing written in between). `opts.logic` picks
 * the new generation; each cached inode is converted to its layout.
 */
export function* importState(dev: BlockDevice, snap: Ext2StateSnapshot, opts: Ext2MountOptions): Sim<Ext2Fs> {
  if (snap.format !== EXT2_STATE_FORMAT) throw errno('EINVAL', `unknown state format ${String(snap.format)}`);
  const fs = yield* Ext2Fs.open(dev, { ...opts, readOnly: snap.readOnly });
  if (fs.sb.s_mnt_count !== snap.mountCount) throw errno('ESTALE', 'superblock changed since the state was exported');
  if (snap.journal) {
    if (!fs.hasJournalFeature) throw errno('EINVAL', 'snapshot has a journal, the file system does not');
    const j = yield* fs.loadJournal(opts.journalMap);
    fs.journal = new Journal(dev, fs.cache, j.jsb, j.map, opts.now, snap.maxTransactionBlocks ?? 64, snap.journal);
  }
  const layout = fs.logic.layout;
  for (const ij of snap.inodes) {
    fs.checkIno(ij.ino);
    const info = convertInodeInfo(inodeInfoFromJSON(ij), layout);
    fs.adopt(info);
    if (info.alloc.layout === 'rsv' && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
    yield 100;
  }
  for (const o of snap.orphans) fs.orphans.add(o);
  fs.nextGeneration = snap.nextGeneration;
  return fs;
}
