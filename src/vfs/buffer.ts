/**
 * The VFS buffer cache (fs/buffer.c): fixed-size blocks of one `BlockDevice`,
 * cached in memory as `BufferHead`s.
 *
 *   bread(nr)          the block, read from the device if not cached, with a reference
 *   getblk(nr)         the block without reading (caller overwrites it all), with a reference
 *   mark_buffer_dirty  the block must be written back
 *   brelse(bh)         drop the caller's reference
 *   sync_dirty_buffer  write one block back now
 *   sync()             write every dirty block back in block order, then flush
 *
 * One implementation. The buffers, the LRU, eviction, write-back and the
 * counters are the ext2 layer's `BlockCache` (src/ext2/cache.ts), which is
 * what the ext2/ext3 engine reads and writes through; `BufferCache` is the
 * VFS's reference-counted Linux API over one `BlockCache`, which it makes
 * with a scheduler wait queue for in-flight reads. A disk file-system module
 * (ext3) hands `cache` to its engine, so engine buffers and VFS buffers are
 * the same objects under one LRU.
 *
 * A block being read is locked (`b_locked`); another thread wanting it waits
 * on the cache's wait queue, so each block is read once. Clean, unreferenced
 * buffers are evicted least-recently-used first past `maxBuffers`; dirty,
 * journal-owned or referenced buffers never are. Reads and writes block the
 * calling thread for the device's modelled time; never call these in
 * interrupt context.
 */
import type { Sim } from '../sim/effects.ts';
import type { Engine } from '../sim/engine.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { BlockCache, BufferHead, type BlockCacheStats } from '../ext2/cache.ts';

export { BufferHead };
export type BufferStats = BlockCacheStats;

export class BufferCache {
  /** The shared implementation (what an ext2/ext3 engine on this device is given). */
  readonly cache: BlockCache;

  constructor(
    engine: Engine,
    readonly dev: BlockDevice,
    readonly blockSize: number,
    readonly maxBuffers = 4096,
  ) {
    if (blockSize % dev.sectorSize !== 0) throw new Error(`BufferCache: block size ${blockSize} is not a multiple of sector size ${dev.sectorSize}`);
    const wq = engine.waitQueue(`buffer cache ${dev.name}`);
    this.cache = new BlockCache(dev, blockSize, Math.floor(dev.sizeBytes / blockSize), maxBuffers, {
      *wait(): Sim<void> {
        yield { kind: 'block', wq };
      },
      wake(): void {
        wq.wakeAll();
      },
    });
  }

  get stats(): BufferStats {
    return this.cache.stats;
  }

  /** Blocks on the device. */
  get blocks(): number {
    return this.cache.blocksCount;
  }

  /** Number of cached buffers. */
  get size(): number {
    return this.cache.size;
  }

  /** The cached buffer for `nr` (created empty, not up to date, if absent), with a reference. */
  getblk(nr: number): BufferHead {
    const bh = this.cache.grab(nr);
    bh.count++;
    return bh;
  }

  /** The block's contents, read from the device if needed, with a reference. May block. */
  *bread(nr: number): Sim<BufferHead> {
    const bh = yield* this.cache.bread(nr);
    bh.count++;
    return bh;
  }

  brelse(bh: BufferHead): void {
    if (bh.count <= 0) throw new Error(`brelse: block ${bh.blocknr} has no references`);
    bh.count--;
  }

  /** The caller changed b_data: it is now the block's contents and must be written. */
  mark_buffer_dirty(bh: BufferHead): void {
    this.cache.markDirty(bh);
  }

  *sync_dirty_buffer(bh: BufferHead): Sim<void> {
    yield* this.cache.writeBuffer(bh);
  }

  /** Write back every dirty buffer in block order, then flush the device. */
  *sync(): Sim<void> {
    yield* this.cache.writeback(true);
  }

  /** Dirty buffers waiting for write-back. */
  get dirtyCount(): number {
    return this.cache.dirtyCount();
  }

  /** Drop every clean, unreferenced buffer (after sync: an empty cache). */
  invalidate(): void {
    this.cache.invalidateClean();
  }
}
