/**
 * Directory blocks: a sequence of ext2_dir_entry_2 records
 * `{ u32 inode; u16 rec_len; u8 name_len; u8 file_type; name[] }` that tile
 * the block exactly. Parsing validates every record the way ext2_check_page
 * does (rec_len aligned, long enough for the name, inside the block, inode
 * number in range), so a hostile block yields EUCLEAN, never a bad index.
 *
 * Insertion reuses an unused record (inode 0) or splits the slack off a live
 * one; deletion folds the record into its predecessor, or zeroes the inode if
 * it is the first in the block (what Linux and debugfs do).
 */
import { errno } from '../uapi/errno.ts';
import { le16, le32, put16, put32 } from './layout.ts';

/** One record of a parsed directory block. */
export class Ext2DirEntry {
  constructor(
    private readonly block: Uint8Array,
    /** Byte offset of the record within its block. */
    readonly off: number,
    readonly inode: number,
    readonly rec_len: number,
    readonly name_len: number,
    readonly file_type: number,
  ) {}

  /**
   * The name: a view into the block (valid until the block is next
   * modified; copy to keep). Made on use: a scan compares most names
   * without one (`nameIs`).
   */
  get name(): Uint8Array {
    const at = this.off + 8;
    return this.block.subarray(at, at + Math.min(this.name_len, this.rec_len - 8));
  }

  /** Whether the name is `key`'s bytes (compared in the block, no view). */
  nameIs(key: Uint8Array): boolean {
    if (Math.min(this.name_len, this.rec_len - 8) !== key.length) return false;
    const b = this.block;
    const at = this.off + 8;
    for (let i = 0; i < key.length; i++) if (b[at + i] !== key[i]) return false;
    return true;
  }
}

/** EXT2_DIR_REC_LEN: the smallest record holding a name of `nameLen` bytes. */
export function dirRecLen(nameLen: number): number {
  return (8 + nameLen + 3) & ~3;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8');
export function nameBytes(name: string): Uint8Array {
  // ASCII names (nearly all) without TextEncoder's per-call overhead: the
  // same bytes, on every lookup and create.
  const n = name.length;
  if (n <= 255) {
    const out = new Uint8Array(n);
    let i = 0;
    for (; i < n; i++) {
      const c = name.charCodeAt(i);
      if (c >= 0x80) break;
      out[i] = c;
    }
    if (i === n) return out;
  }
  return utf8.encode(name);
}
export function nameString(b: Uint8Array): string {
  return utf8d.decode(b);
}

export interface DirParseLimits {
  inodesCount: number;
  /** Whether the filetype feature is on (otherwise name_len's high byte must be 0 too). */
  filetype: boolean;
}

/**
 * Parse every record of a directory block (live and unused). Throws EUCLEAN
 * naming the offset of the first malformed record.
 */
export function parseDirBlock(block: Uint8Array, limits: DirParseLimits, where = ''): Ext2DirEntry[] {
  const bs = block.length;
  const out: Ext2DirEntry[] = [];
  let off = 0;
  while (off < bs) {
    if (off + 8 > bs) throw corrupt(where, off, 'record header past block end');
    const inode = le32(block, off);
    const rec_len = le16(block, off + 4);
    const name_len = block[off + 6]!;
    const file_type = limits.filetype ? block[off + 7]! : 0;
    if (rec_len < 12 && !(rec_len >= 8 && inode === 0 && name_len === 0)) throw corrupt(where, off, `rec_len ${rec_len} too small`);
    if (rec_len % 4 !== 0) throw corrupt(where, off, `rec_len ${rec_len} not a multiple of 4`);
    if (off + rec_len > bs) throw corrupt(where, off, `rec_len ${rec_len} runs past the block`);
    if (inode !== 0 && rec_len < dirRecLen(name_len)) throw corrupt(where, off, `rec_len ${rec_len} too short for name_len ${name_len}`);
    if (inode > limits.inodesCount) throw corrupt(where, off, `inode ${inode} out of range`);
    if (inode !== 0 && name_len === 0) throw corrupt(where, off, 'empty name');
    out.push(new Ext2DirEntry(block, off, inode, rec_len, name_len, file_type));
    off += rec_len;
  }
  return out;
}

function corrupt(where: string, off: number, what: string): Error {
  return errno('EUCLEAN', `corrupt directory block${where ? ' ' + where : ''} at offset ${off}: ${what}`);
}

export function namesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Write one record header + name at `off`. */
function putEntry(block: Uint8Array, off: number, inode: number, recLen: number, name: Uint8Array, fileType: number): void {
  put32(block, off, inode);
  put16(block, off + 4, recLen);
  block[off + 6] = name.length;
  block[off + 7] = fileType;
  block.set(name, off + 8);
  // Zero the padding so images are deterministic.
  for (let i = off + 8 + name.length; i < off + dirRecLen(name.length); i++) block[i] = 0;
}

/**
 * Insert `name` into a parsed block if a record has room. Returns true if
 * inserted. `fileType` must already be 0 on file systems without filetype.
 */
export function insertDirEntry(block: Uint8Array, entries: Ext2DirEntry[], name: Uint8Array, inode: number, fileType: number): boolean {
  const need = dirRecLen(name.length);
  for (const e of entries) {
    if (e.inode === 0 && e.rec_len >= need) {
      putEntry(block, e.off, inode, e.rec_len, name, fileType);
      return true;
    }
    if (e.inode !== 0) {
      const used = dirRecLen(e.name_len);
      if (e.rec_len - used >= need) {
        put16(block, e.off + 4, used);
        putEntry(block, e.off + used, inode, e.rec_len - used, name, fileType);
        return true;
      }
    }
  }
  return false;
}

/**
 * Remove the record at index `idx` of `entries`: merged into the previous
 * record, or (first record of the block) marked unused with inode 0.
 */
export function deleteDirEntry(block: Uint8Array, entries: Ext2DirEntry[], idx: number): void {
  const e = entries[idx]!;
  if (idx === 0) {
    put32(block, e.off, 0);
    return;
  }
  const prev = entries[idx - 1]!;
  put16(block, prev.off + 4, prev.rec_len + e.rec_len);
}

/** Point an existing record at another inode (rename over, `..` rewrite). */
export function setDirEntryInode(block: Uint8Array, off: number, inode: number, fileType: number): void {
  put32(block, off, inode);
  block[off + 7] = fileType;
}

/** A block with one unused record spanning it (a fresh directory block). */
export function emptyDirBlock(bs: number): Uint8Array {
  const b = new Uint8Array(bs);
  put16(b, 4, bs);
  return b;
}

/** The first block of a new directory: `.` then `..` taking the rest. */
export function initDirBlock(bs: number, self: number, parent: number, dirFileType: number): Uint8Array {
  const b = new Uint8Array(bs);
  putEntry(b, 0, self, 12, nameBytes('.'), dirFileType);
  putEntry(b, 12, parent, bs - 12, nameBytes('..'), dirFileType);
  return b;
}
