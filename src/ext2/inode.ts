/**
 * The ext2 on-disk inode (128-byte "good old" record, or larger records whose
 * extra space holds i_extra_isize and the extended timestamps).
 *
 * Decoding copies the whole record so fields beyond the ones modelled (OS
 * dependent bytes, generation, extra space) are written back unchanged.
 */
import { EXT2_N_BLOCKS, le16, le32, put16, put32 } from './layout.ts';

export interface Ext2DiskInode {
  i_mode: number;
  i_uid: number;
  /** Full 64-bit size (i_size | i_size_high << 32); a JS number is exact to 2^53. */
  i_size: number;
  i_atime: number;
  i_ctime: number;
  i_mtime: number;
  i_dtime: number;
  i_gid: number;
  i_links_count: number;
  /** In 512-byte sectors, counting data and indirect blocks. */
  i_blocks: number;
  i_flags: number;
  i_block: number[];
  i_generation: number;
  i_file_acl: number;
  /** The raw record (inode-size bytes) the fields were decoded from. */
  raw: Uint8Array;
}

/** Decode one inode record. `rec` is at least 128 bytes. */
export function decodeInode(rec: Uint8Array): Ext2DiskInode {
  const b = rec.slice();
  const blocks: number[] = [];
  for (let i = 0; i < EXT2_N_BLOCKS; i++) blocks.push(le32(b, 0x28 + 4 * i));
  return {
    i_mode: le16(b, 0x00),
    i_uid: le16(b, 0x02) | (le16(b, 0x78) << 16),
    i_size: le32(b, 0x04) + le32(b, 0x6c) * 0x1_0000_0000,
    i_atime: le32(b, 0x08),
    i_ctime: le32(b, 0x0c),
    i_mtime: le32(b, 0x10),
    i_dtime: le32(b, 0x14),
    i_gid: le16(b, 0x18) | (le16(b, 0x7a) << 16),
    i_links_count: le16(b, 0x1a),
    i_blocks: le32(b, 0x1c),
    i_flags: le32(b, 0x20),
    i_block: blocks,
    i_generation: le32(b, 0x64),
    i_file_acl: le32(b, 0x68),
    raw: b,
  };
}

/** i_links_count of the record at `off` of `b`, without decoding the rest. */
export function decodeLinksCount(b: Uint8Array, off: number): number {
  return le16(b, off + 0x1a);
}

/** Write the modelled fields over a copy of `ino.raw`; returns the record. */
export function encodeInode(ino: Ext2DiskInode): Uint8Array {
  const b = ino.raw.slice();
  putInodeFields(ino, b, 0);
  return b;
}

/**
 * encodeInode straight into an inode-table block: the first `size` bytes
 * of the record at `off` of `out` (no intermediate record).
 */
export function encodeInodeInto(ino: Ext2DiskInode, out: Uint8Array, off: number, size: number): void {
  out.set(ino.raw.length > size ? ino.raw.subarray(0, size) : ino.raw, off);
  putInodeFields(ino, out, off);
}

function putInodeFields(ino: Ext2DiskInode, b: Uint8Array, o: number): void {
  put16(b, o + 0x00, ino.i_mode);
  put16(b, o + 0x02, ino.i_uid & 0xffff);
  put32(b, o + 0x04, ino.i_size % 0x1_0000_0000);
  put32(b, o + 0x08, ino.i_atime);
  put32(b, o + 0x0c, ino.i_ctime);
  put32(b, o + 0x10, ino.i_mtime);
  put32(b, o + 0x14, ino.i_dtime);
  put16(b, o + 0x18, ino.i_gid & 0xffff);
  put16(b, o + 0x1a, ino.i_links_count);
  put32(b, o + 0x1c, ino.i_blocks);
  put32(b, o + 0x20, ino.i_flags);
  for (let i = 0; i < EXT2_N_BLOCKS; i++) put32(b, o + 0x28 + 4 * i, ino.i_block[i] ?? 0);
  put32(b, o + 0x64, ino.i_generation);
  put32(b, o + 0x68, ino.i_file_acl);
  put32(b, o + 0x6c, Math.floor(ino.i_size / 0x1_0000_0000));
  put16(b, o + 0x78, (ino.i_uid >>> 16) & 0xffff);
  put16(b, o + 0x7a, (ino.i_gid >>> 16) & 0xffff);
}

/**
 * A fresh, zeroed inode record of `inodeSize` bytes. Records larger than 128
 * bytes get i_extra_isize = 32 and a creation time, as e2fsprogs' large-inode
 * allocation does; e2fsck accepts 0 too, but 32 matches what debugfs writes.
 */
export function newDiskInode(inodeSize: number, mode: number, now: number): Ext2DiskInode {
  const raw = new Uint8Array(inodeSize);
  if (inodeSize >= 160) {
    put16(raw, 0x80, 32);
    put32(raw, 0x90, now);
  }
  // What decodeInode(raw) gives for a zeroed record, without decoding it.
  return {
    i_mode: mode,
    i_uid: 0,
    i_size: 0,
    i_atime: now,
    i_ctime: now,
    i_mtime: now,
    i_dtime: 0,
    i_gid: 0,
    i_links_count: 0,
    i_blocks: 0,
    i_flags: 0,
    i_block: new Array<number>(EXT2_N_BLOCKS).fill(0),
    i_generation: 0,
    i_file_acl: 0,
    raw,
  };
}

/** Plain-JSON form of a disk inode (for state export). */
export interface DiskInodeJSON {
  raw: string;
}
export function diskInodeToJSON(ino: Ext2DiskInode): DiskInodeJSON {
  return { raw: Buffer.from(encodeInode(ino)).toString('base64') };
}
export function diskInodeFromJSON(j: DiskInodeJSON): Ext2DiskInode {
  return decodeInode(new Uint8Array(Buffer.from(j.raw, 'base64')));
}
