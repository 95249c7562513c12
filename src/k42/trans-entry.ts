/**
 * Module Description: translation-table entries and the global entry's bit
 * protocol, after K42 lib/libc/cobj/sys/TransEntry.H.
 *
 * A TransEntry is two doublewords (16 bytes).
 *
 *   Local entry (LTE, per processor): word0 `co` is the representative's
 *   address. In the default state word1 `tobj` holds the default object's
 *   vtable and `co` points at word1, so the entry itself *is* a default
 *   object: a call through it lands in the miss path (`setToDefault`).
 *
 *   Global entry (GTE, shared): word0 is the miss handler (the root's
 *   address); word1 is `GTransData`: `mhcount` and the bits `writing`,
 *   `switching`, `pendingDestroy`, `destroying`, `cleaned`. Every transition
 *   is a CompareAndStore64Synced loop on word1.
 *
 * Encoding of word1 here: the five flags in bits 0-4 and `mhcount` above
 * them (K42 packs a 32-bit count beside them in a bit field; the order of
 * the fields does not matter to the protocol).
 *
 * Contracts: none of these operations block; the waits (for `writing` to
 * clear, for `mhcount` to drain) are spin loops on the current CPU, so the
 * miss path may run in interrupt context as in K42.
 */
import type { Sim } from '../sim/effects.ts';
import type { K42Hw } from './hw.ts';

export const TRANS_ENTRY_SIZE = 16;

export const GTE_WRITING = 1;
export const GTE_SWITCHING = 2;
export const GTE_PENDING_DESTROY = 4;
export const GTE_DESTROYING = 8;
export const GTE_CLEANED = 16;
/** One unit of `mhcount` in word1. */
export const GTE_MH_ONE = 32;
const FLAG_MASK = 31;

/**
 * The value every default LTE holds in word1: the modelled address of the
 * default object's vtable (`FCMLTransTable::initPage`). Any fixed address in
 * the global kernel region would do; it is never dereferenced.
 */
export const DEFAULT_VTABLE = 0x000c_0000_0000_0008;

export function gteCount(word1: number): number {
  return Math.floor(word1 / GTE_MH_ONE);
}

export function gteFlags(word1: number): number {
  return word1 & FLAG_MASK;
}

/** Operations on one table's global entries (word1 is at gte + 8). */
export class GlobalEntryOps {
  constructor(private readonly hw: K42Hw) {}

  /**
   * `mhReadEntry`: count a miss in progress. Fails (false) if the entry is
   * being destroyed; spins while a switch is writing the miss handler.
   */
  *mhReadEntry(gte: number): Sim<boolean> {
    const ea = gte + 8;
    for (;;) {
      const v = yield* this.hw.load(ea);
      if (v & GTE_DESTROYING) return false;
      if (v & GTE_WRITING) {
        yield this.hw.spin();
        continue;
      }
      if (yield* this.hw.compareAndStoreSynced(ea, v, v + GTE_MH_ONE)) return true;
    }
  }

  /** `mhReadExit`: the miss is done. */
  *mhReadExit(gte: number): Sim<void> {
    yield* this.hw.fetchAddSynced(gte + 8, -GTE_MH_ONE);
  }

  /**
   * `mhSwitchEntry`: claim the entry for a switch. Fails if it is being
   * destroyed, has a destroy pending, or is already switching; otherwise
   * waits for misses in progress to drain, then sets `switching|writing`.
   */
  *mhSwitchEntry(gte: number): Sim<boolean> {
    const ea = gte + 8;
    for (;;) {
      const v = yield* this.hw.load(ea);
      if (v & (GTE_DESTROYING | GTE_PENDING_DESTROY | GTE_SWITCHING)) return false;
      if (gteCount(v) !== 0) {
        yield this.hw.spin();
        continue;
      }
      if (yield* this.hw.compareAndStoreSynced(ea, v, v | GTE_SWITCHING | GTE_WRITING)) return true;
    }
  }

  /** `gteWriteComplete`: the miss handler has been swung; misses may proceed. */
  *gteWriteComplete(gte: number): Sim<void> {
    yield* this.clear(gte, GTE_WRITING);
  }

  /** `mhSwitchExit`: clear `switching`; true when a destroy became due meanwhile. */
  *mhSwitchExit(gte: number): Sim<boolean> {
    const old = yield* this.clear(gte, GTE_SWITCHING | GTE_WRITING);
    return (old & GTE_PENDING_DESTROY) !== 0;
  }

  /**
   * `mhDestroyEntry`: turn new misses away. Returns 'destroying' once no miss
   * is in progress, 'pending' if a switch holds the entry (the switch re-runs
   * the destroy when it exits), 'already' if it was destroyed before.
   */
  *mhDestroyEntry(gte: number): Sim<'destroying' | 'pending' | 'already'> {
    const ea = gte + 8;
    for (;;) {
      const v = yield* this.hw.load(ea);
      if (v & GTE_DESTROYING) return 'already';
      if (v & GTE_SWITCHING) {
        if (yield* this.hw.compareAndStoreSynced(ea, v, v | GTE_PENDING_DESTROY)) return 'pending';
        continue;
      }
      if (gteCount(v) !== 0) {
        yield this.hw.spin();
        continue;
      }
      if (yield* this.hw.compareAndStoreSynced(ea, v, (v & ~GTE_PENDING_DESTROY) | GTE_DESTROYING)) return 'destroying';
    }
  }

  /** Clear `bits` in word1; returns the old word. */
  private *clear(gte: number, bits: number): Sim<number> {
    const ea = gte + 8;
    for (;;) {
      const v = yield* this.hw.load(ea);
      if (yield* this.hw.compareAndStoreSynced(ea, v, v - (v & bits))) return v;
    }
  }
}
