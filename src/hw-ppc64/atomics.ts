/**
 * Atomic read-modify-write helpers built on the reservation primitives, as K42
 * builds them (lib/libc/sync/arch/powerpc/atomic.h):
 *
 *   loop: ldarx  r, 0, addr
 *         add    r2, r, delta
 *         stdcx. r2, 0, addr
 *         bne-   loop
 *
 * Each is a generator that charges the running thread: the ldarx (or lwarx),
 * one `alu` cycle for the add or compare, the stdcx. (stwcx.), and for a
 * failed stdcx. the whole iteration again. The `*Synced` variants are K42's
 * `FetchAndAdd64Synced`/`CompareAndStore64Synced`: `sync; loop; isync`
 * (SyncBeforeRelease / SyncAfterAcquire; K42 has no lwsync).
 *
 * `size` is 8 (doubleword, ldarx/stdcx., the default as in K42's 64-bit
 * counters) or 4 (word, lwarx/stwcx.; values wrap modulo 2^32). None block:
 * safe in interrupt context.
 */
import type { Sim } from '../sim/effects.ts';
import type { CpuOps } from './cpu-ops.ts';

export type AtomicSize = 4 | 8;

/** Atomically add `delta` to the value at `ea`; returns the old value. */
export function* fetchAdd(ops: CpuOps, ea: number, delta: number, size: AtomicSize = 8): Sim<number> {
  const alu = ops.costs.alu;
  for (;;) {
    const old = size === 8 ? yield* ops.ldarx(ea) : yield* ops.lwarx(ea);
    yield alu;
    const ok = size === 8 ? yield* ops.stdcx(ea, old + delta) : yield* ops.stwcx(ea, (old + delta) >>> 0);
    if (ok) return old;
  }
}

/**
 * Store `value` at `ea` if it holds `expected`; true on success. A mismatch
 * returns false without storing (its reservation is dropped by the next
 * larx or stcx.); a lost reservation retries.
 */
export function* compareAndStore(ops: CpuOps, ea: number, expected: number, value: number, size: AtomicSize = 8): Sim<boolean> {
  const alu = ops.costs.alu;
  for (;;) {
    const cur = size === 8 ? yield* ops.ldarx(ea) : yield* ops.lwarx(ea);
    yield alu;
    if (cur !== (size === 8 ? expected : expected >>> 0)) return false;
    const ok = size === 8 ? yield* ops.stdcx(ea, value) : yield* ops.stwcx(ea, value);
    if (ok) return true;
  }
}

/** Atomically replace the value at `ea`; returns the old value. */
export function* swap(ops: CpuOps, ea: number, value: number, size: AtomicSize = 8): Sim<number> {
  for (;;) {
    const old = size === 8 ? yield* ops.ldarx(ea) : yield* ops.lwarx(ea);
    const ok = size === 8 ? yield* ops.stdcx(ea, value) : yield* ops.stwcx(ea, value);
    if (ok) return old;
  }
}

/** K42 FetchAndAdd64Synced: sync; fetchAdd; isync. */
export function* fetchAddSynced(ops: CpuOps, ea: number, delta: number, size: AtomicSize = 8): Sim<number> {
  yield* ops.sync();
  const old = yield* fetchAdd(ops, ea, delta, size);
  yield* ops.isync();
  return old;
}

/** K42 CompareAndStore64Synced: sync; compareAndStore; isync. */
export function* compareAndStoreSynced(
  ops: CpuOps,
  ea: number,
  expected: number,
  value: number,
  size: AtomicSize = 8,
): Sim<boolean> {
  yield* ops.sync();
  const ok = yield* compareAndStore(ops, ea, expected, value, size);
  yield* ops.isync();
  return ok;
}
