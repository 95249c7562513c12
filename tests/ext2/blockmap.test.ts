/**
 * The block map's range walk (bmapRange, used to map the journal at mount)
 * against per-block lookups (bmapLookup) on random trees: direct, single,
 * double and triple indirect, with holes at every level; and what it costs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Sim } from '../../src/sim/effects.ts';
import { errno } from '../../src/uapi/errno.ts';
import { bmapCreate, bmapLookup, bmapRange, maxFileBlocks, type BlockMapHost, type MappedInode } from '../../src/ext2/blockmap.ts';
import { run, runCounting } from './helpers.ts';

/** Four pointers a block (a 16-byte block), so a few hundred blocks reach triple indirection. */
const APB = 4;
const LIMIT = 100_000;

function memHost(): BlockMapHost & { blocks: Map<number, Uint8Array>; corrupt: (blk: number) => void } {
  const blocks = new Map<number, Uint8Array>();
  let next = 100;
  return {
    blocks,
    addrPerBlock: APB,
    sectorsPerBlock: 1,
    checkBlock(blk: number, what: string): void {
      if (blk < 1 || blk >= LIMIT) throw errno('EUCLEAN', `${what} ${blk} outside the file system`);
    },
    *readIndirect(blk: number): Sim<Uint8Array> {
      yield 30;
      let b = blocks.get(blk);
      if (!b) blocks.set(blk, (b = new Uint8Array(APB * 4)));
      return b;
    },
    *dirtyIndirect(): Sim<void> {},
    *allocBlock(): Sim<number> {
      return next++;
    },
    *freeBlock(): Sim<void> {},
    corrupt(blk: number): void {
      new DataView(blocks.get(blk)!.buffer).setUint32(0, LIMIT + 7, true);
    },
  };
}

function tree(mapped: readonly number[]): { host: ReturnType<typeof memHost>; inode: MappedInode } {
  const host = memHost();
  const inode: MappedInode = { i_block: new Array(15).fill(0), i_blocks: 0 };
  for (const l of mapped) run(bmapCreate(host, inode, l, function* () {
    return 0;
  }));
  return { host, inode };
}

describe('bmapRange', () => {
  const total = maxFileBlocks(APB);

  it('maps every block as bmapLookup does, holes included, at every depth', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: total - 1 }), { maxLength: 60 }), fc.integer({ min: 0, max: total }), (mapped, count) => {
        const { host, inode } = tree(mapped);
        const want = Array.from({ length: count }, (_, l) => run(bmapLookup(host, inode, l)));
        expect(run(bmapRange(host, inode, count))).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('walks each indirect block once: a whole file costs less than a lookup a block', () => {
    const { host, inode } = tree(Array.from({ length: total }, (_, l) => l));
    const range = runCounting(bmapRange(host, inode, total));
    let perBlock = 0;
    for (let l = 0; l < total; l++) perBlock += runCounting(bmapLookup(host, inode, l)).cycles;
    expect(range.value.every((b) => b !== 0)).toBe(true);
    // 1 + 4 + 16 + 1 + 4 + 1 = 27 indirect blocks read once each, against one read per level per block
    expect(range.cycles).toBe(60 * total + (60 + 30) * 27);
    expect(range.cycles).toBeLessThan(perBlock / 2);
  });

  it('a pointer outside the file system is EUCLEAN, as for a lookup', () => {
    const { host, inode } = tree([12, 13, 20]);
    host.corrupt(inode.i_block[12]!);
    expect(() => run(bmapLookup(host, inode, 12))).toThrow(/EUCLEAN|outside/);
    expect(() => run(bmapRange(host, inode, 16))).toThrow(/data block 100007 outside/);
  });
});
