/**
 * BlockCache: the buffer cache the ext2 engine reads and writes metadata and
 * file data through (bread / getblk / markDirty / writeback, after Linux's
 * buffer heads).
 *
 * Ownership contract. A buffer is either
 *   - clean: may be evicted;
 *   - dirty (`dirty`): the cache writes it to its home location at the next
 *     writeback (ext2 metadata, and file data in either mode);
 *   - journal-owned (`jowned`): it belongs to the running transaction or
 *     waits for checkpoint. The cache never writes or evicts it; only the
 *     journal decides when (and which committed copy of) it reaches home.
 * So on ext3 no metadata block can reach its home location before the
 * transaction that modified it has committed.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../sim/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { COST } from './layout.ts';

export class BufferHead {
  dirty = false;
  jowned = false;
  constructor(
    readonly blocknr: number,
    readonly data: Uint8Array,
  ) {}
}

export class BlockCache {
  private readonly map = new Map<number, BufferHead>();
  /** Count of I/O operations issued (for tests and statistics). */
  reads = 0;
  writes = 0;

  constructor(
    readonly dev: BlockDevice,
    readonly blockSize: number,
    /** Blocks on the file system; any access at or past it is EIO. */
    readonly blocksCount: number,
    /** Soft limit on cached buffers; only clean, unowned ones are evicted. */
    readonly capacity = 8192,
  ) {
    if (blockSize % dev.sectorSize !== 0) throw errno('EINVAL', `block size ${blockSize} not a multiple of the sector size`);
  }

  private check(blk: number): void {
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

  private evict(): void {
    let excess = this.map.size - this.capacity;
    for (const [blk, bh] of this.map) {
      if (excess <= 0) break;
      if (bh.dirty || bh.jowned) continue;
      this.map.delete(blk);
      excess--;
    }
  }

  /** Read block `blk` (from the cache if present). The returned data is shared and mutable. */
  *bread(blk: number): Sim<BufferHead> {
    this.check(blk);
    yield COST.cacheLookup;
    const hit = this.map.get(blk);
    if (hit) {
      this.touch(hit);
      return hit;
    }
    const data = yield* this.dev.read(blk * this.blockSize, this.blockSize);
    this.reads++;
    if (data.length !== this.blockSize) throw errno('EIO', `short read of block ${blk}`);
    // Another thread may have cached it while we waited for the disk.
    const raced = this.map.get(blk);
    if (raced) return raced;
    const bh = new BufferHead(blk, new Uint8Array(data));
    this.insert(bh);
    return bh;
  }

  /**
   * The buffer for `blk` without reading it: a block the caller is about to
   * overwrite completely (a newly allocated block). Zero-filled if not cached.
   */
  getblk(blk: number): BufferHead {
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

  /** Schedule `bh` for writing home at the next writeback (not for journal-owned buffers). */
  markDirty(bh: BufferHead): void {
    if (!bh.jowned) bh.dirty = true;
  }

  /** Drop a buffer whose block was freed: its contents must never reach the disk. */
  forget(blk: number): void {
    const bh = this.map.get(blk);
    if (bh && !bh.jowned) this.map.delete(blk);
    else if (bh) bh.dirty = false;
  }

  /** Number of dirty (cache-owned) buffers. */
  dirtyCount(): number {
    let n = 0;
    for (const bh of this.map.values()) if (bh.dirty) n++;
    return n;
  }

  /** Write every dirty, cache-owned buffer home in block order, then flush the device. */
  *writeback(): Sim<void> {
    const dirty = [...this.map.values()].filter((b) => b.dirty && !b.jowned).sort((a, b) => a.blocknr - b.blocknr);
    for (const bh of dirty) {
      yield* this.dev.write(bh.blocknr * this.blockSize, bh.data.slice());
      this.writes++;
      bh.dirty = false;
    }
    if (dirty.length > 0) yield* this.dev.flush();
  }

  /** Write a block image home directly (journal checkpoint, recovery). */
  *writeHome(blk: number, data: Uint8Array): Sim<void> {
    this.check(blk);
    yield* this.dev.write(blk * this.blockSize, data);
    this.writes++;
  }

  /** Drop every clean, unowned buffer (after recovery rewrote blocks behind the cache). */
  invalidateClean(): void {
    for (const [blk, bh] of [...this.map]) if (!bh.dirty && !bh.jowned) this.map.delete(blk);
  }
}
