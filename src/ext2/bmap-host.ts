/**
 * The block-map host of one inode (blockmap.ts `BlockMapHost`): how the
 * block-map code reads and journals indirect blocks, checks block numbers
 * and gets or returns blocks. Blocks come from the mounted release's
 * allocator (`fs.logic.balloc`: module code, modules-src/ext3/common/balloc.ts,
 * or mkfs's own); a new block's buffer is handed back zeroed. Runs under
 * the inode's truncate_mutex and a JBD2 handle the caller holds; may block.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockMapHost } from './blockmap.ts';
import type { Ext2Fs } from './fs.ts';
import type { Ext2InodeInfo } from './inode-info.ts';
import { COST } from './layout.ts';

export function ext2BlockMapHost(fs: Ext2Fs, owner: Ext2InodeInfo | undefined): BlockMapHost {
  const sb = fs.sb;
  return {
    addrPerBlock: fs.geo.addrPerBlock,
    sectorsPerBlock: fs.blockSize / 512,
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
      const blk = yield* fs.logic.balloc.allocBlock(fs, goal, owner);
      // A new buffer comes zeroed; only a still-cached old one needs clearing.
      const cached = fs.cache.peek(blk) !== undefined;
      const bh = fs.cache.getblk(blk);
      if (cached) bh.data.fill(0);
      if (meta) fs.markMeta(bh);
      return blk;
    },
    *freeBlock(blk: number): Sim<void> {
      yield* fs.logic.balloc.freeBlock(fs, blk);
    },
  };
}
