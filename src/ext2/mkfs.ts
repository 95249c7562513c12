/**
 * Built-in mkfs: lays out a fresh ext2 (or ext3 with an internal journal)
 * for when mke2fs is not available. Revision 1, features filetype,
 * sparse_super and large_file (plus has_journal), block-mapped files, one
 * block bitmap / inode bitmap / inode table per group placed after the
 * group's superblock backup and GDT. Root (inode 2) and lost+found (inode
 * 11) are created; inodes 1-10 are reserved. The journal (inode 8) is built
 * with the engine's block map and mkfs's own block allocator (below), then
 * the superblock gains has_journal.
 * Deterministic: the UUID and time come from the options.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { findFirstZero, setBit, setRange } from './bitmap.ts';
import { bmapCreate } from './blockmap.ts';
import { initDirBlock } from './dirent.ts';
import { Ext2Fs } from './fs.ts';
import { encodeGroupDesc, groupBlockCount, groupFirstBlock, GROUP_DESC_SIZE, type Ext2GroupDesc } from './group.ts';
import { encodeInode, newDiskInode } from './inode.ts';
import { EXT2_NO_MODULE, type Ext2Release } from './release.ts';
import { encodeJournalSuperBlock, JBD2_SUPERBLOCK_V2, type JournalSuperBlock } from './jbd2.ts';
import { COMPAT_HAS_JOURNAL, COST, EXT2_FT_DIR, EXT2_ROOT_INO, EXT2_SUPER_MAGIC, EXT2_VALID_FS, EXT3_JOURNAL_INO, INCOMPAT_FILETYPE, RO_COMPAT_LARGE_FILE, RO_COMPAT_SPARSE_SUPER, SUPERBLOCK_OFFSET, putBe32 } from './layout.ts';
import { S_IFDIR, S_IFREG } from '../uapi/stat.ts';
import { decodeSuperBlock, encodeSuperBlock, groupHasSuper } from './superblock.ts';

export interface MkfsOptions {
  blockSize: 1024 | 2048 | 4096;
  /** Create an ext3 journal (inode 8). */
  journal: boolean;
  /** Journal length in blocks (default 1024, or 4096 on file systems of 32768 blocks or more). */
  journalBlocks?: number;
  /** Total inodes wanted (rounded up per group); default one per 8 KiB. */
  inodes?: number;
  inodeSize?: 128 | 256;
  /** File-system size in blocks (default: the whole device). */
  blocks?: number;
  /** 16 bytes; default a fixed UUID so images are reproducible. */
  uuid?: Uint8Array;
  /** Creation time in seconds. */
  now: number;
}

export const DEFAULT_UUID = new Uint8Array([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);

interface GroupLayout {
  first: number;
  count: number;
  hasSuper: boolean;
  gd: Ext2GroupDesc;
  /** Blocks used by metadata at the start of the group. */
  overhead: number;
}

/** Make an ext2/ext3 file system on `dev`. */
export function* mkfs(dev: BlockDevice, opts: MkfsOptions): Sim<void> {
  const bs = opts.blockSize;
  if (![1024, 2048, 4096].includes(bs)) throw errno('EINVAL', `block size ${bs}`);
  const isz = opts.inodeSize ?? 128;
  const firstData = bs === 1024 ? 1 : 0;
  let blocks = opts.blocks ?? Math.floor(dev.sizeBytes / bs);
  if (blocks * bs > dev.sizeBytes) throw errno('EINVAL', 'file system larger than the device');
  const bpg = 8 * bs;
  let groups = Math.ceil((blocks - firstData) / bpg);
  const inodesPerBlock = bs / isz;
  const wantInodes = opts.inodes ?? Math.max(32, Math.floor((blocks * bs) / 8192));
  let ipg = Math.ceil(wantInodes / groups);
  ipg = Math.max(16, Math.ceil(ipg / Math.max(8, inodesPerBlock)) * Math.max(8, inodesPerBlock));
  if (ipg > 8 * bs) ipg = 8 * bs;
  const itb = ipg / inodesPerBlock;
  const gdtBlocks = Math.ceil(groups / (bs / GROUP_DESC_SIZE));
  // Drop a last group too small to hold its own metadata (as mke2fs does).
  const lastCount = blocks - firstData - (groups - 1) * bpg;
  if (groups > 1 && lastCount < 1 + gdtBlocks + 2 + itb + 16) {
    groups--;
    blocks = firstData + groups * bpg;
  }
  if (groups < 1 || blocks < 64) throw errno('EINVAL', 'device too small');
  const sparse = true;
  const layouts: GroupLayout[] = [];
  for (let g = 0; g < groups; g++) {
    const first = firstData + g * bpg;
    const count = Math.min(bpg, blocks - first);
    const hasSuper = groupHasSuper(g, sparse);
    let b = first + (hasSuper ? 1 + gdtBlocks : 0);
    const gd: Ext2GroupDesc = {
      bg_block_bitmap: b, bg_inode_bitmap: b + 1, bg_inode_table: b + 2,
      bg_free_blocks_count: 0, bg_free_inodes_count: ipg, bg_used_dirs_count: 0,
    };
    b += 2 + itb;
    layouts.push({ first, count, hasSuper, gd, overhead: b - first });
  }
  // Root and lost+found directory blocks at the start of group 0's data area.
  const g0 = layouts[0]!;
  const rootBlk = g0.first + g0.overhead;
  const lfBlocks = Math.min(12, Math.max(1, Math.floor(16384 / bs)));
  const lfFirst = rootBlk + 1;
  const used0 = g0.overhead + 1 + lfBlocks;
  if (used0 > g0.count) throw errno('EINVAL', 'device too small');

  // Bitmaps, inode tables, descriptors.
  const zero = new Uint8Array(bs);
  for (let g = 0; g < groups; g++) {
    const L = layouts[g]!;
    const bb = new Uint8Array(bs);
    const used = g === 0 ? used0 : L.overhead;
    setRange(bb, 0, used);
    setRange(bb, L.count, 8 * bs);
    L.gd.bg_free_blocks_count = L.count - used;
    const ib = new Uint8Array(bs);
    setRange(ib, ipg, 8 * bs);
    if (g === 0) {
      for (let i = 0; i < 10; i++) setBit(ib, i);
      setBit(ib, 10); // lost+found
      L.gd.bg_free_inodes_count = ipg - 11;
      L.gd.bg_used_dirs_count = 2;
    }
    yield* dev.write(L.gd.bg_block_bitmap * bs, bb);
    yield* dev.write(L.gd.bg_inode_bitmap * bs, ib);
    for (let i = 0; i < itb; i++) yield* dev.write((L.gd.bg_inode_table + i) * bs, zero);
  }
  const gdt = new Uint8Array(gdtBlocks * bs);
  layouts.forEach((L, g) => encodeGroupDesc(L.gd, gdt, g * GROUP_DESC_SIZE));

  // Superblock.
  const raw = new Uint8Array(1024);
  const sb = decodeSuperBlock(raw);
  let freeBlocks = 0;
  for (const L of layouts) freeBlocks += L.gd.bg_free_blocks_count;
  Object.assign(sb, {
    s_inodes_count: ipg * groups, s_blocks_count: blocks, s_r_blocks_count: 0,
    s_free_blocks_count: freeBlocks, s_free_inodes_count: ipg * groups - 11,
    s_first_data_block: firstData, s_log_block_size: Math.log2(bs / 1024), s_log_frag_size: Math.log2(bs / 1024),
    s_blocks_per_group: bpg, s_frags_per_group: bpg, s_inodes_per_group: ipg,
    s_mtime: 0, s_wtime: opts.now, s_mnt_count: 0, s_max_mnt_count: 0xffff, s_magic: EXT2_SUPER_MAGIC,
    s_state: EXT2_VALID_FS, s_errors: 1, s_minor_rev_level: 0, s_lastcheck: opts.now, s_checkinterval: 0,
    s_creator_os: 0, s_rev_level: 1, s_def_resuid: 0, s_def_resgid: 0, s_first_ino: 11, s_inode_size: isz,
    s_block_group_nr: 0, s_feature_compat: 0, s_feature_incompat: INCOMPAT_FILETYPE,
    s_feature_ro_compat: RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE,
    s_uuid: (opts.uuid ?? DEFAULT_UUID).slice(0, 16), s_mkfs_time: opts.now,
    s_min_extra_isize: isz > 128 ? 32 : 0, s_want_extra_isize: isz > 128 ? 32 : 0,
  });
  for (let g = 0; g < groups; g++) {
    const L = layouts[g]!;
    if (!L.hasSuper) continue;
    sb.s_block_group_nr = g;
    const img = encodeSuperBlock(sb);
    if (g === 0) yield* dev.write(SUPERBLOCK_OFFSET, img);
    else {
      const blk = new Uint8Array(bs);
      blk.set(img);
      yield* dev.write(L.first * bs, blk);
    }
    yield* dev.write((L.first + 1) * bs, gdt);
  }
  sb.s_block_group_nr = 0;

  // Root and lost+found.
  const itab = new Uint8Array(bs * Math.ceil((11 * isz) / bs));
  const putInode = (ino: number, mode: number, links: number, size: number, blks: number[]): void => {
    const d = newDiskInode(isz, mode, opts.now);
    d.i_links_count = links;
    d.i_size = size;
    d.i_blocks = blks.length * (bs / 512);
    blks.forEach((b, i) => (d.i_block[i] = b));
    itab.set(encodeInode(d), (ino - 1) * isz);
  };
  putInode(EXT2_ROOT_INO, S_IFDIR | 0o755, 3, bs, [rootBlk]);
  const lf = Array.from({ length: lfBlocks }, (_, i) => lfFirst + i);
  putInode(11, S_IFDIR | 0o700, 2, lfBlocks * bs, lf);
  for (let i = 0; i < itab.length / bs; i++) yield* dev.write((g0.gd.bg_inode_table + i) * bs, itab.subarray(i * bs, (i + 1) * bs));
  const root = initDirBlock(bs, EXT2_ROOT_INO, EXT2_ROOT_INO, EXT2_FT_DIR);
  // Shrink '..' and add lost+found after it.
  root[16] = 12;
  root[17] = 0;
  const lfName = new TextEncoder().encode('lost+found');
  const lfRec = new Uint8Array(bs - 24);
  lfRec[0] = 11;
  lfRec[4] = (bs - 24) & 0xff;
  lfRec[5] = (bs - 24) >>> 8;
  lfRec[6] = lfName.length;
  lfRec[7] = EXT2_FT_DIR;
  lfRec.set(lfName, 8);
  root.set(lfRec, 24);
  yield* dev.write(rootBlk * bs, root);
  yield* dev.write(lfFirst * bs, initDirBlock(bs, 11, EXT2_ROOT_INO, EXT2_FT_DIR));
  const empty = new Uint8Array(bs);
  empty[4] = bs & 0xff;
  empty[5] = bs >>> 8;
  for (let i = 1; i < lfBlocks; i++) yield* dev.write((lfFirst + i) * bs, empty);
  yield* dev.flush();

  if (opts.journal) yield* addJournal(dev, opts, blocks);
}

/** Build inode 8 and its JBD2 superblock with the engine, then flag has_journal. */
function* addJournal(dev: BlockDevice, opts: MkfsOptions, blocks: number): Sim<void> {
  const bs = opts.blockSize;
  const n = opts.journalBlocks ?? (blocks >= 32768 ? 4096 : 1024);
  if (n < 1024 && opts.journalBlocks === undefined) throw errno('EINVAL', 'journal too small');
  if (n > blocks / 2) throw errno('EINVAL', `journal of ${n} blocks does not fit`);
  const fs = yield* Ext2Fs.mount(dev, { now: () => opts.now, logic: MKFS_ALLOCATOR });
  const info = yield* fs.readInodeRaw(EXT3_JOURNAL_INO);
  const d = newDiskInode(fs.geo.inodeSize, S_IFREG | 0o600, opts.now);
  info.disk = d;
  d.i_links_count = 1;
  const host = fs.blockMapHost(info);
  // Place the journal in the middle group, contiguous, as mke2fs does.
  const mid = Math.floor((fs.geo.groupCount - 1) / 2);
  let next = fs.sb.s_first_data_block + mid * fs.sb.s_blocks_per_group;
  const goal = function* (): Sim<number> {
    return next;
  };
  const jsb: JournalSuperBlock = {
    blocktype: JBD2_SUPERBLOCK_V2, s_blocksize: bs, s_maxlen: n, s_first: 1, s_sequence: 1, s_start: 0, s_errno: 0,
    s_feature_compat: 0, s_feature_incompat: 0, s_feature_ro_compat: 0, s_uuid: new Uint8Array(16), s_nr_users: 1,
    raw: new Uint8Array(bs),
  };
  // Journal users: the file system's UUID (internal journal).
  jsb.raw.set(fs.sb.s_uuid, 0x100);
  putBe32(jsb.raw, 8, 0);
  const zero = new Uint8Array(bs);
  for (let l = 0; l < n; l++) {
    const { blk } = yield* bmapCreate(host, d, l, goal);
    next = blk + 1;
    yield* dev.write(blk * bs, l === 0 ? encodeJournalSuperBlock(jsb) : zero);
  }
  d.i_size = n * bs;
  yield* fs.writeInode(info);
  yield* fs.unmount();
  // Flag the journal and back up its block map in the superblock.
  const sb = decodeSuperBlock(yield* dev.read(SUPERBLOCK_OFFSET, 1024));
  sb.s_feature_compat |= COMPAT_HAS_JOURNAL;
  sb.s_journal_inum = EXT3_JOURNAL_INO;
  sb.s_jnl_backup_type = 1;
  sb.s_jnl_blocks = [...d.i_block.slice(0, 15), Math.floor(d.i_size / 0x1_0000_0000), d.i_size % 0x1_0000_0000];
  sb.s_mnt_count = 0;
  sb.s_mtime = 0;
  sb.s_wtime = opts.now;
  yield* dev.write(SUPERBLOCK_OFFSET, encodeSuperBlock(sb));
  yield* dev.flush();
}

/**
 * mkfs's block allocator, for the journal's blocks. mke2fs places the
 * journal with libext2fs's allocator, not with a kernel module's, and mkfs
 * runs before any module is loaded, so it keeps this minimal one instead of
 * borrowing ext3's (module source, modules-src/ext3/common/balloc.ts): the
 * first free block at or after the goal, group by group, wrapping. At mkfs
 * time there are no reservation windows and no committed-but-unreusable
 * blocks, the two things ext3's allocator also weighs, so on a fresh image
 * both choose the same blocks. One caller, one thread: no group locks.
 */
function* mkfsAllocBlock(fs: Ext2Fs, goal: number): Sim<number> {
  const sb = fs.sb;
  const n = fs.geo.groupCount;
  if (!(goal >= sb.s_first_data_block && goal < sb.s_blocks_count)) goal = sb.s_first_data_block;
  const g0 = Math.floor((goal - sb.s_first_data_block) / sb.s_blocks_per_group);
  for (let k = 0; k <= n; k++) {
    const g = (g0 + k) % n;
    const gd = fs.gds[g]!;
    if (gd.bg_free_blocks_count === 0 || (k === n && g !== g0)) continue;
    const first = groupFirstBlock(sb, g);
    const from = k === 0 ? goal - first : 0;
    const to = k === n ? Math.max(goal - first, 0) : groupBlockCount(sb, g);
    const bh = yield* fs.cache.bread(gd.bg_block_bitmap);
    const scanned = { bytes: 0 };
    const i = findFirstZero(bh.data, from, to, scanned);
    yield Math.ceil(scanned.bytes / 4) * COST.bitmapWord;
    if (i < 0) continue;
    setBit(bh.data, i);
    gd.bg_free_blocks_count--;
    sb.s_free_blocks_count = Math.max(0, sb.s_free_blocks_count - 1);
    yield* fs.writeGroupDesc(g);
    yield* fs.dirtyMeta(bh);
    return first + i;
  }
  throw errno('ENOSPC', 'mkfs: no room for the journal');
}

/** The engine's code while mkfs writes the journal: no module, mkfs's allocator. */
const MKFS_ALLOCATOR: Ext2Release = {
  ...EXT2_NO_MODULE,
  name: 'mkfs (its own block allocator, no module)',
  balloc: {
    allocBlock: (fs: Ext2Fs, goal: number) => mkfsAllocBlock(fs, goal),
    *freeBlock(): Sim<void> {
      throw errno('ENOSYS', 'mkfs frees no blocks');
    },
  },
};
