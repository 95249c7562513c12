/**
 * The instructions simulated code executes on modelled memory: loads and
 * stores (lbz/lhz/lwz/ld, stb/sth/stw/std), reservations (lwarx/ldarx,
 * stwcx./stdcx.), barriers (sync, lwsync, isync) and timebase reads (mftb).
 *
 * Every operation is a generator run by the current simulated thread or
 * interrupt handler on the current CPU (`engine.currentCpu`). It takes effect
 * when issued, at that CPU's clock, and then charges its cost with one
 * `yield cycles`; because the engine always runs the CPU with the lowest
 * clock, operations of different CPUs are issued in global time order, and a
 * reservation taken by lwarx can be killed by another CPU's store before the
 * stwcx. executes. The one exception is lwarx/ldarx: its line transfer is
 * issued at once (queued on the line), but the line changes hands, the value
 * is read and the reservation taken when the transfer completes (after the
 * charged cycles), as the load is performed only when its data arrives. Taking it at issue would let every CPU queued
 * for a contended line reserve a value that the first one to get the line
 * immediately invalidates: one success per N transfers, not per transfer. None of these operations block, so all may run in
 * interrupt context. Calling them outside any thread throws (use the
 * `peek*`/`poke*` helpers in setup code: no cost, no coherence effect).
 *
 * Reservations. Each CPU holds at most one. The reservation granule is one
 * 128-byte line (assumption: the 970/POWER4 granule is not documented in our
 * notes; the 603e's is 32 B). It is cleared by a store of another CPU to the
 * line (a store generation per line, coherence.ts), by any stwcx. of this CPU,
 * and by a switch to another thread or interrupt handler on the CPU (Linux
 * and K42 clear it with a dummy stwcx. on context switch and exception
 * return; modelled by remembering which thread took it). A stwcx. to a line
 * other than the reserved one fails (the architecture leaves it undefined).
 * A store by the reserving CPU itself keeps the reservation.
 *
 * Accesses must be naturally aligned; a misaligned one throws a MachineFault
 * (the alignment interrupt lwarx/stwcx. would raise; for plain accesses the
 * model simply does not support them).
 */
import type { Engine } from '../sim/engine.ts';
import type { Sim } from '../sim/effects.ts';
import { SimError } from '../sim/errors.ts';
import type { SimThread } from '../sim/thread.ts';
import type { CostTable } from './costs.ts';
import { Directory, CpuCounters } from './coherence.ts';
import { LINE_SHIFT, type PhysicalMemory } from './memory.ts';
import { MachineFault, hex, type Mmu } from './translate.ts';

export class CpuOps {
  /** Reserved physical line per CPU, -1 when none. */
  private readonly resLine: Int32Array;
  /** Store generation of the reserved line when the reservation was taken. */
  private readonly resGen: Float64Array;
  /** Thread (or interrupt context) that took the reservation. */
  private readonly resOwner: (SimThread | null)[];
  /** Timebase conversion: tb = floor(cycles * tbNum / tbDen), reduced by gcd. */
  private readonly tbNum: number;
  private readonly tbDen: number;

  constructor(
    readonly engine: Engine,
    readonly mmu: Mmu,
    readonly mem: PhysicalMemory,
    readonly dir: Directory,
    readonly costs: CostTable,
    readonly counters: readonly CpuCounters[],
    readonly coreHz: number,
    readonly timebaseHz: number,
  ) {
    const n = counters.length;
    this.resLine = new Int32Array(n).fill(-1);
    this.resGen = new Float64Array(n);
    this.resOwner = new Array<SimThread | null>(n).fill(null);
    const g = gcd(coreHz, timebaseHz);
    this.tbNum = timebaseHz / g;
    this.tbDen = coreHz / g;
  }

  /** CPU of the running code; throws outside a simulated thread. */
  private cpuNow(what: string): number {
    if (this.engine.current === null) throw new SimError(`${what} outside a simulated thread (use peek/poke in setup code)`);
    return this.engine.currentCpu;
  }

  /** Physical address of a naturally aligned `size`-byte access by `cpu`. */
  private pa(ea: number, size: number, cpu: number): number {
    if (ea % size !== 0) throw new MachineFault(`cpu${cpu}: alignment interrupt: ${size}-byte access at ${hex(ea)}`);
    return this.mmu.translate(ea, cpu);
  }

  private loadCost(cpu: number, pa: number): number {
    this.counters[cpu]!.loads++;
    return this.dir.load(cpu, pa >>> LINE_SHIFT, this.engine.now, this.costs.l1Hit);
  }

  private storeCost(cpu: number, pa: number): number {
    this.counters[cpu]!.stores++;
    const line = pa >>> LINE_SHIFT;
    const c = this.dir.store(cpu, line, this.engine.now, this.costs.storeHit);
    if (this.resLine[cpu] === line) this.resGen[cpu] = this.dir.storeGen[line]!; // own store keeps it
    return c;
  }

  // ---- loads (zero-extending; 64-bit signed) -------------------------------

  *load8(ea: number): Sim<number> {
    const cpu = this.cpuNow('lbz');
    const pa = this.pa(ea, 1, cpu);
    const v = this.mem.read8(pa);
    yield this.loadCost(cpu, pa);
    return v;
  }
  *load16(ea: number): Sim<number> {
    const cpu = this.cpuNow('lhz');
    const pa = this.pa(ea, 2, cpu);
    const v = this.mem.read16(pa);
    yield this.loadCost(cpu, pa);
    return v;
  }
  *load32(ea: number): Sim<number> {
    const cpu = this.cpuNow('lwz');
    const pa = this.pa(ea, 4, cpu);
    const v = this.mem.read32(pa);
    yield this.loadCost(cpu, pa);
    return v;
  }
  *load64(ea: number): Sim<number> {
    const cpu = this.cpuNow('ld');
    const pa = this.pa(ea, 8, cpu);
    const v = this.mem.read64(pa);
    yield this.loadCost(cpu, pa);
    return v;
  }

  // ---- stores (truncating; 64-bit must be a safe integer) ------------------

  *store8(ea: number, v: number): Sim<void> {
    const cpu = this.cpuNow('stb');
    const pa = this.pa(ea, 1, cpu);
    this.mem.write8(pa, v);
    yield this.storeCost(cpu, pa);
  }
  *store16(ea: number, v: number): Sim<void> {
    const cpu = this.cpuNow('sth');
    const pa = this.pa(ea, 2, cpu);
    this.mem.write16(pa, v);
    yield this.storeCost(cpu, pa);
  }
  *store32(ea: number, v: number): Sim<void> {
    const cpu = this.cpuNow('stw');
    const pa = this.pa(ea, 4, cpu);
    this.mem.write32(pa, v);
    yield this.storeCost(cpu, pa);
  }
  *store64(ea: number, v: number): Sim<void> {
    const cpu = this.cpuNow('std');
    const pa = this.pa(ea, 8, cpu);
    this.mem.write64(pa, v);
    yield this.storeCost(cpu, pa);
  }

  /**
   * `ld; add; std` on a doubleword with preemption and interrupts disabled
   * around it (Linux's this_cpu_add on ppc64): a plain load and store, not an
   * atomic, that nothing on this CPU can interleave with. Only correct for
   * data no other CPU writes (per-CPU counters). Charged as the load, one
   * ALU op and the store, through the coherence directory. Returns the old value.
   */
  *addLocal64(ea: number, delta: number): Sim<number> {
    const cpu = this.cpuNow('ld/add/std');
    const pa = this.pa(ea, 8, cpu);
    const v = this.mem.read64(pa);
    const cost = this.loadCost(cpu, pa) + this.costs.alu;
    this.mem.write64(pa, v + delta);
    yield cost + this.storeCost(cpu, pa);
    return v;
  }

  // ---- reservations --------------------------------------------------------

  /** lwarx: load word and reserve its line. */
  *lwarx(ea: number): Sim<number> {
    const cpu = this.cpuNow('lwarx');
    const pa = this.pa(ea, 4, cpu);
    yield this.fetchForReserve(cpu, pa);
    this.reserve(cpu, pa);
    return this.mem.read32(pa);
  }
  /** ldarx: load doubleword and reserve its line. */
  *ldarx(ea: number): Sim<number> {
    const cpu = this.cpuNow('ldarx');
    const pa = this.pa(ea, 8, cpu);
    yield this.fetchForReserve(cpu, pa);
    this.reserve(cpu, pa);
    return this.mem.read64(pa);
  }
  /** stwcx.: store word if the reservation holds; true on success (CR0[EQ]). */
  *stwcx(ea: number, v: number): Sim<boolean> {
    const cpu = this.cpuNow('stwcx.');
    const pa = this.pa(ea, 4, cpu);
    const ok = this.reservationHolds(cpu, pa);
    if (ok) this.mem.write32(pa, v);
    yield this.conditionalStore(cpu, pa, ok);
    return ok;
  }
  /** stdcx.: store doubleword if the reservation holds; true on success. */
  *stdcx(ea: number, v: number): Sim<boolean> {
    const cpu = this.cpuNow('stdcx.');
    const pa = this.pa(ea, 8, cpu);
    const ok = this.reservationHolds(cpu, pa);
    if (ok) this.mem.write64(pa, v);
    yield this.conditionalStore(cpu, pa, ok);
    return ok;
  }

  /** The coherence part of a larx, at issue: returns its cycles. */
  private fetchForReserve(cpu: number, pa: number): number {
    const ctr = this.counters[cpu]!;
    ctr.larx++;
    ctr.loads++;
    return this.dir.loadReserve(cpu, pa >>> LINE_SHIFT, this.engine.now, this.costs.larx);
  }

  /** The reservation, taken when the larx completes (its data has arrived). */
  private reserve(cpu: number, pa: number): void {
    const line = pa >>> LINE_SHIFT;
    this.dir.completeReserve(cpu, line, this.engine.now);
    this.resLine[cpu] = line;
    this.resGen[cpu] = this.dir.storeGen[line]!;
    this.resOwner[cpu] = this.engine.current;
  }

  private reservationHolds(cpu: number, pa: number): boolean {
    const line = pa >>> LINE_SHIFT;
    return this.resLine[cpu] === line && this.resGen[cpu] === this.dir.storeGen[line] && this.resOwner[cpu] === this.engine.current;
  }

  private conditionalStore(cpu: number, pa: number, ok: boolean): number {
    const ctr = this.counters[cpu]!;
    this.resLine[cpu] = -1;
    this.resOwner[cpu] = null;
    if (!ok) {
      ctr.stcxFail++;
      return this.costs.stcxFail;
    }
    ctr.stcx++;
    ctr.stores++;
    return this.dir.store(cpu, pa >>> LINE_SHIFT, this.engine.now, this.costs.stcx);
  }

  /** True when `cpu` holds a reservation (inspection for tests). */
  hasReservation(cpu: number): boolean {
    return this.resLine[cpu] !== -1;
  }

  // ---- barriers and the timebase -------------------------------------------

  /** sync (hwsync): full barrier. K42's SyncBeforeRelease. */
  *sync(): Sim<void> {
    this.counters[this.cpuNow('sync')]!.sync++;
    yield this.costs.sync;
  }
  /** lwsync: orders load-load, load-store, store-store (not store-load). */
  *lwsync(): Sim<void> {
    this.counters[this.cpuNow('lwsync')]!.lwsync++;
    yield this.costs.lwsync;
  }
  /** isync: K42's SyncAfterAcquire. */
  *isync(): Sim<void> {
    this.counters[this.cpuNow('isync')]!.isync++;
    yield this.costs.isync;
  }

  /** mftb: the timebase at the moment of issue, in timebase ticks. */
  *mftb(): Sim<number> {
    this.counters[this.cpuNow('mftb')]!.mftb++;
    const tb = this.timebaseAt(this.engine.now);
    yield this.costs.mftb;
    return tb;
  }

  /**
   * Timebase ticks at core cycle `cycles`: floor(cycles * timebaseHz / coreHz).
   * Exact while (cycles mod d) * n < 2^53, with n/d the reduced ratio.
   */
  timebaseAt(cycles: number): number {
    const n = this.tbNum;
    const d = this.tbDen;
    const q = Math.floor(cycles / d);
    return q * n + Math.floor(((cycles - q * d) * n) / d);
  }

  // ---- setup and inspection: no cost, no coherence or reservation effect ----

  peek8(ea: number, cpu = 0): number {
    return this.mem.read8(this.pa(ea, 1, cpu));
  }
  peek16(ea: number, cpu = 0): number {
    return this.mem.read16(this.pa(ea, 2, cpu));
  }
  peek32(ea: number, cpu = 0): number {
    return this.mem.read32(this.pa(ea, 4, cpu));
  }
  peek64(ea: number, cpu = 0): number {
    return this.mem.read64(this.pa(ea, 8, cpu));
  }
  poke8(ea: number, v: number, cpu = 0): void {
    this.mem.write8(this.pa(ea, 1, cpu), v);
  }
  poke16(ea: number, v: number, cpu = 0): void {
    this.mem.write16(this.pa(ea, 2, cpu), v);
  }
  poke32(ea: number, v: number, cpu = 0): void {
    this.mem.write32(this.pa(ea, 4, cpu), v);
  }
  poke64(ea: number, v: number, cpu = 0): void {
    this.mem.write64(this.pa(ea, 8, cpu), v);
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
