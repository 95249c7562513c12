/** Pure codec checks: dirent tiling, block paths, JBD2 blocks, superblock/inode round trips. */
import { describe, it, expect } from 'vitest';
import { deleteDirEntry, dirRecLen, emptyDirBlock, initDirBlock, insertDirEntry, nameBytes, parseDirBlock } from '../../src/ext2/dirent.ts';
import { blockPath, maxFileBlocks } from '../../src/ext2/blockmap.ts';
import {
  JBD2_FLAG_ESCAPE, JBD2_FLAG_LAST_TAG, JBD2_MAGIC, decodeHeader, encodeDescriptor, encodeRevoke, escapeBlock,
  parseDescriptor, parseRevoke, unescapeBlock,
} from '../../src/ext2/jbd2.ts';
import { decodeInode, decodeLinksCount, encodeInode, encodeInodeInto, newDiskInode } from '../../src/ext2/inode.ts';
import { groupHasSuper } from '../../src/ext2/superblock.ts';
import { putBe32 } from '../../src/ext2/layout.ts';

const limits = { inodesCount: 1000, filetype: true };

describe('codecs', () => {
  it('directory blocks tile exactly through inserts and deletes', () => {
    const b = initDirBlock(1024, 12, 2, 2);
    for (let i = 0; i < 40; i++) {
      const e = parseDirBlock(b, limits);
      if (!insertDirEntry(b, e, nameBytes(`name-${i}`), 100 + i, 1)) break;
    }
    let e = parseDirBlock(b, limits);
    expect(e.reduce((s, x) => s + x.rec_len, 0)).toBe(1024);
    expect(e.length).toBeGreaterThan(30);
    // names compare in place, and read back as views of the block
    expect(e[2]!.nameIs(nameBytes('name-0'))).toBe(true);
    expect(e[2]!.nameIs(nameBytes('name-1'))).toBe(false);
    expect(e[2]!.nameIs(nameBytes('name-00'))).toBe(false);
    expect(Buffer.from(e[3]!.name).toString()).toBe('name-1');
    deleteDirEntry(b, e, 5);
    deleteDirEntry(b, parseDirBlock(b, limits), 2);
    e = parseDirBlock(b, limits);
    expect(e.reduce((s, x) => s + x.rec_len, 0)).toBe(1024);
    expect(insertDirEntry(b, e, nameBytes('again'), 999, 1)).toBe(true);
    const first = emptyDirBlock(1024);
    expect(parseDirBlock(first, limits)).toHaveLength(1);
    expect(dirRecLen(1)).toBe(12);
    // Hostile rec_len values are rejected, never indexed.
    const bad = initDirBlock(1024, 12, 2, 2);
    bad[16] = 3;
    expect(() => parseDirBlock(bad, limits)).toThrow(/EUCLEAN/);
    bad[16] = 0;
    bad[17] = 8;
    expect(() => parseDirBlock(bad, limits)).toThrow(/EUCLEAN/);
  });

  it('block paths cover direct, single, double and triple indirect', () => {
    const apb = 256;
    expect(blockPath(11, apb)).toEqual({ depth: 1, offsets: [11] });
    expect(blockPath(12, apb)).toEqual({ depth: 2, offsets: [12, 0] });
    expect(blockPath(12 + 256, apb)).toEqual({ depth: 3, offsets: [13, 0, 0] });
    expect(blockPath(12 + 256 + 65536, apb)).toEqual({ depth: 4, offsets: [14, 0, 0, 0] });
    expect(() => blockPath(maxFileBlocks(apb), apb)).toThrow(/EFBIG/);
  });

  it('JBD2 descriptor, revoke and escaping round-trip', () => {
    const uuid = new Uint8Array(16).fill(7);
    const d = encodeDescriptor(1024, 5, [{ blocknr: 100, flags: 0 }, { blocknr: 200, flags: JBD2_FLAG_ESCAPE }], uuid);
    expect(decodeHeader(d)).toEqual({ h_magic: JBD2_MAGIC, h_blocktype: 1, h_sequence: 5 });
    const tags = parseDescriptor(d);
    expect(tags.map((t) => t.blocknr)).toEqual([100, 200]);
    expect(tags[1]!.flags & JBD2_FLAG_LAST_TAG).toBeTruthy();
    expect(parseRevoke(encodeRevoke(1024, 6, [1, 2, 3]))).toEqual([1, 2, 3]);
    const blk = new Uint8Array(1024);
    putBe32(blk, 0, JBD2_MAGIC);
    blk[10] = 9;
    const esc = escapeBlock(blk);
    expect(esc.escaped).toBe(true);
    expect(esc.data[0]).toBe(0);
    expect(Buffer.from(unescapeBlock(esc.data)).equals(Buffer.from(blk))).toBe(true);
  });

  it('inodes keep fields they do not model', () => {
    const d = newDiskInode(256, 0o100644, 1234);
    d.raw[0xa0] = 0x55;
    d.i_size = 5 * 2 ** 32 + 17;
    d.i_uid = 70000;
    const back = decodeInode(encodeInode(d));
    expect(back.i_size).toBe(5 * 2 ** 32 + 17);
    expect(back.i_uid).toBe(70000);
    expect(back.raw[0xa0]).toBe(0x55);
    // a fresh inode is what decoding its record gives, and encodes in place as it does alone
    const fresh = newDiskInode(256, 0o40755, 99);
    expect(fresh).toEqual({ ...decodeInode(fresh.raw), i_mode: 0o40755, i_atime: 99, i_ctime: 99, i_mtime: 99 });
    const table = new Uint8Array(1024).fill(0xee);
    encodeInodeInto(d, table, 512, 256);
    expect(table.subarray(512, 768)).toEqual(encodeInode(d));
    expect(table[511]).toBe(0xee);
    expect(table[768]).toBe(0xee);
    d.i_links_count = 3;
    encodeInodeInto(d, table, 256, 256);
    expect(decodeLinksCount(table, 256)).toBe(3);
    expect([0, 1, 3, 5, 7, 9, 25, 27, 49].map((g) => groupHasSuper(g, true))).toEqual([true, true, true, true, true, true, true, true, true]);
    expect([2, 4, 6, 8, 10].some((g) => groupHasSuper(g, true))).toBe(false);
  });
});
