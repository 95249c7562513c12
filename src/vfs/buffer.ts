/**
 * The buffer cache (fs/buffer.c): fixed-size blocks of one `BlockDevice`,
 * cached in memory as `BufferHead`s.
 *
 *   bread(nr)          the block, read from the device if not cached
 *   getblk(nr)         the block without reading (caller overwrites it all)
 *   mark_buffer_dirty  the block must be written back
 *   brelse(bh)         drop the caller's reference
 *   sync_dirty_buffer  write one block back now
 *   sync()             write every dirty block back in block order, then flush
 *
 * A block being read is locked (`b_locked`); another thread wanting it waits
 * on the cache's wait queue, so each block is read once. Clean, unreferenced
 * buffers are evicted least-recently-used first past `maxBuffers`; dirty or
 * referenced buffers never are. Reads and writes block the calling thread for
 * the device's modelled time; never call these in interrupt context.
 */
import type { Sim } from '../sim/effects.ts';
import type { Engine } from '../sim/engine.ts';
import { errno } from '../sim/errno.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';

export class BufferHead {
  b_data: Uint8Array;
  b_uptodate = false;
  b_dirty = false;
  /** I/O in flight. */
  b_locked = false;
  /** References held by callers (bread/getblk until brelse). */
  b_count = 0;

  constructor(
    readonly b_blocknr: number,
    size: number,
  ) {
    this.b_data = new Uint8Array(size);
  }
}

export interface BufferStats {
  hits: number;
  misses: number;
  reads: number;
  writes: number;
}

export class BufferCache {
  /** Blocks by number; Map order is the LRU order (oldest first). */
  private readonly buffers = new Map<number, BufferHead>();
  private readonly wq: WaitQueue;
  readonly stats: BufferStats = { hits: 0, misses: 0, reads: 0, writes: 0 };

  constructor(
    engine: Engine,
    readonly dev: BlockDevice,
    readonly blockSize: number,
    readonly maxBuffers = 4096,
  ) {
    if (blockSize % dev.sectorSize !== 0) throw new Error(`BufferCache: block size ${blockSize} is not a multiple of sector size ${dev.sectorSize}`);
    this.wq = engine.waitQueue(`buffer cache ${dev.name}`);
  }

  get blocks(): number {
    return Math.floor(this.dev.sizeBytes / this.blockSize);
  }

  /** Number of cached buffers. */
  get size(): number {
    return this.buffers.size;
  }

  private check(nr: number): void {
    if (!Number.isInteger(nr) || nr < 0 || nr >= this.blocks) throw errno('EIO', `block ${nr} beyond device ${this.dev.name}`);
  }

  /** The cached buffer for `nr` (created empty if absent), with a reference. */
  getblk(nr: number): BufferHead {
    this.check(nr);
    let bh = this.buffers.get(nr);
    if (bh) {
      this.buffers.delete(nr); // move to the LRU tail
      this.buffers.set(nr, bh);
    } else {
      bh = new BufferHead(nr, this.blockSize);
      this.buffers.set(nr, bh);
      this.shrink();
    }
    bh.b_count++;
    return bh;
  }

  /** The block's contents, read from the device if needed, with a reference. */
  *bread(nr: number): Sim<BufferHead> {
    const bh = this.getblk(nr);
    try {
      while (bh.b_locked) yield { kind: 'block', wq: this.wq };
      if (bh.b_uptodate) {
        this.stats.hits++;
        return bh;
      }
      this.stats.misses++;
      bh.b_locked = true;
      try {
        const data = yield* this.dev.read(nr * this.blockSize, this.blockSize);
        this.stats.reads++;
        bh.b_data.set(data);
        bh.b_uptodate = true;
      } finally {
        bh.b_locked = false;
        this.wq.wakeAll();
      }
      return bh;
    } catch (e) {
      bh.b_count--;
      throw e;
    }
  }

  brelse(bh: BufferHead): void {
    if (bh.b_count <= 0) throw new Error(`brelse: block ${bh.b_blocknr} has no references`);
    bh.b_count--;
  }

  /** The caller changed b_data: it is now the block's contents and must be written. */
  mark_buffer_dirty(bh: BufferHead): void {
    bh.b_uptodate = true;
    bh.b_dirty = true;
  }

  *sync_dirty_buffer(bh: BufferHead): Sim<void> {
    while (bh.b_locked) yield { kind: 'block', wq: this.wq };
    if (!bh.b_dirty) return;
    bh.b_locked = true;
    bh.b_dirty = false;
    try {
      yield* this.dev.write(bh.b_blocknr * this.blockSize, bh.b_data.slice());
      this.stats.writes++;
    } catch (e) {
      bh.b_dirty = true;
      throw e;
    } finally {
      bh.b_locked = false;
      this.wq.wakeAll();
    }
  }

  /** Write back every dirty buffer in block order, then flush the device. */
  *sync(): Sim<void> {
    const dirty = [...this.buffers.values()].filter((b) => b.b_dirty).sort((a, b) => a.b_blocknr - b.b_blocknr);
    for (const bh of dirty) yield* this.sync_dirty_buffer(bh);
    yield* this.dev.flush();
    this.shrink();
  }

  /** Dirty buffers waiting for write-back. */
  get dirtyCount(): number {
    let n = 0;
    for (const b of this.buffers.values()) if (b.b_dirty) n++;
    return n;
  }

  /** Drop every clean, unreferenced buffer (after sync: an empty cache). */
  invalidate(): void {
    for (const [nr, b] of this.buffers) if (!b.b_dirty && b.b_count === 0 && !b.b_locked) this.buffers.delete(nr);
  }

  private shrink(): void {
    if (this.buffers.size <= this.maxBuffers) return;
    for (const [nr, b] of this.buffers) {
      if (this.buffers.size <= this.maxBuffers) break;
      if (!b.b_dirty && b.b_count === 0 && !b.b_locked) this.buffers.delete(nr);
    }
  }
}
