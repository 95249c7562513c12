/**
 * The log of a JBD2 journal: the circular area [s_first, s_maxlen) of the
 * journal inode, the journal superblock that says where its live part
 * starts, and the checkpoint list of committed block images whose home
 * copies are stale (Linux fs/jbd2 commit.c's write-out and checkpoint.c).
 *
 * `writeTransaction` lays one transaction down at the head: revoke blocks,
 * then descriptor blocks each followed by the block copies it tags, a flush,
 * and the commit block and a second flush (the commit block is what makes it
 * durable). `checkpoint` writes every committed image home, flushes, and
 * moves the tail up to the head (s_start/s_sequence in the superblock). A
 * transaction that would not fit in the free part of the area checkpoints
 * first; the head wraps from the end of the area to s_first.
 *
 * The running transaction and its handles are the Journal's (journal.ts);
 * this file only writes what it is given. Caller holds the commit mutex.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { writeSegments, type BlockDevice } from '../hw-ppc64/blockdev.ts';
import type { BlockCache } from './cache.ts';
import {
  JBD2_FEATURE_INCOMPAT_REVOKE, descriptorCapacity, encodeCommit, encodeDescriptor, encodeJournalSuperBlock,
  encodeRevoke, escapeBlock, revokeCapacity, type JournalSuperBlock, type JournalTag,
} from './jbd2.ts';
import { COST } from './layout.ts';

/** What of a transaction reaches the log: its revokes and the frozen image of each of its blocks. */
export interface LoggedTransaction {
  tid: number;
  revokes: ReadonlySet<number>;
  /** Frozen block images by home block number, in the order the blocks joined. */
  images: ReadonlyMap<number, Uint8Array>;
}

export class JournalLog {
  /** Latest committed image of every block whose home copy is stale. */
  private readonly checkpointList = new Map<number, Uint8Array>();
  head: number;
  tail: number;
  tailSequence: number;
  /** Log blocks between tail and head. */
  used: number;
  /** Commits and checkpoints written (statistics). */
  commits = 0;
  checkpoints = 0;
  /** Times the head wrapped from the end of the log to s_first. */
  wraps = 0;
  /** Revoke records written. */
  revokesWritten = 0;

  constructor(
    private readonly dev: BlockDevice,
    private readonly cache: BlockCache,
    readonly jsb: JournalSuperBlock,
    /** Physical block of each log block. */
    readonly map: readonly number[],
    at?: { head: number; tail: number; tailSequence: number; used: number },
  ) {
    this.head = at?.head ?? jsb.s_first;
    this.tail = at?.tail ?? this.head;
    this.tailSequence = at?.tailSequence ?? jsb.s_sequence;
    this.used = at?.used ?? 0;
  }

  get areaBlocks(): number {
    return this.jsb.s_maxlen - this.jsb.s_first;
  }

  /** Committed images waiting for checkpoint. */
  get checkpointBlocks(): number {
    return this.checkpointList.size;
  }

  /** Whether `blk` has a committed image waiting for checkpoint. */
  isCheckpointed(blk: number): boolean {
    return this.checkpointList.has(blk);
  }

  /** Drop `blk`'s committed image (the block was freed); true if there was one (it is then in the log: revoke it). */
  drop(blk: number): boolean {
    return this.checkpointList.delete(blk);
  }

  /** Blocks a transaction of `blocks` block images and `revokes` revoke records takes in the log. */
  blocksNeeded(blocks: number, revokes: number): number {
    const bs = this.cache.blockSize;
    return Math.ceil(blocks / descriptorCapacity(bs)) + blocks + Math.ceil(revokes / revokeCapacity(bs)) + 1;
  }

  private nextLog(b: number): number {
    return b + 1 >= this.jsb.s_maxlen ? this.jsb.s_first : b + 1;
  }

  private advance(): void {
    const next = this.nextLog(this.head);
    if (next < this.head) this.wraps++;
    this.head = next;
    this.used++;
  }

  /** Every log write is a fresh encoding or a frozen image nobody changes: the device may keep them (writeNoCopy). */
  private devWrite(offset: number, segments: readonly Uint8Array[]): Sim<void> {
    return writeSegments(this.dev, offset, segments);
  }

  private *writeLog(lblk: number, data: Uint8Array): Sim<void> {
    yield* this.devWrite(this.map[lblk]! * this.cache.blockSize, [data]);
  }

  /**
   * Write consecutive log blocks, one device request per physically
   * contiguous run (the journal inode is mostly contiguous), as JBD2 submits
   * a transaction's buffers together rather than one by one.
   */
  private *writeLogRun(writes: readonly { lblk: number; data: Uint8Array }[]): Sim<void> {
    const bs = this.cache.blockSize;
    let i = 0;
    while (i < writes.length) {
      let j = i + 1;
      while (j < writes.length && this.map[writes[j]!.lblk]! === this.map[writes[j - 1]!.lblk]! + 1) j++;
      if (j - i === 1) yield* this.writeLog(writes[i]!.lblk, writes[i]!.data);
      else yield* this.devWrite(this.map[writes[i]!.lblk]! * bs, writes.slice(i, j).map((w) => w.data));
      i = j;
    }
  }

  /** Write the journal superblock and flush. */
  *writeSuper(): Sim<void> {
    yield* this.writeLog(0, encodeJournalSuperBlock(this.jsb));
    yield* this.dev.flush();
  }

  /**
   * Write transaction `t` to the log and make it durable; its images then
   * wait for checkpoint, except those of `forgotten` blocks (freed while it
   * was being written). `clock` (seconds) stamps the commit block when it is written.
   */
  *writeTransaction(
    t: LoggedTransaction,
    clock: () => number,
    forgotten: ReadonlySet<number>,
    /** For a checkpoint the transaction needs first (see `checkpoint`). */
    release: (blk: number) => boolean,
  ): Sim<void> {
    const bs = this.cache.blockSize;
    const need = this.blocksNeeded(t.images.size, t.revokes.size);
    if (need > this.areaBlocks - 1) throw errno('ENOSPC', `transaction of ${need} blocks exceeds the journal`);
    if (this.used + need > this.areaBlocks - 1) yield* this.checkpoint(t.tid, release);
    if (this.used === 0) {
      // Log empty: point the superblock at where this transaction starts.
      this.tail = this.head;
      this.tailSequence = t.tid;
      this.jsb.s_start = this.head;
      this.jsb.s_sequence = t.tid;
      yield* this.writeSuper();
    }
    const uuid = this.jsb.s_uuid;
    // Revoke records.
    const revs = [...t.revokes].sort((a, b) => a - b);
    if (revs.length > 0 && !(this.jsb.s_feature_incompat & JBD2_FEATURE_INCOMPAT_REVOKE)) {
      this.jsb.s_feature_incompat |= JBD2_FEATURE_INCOMPAT_REVOKE;
      yield* this.writeSuper();
    }
    const rcap = revokeCapacity(bs);
    const pending: { lblk: number; data: Uint8Array }[] = [];
    for (let i = 0; i < revs.length; i += rcap) {
      const chunk = revs.slice(i, i + rcap);
      yield chunk.length * COST.journalTag;
      pending.push({ lblk: this.head, data: encodeRevoke(bs, t.tid, chunk) });
      this.revokesWritten += chunk.length;
      this.advance();
    }
    // Descriptor + block copies.
    const blocks = [...t.images.keys()];
    const dcap = descriptorCapacity(bs);
    for (let i = 0; i < blocks.length; i += dcap) {
      const chunk = blocks.slice(i, i + dcap);
      const tags: JournalTag[] = [];
      const bodies: Uint8Array[] = [];
      for (const blk of chunk) {
        const esc = escapeBlock(t.images.get(blk)!);
        tags.push({ blocknr: blk, flags: esc.escaped ? 1 : 0 });
        bodies.push(esc.data);
      }
      yield chunk.length * COST.journalTag;
      pending.push({ lblk: this.head, data: encodeDescriptor(bs, t.tid, tags, uuid) });
      this.advance();
      for (const body of bodies) {
        pending.push({ lblk: this.head, data: body });
        this.advance();
      }
    }
    yield* this.writeLogRun(pending);
    yield* this.dev.flush();
    yield* this.writeLog(this.head, encodeCommit(bs, t.tid, clock()));
    this.advance();
    yield* this.dev.flush();
    this.commits++;
    for (const [blk, img] of t.images) if (!forgotten.has(blk)) this.checkpointList.set(blk, img);
  }

  /**
   * Write every committed image home, flush, and empty the log (tail =
   * head); `nextTid` is the first transaction not yet in the log (the log
   * restarts with it). A checkpointed buffer goes back to the cache, clean,
   * if `release(blk)` says no transaction still holds it.
   */
  *checkpoint(nextTid: number, release: (blk: number) => boolean): Sim<void> {
    if (this.checkpointList.size === 0 && this.used === 0) return;
    const blocks = [...this.checkpointList.keys()].sort((a, b) => a - b);
    // home locations in block order, one request per run of adjacent blocks
    for (let i = 0; i < blocks.length; ) {
      let j = i + 1;
      while (j < blocks.length && blocks[j] === blocks[j - 1]! + 1) j++;
      yield* this.cache.writeHomeRun(blocks.slice(i, j).map((b) => this.checkpointList.get(b)!), blocks[i]!);
      i = j;
    }
    yield* this.dev.flush();
    for (const blk of blocks) {
      const bh = this.cache.peek(blk);
      if (bh && release(blk)) bh.jowned = false;
    }
    this.checkpointList.clear();
    this.tail = this.head;
    this.tailSequence = nextTid;
    this.used = 0;
    this.jsb.s_start = this.head;
    this.jsb.s_sequence = nextTid;
    yield* this.writeSuper();
    this.checkpoints++;
  }

  /** After a final checkpoint: mark the log empty (s_start = 0) for a clean unmount. */
  *markClean(nextTid: number): Sim<void> {
    this.jsb.s_start = 0;
    this.jsb.s_sequence = nextTid;
    yield* this.writeSuper();
  }
}
