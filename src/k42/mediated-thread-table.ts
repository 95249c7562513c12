/**
 * Module Description: the per-mediator table of threads with a mediated call
 * in progress and of threads blocked by the mediator, after K42
 * lib/libc/cobj/MediatedThreadTable.{H,C}.
 *
 * In K42 the mediator's trampolines save the caller's real return address
 * and r31 here, keyed by ThreadID, so that the epilog can find them; the
 * same table answers "does this thread already have a mediated call on this
 * object?" (`queryThreadExists`), which is what keeps same-thread recursion
 * from being blocked in the BLOCK phase. Generators keep their own return
 * path, so an entry here holds only the thread and its nesting depth; the
 * rest of the table is K42's: 32 buckets, hash `((VP(tid)<<3) ^ key(tid)) % 32`,
 * each bucket a locked list of entries plus a locked list of blocked threads.
 *
 * Every operation takes the bucket lock, a word in modelled memory, so the
 * traffic is charged by the coherence model. None of these operations block
 * (the bucket lock is a spin lock); the blocked *call* waits in
 * CObjRepMediator, not here.
 */
import type { Sim } from '../sim/effects.ts';
import type { SimThread } from '../sim/thread.ts';
import type { K42Hw } from './hw.ts';

export const MTT_BUCKETS = 32;

/** A thread blocked in the BLOCK phase; `released` is K42's nulled ThreadID slot. */
export interface BlockedThread {
  readonly thread: SimThread;
  readonly since: number;
  released: boolean;
}

interface Bucket {
  /** Lock word in modelled memory (one cache line per bucket). */
  readonly lockEA: number;
  /** tid -> nesting depth of mediated calls in progress. */
  readonly threads: Map<number, number>;
  readonly blocked: BlockedThread[];
}

export class MediatedThreadTable {
  private readonly buckets: Bucket[] = [];

  constructor(private readonly hw: K42Hw) {
    for (let i = 0; i < MTT_BUCKETS; i++) {
      this.buckets.push({ lockEA: hw.allocLine(), threads: new Map(), blocked: [] });
    }
  }

  /** K42's hash: VP of the thread shifted, xor the thread's key. */
  static hash(t: SimThread): number {
    return ((t.cpu << 3) ^ t.id) % MTT_BUCKETS;
  }

  private bucket(t: SimThread): Bucket {
    return this.buckets[MediatedThreadTable.hash(t)]!;
  }

  /** Record that `t` entered a mediated (forwarded) call. */
  *pushThreadData(t: SimThread): Sim<void> {
    const b = this.bucket(t);
    yield* this.hw.spinLock(b.lockEA);
    b.threads.set(t.id, (b.threads.get(t.id) ?? 0) + 1);
    yield* this.hw.spinUnlock(b.lockEA);
  }

  /** The forwarded call of `t` returned (the epilog). */
  *popThreadData(t: SimThread): Sim<void> {
    const b = this.bucket(t);
    yield* this.hw.spinLock(b.lockEA);
    const d = b.threads.get(t.id);
    if (d === undefined) throw new Error(`MediatedThreadTable: pop for t${t.id} with no entry`);
    if (d === 1) b.threads.delete(t.id);
    else b.threads.set(t.id, d - 1);
    yield* this.hw.spinUnlock(b.lockEA);
  }

  /** Does `t` already have a mediated call in progress (same-thread recursion)? */
  *queryThreadExists(t: SimThread): Sim<boolean> {
    const b = this.bucket(t);
    yield* this.hw.spinLock(b.lockEA);
    const found = b.threads.has(t.id);
    yield* this.hw.spinUnlock(b.lockEA);
    return found;
  }

  /** Put `t` on its bucket's blocked list; the caller then waits for `released`. */
  *addBlocked(t: SimThread, now: number): Sim<BlockedThread> {
    const b = this.bucket(t);
    yield* this.hw.spinLock(b.lockEA);
    const e: BlockedThread = { thread: t, since: now, released: false };
    b.blocked.push(e);
    yield* this.hw.spinUnlock(b.lockEA);
    return e;
  }

  /** Take `e` off the blocked list again (it was recursion after all). */
  *removeBlocked(e: BlockedThread): Sim<void> {
    const b = this.bucket(e.thread);
    yield* this.hw.spinLock(b.lockEA);
    const i = b.blocked.indexOf(e);
    if (i >= 0) b.blocked.splice(i, 1);
    yield* this.hw.spinUnlock(b.lockEA);
  }

  /**
   * Null every blocked slot and return the entries (oldest first per
   * bucket); the caller wakes them. Bucket by bucket, as K42 walks them.
   */
  *releaseAll(): Sim<BlockedThread[]> {
    const out: BlockedThread[] = [];
    for (const b of this.buckets) {
      yield* this.hw.spinLock(b.lockEA);
      for (const e of b.blocked) {
        e.released = true;
        out.push(e);
      }
      b.blocked.length = 0;
      yield* this.hw.spinUnlock(b.lockEA);
    }
    return out;
  }

  /** Threads with a mediated call in progress (inspection; no cost). */
  get inProgress(): number {
    let n = 0;
    for (const b of this.buckets) n += b.threads.size;
    return n;
  }

  get blockedCount(): number {
    let n = 0;
    for (const b of this.buckets) n += b.blocked.length;
    return n;
  }
}
