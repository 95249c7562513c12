/**
 * ext2/ext3 on-disk constants, feature bits and the modelled CPU costs.
 *
 * One place for the numbers every codec and the engine share: the fixed
 * inode numbers, feature masks (which ones this library implements), the
 * little-endian field helpers, and the cycle costs charged for file-system
 * work. Nothing here touches the disk.
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../uapi/stat.ts';

/** Byte offset of the primary superblock on every ext2 volume. */
export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;
export const EXT2_SUPER_MAGIC = 0xef53;

export const EXT2_BAD_INO = 1;
export const EXT2_ROOT_INO = 2;
export const EXT2_RESIZE_INO = 7;
export const EXT3_JOURNAL_INO = 8;
export const EXT2_GOOD_OLD_FIRST_INO = 11;
export const EXT2_GOOD_OLD_INODE_SIZE = 128;

export const EXT2_NDIR_BLOCKS = 12;
export const EXT2_IND_BLOCK = 12;
export const EXT2_DIND_BLOCK = 13;
export const EXT2_TIND_BLOCK = 14;
export const EXT2_N_BLOCKS = 15;

/** Linux EXT2_LINK_MAX: the most names (or subdirectories + 2) an inode may have. */
export const EXT2_LINK_MAX = 32000;
export const EXT2_NAME_LEN = 255;

/** s_state bits. */
export const EXT2_VALID_FS = 0x0001;
export const EXT2_ERROR_FS = 0x0002;

/** s_feature_compat. */
export const COMPAT_DIR_PREALLOC = 0x0001;
export const COMPAT_IMAGIC_INODES = 0x0002;
export const COMPAT_HAS_JOURNAL = 0x0004;
export const COMPAT_EXT_ATTR = 0x0008;
export const COMPAT_RESIZE_INODE = 0x0010;
export const COMPAT_DIR_INDEX = 0x0020;

/** s_feature_incompat. */
export const INCOMPAT_COMPRESSION = 0x0001;
export const INCOMPAT_FILETYPE = 0x0002;
export const INCOMPAT_RECOVER = 0x0004;
export const INCOMPAT_JOURNAL_DEV = 0x0008;
export const INCOMPAT_META_BG = 0x0010;
export const INCOMPAT_EXTENTS = 0x0040;
export const INCOMPAT_64BIT = 0x0080;
export const INCOMPAT_MMP = 0x0100;
export const INCOMPAT_FLEX_BG = 0x0200;

/** s_feature_ro_compat. */
export const RO_COMPAT_SPARSE_SUPER = 0x0001;
export const RO_COMPAT_LARGE_FILE = 0x0002;

/** What this library implements; anything else is "unknown". */
export const SUPPORTED_INCOMPAT = INCOMPAT_FILETYPE | INCOMPAT_RECOVER;
export const SUPPORTED_RO_COMPAT = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE;

const INCOMPAT_NAMES: Record<number, string> = {
  0x1: 'compression', 0x2: 'filetype', 0x4: 'needs_recovery', 0x8: 'journal_dev',
  0x10: 'meta_bg', 0x40: 'extents', 0x80: '64bit', 0x100: 'mmp', 0x200: 'flex_bg',
  0x400: 'ea_inode', 0x1000: 'dirdata', 0x2000: 'metadata_csum_seed',
  0x4000: 'large_dir', 0x8000: 'inline_data', 0x10000: 'encrypt', 0x20000: 'casefold',
};
const RO_COMPAT_NAMES: Record<number, string> = {
  0x1: 'sparse_super', 0x2: 'large_file', 0x4: 'btree_dir', 0x8: 'huge_file',
  0x10: 'uninit_bg', 0x20: 'dir_nlink', 0x40: 'extra_isize', 0x100: 'quota',
  0x200: 'bigalloc', 0x400: 'metadata_csum', 0x800: 'replica', 0x1000: 'read-only',
  0x2000: 'project', 0x4000: 'shared_blocks', 0x8000: 'verity',
};

/** Names of the bits set in `mask` (e2fsprogs spelling, FEATURE_Ixx for unnamed bits). */
export function featureNames(mask: number, kind: 'incompat' | 'ro_compat'): string[] {
  const table = kind === 'incompat' ? INCOMPAT_NAMES : RO_COMPAT_NAMES;
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const v = (1 << bit) >>> 0;
    if ((mask >>> 0) & v) out.push(table[v] ?? `FEATURE_${kind === 'incompat' ? 'I' : 'R'}${bit}`);
  }
  return out;
}

/** i_flags bits we care about. */
export const EXT2_INDEX_FL = 0x00001000;
export const EXT4_EXTENTS_FL = 0x00080000;

/** Directory-entry file_type values (with the filetype feature). */
export const EXT2_FT_UNKNOWN = 0;
export const EXT2_FT_REG_FILE = 1;
export const EXT2_FT_DIR = 2;
export const EXT2_FT_CHRDEV = 3;
export const EXT2_FT_BLKDEV = 4;
export const EXT2_FT_FIFO = 5;
export const EXT2_FT_SOCK = 6;
export const EXT2_FT_SYMLINK = 7;

/** file_type for an i_mode, as ext2_set_de_type does. */
export function fileTypeOfMode(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG: return EXT2_FT_REG_FILE;
    case S_IFDIR: return EXT2_FT_DIR;
    case S_IFCHR: return EXT2_FT_CHRDEV;
    case S_IFBLK: return EXT2_FT_BLKDEV;
    case S_IFIFO: return EXT2_FT_FIFO;
    case S_IFSOCK: return EXT2_FT_SOCK;
    case S_IFLNK: return EXT2_FT_SYMLINK;
    default: return EXT2_FT_UNKNOWN;
  }
}

/**
 * Modelled CPU cycles for file-system work (assumptions, not measurements):
 * a few hundred cycles to decode a small structure, tens of cycles per byte
 * group when scanning bitmaps or directory entries, a cost per block copied.
 * They only need to be plausible and deterministic; the mechanisms measured
 * elsewhere (counters, mediators) have their own calibrated costs.
 */
export const COST = {
  /** Decode or encode one inode, superblock or group descriptor. */
  codec: 200,
  /** Examine one directory entry (compare name, check rec_len). */
  dirent: 40,
  /** Scan 32 bits of a bitmap. */
  bitmapWord: 4,
  /** Map one logical block (per indirection level walked). */
  bmapLevel: 60,
  /** Copy one block between a user buffer and the cache (per KiB). */
  copyKiB: 250,
  /** Look up a block in the cache hash. */
  cacheLookup: 30,
  /** Build one journal descriptor tag / revoke record. */
  journalTag: 50,
  /** Fixed entry cost of every engine operation. */
  opEntry: 300,
  /** journal_start or journal_stop: t_updates under j_state_lock. */
  journalHandle: 60,
} as const;

/** Little-endian field access on a Uint8Array (no allocation). */
export function le16(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8)) >>> 0;
}
export function le32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}
export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}
export function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}
/** Big-endian (JBD2 is big-endian on every architecture). */
export function be32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
export function be16(b: Uint8Array, off: number): number {
  return ((b[off]! << 8) | b[off + 1]!) >>> 0;
}
export function putBe32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}
export function putBe16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}
