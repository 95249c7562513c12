/**
 * BlockCache: the one buffer cache of the project (after Linux fs/buffer.c
 * buffer heads). The ext2 engine reads and writes metadata and file data
 * through it (bread / getblk / markDirty / writeback); the VFS buffer cache
 * (src/vfs/buffer.ts `BufferCache`) is a façade over one of these: the
 * Linux-named, reference-counted API on the same buffers, with a scheduler
 * wait queue for in-flight reads. The VFS may build on this lower layer;
 * ext2 never imports the VFS.
 *
 * Ownership contract. A buffer is either
 *   - clean: may be evicted (unless referenced or under I/O);
 *   - dirty (`dirty`): the cache writes it to its home location at the next
 *     writeback (ext2 metadata, and file data in either mode);
 *   - journal-owned (`jowned`): it belongs to the running transaction or
 *     waits for checkpoint. The cache never writes or evicts it; only the
 *     journal decides when (and which committed copy of) it reaches home.
 * So on ext3 no metadata block can reach its home location before the
 * transaction that modified it has committed.
 *
 * In-flight reads. A block being read is `locked`; another thread wanting
 * it waits (`IoWait`: a wait queue under the VFS, a compute spin by
 * default), so each block is read once. bread/writeback may block for the
 * device's modelled time: never call them in interrupt context.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../sim/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { COST } from './layout.ts';

export class BufferHead {
  dirty = false;
  jowned = false;
  /** The data is the block's contents (read, or about to be overwritten whole). */
  uptodate = false;
  /** A read is in flight. */
  locked = false;
  /** References held through the VFS API (get/brelse); a referenced buffer is never evicted. */
  count = 0;
  constructor(
    readonly blocknr: number,
    readonly data: Uint8Array,
  ) {}

  // Linux's field names (include/linux/buffer_head.h), for VFS-side callers.
  get b_blocknr(): number {
    return this.blocknr;
  }
  get b_data(): Uint8Array {
    return this.data;
  }
  get b_dirty(): boolean {
    return this.dirty;
  }
  get b_uptodate(): boolean {
    return this.uptodate;
  }
  get b_locked(): boolean {
    return this.locked;
  }
  get b_count(): number {
    return this.count;
  }
}

/** How a thread waits for another thread's read of the same block. */
export interface IoWait {
  wait(): Sim<void>;
  wake(): void;
}

/** Without a scheduler wait queue: spin in modelled time until the read lands. */
const SPIN_WAIT: IoWait = {
  *wait(): Sim<void> {
    yield COST.cacheLookup;
  },
  wake(): void {},
};

export interface BlockCacheStats {
  hits: number;
  misses: number;
  reads: number;
  writes: number;
}

export class BlockCache {
  /** Buffers by block number; Map order is the LRU order (oldest first). */
  private readonly map = new Map<number, BufferHead>();
  readonly stats: BlockCacheStats = { hits: 0, misses: 0, reads: 0, writes: 0 };

  constructor(
    readonly dev: BlockDevice,
    readonly blockSize: number,
    /** Blocks on the file system; any access at or past it is EIO. */
    readonly blocksCount: number,
    /** Soft limit on cached buffers; only clean, unreferenced, idle ones are evicted. */
    readonly capacity = 8192,
    private readonly io: IoWait = SPIN_WAIT,
  ) {
    if (blockSize % dev.sectorSize !== 0) throw errno('EINVAL', `block size ${blockSize} not a multiple of the sector size`);
  }

  /** Count of device reads / writes issued (for tests and statistics). */
  get reads(): number {
    return this.stats.reads;
  }
  get writes(): number {
    return this.stats.writes;
  }

  /** Number of cached buffers. */
  get size(): number {
    return this.map.size;
  }

  protected check(blk: number): void {
    if (!Number.isInteger(blk) || blk < 0 || blk >= this.blocksCount) {
      throw errno('EIO', `block ${blk} outside the file system (0..${this.blocksCount - 1})`);
    }
  }

  /** The cached buffer for `blk`, if any (no I/O). */
  peek(blk: number): BufferHead | undefined {
    return this.map.get(blk);
  }

  private touch(bh: BufferHead): void {
    // Map iteration order is insertion order: re-inserting makes it most recent.
    this.map.delete(bh.blocknr);
    this.map.set(bh.blocknr, bh);
  }

  private insert(bh: BufferHead): void {
    this.map.set(bh.blocknr, bh);
    if (this.map.size > this.capacity) this.evict();
  }

  private static evictable(bh: BufferHead): boolean {
    return !bh.dirty && !bh.jowned && !bh.locked && bh.count === 0;
  }

  private evict(): void {
    let excess = this.map.size - this.capacity;
    for (const [blk, bh] of this.map) {
      if (excess <= 0) break;
      if (!BlockCache.evictable(bh)) continue;
      this.map.delete(blk);
      excess--;
    }
  }

  /** The buffer for `blk`, created (not up to date, zero-filled) if absent. No I/O. */
  grab(blk: number): BufferHead {
    this.check(blk);
    const hit = this.map.get(blk);
    if (hit) {
      this.touch(hit);
      return hit;
    }
    const bh = new BufferHead(blk, new Uint8Array(this.blockSize));
    this.insert(bh);
    return bh;
  }

  /** Read block `blk` (from the cache if present). The returned data is shared and mutable. May block. */
  *bread(blk: number): Sim<BufferHead> {
    yield COST.cacheLookup;
    const bh = this.grab(blk);
    while (bh.locked) yield* this.io.wait();
    if (bh.uptodate) {
      this.stats.hits++;
      return bh;
    }
    this.stats.misses++;
    bh.locked = true;
    try {
      const data = yield* this.dev.read(blk * this.blockSize, this.blockSize);
      this.stats.reads++;
      if (data.length !== this.blockSize) throw errno('EIO', `short read of block ${blk}`);
      bh.data.set(data);
      bh.uptodate = true;
    } finally {
      bh.locked = false;
      this.io.wake();
    }
    // (A failed read leaves the buffer not up to date: the next bread retries it.)
    return bh;
  }

  /**
   * The buffer for `blk` without reading it: a block the caller is about to
   * overwrite completely (a newly allocated block). Zero-filled if not cached.
   */
  getblk(blk: number): BufferHead {
    const bh = this.grab(blk);
    bh.uptodate = true;
    return bh;
  }

  /** Schedule `bh` for writing home at the next writeback (not for journal-owned buffers). */
  markDirty(bh: BufferHead): void {
    bh.uptodate = true;
    if (!bh.jowned) bh.dirty = true;
  }

  /** Drop a buffer whose block was freed: its contents must never reach the disk. */
  forget(blk: number): void {
    const bh = this.map.get(blk);
    if (bh && !bh.jowned && bh.count === 0 && !bh.locked) this.map.delete(blk);
    else if (bh) bh.dirty = false;
  }

  /** Number of dirty (cache-owned) buffers. */
  dirtyCount(): number {
    let n = 0;
    for (const bh of this.map.values()) if (bh.dirty) n++;
    return n;
  }

  /** Write one dirty, cache-owned buffer home now (after any read of it lands). May block. */
  *writeBuffer(bh: BufferHead): Sim<void> {
    while (bh.locked) yield* this.io.wait();
    if (!bh.dirty || bh.jowned) return;
    bh.dirty = false;
    try {
      yield* this.dev.write(bh.blocknr * this.blockSize, bh.data.slice());
      this.stats.writes++;
    } catch (e) {
      bh.dirty = true;
      throw e;
    }
  }

  /**
   * Write every dirty, cache-owned buffer home in block order, then flush
   * the device (if anything was written, or always with `alwaysFlush`). May block.
   */
  *writeback(alwaysFlush = false): Sim<void> {
    const dirty = [...this.map.values()].filter((b) => b.dirty && !b.jowned).sort((a, b) => a.blocknr - b.blocknr);
    for (const bh of dirty) yield* this.writeBuffer(bh);
    if (dirty.length > 0 || alwaysFlush) yield* this.dev.flush();
  }

  /** Write a block image home directly (journal checkpoint, recovery). */
  *writeHome(blk: number, data: Uint8Array): Sim<void> {
    this.check(blk);
    yield* this.dev.write(blk * this.blockSize, data);
    this.stats.writes++;
  }

  /** Drop every clean, unowned, unreferenced buffer (after recovery rewrote blocks behind the cache). */
  invalidateClean(): void {
    for (const [blk, bh] of [...this.map]) if (BlockCache.evictable(bh)) this.map.delete(blk);
  }

  /** Every cached buffer, in LRU order (oldest first). */
  buffers(): IterableIterator<BufferHead> {
    return this.map.values();
  }
}
