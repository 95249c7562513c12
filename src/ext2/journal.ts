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
 * transaction (`dirtyMetadata`) and revoke records (`forgetMetadata`, when a
 * block that is in the log is freed). `commit()` writes ordered data, then
 * hands the transaction's frozen images to the log (journal-log.ts), which
 * writes revoke blocks, descriptors + block copies and the commit block and
 * keeps the committed copies for checkpoint; `checkpoint()` writes them home
 * and moves the log tail.
 *
 * The engine does not reuse a block freed in the running transaction until
 * that transaction commits (see `Ext2Fs.pendingFree`), so ordered data can
 * never overwrite a block the last committed state still uses.
 *
 * Handles (JBD2's journal_start/journal_stop). Every mutating engine
 * operation runs inside a handle on the running transaction; any number of
 * threads hold handles at once. A thread's handle nests (JBD2 keeps it in
 * current->journal_info). A commit first locks the running transaction (new
 * handles wait), waits until its last handle stops (t_updates == 0), takes
 * frozen copies of its buffers and opens the next transaction, so handles
 * proceed in the new one while the old one is written out. One commit at a
 * time (the commit mutex). With several threads the commits are done by
 * kjournald (kjournald.ts): an operation that finds the transaction full or
 * older than the commit interval wakes it, and a handle cannot start while
 * the running transaction is over twice its size (the log must not fill).
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import type { BlockCache, BufferHead } from './cache.ts';
import type { JournalSuperBlock } from './jbd2.ts';
import { JournalLog } from './journal-log.ts';
import { COST } from './layout.ts';
import { SINGLE_THREADED, type Ext2Locking, type FsLock, type FsWaitQueue } from './lock.ts';

export interface Transaction {
  tid: number;
  /** Metadata buffers, by block number, in the order they joined. */
  buffers: Map<number, BufferHead>;
  revokes: Set<number>;
  /** Handles open on it (t_updates). */
  updates: number;
  /** Closed to new handles: a commit waits for `updates` to drain (T_LOCKED). */
  locked: boolean;
  /** Blocks freed in it: reusable once it has committed. */
  freed: number[];
  /** Simulated second it opened (the commit interval counts from here). */
  started: number;
}

/** One thread's handle (JBD2 handle_t): nested starts share it. */
interface Handle {
  txn: Transaction;
  refs: number;
}

/** Commit interval in simulated seconds (ext3's default commit=5). */
export const JBD2_COMMIT_INTERVAL_S = 5;

function newTransaction(tid: number, now: number): Transaction {
  return { tid, buffers: new Map(), revokes: new Set(), updates: 0, locked: false, freed: [], started: now };
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
  /** The on-disk log: its position, the checkpoint list. */
  readonly log: JournalLog;
  /** Called with a transaction's freed blocks once it is durable (the engine makes them reusable). */
  onCommitted: ((freed: readonly number[]) => void) | null = null;
  /** Called when a commit is due and a daemon should do it (kjournald.ts); null: the caller commits. */
  wakeCommitter: (() => void) | null = null;
  /** Open handles by thread (current->journal_info). */
  private readonly handles = new Map<object, Handle>();
  /** Handles waiting for the running transaction to reopen (j_wait_transaction_locked). */
  private readonly wqLocked: FsWaitQueue;
  /** A commit waiting for the handles of its transaction (j_wait_updates). */
  private readonly wqUpdates: FsWaitQueue;
  private readonly commitMutex: FsLock;
  /** The transaction being written out, if any (its buffers stay journal-owned). */
  private committing: Transaction | null = null;
  /** Blocks of the committing transaction freed meanwhile (never checkpointed). */
  private readonly forgottenInCommit = new Set<number>();
  /** Handles that had to wait for a commit (statistics). */
  handleWaits = 0;
  /** Most handles ever open at once on one transaction (statistics). */
  maxUpdates = 0;

  constructor(
    dev: BlockDevice,
    private readonly cache: BlockCache,
    jsb: JournalSuperBlock,
    /** Physical block of each log block. */
    map: readonly number[],
    private now: () => number,
    /** Commit once the running transaction holds this many blocks. */
    readonly maxTransactionBlocks: number,
    state?: JournalState,
    readonly locking: Ext2Locking = SINGLE_THREADED,
  ) {
    const bs = cache.blockSize;
    if (jsb.s_blocksize !== bs) throw errno('EUCLEAN', `journal block size ${jsb.s_blocksize} != ${bs}`);
    this.log = new JournalLog(dev, cache, jsb, map, state);
    this.running = newTransaction(state?.sequence ?? jsb.s_sequence, now());
    this.wqLocked = locking.waitQueue('jbd2 transaction locked');
    this.wqUpdates = locking.waitQueue('jbd2 updates');
    this.commitMutex = locking.mutex('jbd2 commit');
  }

  // Statistics and the log position, from the log.
  get jsb(): JournalSuperBlock {
    return this.log.jsb;
  }
  get map(): readonly number[] {
    return this.log.map;
  }
  get head(): number {
    return this.log.head;
  }
  get tail(): number {
    return this.log.tail;
  }
  get used(): number {
    return this.log.used;
  }
  get commits(): number {
    return this.log.commits;
  }
  get checkpoints(): number {
    return this.log.checkpoints;
  }
  get wraps(): number {
    return this.log.wraps;
  }
  get revokesWritten(): number {
    return this.log.revokesWritten;
  }

  // ------------------------------------------------------------ handles

  /**
   * journal_start: open (or nest) the calling thread's handle on the running
   * transaction. Waits while a commit has it locked, or while it is over
   * twice its size and a committer is due to close it. May block.
   */
  *start(): Sim<void> {
    const me = this.locking.current();
    const h = this.handles.get(me);
    if (h) {
      h.refs++;
      return;
    }
    yield COST.journalHandle;
    while (this.running.locked || (this.wakeCommitter !== null && this.overfull())) {
      this.handleWaits++;
      if (!this.running.locked) this.wakeCommitter?.();
      yield* this.wqLocked.wait();
    }
    this.running.updates++;
    if (this.running.updates > this.maxUpdates) this.maxUpdates = this.running.updates;
    this.handles.set(me, { txn: this.running, refs: 1 });
  }

  /** journal_stop: close (or un-nest) the calling thread's handle; the last one out of a locked transaction wakes its commit. */
  *stop(): Sim<void> {
    const me = this.locking.current();
    const h = this.handles.get(me);
    if (!h) throw errno('EIO', 'jbd2: journal_stop without a handle');
    if (--h.refs > 0) return;
    this.handles.delete(me);
    yield COST.journalHandle;
    h.txn.updates--;
    if (h.txn.updates === 0 && h.txn.locked) this.wqUpdates.wakeAll();
  }

  /** The calling thread holds a handle. */
  inHandle(): boolean {
    return this.handles.has(this.locking.current());
  }

  /** Open handles on the running transaction. */
  get updates(): number {
    return this.running.updates;
  }

  /**
   * journal_restart: let the running transaction commit in the middle of a
   * long operation (the part done so far is consistent). The caller's handle
   * is closed and reopened, possibly on the next transaction; with no
   * committer daemon the caller commits itself if the transaction is full.
   */
  *restart(): Sim<void> {
    const me = this.locking.current();
    const h = this.handles.get(me);
    if (!h) throw errno('EIO', 'jbd2: journal_restart without a handle');
    const refs = h.refs;
    h.refs = 1;
    yield* this.stop();
    yield* this.commitIfDue();
    yield* this.start();
    this.handles.get(me)!.refs = refs;
  }

  /**
   * After an operation: with kjournald, wake it if the transaction is full
   * or older than the commit interval; without, commit here if it is full
   * (and the caller holds no handle).
   */
  *commitIfDue(): Sim<void> {
    if (this.wakeCommitter) {
      if (this.needsCommit() || this.tooOld()) this.wakeCommitter();
    } else if (this.needsCommit() && !this.inHandle()) {
      yield* this.commit();
    }
  }

  private overfull(): boolean {
    return this.running.buffers.size + this.running.revokes.size >= 2 * this.maxTransactionBlocks;
  }

  /** The running transaction is older than the commit interval and holds something. */
  tooOld(): boolean {
    return !this.isEmpty() && this.now() - this.running.started >= JBD2_COMMIT_INTERVAL_S;
  }

  /** A block freed in the running transaction (reusable once it commits). */
  noteFreed(blk: number): void {
    this.running.freed.push(blk);
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
    const l = this.log;
    return { sequence: this.running.tid, head: l.head, tail: l.tail, tailSequence: l.tailSequence, used: l.used };
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
    if (this.log.drop(blk)) this.running.revokes.add(blk);
    if (this.committing?.buffers.has(blk)) {
      // Its frozen copy is being logged right now: keep it out of the
      // checkpoint list, and revoke it in the next transaction.
      this.forgottenInCommit.add(blk);
      this.running.revokes.add(blk);
    }
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

  /**
   * Commit the running transaction (ordered data first). When it returns the
   * transaction that was running when it was called is durable, and the
   * blocks freed in it are handed to `onCommitted`. The caller must not hold
   * a handle (the commit would wait for it). May block.
   */
  *commit(): Sim<void> {
    yield* this.commitWithin(Infinity);
  }

  /**
   * Commit as `commit`, but give up (false) if the commit mutex or the
   * transaction's last handle takes more than `cycles` to come free (a
   * thread stalled on a disk inside an operation); nothing is changed then.
   */
  *commitWithin(cycles: number): Sim<boolean> {
    if (this.inHandle()) throw errno('EIO', 'jbd2: commit inside a handle');
    const target = this.running.tid;
    const deadline = cycles === Infinity ? Infinity : this.locking.now() + cycles;
    if (cycles === Infinity) yield* this.commitMutex.lock();
    else if (!(yield* this.commitMutex.lockWithin(cycles))) return false;
    try {
      // Somebody else committed it while we waited for the mutex.
      if (this.running.tid !== target) return true;
      return yield* this.commitRunning(deadline);
    } finally {
      yield* this.commitMutex.unlock();
    }
  }

  /** Lock the running transaction, wait for its handles, open the next one and write it out. Caller holds the commit mutex. */
  private *commitRunning(deadline: number): Sim<boolean> {
    const t = this.running;
    t.locked = true;
    while (t.updates > 0) {
      const left = deadline - this.locking.now();
      if (left <= 0 || (yield* this.wqUpdates.wait(left === Infinity ? undefined : left)) === 'timeout') {
        if (t.updates === 0) break;
        t.locked = false;
        this.wqLocked.wakeAll();
        return false;
      }
    }
    if (this.isEmpty()) {
      t.locked = false;
      t.started = this.now();
      this.wqLocked.wakeAll();
      this.onCommitted?.(t.freed.splice(0));
      yield* this.cache.writeback();
      return true;
    }
    // Frozen copies (b_frozen_data): handles in the next transaction may change the buffers now.
    const images = new Map<number, Uint8Array>();
    for (const [blk, bh] of t.buffers) images.set(blk, bh.data.slice());
    this.running = newTransaction((t.tid + 1) >>> 0, this.now());
    this.wqLocked.wakeAll();
    this.committing = t;
    try {
      yield* this.cache.writeback();
      yield* this.log.writeTransaction({ tid: t.tid, revokes: t.revokes, images }, this.clock, this.forgottenInCommit, this.release);
    } catch (e) {
      this.requeue(t);
      throw e;
    } finally {
      this.committing = null;
      this.forgottenInCommit.clear();
    }
    this.onCommitted?.(t.freed);
    return true;
  }

  /**
   * A commit of `t` failed (a disk error): nothing of it is durable, so its
   * buffers, revokes and freed blocks go back into the running transaction,
   * which takes over its transaction id (ids in the log stay consecutive).
   * The caller sees the error; a later commit writes it all.
   */
  private requeue(t: Transaction): void {
    const r = this.running;
    const merged = new Map<number, BufferHead>();
    for (const [blk, bh] of t.buffers) if (!this.forgottenInCommit.has(blk)) merged.set(blk, bh);
    for (const [blk, bh] of r.buffers) merged.set(blk, bh);
    r.buffers = merged;
    for (const blk of t.revokes) r.revokes.add(blk);
    r.freed = [...t.freed, ...r.freed];
    r.tid = t.tid;
    r.started = t.started;
    this.forgottenInCommit.clear();
  }

  /**
   * Write every committed block home, flush, and empty the log (tail = head).
   * Buffers not also in the running transaction go back to the cache, clean.
   */
  *checkpoint(): Sim<void> {
    yield* this.commitMutex.lock();
    try {
      yield* this.log.checkpoint(this.running.tid, this.release);
    } finally {
      yield* this.commitMutex.unlock();
    }
  }

  /** The commit-block clock (setClock may re-point `now` between commits). */
  private readonly clock = (): number => this.now();

  /** A checkpointed buffer goes back to the cache unless a transaction still holds it. */
  private readonly release = (blk: number): boolean => !this.running.buffers.has(blk) && !this.committing?.buffers.has(blk);

  /** Clean shutdown: commit, checkpoint, and mark the log empty (s_start = 0). */
  *shutdown(): Sim<void> {
    yield* this.commit();
    yield* this.checkpoint();
    yield* this.log.markClean(this.running.tid);
  }
}
