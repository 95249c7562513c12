/**
 * Ext2Fs: a mounted ext2/ext3 file system at inode level (the engine both
 * the Linux `ext3` module and the K42 file service wrap). It holds the
 * superblock and group descriptors, the inode cache, orphans, the buffer
 * cache and the JBD2 journal, the per-group and per-inode locks, file data
 * (file.ts) and the bracketing of every mutating call as one JBD2 handle.
 * Name operations, directories and the allocators are the mounted
 * release's code (`logic`, release.ts: module source in modules-src/ext3).
 *
 * Contract with the glue: inodes are named by number (`iget` returns the
 * cached Ext2InodeInfo; the glue's `logic.namei.drop(fs, ino)` when its
 * last reference goes frees an inode left without names, unmount frees any
 * still pending); path walking, permissions and fds are the VFS's; every
 * operation leaves the image consistent and, on ext3, lands whole in one
 * transaction. Time comes from `now()` (simulated seconds); reads do not
 * update atime (noatime). Opening, mounting, syncing and unmounting an image is mount.ts,
 * live-update state state.ts.
 */
import type { Statfs } from '../uapi/stat.ts';
import { SINGLE_THREADED, type Ext2Locking, type FsLock } from './lock.ts';
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import type { BlockMapHost } from './blockmap.ts';
import { ext2BlockMapHost } from './bmap-host.ts';
import type { BlockCache, BufferHead } from './cache.ts';
import { encodeGroupDesc, gdtBlockOf, GROUP_DESC_SIZE, type Ext2GroupDesc } from './group.ts';
import { Ext2InodeInfo, type RsvWindow } from './inode-info.ts';
import { InodeCache } from './inode-cache.ts';
import { decodeInode, decodeLinksCount, encodeInodeInto } from './inode.ts';
import type { Journal, JournalState } from './journal.ts';
import { Kjournald } from './kjournald.ts';
import { COMPAT_HAS_JOURNAL, COST, INCOMPAT_FILETYPE, RO_COMPAT_LARGE_FILE, SUPERBLOCK_OFFSET } from './layout.ts';
import { loadJournal, mountEngine, openEngine, syncEngine, syncEngineWithin, takeOverEngine, unmountEngine, type LoadedJournal } from './mount.ts';
import type { Ext2AllocPolicy, Ext2Release } from './release.ts';
import { readFile, setAttr, truncateFile, writeFile, type Ext2SetAttr } from './file.ts';
import type { RecoveryInfo } from './recovery.ts';
import { encodeSuperBlock, type Ext2Geometry, type Ext2SuperBlock } from './superblock.ts';

export interface Ext2MountOptions {
  /** Simulated wall clock in seconds (inode and superblock times). */
  now: () => number;
  /** The module code this engine runs (release.ts); default: none (no rename, generic allocator). */
  logic?: Ext2Release;
  readOnly?: boolean;
  /** Commit a transaction once it holds this many blocks (default: a quarter of the log, at most 512). */
  maxTransactionBlocks?: number;
  /** Buffer-cache soft limit in blocks. */
  cacheBlocks?: number;
  /** Reuse this cache (live update: the new engine takes over the old one's buffers). */
  cache?: BlockCache;
  /** How concurrent callers synchronise (lock.ts); default: one caller at a time. */
  locking?: Ext2Locking;
}

/** statfs(2) as the engine knows it: the file-system type is the caller's. */
export type Ext2StatFs = Omit<Statfs, 'f_type'>;

/** Commit or write back once this many cache-owned buffers are dirty (ext2 mode). */
const EXT2_WRITEBACK_THRESHOLD = 256;

export class Ext2Fs {
  /** Cached inodes; a live update may hand another engine's over lazily (inode-cache.ts). */
  readonly icache = new InodeCache();
  /** Inodes with no names left, freed at drop() or unmount. */
  readonly orphans = new Set<number>();
  /** Blocks freed in the running transaction: not reusable until it commits. */
  readonly pendingFree = new Set<number>();
  /** Reservation windows of cached inodes (v3 layout), by inode number. */
  readonly rsvWindows = new Map<number, RsvWindow>();
  journal: Journal | undefined;
  /** The thread committing this engine's transactions (startKjournald), if any. */
  kjournald: Kjournald | null = null;
  recovery: RecoveryInfo | undefined;
  nextGeneration = 1;
  mounted = true;
  /** Set once another engine instance took over via exportState/importState. */
  retired = false;
  /**
   * Allocators of other releases' inode layouts this engine was handed (a
   * K42 inode object converted to the next release's layout before the
   * superblock object swapped: that inode's blocks are placed by the code
   * that keeps its layout). See `allocFor`.
   */
  private readonly foreignAlloc = new Map<string, Ext2AllocPolicy>();

  /** Place `info`'s blocks with this allocator from now on (see foreignAlloc). */
  addAllocPolicy(p: Ext2AllocPolicy): void {
    if (p.layout !== this.logic.alloc.layout) this.foreignAlloc.set(p.layout, p);
  }

  /** The allocator that keeps `info`'s layout: this engine's release's, or one it was handed. */
  allocFor(info: Ext2InodeInfo): Ext2AllocPolicy {
    const own = this.logic.alloc;
    if (info.alloc.layout === own.layout) return own;
    const p = this.foreignAlloc.get(info.alloc.layout);
    if (!p) throw new Error(`inode ${info.ino}: '${info.alloc.layout}' allocation state and no allocator for it (${this.logic.name})`);
    return p;
  }
  /** Per-block-group locks (sb_bgl_lock): a group's bitmaps and descriptor counts. */
  private readonly bgLocks: FsLock[];

  constructor(
    readonly dev: BlockDevice,
    readonly cache: BlockCache,
    public sb: Ext2SuperBlock,
    readonly geo: Ext2Geometry,
    public gds: Ext2GroupDesc[],
    public logic: Ext2Release,
    readonly now: () => number,
    readonly readOnly: boolean,
    readonly locking: Ext2Locking = SINGLE_THREADED,
  ) {
    this.bgLocks = gds.map((_, g) => locking.mutex(`ext3 bg_lock ${g}`));
  }

  /** Block group `g`'s lock: hold it while finding and claiming bits and changing the group's counts. */
  bgLock(g: number): FsLock {
    return this.bgLocks[g]!;
  }

  /** `info`'s truncate_mutex: hold it while allocating blocks into its block map or truncating it. */
  truncateMutex(info: Ext2InodeInfo): FsLock {
    const t = info.i_truncate_mutex;
    if (t !== null && t.owner === this) return t.lock;
    // Made on first use by this engine (another engine's, after a live update, is not ours).
    const lock = this.locking.mutex(`ext3 truncate_mutex ${info.ino}`);
    info.i_truncate_mutex = { owner: this, lock };
    return lock;
  }

  /** The journal calls this once a transaction is durable: the blocks freed in it are reusable. */
  private readonly releaseFreed = (freed: readonly number[]): void => {
    for (const b of freed) this.pendingFree.delete(b);
  };

  /**
   * Start the commit thread (the module that mounted this engine owns it;
   * with a single-threaded caller there is none and operations commit).
   */
  startKjournald(name: string): Kjournald | null {
    if (!this.journal || this.readOnly || !this.locking.concurrent) return null;
    this.kjournald = new Kjournald(this.journal, this.locking, name);
    return this.kjournald;
  }

  /** Use `j` as this engine's journal (mount, or a live update's hand-over). */
  adoptJournal(j: Journal): void {
    this.journal = j;
    j.onCommitted = this.releaseFreed;
  }

  get blockSize(): number {
    return this.geo.blockSize;
  }
  get hasFiletype(): boolean {
    return (this.sb.s_feature_incompat & INCOMPAT_FILETYPE) !== 0;
  }

  // ---------------------------------------------------------------- mount

  get hasJournalFeature(): boolean {
    return (this.sb.s_feature_compat & COMPAT_HAS_JOURNAL) !== 0;
  }

  /**
   * Read and validate the superblock and group descriptors and build an
   * engine without mounting (no recovery, nothing written): the start of
   * both mount and a live-update import.
   */
  static open(dev: BlockDevice, opts: Ext2MountOptions): Sim<Ext2Fs> {
    return openEngine(Ext2Fs, dev, opts);
  }

  /** A live update's new engine on `old`'s mount, from its in-memory state (mount.ts `takeOverEngine`). */
  static takeOver(old: Ext2Fs, opts: Ext2MountOptions): Sim<Ext2Fs> {
    return takeOverEngine(Ext2Fs, old, opts);
  }

  /** Read, validate and (unless read-only) mount the file system on `dev`, replaying the journal. */
  static mount(dev: BlockDevice, opts: Ext2MountOptions): Sim<Ext2Fs> {
    return mountEngine(Ext2Fs, dev, opts);
  }

  /** Read inode 8, map the journal and decode its superblock. */
  loadJournal(): Sim<LoadedJournal> {
    return loadJournal(this);
  }

  /** Clean unmount: free orphans, commit and checkpoint, mark the superblock valid (mount.ts). */
  unmount(): Sim<void> {
    return unmountEngine(this);
  }

  /** Write everything to disk: commit the running transaction (ext3) or write back (ext2). */
  sync(): Sim<void> {
    return syncEngine(this);
  }

  /** `sync`, unless the running transaction cannot close within `cycles` (false: nothing done). */
  syncWithin(cycles: number): Sim<boolean> {
    return syncEngineWithin(this, cycles);
  }

  /** Commit and checkpoint (the log becomes empty). Used before a live-update handover. */
  *syncCheckpoint(): Sim<void> {
    yield* this.sync();
    if (this.journal) yield* this.journal.checkpoint();
  }

  /** Free blocks and inodes summed over the group descriptors (the superblock's totals may lag). */
  private freeTotals(): { bfree: number; ffree: number } {
    let bfree = 0;
    let ffree = 0;
    for (const gd of this.gds) {
      bfree += gd.bg_free_blocks_count;
      ffree += gd.bg_free_inodes_count;
    }
    return { bfree, ffree };
  }

  statfs(): Ext2StatFs {
    const { bfree, ffree } = this.freeTotals();
    return {
      f_bsize: this.blockSize,
      f_blocks: this.sb.s_blocks_count,
      f_bfree: bfree,
      f_bavail: Math.max(0, bfree - this.sb.s_r_blocks_count),
      f_files: this.sb.s_inodes_count,
      f_ffree: ffree,
      f_namelen: 255,
    };
  }

  // ------------------------------------------------------- op bracketing

  checkLive(): void {
    if (!this.mounted) throw errno('EIO', 'file system is unmounted');
    if (this.retired) throw errno('EIO', 'engine instance retired by a live update');
  }

  /** Entry of every mutating operation: on ext3 it starts (or nests) the caller's JBD2 handle. */
  *beginWrite(): Sim<void> {
    this.checkLive();
    if (this.readOnly) throw errno('EROFS');
    yield COST.opEntry;
    if (this.journal) yield* this.journal.start();
  }

  /**
   * End of every mutating operation: stop the handle, then get a full or old
   * transaction committed (kjournald, or the caller), or write back (ext2).
   */
  *endWrite(): Sim<void> {
    if (this.journal) {
      yield* this.journal.stop();
      yield* this.journal.commitIfDue();
    } else if (this.cache.dirtyCount() >= EXT2_WRITEBACK_THRESHOLD) {
      yield* this.cache.writeback();
    }
  }

  /** In the middle of a long operation whose work so far is consistent: let the transaction commit (journal_restart). */
  *restartWrite(): Sim<void> {
    if (this.journal) yield* this.journal.restart();
    else if (this.cache.dirtyCount() >= EXT2_WRITEBACK_THRESHOLD) yield* this.cache.writeback();
  }

  // --------------------------------------------------- metadata helpers

  /** A metadata buffer was modified: journal it (ext3) or mark it dirty (ext2). Never blocks. */
  *dirtyMeta(bh: BufferHead): Sim<void> {
    this.markMeta(bh);
  }

  /** dirtyMeta without a generator (hot paths): it takes no time and never blocks. */
  markMeta(bh: BufferHead): void {
    if (this.journal) this.journal.dirtyMetadata(bh);
    else this.cache.markDirty(bh);
  }

  /** Encode group g's descriptor into its GDT block (which joins the transaction). */
  *writeGroupDesc(g: number): Sim<void> {
    const blk = gdtBlockOf(this.sb, this.geo, g);
    // bread, inlined (one per block allocated): the same charge, no generator on a hit
    yield COST.cacheLookup;
    const bh = this.cache.cached(blk) ?? (yield* this.cache.readIn(blk));
    encodeGroupDesc(this.gds[g]!, bh.data, (g % this.geo.descPerBlock) * GROUP_DESC_SIZE);
    yield COST.codec;
    this.markMeta(bh);
  }

  /** Write the primary superblock (with totals) directly; it is never journaled. */
  *writeSuper(): Sim<void> {
    const { bfree, ffree } = this.freeTotals();
    this.sb.s_free_blocks_count = bfree;
    this.sb.s_free_inodes_count = ffree;
    yield COST.codec;
    yield* this.dev.write(SUPERBLOCK_OFFSET, encodeSuperBlock(this.sb));
    yield* this.dev.flush();
  }

  /** Set the large_file feature the first time a file passes 2 GiB. */
  *noteLargeFile(size: number): Sim<void> {
    if (size > 0x7fffffff && !(this.sb.s_feature_ro_compat & RO_COMPAT_LARGE_FILE)) {
      this.sb.s_feature_ro_compat |= RO_COMPAT_LARGE_FILE;
      yield* this.writeSuper();
    }
  }

  private inodeLocation(ino: number): { blk: number; off: number } {
    const ipg = this.sb.s_inodes_per_group;
    const g = Math.floor((ino - 1) / ipg);
    const idx = (ino - 1) % ipg;
    const blk = this.gds[g]!.bg_inode_table + Math.floor(idx / this.geo.inodesPerBlock);
    return { blk, off: (idx % this.geo.inodesPerBlock) * this.geo.inodeSize };
  }

  checkIno(ino: number): void {
    if (!Number.isInteger(ino) || ino < 1 || ino > this.sb.s_inodes_count) throw errno('EUCLEAN', `inode number ${ino} out of range`);
  }

  /** Read and decode inode `ino` without caching it or checking that it is in use. */
  *readInodeRaw(ino: number): Sim<Ext2InodeInfo> {
    this.checkIno(ino);
    const { blk, off } = this.inodeLocation(ino);
    const bh = yield* this.cache.bread(blk);
    yield COST.codec;
    const disk = decodeInode(bh.data.subarray(off, off + this.geo.inodeSize));
    const group = Math.floor((ino - 1) / this.sb.s_inodes_per_group);
    return new Ext2InodeInfo(ino, disk, group, this.logic.alloc.initialAllocState());
  }

  /**
   * i_links_count of inode `ino` as its table block holds it: readInodeRaw's
   * read and charge without decoding the record (the allocator's check that
   * a free bitmap bit is not a live inode, once per create).
   */
  *readInodeLinks(ino: number): Sim<number> {
    this.checkIno(ino);
    const { blk, off } = this.inodeLocation(ino);
    const bh = yield* this.cache.bread(blk);
    yield COST.codec;
    return decodeLinksCount(bh.data, off);
  }

  /** The cached in-memory inode for `ino` (read on first use). EUCLEAN for a free inode. */
  *iget(ino: number): Sim<Ext2InodeInfo> {
    this.checkLive();
    const hit = this.icache.get(ino);
    // a handed-over inode converted at this use (or by an earlier synchronous lookup) is paid here
    const owed = this.icache.takeDebt();
    if (owed > 0) yield owed;
    if (hit) return hit;
    const info = yield* this.readInodeRaw(ino);
    // Another thread may have cached it while we read (iget5_locked's find after alloc): keep the first.
    const raced = this.icache.get(ino);
    if (raced) return raced;
    if (info.disk.i_links_count === 0 || info.disk.i_mode === 0) {
      throw errno('EUCLEAN', `inode ${ino} is not in use (links ${info.disk.i_links_count}, mode 0${info.disk.i_mode.toString(8)})`);
    }
    this.icache.set(ino, info);
    return info;
  }

  /** Put an inode into the cache (a newly created one). */
  adopt(info: Ext2InodeInfo): void {
    this.icache.set(info.ino, info);
  }

  /** Encode the in-memory inode into its inode-table block (which joins the transaction). */
  *writeInode(info: Ext2InodeInfo): Sim<void> {
    const { blk, off } = this.inodeLocation(info.ino);
    yield COST.cacheLookup; // bread, inlined
    const bh = this.cache.cached(blk) ?? (yield* this.cache.readIn(blk));
    yield COST.codec;
    encodeInodeInto(info.disk, bh.data, off, this.geo.inodeSize);
    this.markMeta(bh);
  }

  /** Block-map callbacks for one inode (bmap-host.ts): blocks come from the release's allocator. */
  blockMapHost(owner: Ext2InodeInfo | undefined): BlockMapHost {
    return ext2BlockMapHost(this, owner);
  }

  // ------------------------------------------------ file data
  // Each mutating call is one JBD2 handle. Name operations (lookup, create,
  // mkdir, unlink, rename...) are not here: they are the release's code,
  // `fs.logic.namei` (module source, modules-src/ext3/common/engine-ops.ts),
  // so every caller runs a loaded bundle's.

  private *mutate<T>(op: () => Sim<T>, ino: number): Sim<T> {
    yield* this.beginWrite();
    try {
      // Load the inode the operation works on first (op() reads it from the cache).
      yield* this.iget(ino);
      return yield* op();
    } finally {
      yield* this.endWrite();
    }
  }

  /** Read up to `len` bytes at `off` (short at EOF). */
  *read(ino: number, off: number, len: number): Sim<Uint8Array> {
    this.checkLive();
    yield COST.opEntry;
    return yield* readFile(this, yield* this.iget(ino), off, len);
  }

  /** Write at `off` (holes past EOF); returns bytes written. */
  *write(ino: number, off: number, data: Uint8Array): Sim<number> {
    return yield* this.mutate(() => writeFile(this, this.icache.get(ino) ?? never(), off, data), ino);
  }

  *truncate(ino: number, size: number): Sim<void> {
    return yield* this.mutate(() => truncateFile(this, this.icache.get(ino) ?? never(), size), ino);
  }

  *setattr(ino: number, attr: Ext2SetAttr): Sim<void> {
    return yield* this.mutate(() => setAttr(this, this.icache.get(ino) ?? never(), attr), ino);
  }

  /** fsync: ext3 commits the running transaction (it holds every change); ext2 writes back. */
  *fsync(_ino: number): Sim<void> {
    yield* this.sync();
  }
}

function never(): never {
  throw errno('EIO', 'inode vanished from the cache');
}

export type { JournalState };
