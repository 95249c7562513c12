/**
 * The coherence directory: per 128-byte physical line, which CPUs hold it and
 * in which MESI-like state, and what each access costs.
 *
 * State per line (typed arrays indexed by physical line number, grown with
 * physical memory; compact for 256 CPUs):
 *   - `state`: I (no cache), S (one or more read-only copies), E (one clean
 *     exclusive copy), M (one modified copy);
 *   - `holders`: a bit set of CPUs holding the line (ceil(cpus/32) words per
 *     line), `count` its size, `owner` the holder when E or M;
 *   - `busy`: the cycle until which the line's coherence point is occupied by
 *     an earlier transfer or invalidation;
 *   - `storeGen`: bumped by every store, so a reservation (cpu-ops.ts) is
 *     valid while the generation it saw is unchanged.
 *
 * Costs (costs.ts): a load of a held line is an L1 hit (caches have no
 * capacity limit in the model: the modelled lines are few and hot). A miss is
 * served by a cache on the same chip at L2 latency, by another chip's cache
 * (`c2c`, clean or modified: shared intervention), or by memory. A store to
 * an owned line is a store hit; to a shared line it is an upgrade that
 * invalidates the other copies (`invalidate` + `invalidatePerSharer` per other
 * sharer); to a line not held it fetches the line exclusive (one transaction
 * that also invalidates).
 *
 * Serialisation: transactions on one line queue behind each other. A request
 * issued while the line is busy waits until it is free, then pays its
 * latency; the wait is counted as stall cycles. An ownership transfer or an
 * invalidation keeps the line busy for its whole latency (the line can be in
 * one place at a time); a read that leaves the line shared keeps it busy only
 * for `readOccupancy` (reads overlap, except for their address tenure); a
 * lwarx miss keeps it `larxHold` cycles longer (see `loadReserve`). A miss
 * pays the transaction plus the hit cost. This is what makes a contended line cost more per
 * operation as CPUs are added. Each access takes effect when issued (at the
 * issuing CPU's clock; the engine issues in global time order); the returned
 * cycles are then charged to the issuing thread.
 */
import type { CostTable } from './costs.ts';

const I = 0;
const S = 1;
const E = 2;
const M = 3;
const STATE_NAMES = ['I', 'S', 'E', 'M'] as const;
export type LineState = (typeof STATE_NAMES)[number];

/** Per-CPU event counters for benches and tests (reset with `reset()`). */
export class CpuCounters {
  loads = 0;
  stores = 0;
  l1Hits = 0;
  l2Hits = 0;
  misses = 0;
  c2c = 0;
  memory = 0;
  invalidations = 0;
  /** Cycles spent waiting for a busy line. */
  stallCycles = 0;
  larx = 0;
  stcx = 0;
  stcxFail = 0;
  sync = 0;
  lwsync = 0;
  isync = 0;
  mftb = 0;
  ipiSent = 0;
  ipiReceived = 0;

  reset(): void {
    for (const k of Object.keys(this) as (keyof CpuCounters)[]) {
      if (typeof this[k] === 'number') (this as unknown as Record<string, number>)[k] = 0;
    }
  }

  /** Add another CPU's counters into this one. */
  add(o: CpuCounters): this {
    const me = this as unknown as Record<string, number>;
    const other = o as unknown as Record<string, number>;
    for (const k of Object.keys(this)) me[k] = me[k]! + other[k]!;
    return this;
  }
}

export class Directory {
  private state = new Uint8Array(0);
  private owner = new Int16Array(0);
  private holders = new Uint32Array(0);
  private count = new Uint16Array(0);
  private busy = new Float64Array(0);
  /** End of the larx hold window of the line's current owner (0: none). */
  private holdEnd = new Float64Array(0);
  /** When a queued larx request downgrades the owner to S (0: none pending). */
  private yieldAt = new Float64Array(0);
  storeGen = new Float64Array(0);
  private lines = 0;
  private readonly words: number;

  constructor(
    readonly cpus: number,
    private readonly costs: CostTable,
    readonly coresPerChip: number,
    private readonly counters: readonly CpuCounters[],
  ) {
    this.words = (cpus + 31) >>> 5;
  }

  /** Make room for physical lines below `n` (new lines are I everywhere). */
  ensure(n: number): void {
    if (n <= this.lines) return;
    const cap = Math.max(n, this.lines * 2, 1024);
    const grow = <T extends Uint8Array | Int16Array | Uint16Array | Uint32Array | Float64Array>(a: T, make: (len: number) => T, per = 1): T => {
      const b = make(cap * per);
      b.set(a as never);
      return b;
    };
    this.state = grow(this.state, (l) => new Uint8Array(l));
    this.owner = grow(this.owner, (l) => new Int16Array(l));
    this.holders = grow(this.holders, (l) => new Uint32Array(l), this.words);
    this.count = grow(this.count, (l) => new Uint16Array(l));
    this.busy = grow(this.busy, (l) => new Float64Array(l));
    this.holdEnd = grow(this.holdEnd, (l) => new Float64Array(l));
    this.yieldAt = grow(this.yieldAt, (l) => new Float64Array(l));
    this.storeGen = grow(this.storeGen, (l) => new Float64Array(l));
    this.lines = cap;
  }

  /** True when `cpu` holds a copy of `line`. */
  holds(cpu: number, line: number): boolean {
    if (line >= this.lines) return false;
    return (this.holders[line * this.words + (cpu >>> 5)]! & (1 << (cpu & 31))) !== 0;
  }

  /**
   * `cpu` loads from `line` at cycle `now`; returns the cycles to charge.
   * `hitCost` is what a hit costs for this kind of load (l1Hit, or larx).
   */
  load(cpu: number, line: number, now: number, hitCost: number): number {
    if (line >= this.lines) this.ensure(line + 1);
    this.expire(line, now);
    const ctr = this.counters[cpu]!;
    const w = line * this.words + (cpu >>> 5);
    const bit = 1 << (cpu & 31);
    if ((this.holders[w]! & bit) !== 0) {
      ctr.l1Hits++;
      return hitCost;
    }
    ctr.misses++;
    const st = this.state[line]!;
    let lat: number;
    if (st === I) {
      lat = this.costs.memory;
      ctr.memory++;
      this.state[line] = E;
      this.owner[line] = cpu;
    } else {
      lat = this.fromCache(cpu, line, ctr);
      this.state[line] = S;
    }
    this.holders[w] = this.holders[w]! | bit;
    this.count[line] = this.count[line]! + 1;
    return this.occupy(line, now, lat, lat < this.costs.readOccupancy ? lat : this.costs.readOccupancy, ctr) + hitCost;
  }

  /**
   * The transaction of a lwarx/ldarx by `cpu` on `line`, issued at cycle
   * `now`; returns the cycles to charge. A hit (any state) costs `hitCost`.
   * A miss fetches the line for ownership and keeps it for `larxHold` cycles
   * after it arrives before serving the next request, so the stwcx. that
   * follows normally finds it still here (assumption: POWER L2s have such a
   * forward-progress window for larx/stcx.; its exact form is not in our
   * notes). The request is snooped when issued: an owner in M or E drops to
   * S (its next store must upgrade, behind this transfer). The line changes
   * hands when the data arrives: `completeReserve`.
   */
  loadReserve(cpu: number, line: number, now: number, hitCost: number): number {
    if (line >= this.lines) this.ensure(line + 1);
    this.expire(line, now);
    const ctr = this.counters[cpu]!;
    if ((this.holders[line * this.words + (cpu >>> 5)]! & (1 << (cpu & 31))) !== 0) {
      ctr.l1Hits++;
      return hitCost;
    }
    const st = this.state[line]!;
    const lat = this.miss(cpu, line, st, ctr);
    // the request is snooped now: the owner keeps a read-only copy and its
    // next store queues behind this transfer; an owner inside its own larx
    // hold window keeps write permission until the window ends
    if (st === M || st === E) {
      const h = this.holdEnd[line]!;
      if (h > now) {
        if (this.yieldAt[line] === 0) this.yieldAt[line] = h;
      } else {
        this.state[line] = S;
      }
    }
    return this.occupy(line, now, lat, lat + this.costs.larxHold, ctr) + hitCost;
  }

  /**
   * A lwarx's data has arrived (cycle `now`): unless it already holds the
   * line, `cpu` now owns it and every other copy is invalidated; other CPUs'
   * reservations survive (only stores kill them). Its write permission lasts
   * until the hold window ends if another request is queued for the line.
   */
  completeReserve(cpu: number, line: number, now: number): void {
    const words = this.words;
    const base = line * words;
    const w = base + (cpu >>> 5);
    const bit = 1 << (cpu & 31);
    if ((this.holders[w]! & bit) !== 0) return;
    for (let i = 0; i < words; i++) this.holders[base + i] = 0;
    this.holders[w] = bit;
    this.count[line] = 1;
    this.state[line] = E;
    this.owner[line] = cpu;
    // requests queued behind this one take the line when the window ends
    const h = now + this.costs.larxHold;
    this.holdEnd[line] = h;
    this.yieldAt[line] = this.busy[line]! > h ? h : 0;
  }

  /**
   * `cpu` stores to `line` at cycle `now`; returns the cycles to charge.
   * `hitCost` is what a store to an owned line costs (storeHit, or stcx).
   * Afterwards `cpu` holds the line in M and nobody else holds it.
   */
  store(cpu: number, line: number, now: number, hitCost: number): number {
    if (line >= this.lines) this.ensure(line + 1);
    this.expire(line, now);
    const ctr = this.counters[cpu]!;
    this.storeGen[line] = this.storeGen[line]! + 1;
    const st = this.state[line]!;
    if ((st === M || st === E) && this.owner[line] === cpu) {
      this.state[line] = M;
      ctr.l1Hits++;
      return hitCost;
    }
    const words = this.words;
    const base = line * words;
    const w = base + (cpu >>> 5);
    const bit = 1 << (cpu & 31);
    let lat: number;
    if ((this.holders[w]! & bit) !== 0) {
      // upgrade S -> M: invalidate the other copies
      lat = this.costs.invalidate + this.costs.invalidatePerSharer * (this.count[line]! - 1);
      ctr.invalidations++;
    } else {
      lat = this.miss(cpu, line, st, ctr);
    }
    for (let i = 0; i < words; i++) this.holders[base + i] = 0;
    this.holders[w] = bit;
    this.count[line] = 1;
    this.state[line] = M;
    this.owner[line] = cpu;
    this.holdEnd[line] = 0; // a new owner by store has no larx window
    this.yieldAt[line] = 0;
    return this.occupy(line, now, lat, lat, ctr) + hitCost;
  }

  /** Apply a pending downgrade whose time has come (see `loadReserve`). */
  private expire(line: number, now: number): void {
    const y = this.yieldAt[line]!;
    if (y !== 0 && y <= now) {
      this.yieldAt[line] = 0;
      const st = this.state[line]!;
      if (st === M || st === E) this.state[line] = S;
    }
  }

  /** A miss served by another cache: L2 latency on the same chip, else c2c. */
  /** A miss in `cpu`'s cache: the line from memory (no copy anywhere) or from a cache holding it. */
  private miss(cpu: number, line: number, st: number, ctr: CpuCounters): number {
    ctr.misses++;
    if (st === I) {
      ctr.memory++;
      return this.costs.memory;
    }
    const lat = this.fromCache(cpu, line, ctr);
    ctr.invalidations++;
    return lat;
  }

  private fromCache(cpu: number, line: number, ctr: CpuCounters): number {
    const cpc = this.coresPerChip;
    if (cpc > 1) {
      const first = cpu - (cpu % cpc);
      const end = Math.min(first + cpc, this.cpus);
      for (let c = first; c < end; c++) {
        if (c !== cpu && this.holds(c, line)) {
          ctr.l2Hits++;
          return this.costs.l2Hit;
        }
      }
    }
    ctr.c2c++;
    return this.costs.c2c;
  }

  /**
   * Queue behind earlier transactions on `line`, keep it busy for `hold`
   * cycles; returns wait + latency.
   */
  private occupy(line: number, now: number, lat: number, hold: number, ctr: CpuCounters): number {
    const b = this.busy[line]!;
    const start = b > now ? b : now;
    this.busy[line] = start + hold;
    ctr.stallCycles += start - now;
    return start - now + lat;
  }

  /** Inspection (tests, debugging): state, owner and holders of a line. */
  inspect(line: number): { state: LineState; owner: number; holders: number[] } {
    if (line >= this.lines) return { state: 'I', owner: -1, holders: [] };
    const st = this.state[line]!;
    const holders: number[] = [];
    for (let c = 0; c < this.cpus; c++) if (this.holds(c, line)) holders.push(c);
    return { state: STATE_NAMES[st]!, owner: st === M || st === E ? this.owner[line]! : -1, holders };
  }
}
