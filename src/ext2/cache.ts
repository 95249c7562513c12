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
 * Writeback hands the device the buffers' own memory, a run of adjacent
 * blocks as one request of several segments (a bio's vector), without
 * copying it: the buffer is clean from submission, and a change before the
 * write completes marks it dirty again, so the newer contents go out next
 * time (Linux writes a buffer head's page in place the same way).
 *
 * In-flight reads. A block being read is `locked`; another thread wanting
 * it waits (`IoWait`: a wait queue under the VFS, a compute spin by
 * default), so each block is read once. bread/writeback may block for the
 * device's modelled time: never call them in interrupt context.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { writeSegments, type BlockDevice } from '../hw-ppc64/blockdev.ts';
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
  /** Used since it last moved to the young end of the LRU queue (CLOCK's reference bit). */
  referenced = false;
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

/** Buffers carved from one host allocation (BlockCache.newData). */
const SLAB_BLOCKS = 64;
/** Longest run of consecutive dirty blocks written back as one request. */
const WRITEBACK_RUN = 64;
/** Evict in batches of up to this many buffers (a 64th of the capacity). */
const EVICT_BATCH = 64;
/** At most this many recently used buffers are protected from eviction (a 16th of the capacity, at least 1). */
const RECENT_GUARD = 512;

export interface BlockCacheStats {
  hits: number;
  misses: number;
  reads: number;
  writes: number;
}

export class BlockCache {
  /**
   * Buffers by block number. Map order is the LRU queue (oldest first),
   * approximated CLOCK-style: a hit sets `referenced` instead of moving the
   * buffer, and eviction moves referenced buffers to the young end.
   */
  private readonly map = new Map<number, BufferHead>();
  readonly stats: BlockCacheStats = { hits: 0, misses: 0, reads: 0, writes: 0 };
  /** Recently used buffers eviction skips, and the eviction batch (see evict). */
  private readonly guard: number;
  private readonly batch: number;
  private evictAt: number;
  /** Slab the next buffers' memory is carved from (see newData). */
  private slab: Uint8Array = new Uint8Array(0);
  private slabOff = 0;

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
    this.guard = Math.max(1, Math.min(RECENT_GUARD, capacity >> 4));
    this.batch = Math.min(EVICT_BATCH, capacity >> 6);
    this.evictAt = capacity + this.batch;
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

  /** A hit: mark the buffer used (second chance at eviction; O(1), the map is not reordered). */
  private touch(bh: BufferHead): void {
    bh.referenced = true;
  }

  private insert(bh: BufferHead): void {
    this.map.set(bh.blocknr, bh);
    if (this.map.size > this.evictAt) this.evict();
  }

  private static evictable(bh: BufferHead): boolean {
    return !bh.dirty && !bh.jowned && !bh.locked && bh.count === 0;
  }

  /**
   * Evict clean, unowned buffers, oldest first, down to `capacity`. The
   * `guard` most recently used buffers are never evicted: the engine
   * holds no references, so a buffer it read a moment ago (or just created
   * with getblk) and is about to modify and journal must stay the cached
   * copy, or a later bread would read a stale one from disk. When nothing
   * else is evictable the cache grows past its soft limit instead.
   */
  private evict(): void {
    let excess = this.map.size - this.capacity;
    let scan = this.map.size - this.guard;
    // (over the values, not [key, value] entries: no pair allocated per buffer scanned)
    for (const bh of this.map.values()) {
      if (excess <= 0 || scan-- <= 0) break;
      if (bh.referenced) {
        // Used since it was (re)queued: second chance, to the young end.
        bh.referenced = false;
        this.map.delete(bh.blocknr);
        this.map.set(bh.blocknr, bh);
        continue;
      }
      if (!BlockCache.evictable(bh)) continue;
      this.map.delete(bh.blocknr);
      excess--;
    }
    // Next pass a batch later; while most buffers cannot go (dirty data waiting
    // for a commit), the gap grows with the overshoot, so the scans cost O(1)
    // per insert instead of O(cache size).
    const over = Math.max(0, this.map.size - this.capacity);
    this.evictAt = Math.max(this.map.size, this.capacity) + Math.max(this.batch, over >> 2);
  }

  /** The buffer for `blk`, created (not up to date, zero-filled) if absent. No I/O. */
  grab(blk: number): BufferHead {
    this.check(blk);
    const hit = this.map.get(blk);
    if (hit) {
      this.touch(hit);
      return hit;
    }
    const bh = new BufferHead(blk, this.newData());
    this.insert(bh);
    return bh;
  }

  /**
   * Zeroed memory for one new buffer, carved from a slab of SLAB_BLOCKS
   * blocks (one host allocation instead of one per block: a populate creates
   * tens of thousands of buffers). A slab is freed by the host once none of
   * its buffers is cached any more; a simulator-side cost only.
   */
  private newData(): Uint8Array {
    const bs = this.blockSize;
    if (this.slabOff + bs > this.slab.length) {
      this.slab = new Uint8Array(bs * SLAB_BLOCKS);
      this.slabOff = 0;
    }
    const d = this.slab.subarray(this.slabOff, this.slabOff + bs);
    this.slabOff += bs;
    return d;
  }

  /** Read block `blk` (from the cache if present). The returned data is shared and mutable. May block. */
  *bread(blk: number): Sim<BufferHead> {
    yield COST.cacheLookup;
    return this.cached(blk) ?? (yield* this.readIn(blk));
  }

  /**
   * bread's hit, without a generator: the cached, up-to-date, idle buffer
   * of `blk` (counted as a hit), or undefined (then `readIn`). No I/O and
   * no cost: the caller charges COST.cacheLookup first, as bread does, so
   * a hot path that inlines `yield COST.cacheLookup; cached(blk) ?? readIn(blk)`
   * charges and behaves exactly as bread.
   */
  cached(blk: number): BufferHead | undefined {
    this.check(blk);
    const bh = this.map.get(blk);
    if (bh === undefined || !bh.uptodate || bh.locked) return undefined;
    this.touch(bh);
    this.stats.hits++;
    return bh;
  }

  /** bread after its lookup was charged: wait for a read in flight, or read the block. May block. */
  *readIn(blk: number): Sim<BufferHead> {
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
      // No copy: a change while the write is in flight marks the buffer dirty again (see writeNoCopy).
      yield* this.writeNoCopy(bh.blocknr * this.blockSize, [bh.data]);
      this.stats.writes++;
    } catch (e) {
      bh.dirty = true;
      throw e;
    }
  }

  /**
   * Write every dirty, cache-owned buffer home in block order, then flush
   * the device (if anything was written, or always with `alwaysFlush`).
   * Runs of consecutive blocks go out as one request of up to
   * `WRITEBACK_RUN` blocks (as the block layer merges adjacent bios). May block.
   */
  *writeback(alwaysFlush = false): Sim<void> {
    const dirty = [...this.map.values()].filter((b) => b.dirty && !b.jowned).sort((a, b) => a.blocknr - b.blocknr);
    let i = 0;
    while (i < dirty.length) {
      let j = i + 1;
      while (j < dirty.length && j - i < WRITEBACK_RUN && dirty[j]!.blocknr === dirty[j - 1]!.blocknr + 1) j++;
      yield* this.writeRun(dirty.slice(i, j));
      i = j;
    }
    if (dirty.length > 0 || alwaysFlush) yield* this.dev.flush();
  }

  /** Write consecutive dirty buffers home in one request. */
  private *writeRun(run: readonly BufferHead[]): Sim<void> {
    if (run.length === 1) {
      yield* this.writeBuffer(run[0]!);
      return;
    }
    for (const bh of run) while (bh.locked) yield* this.io.wait();
    const live = run.filter((bh) => bh.dirty && !bh.jowned);
    if (live.length !== run.length) {
      // Something changed while we waited: fall back to one request each.
      for (const bh of live) yield* this.writeBuffer(bh);
      return;
    }
    const bs = this.blockSize;
    const segs: Uint8Array[] = [];
    for (const bh of run) {
      segs.push(bh.data);
      bh.dirty = false;
    }
    try {
      yield* this.writeNoCopy(run[0]!.blocknr * bs, segs);
      this.stats.writes += run.length;
    } catch (e) {
      for (const bh of run) bh.dirty = true;
      throw e;
    }
  }

  /**
   * Hand `segments` (adjacent blocks) to the device as one request without
   * copying them (BlockDevice.writeNoCopy): frozen images, or cached
   * buffers whose change in flight re-dirties them. A device without it
   * gets one gathered copy.
   */
  private writeNoCopy(offset: number, segments: readonly Uint8Array[]): Sim<void> {
    return writeSegments(this.dev, offset, segments);
  }

  /**
   * Write images of the adjacent blocks first, first+1, ... home in one
   * request (journal checkpoint). The images are frozen copies nobody
   * changes any more: the device may keep them as they are.
   */
  *writeHomeRun(images: readonly Uint8Array[], first: number): Sim<void> {
    this.check(first);
    this.check(first + images.length - 1);
    yield* this.writeNoCopy(first * this.blockSize, images);
    this.stats.writes += images.length;
  }

  /** Drop every clean, unowned, unreferenced buffer (after recovery rewrote blocks behind the cache). */
  invalidateClean(): void {
    for (const [blk, bh] of [...this.map]) if (BlockCache.evictable(bh)) this.map.delete(blk);
  }

  /** Every cached buffer, in queue order (oldest first). */
  buffers(): IterableIterator<BufferHead> {
    return this.map.values();
  }
}
