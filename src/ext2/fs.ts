/**
 * Ext2Fs: a mounted ext2/ext3 file system with an inode-level API (the
 * engine both the Linux `ext3` module and the K42 file service wrap).
 *
 * Contract with the glue:
 *  - Inodes are named by number. `iget` returns the cached Ext2InodeInfo;
 *    the glue calls `drop(ino)` when its last reference goes, which frees
 *    the inode if it has no names left (ext2 frees unlinked-but-open inodes
 *    at last close; unmount frees any still pending).
 *  - Path walking, permission checks and fd semantics belong to the VFS.
 *    The engine checks what keeps the image consistent (types, emptiness,
 *    link limits, name lengths) and throws ErrnoError.
 *  - Every operation leaves the image consistent: bitmaps with group counts,
 *    exact i_blocks and directory sizes, dtime on free, INDEX_FL cleared on
 *    any directory it modifies. On ext3 each operation is atomic in the
 *    journal: a transaction commits only between operations.
 *  - Time comes from the `now()` callback (simulated seconds). Reads do not
 *    update atime (the engine behaves as mounted noatime).
 *
 * This file holds mount/unmount, the inode cache and the metadata helpers;
 * directory operations live in namei.ts/dir.ts, file data in file.ts, live
 * update state in state.ts.
 */
import type { Statfs } from '../uapi/stat.ts';
import { SINGLE_THREADED, type Ext2Locking, type FsLock } from './lock.ts';
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { allocBlock, freeBlock } from './alloc.ts';
import { type BlockMapHost, bmapLookup } from './blockmap.ts';
import { BlockCache, type BufferHead } from './cache.ts';
import { decodeGroupDesc, encodeGroupDesc, gdtBlockOf, GROUP_DESC_SIZE, validateGroupDesc, type Ext2GroupDesc } from './group.ts';
import { Ext2InodeInfo, type RsvWindow } from './inode-info.ts';
import { InodeCache } from './inode-cache.ts';
import { decodeInode, encodeInodeInto } from './inode.ts';
import { JBD2_KNOWN_INCOMPAT, JBD2_SUPERBLOCK_V1, JBD2_SUPERBLOCK_V2, decodeJournalSuperBlock } from './jbd2.ts';
import { Journal, type JournalState } from './journal.ts';
import { Kjournald } from './kjournald.ts';
import { COMPAT_HAS_JOURNAL, COST, EXT2_ROOT_INO, EXT2_VALID_FS, EXT3_JOURNAL_INO, INCOMPAT_FILETYPE, INCOMPAT_RECOVER, RO_COMPAT_LARGE_FILE, SUPERBLOCK_OFFSET, SUPPORTED_INCOMPAT, SUPPORTED_RO_COMPAT, featureNames } from './layout.ts';
import { S_ISDIR } from '../uapi/stat.ts';
import { EXT2_NO_MODULE, type Ext2AllocPolicy, type Ext2Release } from './release.ts';
import { dirList, dirLookup, type Ext2ReaddirEntry } from './dir.ts';
import { readFile, setAttr, truncateFile, writeFile, type Ext2SetAttr } from './file.ts';
import {
  createNode, dropInode, linkName, makeDir, makeSymlink, readSymlink, removeDir, unlinkName,
} from './namei.ts';
import { recoverJournal, type RecoveryInfo } from './recovery.ts';
import { decodeSuperBlock, encodeSuperBlock, validateSuperBlock, type Ext2Geometry, type Ext2SuperBlock } from './superblock.ts';

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
  /** Per-inode truncate_mutex, made on first use (the block map while it changes). */
  private readonly truncateMutexes = new WeakMap<Ext2InodeInfo, FsLock>();

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
    let m = this.truncateMutexes.get(info);
    if (!m) {
      m = this.locking.mutex(`ext3 truncate_mutex ${info.ino}`);
      this.truncateMutexes.set(info, m);
    }
    return m;
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
  static *open(dev: BlockDevice, opts: Ext2MountOptions): Sim<Ext2Fs> {
    const { sb, geo } = yield* readSuper(dev);
    checkFeatures(sb);
    const unknownRo = sb.s_feature_ro_compat & ~SUPPORTED_RO_COMPAT;
    const readOnly = !!opts.readOnly || dev.readOnly || unknownRo !== 0;
    const cache = opts.cache ?? new BlockCache(dev, geo.blockSize, sb.s_blocks_count, opts.cacheBlocks);
    const gds = yield* readGroupDescs(cache, sb, geo);
    return new Ext2Fs(dev, cache, sb, geo, gds, opts.logic ?? EXT2_NO_MODULE, opts.now, readOnly, opts.locking);
  }

  /**
   * A live update's new engine on `old`'s mount, built from its in-memory
   * state rather than the disk (the superblock and group descriptors are
   * copied: the old engine stays intact for a rollback; the buffer cache
   * and locking are shared). No I/O. The caller adopts the journal and the
   * rest of the state (state.ts importState).
   */
  static *takeOver(old: Ext2Fs, opts: Ext2MountOptions): Sim<Ext2Fs> {
    // (`old` may already be retired: its state is what is handed over, not its calls)
    if (!old.mounted) throw errno('EIO', 'file system is unmounted');
    const fs = new Ext2Fs(old.dev, old.cache, structuredClone(old.sb), old.geo, old.gds.map((g) => ({ ...g })), opts.logic ?? EXT2_NO_MODULE, opts.now, old.readOnly, old.locking);
    // copies of in-memory structures: charged as one decode for the superblock, a small record copy per descriptor
    yield COST.codec + old.gds.length * COST.dirent;
    return fs;
  }

  /** Read, validate and (unless read-only) mount the file system on `dev`, replaying the journal. */
  static *mount(dev: BlockDevice, opts: Ext2MountOptions): Sim<Ext2Fs> {
    let { sb, geo } = yield* readSuper(dev);
    checkFeatures(sb);
    const hasJournal = (sb.s_feature_compat & COMPAT_HAS_JOURNAL) !== 0;
    const unknownRo = sb.s_feature_ro_compat & ~SUPPORTED_RO_COMPAT;
    const readOnly = !!opts.readOnly || dev.readOnly || unknownRo !== 0;
    const cache = opts.cache ?? new BlockCache(dev, geo.blockSize, sb.s_blocks_count, opts.cacheBlocks);
    let gds = yield* readGroupDescs(cache, sb, geo);
    const logic = opts.logic ?? EXT2_NO_MODULE;
    let fs = new Ext2Fs(dev, cache, sb, geo, gds, logic, opts.now, readOnly, opts.locking);
    let recovery: RecoveryInfo | undefined;
    if (hasJournal) {
      const j = yield* fs.loadJournal();
      const needs = (sb.s_feature_incompat & INCOMPAT_RECOVER) !== 0 || j.jsb.s_start !== 0;
      if (needs) {
        if (dev.readOnly) throw errno('EROFS', 'journal needs recovery but the device is read-only');
        recovery = yield* recoverJournal({ dev, blockSize: geo.blockSize, map: j.map, blocksCount: sb.s_blocks_count }, j.jsb);
        // Recovery rewrote blocks behind the cache, possibly the superblock and GDT too.
        cache.invalidateClean();
        ({ sb, geo } = yield* readSuper(dev));
        gds = yield* readGroupDescs(cache, sb, geo);
        fs = new Ext2Fs(dev, cache, sb, geo, gds, logic, opts.now, readOnly, opts.locking);
      }
      if (!readOnly) {
        const area = j.jsb.s_maxlen - j.jsb.s_first;
        const maxTxn = opts.maxTransactionBlocks ?? Math.max(8, Math.min(512, Math.floor(area / 4)));
        fs.adoptJournal(new Journal(dev, cache, j.jsb, j.map, opts.now, maxTxn, undefined, opts.locking));
      }
    }
    fs.recovery = recovery;
    yield* checkRoot(fs);
    if (!readOnly) {
      sb.s_mnt_count = (sb.s_mnt_count + 1) & 0xffff;
      sb.s_mtime = opts.now();
      if (fs.journal) {
        // A journaled fs stays VALID while mounted (ext3 behaviour); recovery is flagged instead.
        sb.s_feature_incompat |= INCOMPAT_RECOVER;
      } else {
        sb.s_state &= ~EXT2_VALID_FS;
      }
      yield* fs.writeSuper();
    }
    return fs;
  }

  /** Read inode 8, map the journal and decode its superblock. */
  *loadJournal(): Sim<{ jsb: ReturnType<typeof decodeJournalSuperBlock>; map: number[] }> {
    const jino = this.sb.s_journal_inum || EXT3_JOURNAL_INO;
    if (jino !== EXT3_JOURNAL_INO) throw errno('EINVAL', `external or non-standard journal inode ${jino} not supported`);
    const bs = this.blockSize;
    const info = yield* this.readInodeRaw(jino);
    const nblocks = Math.floor(info.disk.i_size / bs);
    if (nblocks < 16 || nblocks > this.sb.s_blocks_count) throw errno('EUCLEAN', `journal inode size ${info.disk.i_size}`);
    const host = this.blockMapHost(info);
    const map: number[] = [];
    for (let l = 0; l < nblocks; l++) {
      const p = yield* bmapLookup(host, info.disk, l);
      if (p === 0) throw errno('EUCLEAN', `journal has a hole at block ${l}`);
      map.push(p);
    }
    const raw = yield* this.dev.read(map[0]! * bs, bs);
    const jsb = decodeJournalSuperBlock(raw);
    if (jsb.blocktype !== JBD2_SUPERBLOCK_V2 && jsb.blocktype !== JBD2_SUPERBLOCK_V1) throw errno('EUCLEAN', 'bad journal superblock');
    if (jsb.blocktype === JBD2_SUPERBLOCK_V1) {
      jsb.s_feature_compat = jsb.s_feature_incompat = jsb.s_feature_ro_compat = 0;
    }
    const unknown = jsb.s_feature_incompat & ~JBD2_KNOWN_INCOMPAT;
    if (unknown) throw errno('EINVAL', `unsupported journal features 0x${unknown.toString(16)}`);
    if (jsb.s_blocksize !== bs) throw errno('EUCLEAN', `journal block size ${jsb.s_blocksize} != ${bs}`);
    if (jsb.s_first < 1 || jsb.s_maxlen > nblocks || jsb.s_first + 4 > jsb.s_maxlen) {
      throw errno('EUCLEAN', `journal geometry first=${jsb.s_first} maxlen=${jsb.s_maxlen} blocks=${nblocks}`);
    }
    return { jsb, map };
  }

  /** Clean unmount: free orphans, commit and checkpoint, mark the superblock valid. */
  *unmount(): Sim<void> {
    this.checkLive();
    if (!this.readOnly) {
      for (const ino of [...this.orphans]) yield* this.drop(ino);
      if (this.kjournald) yield* this.kjournald.stop();
      if (this.journal) {
        yield* this.journal.shutdown();
        this.pendingFree.clear();
        this.sb.s_feature_incompat &= ~INCOMPAT_RECOVER;
      } else {
        yield* this.cache.writeback();
      }
      this.sb.s_state |= EXT2_VALID_FS;
      this.sb.s_wtime = this.now();
      yield* this.writeSuper();
    }
    this.mounted = false;
  }

  /** Write everything to disk: commit the running transaction (ext3) or write back (ext2). */
  *sync(): Sim<void> {
    this.checkLive();
    if (this.readOnly) return;
    if (this.journal) yield* this.journal.commit();
    else yield* this.cache.writeback();
    this.sb.s_wtime = this.now();
    yield* this.writeSuper();
  }

  /** `sync`, unless the running transaction cannot close within `cycles` (false: nothing done). */
  *syncWithin(cycles: number): Sim<boolean> {
    this.checkLive();
    if (this.readOnly) return true;
    if (this.journal && !(yield* this.journal.commitWithin(cycles))) return false;
    if (!this.journal) yield* this.cache.writeback();
    this.sb.s_wtime = this.now();
    yield* this.writeSuper();
    return true;
  }

  /** Commit and checkpoint (the log becomes empty). Used before a live-update handover. */
  *syncCheckpoint(): Sim<void> {
    yield* this.sync();
    if (this.journal) yield* this.journal.checkpoint();
  }

  statfs(): Ext2StatFs {
    let bfree = 0;
    let ffree = 0;
    for (const gd of this.gds) {
      bfree += gd.bg_free_blocks_count;
      ffree += gd.bg_free_inodes_count;
    }
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
    let bfree = 0;
    let ifree = 0;
    for (const gd of this.gds) {
      bfree += gd.bg_free_blocks_count;
      ifree += gd.bg_free_inodes_count;
    }
    this.sb.s_free_blocks_count = bfree;
    this.sb.s_free_inodes_count = ifree;
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

  /** Block-map callbacks for one inode (allocation goals follow its state). */
  blockMapHost(owner: Ext2InodeInfo | undefined): BlockMapHost {
    const fs = this;
    const sb = this.sb;
    return {
      addrPerBlock: this.geo.addrPerBlock,
      sectorsPerBlock: this.blockSize / 512,
      checkBlock(blk: number, what: string): void {
        if (blk < sb.s_first_data_block || blk >= sb.s_blocks_count) {
          throw errno('EUCLEAN', `inode ${owner?.ino ?? '?'}: ${what} ${blk} outside the file system`);
        }
      },
      *readIndirect(blk: number): Sim<Uint8Array> {
        yield COST.cacheLookup; // bread, inlined
        return (fs.cache.cached(blk) ?? (yield* fs.cache.readIn(blk))).data;
      },
      *dirtyIndirect(blk: number): Sim<void> {
        yield COST.cacheLookup; // bread, inlined
        fs.markMeta(fs.cache.cached(blk) ?? (yield* fs.cache.readIn(blk)));
      },
      *allocBlock(goal: number, meta: boolean): Sim<number> {
        const blk = yield* allocBlock(fs, goal, owner);
        // A new buffer comes zeroed; only a still-cached old one needs clearing.
        const cached = fs.cache.peek(blk) !== undefined;
        const bh = fs.cache.getblk(blk);
        if (cached) bh.data.fill(0);
        if (meta) fs.markMeta(bh);
        return blk;
      },
      *freeBlock(blk: number): Sim<void> {
        yield* freeBlock(fs, blk);
      },
    };
  }

  // ------------------------------------------------ inode-level API
  // Each mutating operation is bracketed by beginWrite/endWrite, so on ext3
  // it lands whole in one transaction.

  private *mutate<T>(op: () => Sim<T>, ino?: number): Sim<T> {
    yield* this.beginWrite();
    try {
      // Load the inode the operation works on first (op() reads it from the cache).
      if (ino !== undefined) yield* this.iget(ino);
      return yield* op();
    } finally {
      yield* this.endWrite();
    }
  }

  /** Inode number `name` maps to in directory `dir`; ENOENT if none. */
  *lookup(dir: number, name: string): Sim<number> {
    this.checkLive();
    yield COST.opEntry;
    const d = yield* this.iget(dir);
    const slot = yield* dirLookup(this, d, name);
    if (!slot) throw errno('ENOENT');
    return slot.ino;
  }

  /** Create a non-directory (regular by default; fifo, socket, device by mode). */
  *create(dir: number, name: string, mode: number, uid: number, gid: number, rdev = 0): Sim<Ext2InodeInfo> {
    return yield* this.mutate(() => createNode(this, this.icache.get(dir) ?? never(), name, mode, uid, gid, rdev), dir);
  }

  *mkdir(dir: number, name: string, mode: number, uid: number, gid: number): Sim<Ext2InodeInfo> {
    return yield* this.mutate(() => makeDir(this, this.icache.get(dir) ?? never(), name, mode, uid, gid), dir);
  }

  /** Remove a non-directory name; returns its inode (an orphan until drop() if no names remain). */
  *unlink(dir: number, name: string): Sim<number> {
    return yield* this.mutate(() => unlinkName(this, this.icache.get(dir) ?? never(), name), dir);
  }

  *rmdir(dir: number, name: string): Sim<number> {
    return yield* this.mutate(() => removeDir(this, this.icache.get(dir) ?? never(), name), dir);
  }

  /** rename(2) with overwrite; returns a replaced inode left without names (or 0). */
  *rename(oldDir: number, oldName: string, newDir: number, newName: string): Sim<number> {
    yield* this.beginWrite();
    try {
      const od = yield* this.iget(oldDir);
      const nd = yield* this.iget(newDir);
      return yield* this.logic.rename(this, od, oldName, nd, newName);
    } finally {
      yield* this.endWrite();
    }
  }

  *link(ino: number, dir: number, name: string): Sim<void> {
    yield* this.beginWrite();
    try {
      const t = yield* this.iget(ino);
      const d = yield* this.iget(dir);
      yield* linkName(this, t, d, name);
    } finally {
      yield* this.endWrite();
    }
  }

  *symlink(dir: number, name: string, target: string, uid: number, gid: number): Sim<Ext2InodeInfo> {
    return yield* this.mutate(() => makeSymlink(this, this.icache.get(dir) ?? never(), name, target, uid, gid), dir);
  }

  *readlink(ino: number): Sim<string> {
    this.checkLive();
    return yield* readSymlink(this, yield* this.iget(ino));
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

  /** Live entries of a directory in on-disk order (from byte position `pos`). */
  *readdir(dir: number, pos = 0): Sim<Ext2ReaddirEntry[]> {
    this.checkLive();
    yield COST.opEntry;
    return yield* dirList(this, yield* this.iget(dir), pos);
  }

  /** fsync: ext3 commits the running transaction (it holds every change); ext2 writes back. */
  *fsync(_ino: number): Sim<void> {
    yield* this.sync();
  }

  /** The glue's last reference to `ino` is gone: free it if it has no names, evict it. */
  *drop(ino: number): Sim<void> {
    this.checkLive();
    if (this.readOnly || !this.orphans.has(ino)) {
      this.icache.delete(ino);
      this.rsvWindows.delete(ino);
      return;
    }
    yield* this.mutate(() => dropInode(this, ino));
  }
}

/** Refuse unknown incompat features (EINVAL naming them). */
function checkFeatures(sb: Ext2SuperBlock): void {
  const unknownIncompat = sb.s_feature_incompat & ~SUPPORTED_INCOMPAT;
  if (unknownIncompat) {
    throw errno('EINVAL', `unsupported incompat features: ${featureNames(unknownIncompat, 'incompat').join(', ')}`);
  }
  const hasJournal = (sb.s_feature_compat & COMPAT_HAS_JOURNAL) !== 0;
  if ((sb.s_feature_incompat & INCOMPAT_RECOVER) && !hasJournal) throw errno('EUCLEAN', 'needs_recovery set without a journal');
}

/**
 * The root inode must be a live directory (Linux ext3_fill_super: "corrupt
 * root inode, run e2fsck"): a mount whose every path gives ENOTDIR is
 * refused instead, before anything is written.
 */
function* checkRoot(fs: Ext2Fs): Sim<void> {
  const root = yield* fs.readInodeRaw(EXT2_ROOT_INO);
  const d = root.disk;
  if (!S_ISDIR(d.i_mode) || d.i_links_count === 0 || d.i_size === 0) {
    throw errno('EUCLEAN', `corrupt root inode (mode 0${d.i_mode.toString(8)}, links ${d.i_links_count}, size ${d.i_size}), run e2fsck`);
  }
}

function never(): never {
  throw errno('EIO', 'inode vanished from the cache');
}

function* readSuper(dev: BlockDevice): Sim<{ sb: Ext2SuperBlock; geo: Ext2Geometry }> {
  if (dev.sizeBytes < 2048) throw errno('EINVAL', 'device too small for an ext2 file system');
  const raw = yield* dev.read(SUPERBLOCK_OFFSET, 1024);
  yield COST.codec;
  const sb = decodeSuperBlock(raw);
  const geo = validateSuperBlock(sb, dev.sizeBytes);
  return { sb, geo };
}

function* readGroupDescs(cache: BlockCache, sb: Ext2SuperBlock, geo: Ext2Geometry): Sim<Ext2GroupDesc[]> {
  const gds: Ext2GroupDesc[] = [];
  for (let g = 0; g < geo.groupCount; g++) {
    const bh = yield* cache.bread(gdtBlockOf(sb, geo, g));
    const gd = decodeGroupDesc(bh.data, (g % geo.descPerBlock) * GROUP_DESC_SIZE);
    validateGroupDesc(sb, geo, g, gd);
    gds.push(gd);
  }
  return gds;
}

export type { JournalState };
