/**
 * Block maps: logical file block -> physical block through i_block[15]
 * (12 direct pointers, then single, double and triple indirect blocks of
 * 32-bit little-endian pointers). A zero pointer is a hole.
 *
 * `blockPath` is the pure address computation (ext2_block_to_path); the
 * generators walk, extend and trim the tree through a `BlockMapHost`, which
 * owns allocation, the cache and validation of every pointer read from
 * disk. The tree depth is fixed at three, so no walk can loop.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { COST, EXT2_IND_BLOCK, EXT2_NDIR_BLOCKS, le32, put32 } from './layout.ts';

/** Where a logical block lives: `offsets[0]` indexes i_block, the rest index indirect blocks. */
export interface BlockPath {
  depth: number;
  offsets: number[];
}

/** Number of logical blocks addressable with `apb` pointers per indirect block. */
export function maxFileBlocks(apb: number): number {
  return EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;
}

export function blockPath(lblk: number, apb: number): BlockPath {
  if (lblk < 0) throw errno('EINVAL', `negative block ${lblk}`);
  if (lblk < EXT2_NDIR_BLOCKS) return { depth: 1, offsets: [lblk] };
  let n = lblk - EXT2_NDIR_BLOCKS;
  if (n < apb) return { depth: 2, offsets: [EXT2_IND_BLOCK, n] };
  n -= apb;
  if (n < apb * apb) return { depth: 3, offsets: [EXT2_IND_BLOCK + 1, Math.floor(n / apb), n % apb] };
  n -= apb * apb;
  if (n < apb * apb * apb) {
    return { depth: 4, offsets: [EXT2_IND_BLOCK + 2, Math.floor(n / (apb * apb)), Math.floor(n / apb) % apb, n % apb] };
  }
  throw errno('EFBIG', `block ${lblk} beyond the triple-indirect limit`);
}

/** The per-inode fields the block map edits. */
export interface MappedInode {
  i_block: number[];
  /** In 512-byte units. */
  i_blocks: number;
}

export interface BlockMapHost {
  readonly addrPerBlock: number;
  /** 512-byte sectors per block (i_blocks accounting). */
  readonly sectorsPerBlock: number;
  /** Throw EUCLEAN if `blk` (read from disk) is not a valid data block number. */
  checkBlock(blk: number, what: string): void;
  /** The cached contents of an indirect block (mutable; call dirtyIndirect after editing). */
  readIndirect(blk: number): Sim<Uint8Array>;
  dirtyIndirect(blk: number): Sim<void>;
  /** Allocate a block near `goal`; `meta` blocks come back zeroed in the cache. */
  allocBlock(goal: number, meta: boolean): Sim<number>;
  freeBlock(blk: number, meta: boolean): Sim<void>;
}

/** Physical block for `lblk`, or 0 for a hole. */
export function* bmapLookup(host: BlockMapHost, inode: MappedInode, lblk: number): Sim<number> {
  const path = blockPath(lblk, host.addrPerBlock);
  let blk = inode.i_block[path.offsets[0]!] ?? 0;
  for (let level = 1; level < path.depth; level++) {
    yield COST.bmapLevel;
    if (blk === 0) return 0;
    host.checkBlock(blk, 'indirect block');
    const data = yield* host.readIndirect(blk);
    blk = le32(data, 4 * path.offsets[level]!);
  }
  if (blk !== 0) host.checkBlock(blk, 'data block');
  return blk;
}

/**
 * Physical blocks of logical blocks [0, count) (0 for a hole), in one walk
 * of the tree: each indirect block is read once and its pointers are taken
 * in order, as ext3_get_blocks_handle maps a run of blocks with one path
 * walk and then consecutive pointers of the same indirect block. Charged
 * COST.bmapLevel per block mapped and per indirect block descended into,
 * plus the lookup of each indirect block. For mapping a whole file at once
 * (the journal at mount), where `count` lookups would walk the path `count`
 * times.
 */
export function* bmapRange(host: BlockMapHost, inode: MappedInode, count: number): Sim<number[]> {
  const apb = host.addrPerBlock;
  const map: number[] = [];
  const direct = Math.min(count, EXT2_NDIR_BLOCKS);
  for (let l = 0; l < direct; l++) map.push(checked(host, inode.i_block[l] ?? 0, 'data block'));
  if (direct > 0) yield COST.bmapLevel * direct;
  // `want` logical blocks under the subtree at `blk` (`level` 1: its entries are data blocks)
  const walk = function* (blk: number, level: number, want: number): Sim<void> {
    yield COST.bmapLevel;
    if (blk === 0) {
      for (let i = 0; i < want; i++) map.push(0);
      return;
    }
    host.checkBlock(blk, 'indirect block');
    const data = yield* host.readIndirect(blk);
    const span = level === 1 ? 1 : level === 2 ? apb : apb * apb;
    const ptrs: number[] = [];
    for (let i = 0; i * span < want; i++) ptrs.push(le32(data, 4 * i));
    if (level === 1) {
      for (const p of ptrs) map.push(checked(host, p, 'data block'));
      yield COST.bmapLevel * ptrs.length;
      return;
    }
    for (let i = 0; i < ptrs.length; i++) yield* walk(ptrs[i]!, level - 1, Math.min(span, want - i * span));
  };
  let first = EXT2_NDIR_BLOCKS;
  let span = apb;
  for (let level = 1; level <= 3 && first < count; level++) {
    yield* walk(inode.i_block[EXT2_IND_BLOCK + level - 1] ?? 0, level, Math.min(span, count - first));
    first += span;
    span *= apb;
  }
  return map;
}

function checked(host: BlockMapHost, blk: number, what: string): number {
  if (blk !== 0) host.checkBlock(blk, what);
  return blk;
}

/**
 * Physical block for `lblk`, allocating it (and any missing indirect blocks)
 * if it is a hole. Returns `{ blk, created }`. `goal` is where to try to put
 * the data block; indirect blocks go just before it.
 */
export function* bmapCreate(
  host: BlockMapHost,
  inode: MappedInode,
  lblk: number,
  goal: () => Sim<number>,
  /** The data block itself is metadata (directory, symlink): zeroed and journaled. */
  leafMeta = false,
): Sim<{ blk: number; created: boolean }> {
  const path = blockPath(lblk, host.addrPerBlock);
  const top = path.offsets[0]!;
  let blk = inode.i_block[top] ?? 0;
  if (path.depth === 1) {
    if (blk !== 0) {
      host.checkBlock(blk, 'data block');
      return { blk, created: false };
    }
    blk = yield* host.allocBlock(yield* goal(), leafMeta);
    inode.i_block[top] = blk;
    inode.i_blocks += host.sectorsPerBlock;
    return { blk, created: true };
  }
  if (blk === 0) {
    blk = yield* host.allocBlock(yield* goal(), true);
    inode.i_block[top] = blk;
    inode.i_blocks += host.sectorsPerBlock;
  } else {
    host.checkBlock(blk, 'indirect block');
  }
  for (let level = 1; level < path.depth; level++) {
    yield COST.bmapLevel;
    const data = yield* host.readIndirect(blk);
    const off = 4 * path.offsets[level]!;
    let next = le32(data, off);
    const leaf = level === path.depth - 1;
    if (next === 0) {
      next = yield* host.allocBlock(yield* goal(), !leaf || leafMeta);
      // Re-read through the cache: the buffer object is shared, this keeps that explicit.
      const d2 = yield* host.readIndirect(blk);
      put32(d2, off, next);
      yield* host.dirtyIndirect(blk);
      inode.i_blocks += host.sectorsPerBlock;
      if (leaf) return { blk: next, created: true };
    } else {
      host.checkBlock(next, leaf ? 'data block' : 'indirect block');
      if (leaf) return { blk: next, created: false };
    }
    blk = next;
  }
  throw errno('EIO', 'bmapCreate: unreachable');
}

/**
 * Free every block mapping logical blocks >= `keep`, and each indirect block
 * left without pointers (ext2_truncate). Updates i_block and i_blocks.
 */
export function* truncateBlocks(host: BlockMapHost, inode: MappedInode, keep: number): Sim<void> {
  const apb = host.addrPerBlock;
  for (let i = Math.max(keep, 0); i < EXT2_NDIR_BLOCKS; i++) {
    const b = inode.i_block[i] ?? 0;
    if (b === 0) continue;
    host.checkBlock(b, 'data block');
    yield* host.freeBlock(b, false);
    inode.i_block[i] = 0;
    inode.i_blocks -= host.sectorsPerBlock;
  }
  let first = EXT2_NDIR_BLOCKS;
  let span = apb;
  for (let level = 1; level <= 3; level++) {
    const slot = EXT2_IND_BLOCK + level - 1;
    const b = inode.i_block[slot] ?? 0;
    if (b !== 0 && keep < first + span) {
      host.checkBlock(b, 'indirect block');
      const empty = yield* freeBranch(host, inode, b, level, Math.max(0, keep - first));
      if (empty) {
        yield* host.freeBlock(b, true);
        inode.i_block[slot] = 0;
        inode.i_blocks -= host.sectorsPerBlock;
      }
    }
    first += span;
    span *= apb;
  }
}

/**
 * Trim the subtree rooted at indirect block `blk` (`level` 1 = its entries
 * point at data) to its first `start` logical blocks. Returns true if it now
 * maps nothing (the caller frees it).
 */
function* freeBranch(host: BlockMapHost, inode: MappedInode, blk: number, level: number, start: number): Sim<boolean> {
  const apb = host.addrPerBlock;
  const span = level === 1 ? 1 : level === 2 ? apb : apb * apb;
  const data = yield* host.readIndirect(blk);
  const ptrs: number[] = [];
  for (let i = 0; i < apb; i++) ptrs.push(le32(data, 4 * i));
  let changed = false;
  let live = 0;
  for (let i = 0; i < apb; i++) {
    const p = ptrs[i]!;
    if (p === 0) continue;
    const entryStart = i * span;
    if (entryStart + span <= start) {
      live++;
      continue;
    }
    yield COST.bmapLevel;
    if (level === 1) {
      host.checkBlock(p, 'data block');
      yield* host.freeBlock(p, false);
      inode.i_blocks -= host.sectorsPerBlock;
      ptrs[i] = 0;
      changed = true;
    } else {
      host.checkBlock(p, 'indirect block');
      const empty = yield* freeBranch(host, inode, p, level - 1, Math.max(0, start - entryStart));
      if (empty) {
        yield* host.freeBlock(p, true);
        inode.i_blocks -= host.sectorsPerBlock;
        ptrs[i] = 0;
        changed = true;
      } else {
        live++;
      }
    }
  }
  // A block about to be freed need not be rewritten.
  if (changed && live > 0) {
    const d = yield* host.readIndirect(blk);
    for (let i = 0; i < apb; i++) put32(d, 4 * i, ptrs[i]!);
    yield* host.dirtyIndirect(blk);
  }
  return live === 0;
}

/** Every physical block (data and indirect) an inode maps, for checks and tests. */
export function* collectBlocks(host: BlockMapHost, inode: MappedInode): Sim<{ data: number[]; meta: number[] }> {
  const out = { data: [] as number[], meta: [] as number[] };
  for (let i = 0; i < EXT2_NDIR_BLOCKS; i++) if (inode.i_block[i]) out.data.push(inode.i_block[i]!);
  const walk = function* (blk: number, level: number): Sim<void> {
    host.checkBlock(blk, 'indirect block');
    out.meta.push(blk);
    const d = (yield* host.readIndirect(blk)).slice();
    for (let i = 0; i < host.addrPerBlock; i++) {
      const p = le32(d, 4 * i);
      if (p === 0) continue;
      if (level === 1) out.data.push(p);
      else yield* walk(p, level - 1);
    }
  };
  for (let level = 1; level <= 3; level++) {
    const b = inode.i_block[EXT2_IND_BLOCK + level - 1] ?? 0;
    if (b) yield* walk(b, level);
  }
  return out;
}
