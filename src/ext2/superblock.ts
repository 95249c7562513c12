/**
 * The ext2 superblock (1024 bytes at byte 1024 of the volume): decode,
 * validate, encode.
 *
 * Decoding keeps the raw bytes, and encoding writes only the fields this
 * library models back over them, so fields we do not interpret (volume name,
 * mount options, hash seed, ...) survive a mount/unmount cycle untouched.
 */
import { errno } from '../uapi/errno.ts';
import {
  EXT2_GOOD_OLD_FIRST_INO, EXT2_GOOD_OLD_INODE_SIZE, EXT2_SUPER_MAGIC, SUPERBLOCK_SIZE,
  le16, le32, put16, put32,
} from './layout.ts';

export interface Ext2SuperBlock {
  s_inodes_count: number;
  s_blocks_count: number;
  s_r_blocks_count: number;
  s_free_blocks_count: number;
  s_free_inodes_count: number;
  s_first_data_block: number;
  s_log_block_size: number;
  s_log_frag_size: number;
  s_blocks_per_group: number;
  s_frags_per_group: number;
  s_inodes_per_group: number;
  s_mtime: number;
  s_wtime: number;
  s_mnt_count: number;
  s_max_mnt_count: number;
  s_magic: number;
  s_state: number;
  s_errors: number;
  s_minor_rev_level: number;
  s_lastcheck: number;
  s_checkinterval: number;
  s_creator_os: number;
  s_rev_level: number;
  s_def_resuid: number;
  s_def_resgid: number;
  s_first_ino: number;
  s_inode_size: number;
  s_block_group_nr: number;
  s_feature_compat: number;
  s_feature_incompat: number;
  s_feature_ro_compat: number;
  s_uuid: Uint8Array;
  s_journal_inum: number;
  s_last_orphan: number;
  s_hash_seed: Uint8Array;
  s_def_hash_version: number;
  s_jnl_backup_type: number;
  s_mkfs_time: number;
  /** Backup of the journal inode's i_block[0..14], i_size_high, i_size. */
  s_jnl_blocks: number[];
  s_min_extra_isize: number;
  s_want_extra_isize: number;
  /** The raw 1024 bytes this was decoded from (fields we don't model live here). */
  raw: Uint8Array;
}

/** Decode the 1024 superblock bytes. Does not validate; see validateSuperBlock. */
export function decodeSuperBlock(raw: Uint8Array): Ext2SuperBlock {
  const b = raw.slice(0, SUPERBLOCK_SIZE);
  const rev = le32(b, 0x4c);
  const jnl: number[] = [];
  for (let i = 0; i < 17; i++) jnl.push(le32(b, 0x10c + 4 * i));
  return {
    s_inodes_count: le32(b, 0x00),
    s_blocks_count: le32(b, 0x04),
    s_r_blocks_count: le32(b, 0x08),
    s_free_blocks_count: le32(b, 0x0c),
    s_free_inodes_count: le32(b, 0x10),
    s_first_data_block: le32(b, 0x14),
    s_log_block_size: le32(b, 0x18),
    s_log_frag_size: le32(b, 0x1c),
    s_blocks_per_group: le32(b, 0x20),
    s_frags_per_group: le32(b, 0x24),
    s_inodes_per_group: le32(b, 0x28),
    s_mtime: le32(b, 0x2c),
    s_wtime: le32(b, 0x30),
    s_mnt_count: le16(b, 0x34),
    s_max_mnt_count: le16(b, 0x36),
    s_magic: le16(b, 0x38),
    s_state: le16(b, 0x3a),
    s_errors: le16(b, 0x3c),
    s_minor_rev_level: le16(b, 0x3e),
    s_lastcheck: le32(b, 0x40),
    s_checkinterval: le32(b, 0x44),
    s_creator_os: le32(b, 0x48),
    s_rev_level: rev,
    s_def_resuid: le16(b, 0x50),
    s_def_resgid: le16(b, 0x52),
    // Revision 0 has no dynamic fields: fixed first inode and inode size.
    s_first_ino: rev === 0 ? EXT2_GOOD_OLD_FIRST_INO : le32(b, 0x54),
    s_inode_size: rev === 0 ? EXT2_GOOD_OLD_INODE_SIZE : le16(b, 0x58),
    s_block_group_nr: le16(b, 0x5a),
    s_feature_compat: rev === 0 ? 0 : le32(b, 0x5c),
    s_feature_incompat: rev === 0 ? 0 : le32(b, 0x60),
    s_feature_ro_compat: rev === 0 ? 0 : le32(b, 0x64),
    s_uuid: b.slice(0x68, 0x78),
    s_journal_inum: le32(b, 0xe0),
    s_last_orphan: le32(b, 0xe8),
    s_hash_seed: b.slice(0xec, 0xfc),
    s_def_hash_version: b[0xfc]!,
    s_jnl_backup_type: b[0xfd]!,
    s_mkfs_time: le32(b, 0x108),
    s_jnl_blocks: jnl,
    s_min_extra_isize: le16(b, 0x15c),
    s_want_extra_isize: le16(b, 0x15e),
    raw: b,
  };
}

/** Encode into a fresh 1024-byte copy of `sb.raw` with the modelled fields written. */
export function encodeSuperBlock(sb: Ext2SuperBlock): Uint8Array {
  const b = new Uint8Array(SUPERBLOCK_SIZE);
  b.set(sb.raw.subarray(0, SUPERBLOCK_SIZE));
  put32(b, 0x00, sb.s_inodes_count);
  put32(b, 0x04, sb.s_blocks_count);
  put32(b, 0x08, sb.s_r_blocks_count);
  put32(b, 0x0c, sb.s_free_blocks_count);
  put32(b, 0x10, sb.s_free_inodes_count);
  put32(b, 0x14, sb.s_first_data_block);
  put32(b, 0x18, sb.s_log_block_size);
  put32(b, 0x1c, sb.s_log_frag_size);
  put32(b, 0x20, sb.s_blocks_per_group);
  put32(b, 0x24, sb.s_frags_per_group);
  put32(b, 0x28, sb.s_inodes_per_group);
  put32(b, 0x2c, sb.s_mtime);
  put32(b, 0x30, sb.s_wtime);
  put16(b, 0x34, sb.s_mnt_count);
  put16(b, 0x36, sb.s_max_mnt_count);
  put16(b, 0x38, sb.s_magic);
  put16(b, 0x3a, sb.s_state);
  put16(b, 0x3c, sb.s_errors);
  put16(b, 0x3e, sb.s_minor_rev_level);
  put32(b, 0x40, sb.s_lastcheck);
  put32(b, 0x44, sb.s_checkinterval);
  put32(b, 0x48, sb.s_creator_os);
  put32(b, 0x4c, sb.s_rev_level);
  put16(b, 0x50, sb.s_def_resuid);
  put16(b, 0x52, sb.s_def_resgid);
  if (sb.s_rev_level > 0) {
    put32(b, 0x54, sb.s_first_ino);
    put16(b, 0x58, sb.s_inode_size);
    put16(b, 0x5a, sb.s_block_group_nr);
    put32(b, 0x5c, sb.s_feature_compat);
    put32(b, 0x60, sb.s_feature_incompat);
    put32(b, 0x64, sb.s_feature_ro_compat);
    b.set(sb.s_uuid.subarray(0, 16), 0x68);
    put32(b, 0xe0, sb.s_journal_inum);
    put32(b, 0xe8, sb.s_last_orphan);
    b.set(sb.s_hash_seed.subarray(0, 16), 0xec);
    b[0xfc] = sb.s_def_hash_version;
    b[0xfd] = sb.s_jnl_backup_type;
    put32(b, 0x108, sb.s_mkfs_time);
    for (let i = 0; i < 17; i++) put32(b, 0x10c + 4 * i, sb.s_jnl_blocks[i] ?? 0);
    put16(b, 0x15c, sb.s_min_extra_isize);
    put16(b, 0x15e, sb.s_want_extra_isize);
  }
  return b;
}

/** Geometry derived from a validated superblock. */
export interface Ext2Geometry {
  blockSize: number;
  groupCount: number;
  inodeSize: number;
  inodesPerBlock: number;
  /** Group descriptors per block (32-byte descriptors). */
  descPerBlock: number;
  /** Blocks holding the group-descriptor table. */
  gdtBlocks: number;
  /** Block numbers per indirect block. */
  addrPerBlock: number;
  inodeTableBlocks: number;
}

/**
 * The magic comes first, before any field is trusted (an XFS or FAT volume
 * has other bytes where ext2 keeps its block size): EINVAL, as Linux's
 * "VFS: Can't find ext3 filesystem".
 */
export function checkMagic(sb: Ext2SuperBlock): void {
  if (sb.s_magic !== EXT2_SUPER_MAGIC) throw errno('EINVAL', `not an ext2/ext3 file system (bad magic 0x${sb.s_magic.toString(16).padStart(4, '0')})`);
}

function bad(detail: string): never {
  throw errno('EUCLEAN', `bad superblock: ${detail}`);
}

/**
 * Check every field the engine relies on against the others and against the
 * device size, so no later computation can index out of range. Throws
 * EUCLEAN naming the first inconsistency.
 */
export function validateSuperBlock(sb: Ext2SuperBlock, deviceBytes: number): Ext2Geometry {
  checkMagic(sb);
  if (sb.s_log_block_size > 6) bad(`s_log_block_size ${sb.s_log_block_size}`);
  const blockSize = 1024 << sb.s_log_block_size;
  if (sb.s_rev_level > 1) bad(`s_rev_level ${sb.s_rev_level}`);
  if (sb.s_blocks_count === 0 || sb.s_blocks_count * blockSize > deviceBytes) {
    bad(`s_blocks_count ${sb.s_blocks_count} exceeds the device (${deviceBytes} bytes)`);
  }
  if (sb.s_first_data_block !== (blockSize === 1024 ? 1 : 0)) bad(`s_first_data_block ${sb.s_first_data_block}`);
  if (sb.s_blocks_per_group === 0 || sb.s_blocks_per_group > 8 * blockSize) bad(`s_blocks_per_group ${sb.s_blocks_per_group}`);
  if (sb.s_inodes_per_group === 0 || sb.s_inodes_per_group > 8 * blockSize) bad(`s_inodes_per_group ${sb.s_inodes_per_group}`);
  const is = sb.s_inode_size;
  if (is < 128 || is > blockSize || (is & (is - 1)) !== 0) bad(`s_inode_size ${is}`);
  if (sb.s_first_ino < 11 || sb.s_first_ino > sb.s_inodes_count) bad(`s_first_ino ${sb.s_first_ino}`);
  const groupCount = Math.ceil((sb.s_blocks_count - sb.s_first_data_block) / sb.s_blocks_per_group);
  if (groupCount < 1 || sb.s_inodes_count !== groupCount * sb.s_inodes_per_group) {
    bad(`s_inodes_count ${sb.s_inodes_count} != ${groupCount} groups x ${sb.s_inodes_per_group}`);
  }
  if (sb.s_free_blocks_count > sb.s_blocks_count) bad('s_free_blocks_count > s_blocks_count');
  const descPerBlock = blockSize / 32;
  const inodesPerBlock = blockSize / is;
  if (sb.s_inodes_per_group % inodesPerBlock !== 0) bad('s_inodes_per_group not a multiple of inodes per block');
  return {
    blockSize,
    groupCount,
    inodeSize: is,
    inodesPerBlock,
    descPerBlock,
    gdtBlocks: Math.ceil(groupCount / descPerBlock),
    addrPerBlock: blockSize / 4,
    inodeTableBlocks: sb.s_inodes_per_group / inodesPerBlock,
  };
}

/** Does group `g` hold a superblock backup (sparse_super: 0, 1 and powers of 3, 5, 7)? */
export function groupHasSuper(g: number, sparse: boolean): boolean {
  if (!sparse || g <= 1) return true;
  for (const base of [3, 5, 7]) {
    let p = base;
    while (p < g) p *= base;
    if (p === g) return true;
  }
  return false;
}
