/**
 * Live-update state transfer for a mounted file system: the old engine
 * instance exports a plain JSON-able snapshot, a new instance (possibly of
 * another module generation) imports it and continues without unmount.
 *
 * Two ways to move the journal:
 *   - hand-over (a live update inside one kernel): the new engine takes the
 *     old one's buffer cache and its Journal object as they are, running
 *     transaction, checkpoint list and all. Nothing is written. This is how
 *     Linux is built: JBD2 is a module of its own under ext3/ext4, so its
 *     journal_t and transactions do not belong to the code being replaced.
 *     The blocks freed in the running transaction (`pendingFree`) travel in
 *     the snapshot, since they stay unusable until that transaction commits.
 *   - otherwise the export makes the disk authoritative (commit, then
 *     checkpoint) and the importer opens the journal afresh at the exported
 *     position.
 * Either way the snapshot holds the rest of the in-memory state: the cached
 * inodes with their per-inode private data (allocation goals or reservation
 * windows; a caller that hands inodes over itself leaves them out), the
 * orphan set (unlinked but still open), the generation counter and the
 * journal position. Import rebuilds the engine from the superblock and group
 * descriptors plus that snapshot, converting every cached inode to the new
 * generation's layout.
 */
import type { CostTable } from '../hw-ppc64/costs.ts';
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { Ext2Fs, type Ext2MountOptions } from './fs.ts';
import { inodeInfoFromJSON, inodeInfoToJSON, type InodeInfoJSON } from './inode-info.ts';
import { Journal, type JournalState } from './journal.ts';
import type { InodeLayout } from './release.ts';

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
  /** Blocks freed in the running transaction (non-empty only with a journal hand-over). */
  pendingFree: number[];
  maxTransactionBlocks: number | null;
  /** s_mnt_count / s_mtime of this mount, so the superblock is not bumped again. */
  mountCount: number;
}

export interface Ext2ExportOptions {
  /**
   * The importer takes this engine over (importState's `from`): its buffer
   * cache and journal as they are. Nothing is flushed.
   */
  handOver?: boolean;
  /** false: leave cached inodes out (the caller hands them over itself). */
  inodes?: boolean;
}

/** Describe the in-memory state (flushing it first unless handed over). The engine stays usable. */
export function* exportState(fs: Ext2Fs, opts: Ext2ExportOptions = {}): Sim<Ext2StateSnapshot> {
  fs.checkLive();
  if (!fs.readOnly && !opts.handOver) yield* fs.syncCheckpoint();
  // `inodes: false`: the caller hands cached inodes over itself (a live
  // update's instance handover); the new engine re-reads any other from disk.
  const inodes = opts.inodes === false ? [] : [...fs.icache.values()].sort((a, b) => a.ino - b.ino).map(inodeInfoToJSON);
  yield inodes.length * 100;
  return {
    format: EXT2_STATE_FORMAT,
    logicVersion: fs.logic.version,
    layout: fs.logic.alloc.layout,
    readOnly: fs.readOnly,
    inodes,
    orphans: [...fs.orphans].sort((a, b) => a - b),
    nextGeneration: fs.nextGeneration,
    journal: fs.journal ? fs.journal.position() : null,
    pendingFree: [...fs.pendingFree].sort((a, b) => a - b),
    maxTransactionBlocks: fs.journal ? fs.journal.maxTransactionBlocks : null,
    mountCount: fs.sb.s_mnt_count,
  };
}

export interface Ext2ImportOptions extends Ext2MountOptions {
  /**
   * Hand-over: the engine the snapshot was exported from with `handOver`.
   * The new engine starts from its in-memory superblock and group
   * descriptors (copied), shares its buffer cache and locking, and adopts
   * its journal, running transaction included. No I/O.
   */
  from?: Ext2Fs;
  /** The machine's cost table: each snapshot inode is charged `stateImportInode`. */
  costs: Pick<CostTable, 'stateImportInode'>;
}

/**
 * Take over the file system on `dev` described by `snap` (from exportState
 * on the same device, with nothing written in between). `opts.logic` picks
 * the new generation; each cached inode in the snapshot is converted to its
 * layout.
 */
export function* importState(dev: BlockDevice, snap: Ext2StateSnapshot, opts: Ext2ImportOptions): Sim<Ext2Fs> {
  if (snap.format !== EXT2_STATE_FORMAT) throw errno('EINVAL', `unknown state format ${String(snap.format)}`);
  const from = opts.from;
  if (from && from.dev !== dev) throw errno('EINVAL', 'a handed-over engine must be on the same device');
  const fs = from ? yield* Ext2Fs.takeOver(from, opts) : yield* Ext2Fs.open(dev, { ...opts, readOnly: snap.readOnly });
  if (fs.sb.s_mnt_count !== snap.mountCount) throw errno('ESTALE', 'superblock changed since the state was exported');
  if (snap.journal) {
    if (!fs.hasJournalFeature) throw errno('EINVAL', 'snapshot has a journal, the file system does not');
    if (from) {
      // JBD2's journal, running transaction and checkpoint list as they are
      if (!from.journal || !from.journal.isAt(snap.journal)) throw errno('ESTALE', 'the handed-over journal moved since the state was exported');
      fs.adoptJournal(from.journal);
      fs.journal!.setClock(opts.now);
    } else {
      const j = yield* fs.loadJournal();
      fs.adoptJournal(new Journal(dev, fs.cache, j.jsb, j.map, opts.now, snap.maxTransactionBlocks ?? 64, snap.journal, fs.locking));
    }
  }
  if (snap.pendingFree.length > 0 && !from) throw errno('EINVAL', 'snapshot has an uncommitted transaction but its engine was not handed over');
  for (const blk of snap.pendingFree) fs.pendingFree.add(blk);
  for (const ij of snap.inodes) {
    fs.checkIno(ij.ino);
    const info = fs.logic.convertInode(inodeInfoFromJSON(ij));
    fs.adopt(info);
    if (info.alloc.layout === 'rsv' && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
    yield opts.costs.stateImportInode;
  }
  for (const o of snap.orphans) fs.orphans.add(o);
  fs.nextGeneration = snap.nextGeneration;
  return fs;
}
