/**
 * JBD2 journal block codecs (the log inside inode 8 on ext3). Everything in
 * the journal is big-endian. Block kinds: the journal superblock (v2) in log
 * block 0; descriptor blocks listing the home block numbers of the blocks
 * that follow them; commit blocks closing a transaction; revoke blocks.
 * Only the feature set mke2fs gives ext3 is modelled: 8-byte tags (no 64bit,
 * no checksums) and the REVOKE incompat bit.
 */
import { be32, putBe16, putBe32, be16 } from './layout.ts';

export const JBD2_MAGIC = 0xc03b3998;
export const JBD2_DESCRIPTOR_BLOCK = 1;
export const JBD2_COMMIT_BLOCK = 2;
export const JBD2_SUPERBLOCK_V1 = 3;
export const JBD2_SUPERBLOCK_V2 = 4;
export const JBD2_REVOKE_BLOCK = 5;

export const JBD2_FLAG_ESCAPE = 1;
export const JBD2_FLAG_SAME_UUID = 2;
export const JBD2_FLAG_DELETED = 4;
export const JBD2_FLAG_LAST_TAG = 8;

export const JBD2_FEATURE_INCOMPAT_REVOKE = 0x1;
/** Incompat features we can replay; anything else refuses the journal. */
export const JBD2_KNOWN_INCOMPAT = JBD2_FEATURE_INCOMPAT_REVOKE;

const HEADER = 12;
const TAG_BYTES = 8;
const UUID_BYTES = 16;
const REVOKE_HEADER = 16;

export interface JournalHeader {
  h_magic: number;
  h_blocktype: number;
  h_sequence: number;
}

export function decodeHeader(b: Uint8Array): JournalHeader {
  return { h_magic: be32(b, 0), h_blocktype: be32(b, 4), h_sequence: be32(b, 8) };
}

function putHeader(b: Uint8Array, type: number, seq: number): void {
  putBe32(b, 0, JBD2_MAGIC);
  putBe32(b, 4, type);
  putBe32(b, 8, seq);
}

export interface JournalSuperBlock {
  blocktype: number;
  s_blocksize: number;
  s_maxlen: number;
  s_first: number;
  s_sequence: number;
  s_start: number;
  s_errno: number;
  s_feature_compat: number;
  s_feature_incompat: number;
  s_feature_ro_compat: number;
  s_uuid: Uint8Array;
  s_nr_users: number;
  raw: Uint8Array;
}

export function decodeJournalSuperBlock(b: Uint8Array): JournalSuperBlock {
  const h = decodeHeader(b);
  return {
    blocktype: h.h_magic === JBD2_MAGIC ? h.h_blocktype : 0,
    s_blocksize: be32(b, 0x0c),
    s_maxlen: be32(b, 0x10),
    s_first: be32(b, 0x14),
    s_sequence: be32(b, 0x18),
    s_start: be32(b, 0x1c),
    s_errno: be32(b, 0x20) | 0,
    s_feature_compat: be32(b, 0x24),
    s_feature_incompat: be32(b, 0x28),
    s_feature_ro_compat: be32(b, 0x2c),
    s_uuid: b.slice(0x30, 0x40),
    s_nr_users: be32(b, 0x40),
    raw: b.slice(),
  };
}

export function encodeJournalSuperBlock(j: JournalSuperBlock): Uint8Array {
  const b = j.raw.slice();
  putHeader(b, j.blocktype, be32(b, 8));
  putBe32(b, 0x0c, j.s_blocksize);
  putBe32(b, 0x10, j.s_maxlen);
  putBe32(b, 0x14, j.s_first);
  putBe32(b, 0x18, j.s_sequence);
  putBe32(b, 0x1c, j.s_start);
  putBe32(b, 0x20, j.s_errno >>> 0);
  putBe32(b, 0x24, j.s_feature_compat);
  putBe32(b, 0x28, j.s_feature_incompat);
  putBe32(b, 0x2c, j.s_feature_ro_compat);
  b.set(j.s_uuid.subarray(0, 16), 0x30);
  putBe32(b, 0x40, j.s_nr_users);
  return b;
}

export interface JournalTag {
  blocknr: number;
  flags: number;
}

/** Tags one descriptor block can hold (the first carries the UUID). */
export function descriptorCapacity(bs: number): number {
  return Math.floor((bs - HEADER - UUID_BYTES) / TAG_BYTES);
}

/** Build a descriptor block. Sets SAME_UUID on all tags but the first and LAST_TAG on the last. */
export function encodeDescriptor(bs: number, seq: number, tags: JournalTag[], uuid: Uint8Array): Uint8Array {
  const b = new Uint8Array(bs);
  putHeader(b, JBD2_DESCRIPTOR_BLOCK, seq);
  let off = HEADER;
  tags.forEach((t, i) => {
    let flags = t.flags & (JBD2_FLAG_ESCAPE | JBD2_FLAG_DELETED);
    if (i > 0) flags |= JBD2_FLAG_SAME_UUID;
    if (i === tags.length - 1) flags |= JBD2_FLAG_LAST_TAG;
    putBe32(b, off, t.blocknr);
    putBe16(b, off + 4, 0);
    putBe16(b, off + 6, flags);
    off += TAG_BYTES;
    if (i === 0) {
      b.set(uuid.subarray(0, 16), off);
      off += UUID_BYTES;
    }
  });
  return b;
}

/** Tags of a descriptor block, stopping at LAST_TAG or the block end (bounded for hostile input). */
export function parseDescriptor(b: Uint8Array): JournalTag[] {
  const tags: JournalTag[] = [];
  let off = HEADER;
  while (off + TAG_BYTES <= b.length) {
    const blocknr = be32(b, off);
    const flags = be16(b, off + 6);
    tags.push({ blocknr, flags });
    off += TAG_BYTES;
    if (!(flags & JBD2_FLAG_SAME_UUID)) off += UUID_BYTES;
    if (flags & JBD2_FLAG_LAST_TAG) break;
  }
  return tags;
}

/** A commit block; commit time (seconds) is recorded as Linux does, no checksum. */
export function encodeCommit(bs: number, seq: number, commitSec: number): Uint8Array {
  const b = new Uint8Array(bs);
  putHeader(b, JBD2_COMMIT_BLOCK, seq);
  putBe32(b, 0x30, 0);
  putBe32(b, 0x34, commitSec >>> 0);
  return b;
}

/** Block numbers one revoke block can hold (32-bit records). */
export function revokeCapacity(bs: number): number {
  return Math.floor((bs - REVOKE_HEADER) / 4);
}

export function encodeRevoke(bs: number, seq: number, blocks: number[]): Uint8Array {
  const b = new Uint8Array(bs);
  putHeader(b, JBD2_REVOKE_BLOCK, seq);
  putBe32(b, 12, REVOKE_HEADER + 4 * blocks.length);
  blocks.forEach((blk, i) => putBe32(b, REVOKE_HEADER + 4 * i, blk));
  return b;
}

/** Revoked block numbers; r_count is clamped to the block so hostile values cannot overrun. */
export function parseRevoke(b: Uint8Array): number[] {
  const count = Math.min(be32(b, 12), b.length);
  const out: number[] = [];
  for (let off = REVOKE_HEADER; off + 4 <= count; off += 4) out.push(be32(b, off));
  return out;
}

/**
 * Journal a block image: if it starts with the JBD2 magic, replay would
 * mistake it for a journal block, so the log copy gets its first word zeroed
 * and the tag the ESCAPE flag.
 */
export function escapeBlock(data: Uint8Array): { data: Uint8Array; escaped: boolean } {
  if (be32(data, 0) !== JBD2_MAGIC) return { data, escaped: false };
  const copy = data.slice();
  putBe32(copy, 0, 0);
  return { data: copy, escaped: true };
}

export function unescapeBlock(data: Uint8Array): Uint8Array {
  const copy = data.slice();
  putBe32(copy, 0, JBD2_MAGIC);
  return copy;
}
