/** The buffer cache over a BlockDevice: read once, write back on sync, concurrency, eviction. */
import { describe, expect, it } from 'vitest';
import { Engine, type Sim } from '../../src/sim/index.ts';
import { errno } from '../../src/uapi/errno.ts';
import type { BlockDevice } from '../../src/hw-ppc64/blockdev.ts';
import { BufferCache } from '../../src/vfs/buffer.ts';

/** An in-memory device that takes `latency` cycles per request. */
class MemDev implements BlockDevice {
  readonly sectorSize = 512;
  readonly readOnly = false;
  readonly data: Uint8Array;
  reads = 0;
  writes: number[] = [];
  flushes = 0;
  constructor(
    readonly name: string,
    readonly sizeBytes: number,
    private readonly latency = 10_000,
  ) {
    this.data = new Uint8Array(sizeBytes);
  }
  *read(offset: number, length: number): Sim<Uint8Array> {
    if (offset + length > this.sizeBytes) throw errno('EIO');
    this.reads++;
    yield { kind: 'sleep', cycles: this.latency };
    return this.data.slice(offset, offset + length);
  }
  *write(offset: number, d: Uint8Array): Sim<void> {
    this.writes.push(offset);
    yield { kind: 'sleep', cycles: this.latency };
    this.data.set(d, offset);
  }
  *flush(): Sim<void> {
    this.flushes++;
    yield 100;
  }
}

function run<T>(e: Engine, body: () => Sim<T>): T {
  let out: T | undefined;
  e.spawn('t', function* () {
    out = yield* body();
  });
  e.run();
  return out as T;
}

describe('BufferCache', () => {
  it('reads a block once, then hits', () => {
    const e = new Engine({ cpus: 1 });
    const dev = new MemDev('d', 64 * 1024);
    dev.data[1024] = 42;
    const bc = new BufferCache(e, dev, 1024);
    const v = run(e, function* () {
      const a = yield* bc.bread(1);
      bc.brelse(a);
      const b = yield* bc.bread(1);
      bc.brelse(b);
      return b.b_data[0];
    });
    expect(v).toBe(42);
    expect(dev.reads).toBe(1);
    expect(bc.stats).toMatchObject({ hits: 1, misses: 1, reads: 1 });
  });

  it('two threads wanting the same block cause one read', () => {
    const e = new Engine({ cpus: 2 });
    const dev = new MemDev('d', 64 * 1024);
    const bc = new BufferCache(e, dev, 1024);
    for (let i = 0; i < 2; i++) {
      e.spawn(`r${i}`, function* () {
        const bh = yield* bc.bread(3);
        bc.brelse(bh);
      });
    }
    e.run();
    expect(dev.reads).toBe(1);
  });

  it('sync writes dirty blocks back in block order, then flushes', () => {
    const e = new Engine({ cpus: 1 });
    const dev = new MemDev('d', 64 * 1024);
    const bc = new BufferCache(e, dev, 1024);
    run(e, function* () {
      for (const nr of [5, 2, 9]) {
        const bh = bc.getblk(nr);
        bh.b_data.fill(nr);
        bc.mark_buffer_dirty(bh);
        bc.brelse(bh);
      }
      expect(bc.dirtyCount).toBe(3);
      yield* bc.sync();
    });
    expect(dev.writes).toEqual([2048, 5120, 9216]);
    expect(dev.flushes).toBe(1);
    expect(dev.data[5 * 1024]).toBe(5);
    expect(bc.dirtyCount).toBe(0);
  });

  it('evicts only clean unreferenced buffers past its limit', () => {
    const e = new Engine({ cpus: 1 });
    const dev = new MemDev('d', 64 * 1024, 1);
    const bc = new BufferCache(e, dev, 1024, 4);
    run(e, function* () {
      const held = yield* bc.bread(0);
      const dirty = bc.getblk(1);
      bc.mark_buffer_dirty(dirty);
      bc.brelse(dirty);
      for (let nr = 2; nr < 10; nr++) bc.brelse(yield* bc.bread(nr));
      expect(bc.size).toBe(4);
      expect(held.b_count).toBe(1);
      bc.brelse(held);
    });
    expect(bc.dirtyCount).toBe(1);
  });

  it('refuses blocks beyond the device with EIO', () => {
    const e = new Engine({ cpus: 1 });
    const bc = new BufferCache(e, new MemDev('d', 4096), 1024);
    expect(() => bc.getblk(4)).toThrow(/EIO/);
  });
});
