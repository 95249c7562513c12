/**
 * The running JBD2 journal of a mounted ext3 file system (data=ordered).
 *
 * What is journaled: every metadata block (superblock excepted): group
 * descriptor blocks, bitmaps, inode-table blocks, directory blocks, indirect
 * blocks and slow-symlink blocks. File data goes straight to its home
 * location, and the cache writes it (and flushes) before the transaction
 * that made it reachable commits: data=ordered, as ext3's default.
 *
 * Life of a transaction: engine operations add buffers to the running
 * transaction (`dirtyMetadata`) and revoke records (`revoke`, when a block
 * that is in the log is freed). `commit()` writes ordered data, then the
 * revoke blocks, descriptor + block copies, and finally the commit block,
 * with a flush between the body and the commit block. The committed copies
 * go to the checkpoint list; `checkpoint()` writes them home, flushes, and
 * moves the log tail (journal superblock s_start/s_sequence). The log is
 * circular over [s_first, s_maxlen): the head wraps around and a commit that
 * would not fit triggers a checkpoint first.
 *
 * The engine does not reuse a block freed in the running transaction until
 * that transaction commits (see `Ext2Fs.pendingFree`), so ordered data can
 * never overwrite a block the last committed state still uses.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import type { BlockCache, BufferHead } from './cache.ts';
import {
  JBD2_FEATURE_INCOMPAT_REVOKE, descriptorCapacity, encodeCommit, encodeDescriptor, encodeJournalSuperBlock,
  encodeRevoke, escapeBlock, revokeCapacity, type JournalSuperBlock, type JournalTag,
} from './jbd2.ts';
import { COST } from './layout.ts';

export interface Transaction {
  tid: number;
  /** Metadata buffers, by block number, in the order they joined. */
  buffers: Map<number, BufferHead>;
  revokes: Set<number>;
}

/**
 * The position of the log. A live update hands the Journal object itself to
 * the new engine (JBD2 is its own module: its journal_t, running transaction
 * and checkpoint list outlive a code change of the file system on top); the
 * snapshot carries the position so the importer can check it was given the
 * journal the snapshot describes.
 */
export interface JournalState {
  sequence: number;
  head: number;
  tail: number;
  tailSequence: number;
  used: number;
}

export class Journal {
  running: Transaction;
  /** Latest committed image of every block whose home copy is stale. */
  private readonly checkpointList = new Map<number, Uint8Array>();
  head: number;
  tail: number;
  tailSequence: number;
  /** Log blocks between tail and head. */
  used = 0;
  /** Commits and checkpoints done (statistics). */
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
    private now: () => number,
    /** Commit once the running transaction holds this many blocks. */
    readonly maxTransactionBlocks: number,
    state?: JournalState,
  ) {
    const bs = cache.blockSize;
    if (jsb.s_blocksize !== bs) throw errno('EUCLEAN', `journal block size ${jsb.s_blocksize} != ${bs}`);
    this.head = state?.head ?? jsb.s_first;
    this.tail = state?.tail ?? this.head;
    this.tailSequence = state?.tailSequence ?? jsb.s_sequence;
    this.used = state?.used ?? 0;
    this.running = { tid: state?.sequence ?? jsb.s_sequence, buffers: new Map(), revokes: new Set() };
  }

  get areaBlocks(): number {
    return this.jsb.s_maxlen - this.jsb.s_first;
  }

  /**
   * The clock commit blocks are stamped with comes from the file system
   * driving the journal; a live update's new engine re-points it, so the
   * journal (kernel-owned, handed over by reference) keeps no code of the
   * module instance that mounted it.
   */
  setClock(now: () => number): void {
    this.now = now;
  }

  /** The position of the log (see JournalState). */
  position(): JournalState {
    return { sequence: this.running.tid, head: this.head, tail: this.tail, tailSequence: this.tailSequence, used: this.used };
  }

  /** Whether this journal is at `s` (an importer checking it was handed the journal its snapshot describes). */
  isAt(s: JournalState): boolean {
    const p = this.position();
    return p.sequence === s.sequence && p.head === s.head && p.tail === s.tail && p.tailSequence === s.tailSequence && p.used === s.used;
  }

  /** Add a metadata buffer to the running transaction; the journal now owns it. */
  dirtyMetadata(bh: BufferHead): void {
    bh.jowned = true;
    bh.dirty = false;
    this.running.buffers.set(bh.blocknr, bh);
  }

  /**
   * A metadata block is being freed. Drop it from the running transaction
   * and the checkpoint list (its stale image must never be written home),
   * and, if an earlier transaction still in the log holds it, log a revoke
   * so recovery does not resurrect it over the block's next user.
   */
  forgetMetadata(blk: number): void {
    this.running.buffers.delete(blk);
    if (this.checkpointList.delete(blk)) this.running.revokes.add(blk);
    const bh = this.cache.peek(blk);
    if (bh) bh.jowned = false;
    this.cache.forget(blk);
  }

  isEmpty(): boolean {
    return this.running.buffers.size === 0 && this.running.revokes.size === 0;
  }

  needsCommit(): boolean {
    return this.running.buffers.size + this.running.revokes.size >= this.maxTransactionBlocks;
  }

  private nextLog(b: number): number {
    return b + 1 >= this.jsb.s_maxlen ? this.jsb.s_first : b + 1;
  }

  private *writeLog(lblk: number, data: Uint8Array): Sim<void> {
    yield* this.dev.write(this.map[lblk]! * this.cache.blockSize, data);
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
      else {
        const buf = new Uint8Array((j - i) * bs);
        for (let k = i; k < j; k++) buf.set(writes[k]!.data, (k - i) * bs);
        yield* this.dev.write(this.map[writes[i]!.lblk]! * bs, buf);
      }
      i = j;
    }
  }

  private *writeSuper(): Sim<void> {
    yield* this.writeLog(0, encodeJournalSuperBlock(this.jsb));
    yield* this.dev.flush();
  }

  /** Blocks the running transaction needs in the log. */
  private logBlocksNeeded(): number {
    const bs = this.cache.blockSize;
    const n = this.running.buffers.size;
    const r = this.running.revokes.size;
    return Math.ceil(n / descriptorCapacity(bs)) + n + Math.ceil(r / revokeCapacity(bs)) + 1;
  }

  /**
   * Commit the running transaction (ordered data first). When it returns the
   * transaction is durable; the engine then releases the blocks freed in it
   * (Ext2Fs.pendingFree).
   */
  *commit(): Sim<void> {
    yield* this.cache.writeback();
    if (this.isEmpty()) return;
    const bs = this.cache.blockSize;
    const t = this.running;
    const need = this.logBlocksNeeded();
    if (need > this.areaBlocks - 1) throw errno('ENOSPC', `transaction of ${need} blocks exceeds the journal`);
    if (this.used + need > this.areaBlocks - 1) yield* this.checkpoint();
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
    const images = new Map<number, Uint8Array>();
    for (const [blk, bh] of t.buffers) images.set(blk, bh.data.slice());
    const blocks = [...images.keys()];
    const dcap = descriptorCapacity(bs);
    for (let i = 0; i < blocks.length; i += dcap) {
      const chunk = blocks.slice(i, i + dcap);
      const tags: JournalTag[] = [];
      const bodies: Uint8Array[] = [];
      for (const blk of chunk) {
        const esc = escapeBlock(images.get(blk)!);
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
    yield* this.writeLog(this.head, encodeCommit(bs, t.tid, this.now()));
    this.advance();
    yield* this.dev.flush();
    this.commits++;
    for (const [blk, img] of images) this.checkpointList.set(blk, img);
    this.running = { tid: (t.tid + 1) >>> 0, buffers: new Map(), revokes: new Set() };
  }

  private advance(): void {
    const next = this.nextLog(this.head);
    if (next < this.head) this.wraps++;
    this.head = next;
    this.used++;
  }

  /**
   * Write every committed block home, flush, and empty the log (tail = head).
   * Buffers not also in the running transaction go back to the cache, clean.
   */
  *checkpoint(): Sim<void> {
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
      if (bh && !this.running.buffers.has(blk)) bh.jowned = false;
    }
    this.checkpointList.clear();
    this.tail = this.head;
    this.tailSequence = this.running.tid;
    this.used = 0;
    this.jsb.s_start = this.head;
    this.jsb.s_sequence = this.running.tid;
    yield* this.writeSuper();
    this.checkpoints++;
  }

  /** Clean shutdown: commit, checkpoint, and mark the log empty (s_start = 0). */
  *shutdown(): Sim<void> {
    yield* this.commit();
    yield* this.checkpoint();
    this.jsb.s_start = 0;
    this.jsb.s_sequence = this.running.tid;
    yield* this.writeSuper();
  }
}
