/**
 * The modelled PowerPC multiprocessor: CPUs with a cost table, big-endian
 * physical memory, address translation with processor-specific regions, a
 * coherence directory per 128-byte line, reservations, barriers, the
 * timebase, IPIs and disks, on top of a `src/sim` Engine it creates.
 *
 * A `Machine` is the instruction-set view (`CpuOps`: `yield* m.load64(ea)`,
 * `yield* m.lwarx(ea)`, ...) plus allocation of modelled memory, atomics,
 * IPIs and disks. The engine's scheduler costs come from the cost table:
 * context switch, interrupt entry/exit, an atomic (ldarx + add + stdcx. +
 * isync on an owned line, what a sim-level lock acquire costs) and a spin
 * iteration; `cyclesPerUs` from the core clock.
 *
 * Fidelity boundary (also in README): coherence costs are charged for the
 * addresses code touches through this API (OTT entries, counters, generation
 * counts, mediator state, locks); everything else is charged as a
 * per-operation compute cost by the layers above. Caches have no capacity
 * limit, translation is free, SMT is not modelled, and threads do not migrate.
 */
import { Engine, type RunLimits, type RunResult, type SpawnOptions } from '../sim/engine.ts';
import type { Sim } from '../sim/effects.ts';
import type { SimThread } from '../sim/thread.ts';
import { compareAndStore, compareAndStoreSynced, fetchAdd, fetchAddSynced, type AtomicSize } from './atomics.ts';
import { CpuCounters, Directory } from './coherence.ts';
import { resolveConfig, type MachineConfig, type ResolvedConfig } from './config.ts';
import { costTable, MODEL_SPECS, type ModelSpec } from './costs.ts';
import { CpuOps } from './cpu-ops.ts';
import { Disk, type DiskOptions } from './disk.ts';
import { sendIpi } from './ipi.ts';
import { LINE_SIZE, LINES_PER_PAGE, PAGE_SIZE, PhysicalMemory } from './memory.ts';
import { Mmu, type Region, type RegionName } from './translate.ts';

export interface AllocOptions {
  /** Power of two, default 8 (a doubleword). Use 128 to start a cache line. */
  align?: number;
  name?: string;
}

export interface PspecificAllocOptions extends AllocOptions {
  /** Which processor-specific region (default the kernel's). */
  region?: 'kernelPspecific' | 'commonPspecific' | 'userPspecific';
}

export interface Allocation {
  readonly name: string;
  readonly ea: number;
  readonly bytes: number;
  readonly region: RegionName;
}

export class Machine extends CpuOps {
  readonly config: ResolvedConfig;
  readonly spec: ModelSpec;
  readonly cpus: number;
  readonly lineSize = LINE_SIZE;
  readonly pageSize = PAGE_SIZE;
  readonly disks: Disk[] = [];
  private readonly allocs: Allocation[] = [];

  constructor(config: MachineConfig) {
    const cfg = resolveConfig(config);
    const costs = costTable(cfg.model, cfg.costs);
    const spec = MODEL_SPECS[cfg.model];
    const cyclesPerUs = cfg.coreHz / 1e6;
    const engine = new Engine({
      cpus: cfg.cpus,
      seed: cfg.seed,
      cyclesPerUs,
      perturb: cfg.perturb,
      trace: cfg.trace,
      costs: {
        contextSwitch: costs.contextSwitch,
        irqEntry: costs.irqEntry,
        irqExit: costs.irqExit,
        quantum: Math.round(cfg.quantumUs * cyclesPerUs),
        atomic: costs.larx + costs.alu + costs.stcx + costs.isync,
        spinIteration: costs.spinIteration,
      },
    });
    const mem = new PhysicalMemory(cfg.memoryBytes);
    const counters = Array.from({ length: cfg.cpus }, () => new CpuCounters());
    const dir = new Directory(cfg.cpus, costs, spec.coresPerChip, counters);
    super(engine, new Mmu(mem, cfg.cpus), mem, dir, costs, counters, cfg.coreHz, cfg.timebaseHz);
    this.config = cfg;
    this.spec = spec;
    this.cpus = cfg.cpus;
  }

  get model(): ModelSpec['model'] {
    return this.config.model;
  }

  // ---- engine shortcuts ----------------------------------------------------

  spawn<T>(name: string, body: () => Sim<T>, opts?: SpawnOptions): SimThread {
    return this.engine.spawn(name, body, opts);
  }

  run(limits?: RunLimits): RunResult {
    return this.engine.run(limits);
  }

  /** Timebase ticks now (engine time; usable outside threads, no cost). */
  get timebase(): number {
    return this.timebaseAt(this.engine.now);
  }

  // ---- modelled memory -----------------------------------------------------

  /** Allocate `bytes` of global kernel memory (zeroed); every CPU sees the same bytes. */
  alloc(bytes: number, opts: AllocOptions = {}): number {
    return this.allocIn(this.mmu.kernel, bytes, opts);
  }

  /**
   * Allocate `bytes` of processor-specific memory (zeroed): one effective
   * address, a different physical page on each CPU.
   */
  allocPspecific(bytes: number, opts: PspecificAllocOptions = {}): number {
    return this.allocIn(this.mmu.region(opts.region ?? 'kernelPspecific'), bytes, opts);
  }

  private allocIn(r: Region, bytes: number, opts: AllocOptions): number {
    const align = opts.align ?? 8;
    if (!Number.isInteger(bytes) || bytes <= 0) throw new RangeError(`machine.alloc: bytes must be a positive integer, got ${bytes}`);
    if (!Number.isInteger(align) || align <= 0 || (align & (align - 1)) !== 0 || align > PAGE_SIZE) {
      throw new RangeError(`machine.alloc: align must be a power of two up to ${PAGE_SIZE}, got ${align}`);
    }
    const ea = this.mmu.allocIn(r, bytes, align);
    this.dir.ensure(this.mem.framesAllocated * LINES_PER_PAGE);
    this.allocs.push({ name: opts.name ?? `anon@${this.allocs.length}`, ea, bytes, region: r.name });
    return ea;
  }

  /** Every allocation so far, in order. */
  allocations(): readonly Allocation[] {
    return this.allocs;
  }

  /** Physical line number of `ea` as `cpu` sees it (for coherence inspection). */
  lineOf(ea: number, cpu = 0): number {
    return Math.floor(this.mmu.translate(ea, cpu) / LINE_SIZE);
  }

  // ---- atomics (K42 atomic.h), IPIs ----------------------------------------

  fetchAdd(ea: number, delta: number, size: AtomicSize = 8): Sim<number> {
    return fetchAdd(this, ea, delta, size);
  }
  fetchAddSynced(ea: number, delta: number, size: AtomicSize = 8): Sim<number> {
    return fetchAddSynced(this, ea, delta, size);
  }
  compareAndStore(ea: number, expected: number, value: number, size: AtomicSize = 8): Sim<boolean> {
    return compareAndStore(this, ea, expected, value, size);
  }
  compareAndStoreSynced(ea: number, expected: number, value: number, size: AtomicSize = 8): Sim<boolean> {
    return compareAndStoreSynced(this, ea, expected, value, size);
  }

  /** Raise an IPI on `target`; `handler` runs there in interrupt context. */
  sendIpi(target: number, name: string, handler: () => Sim<void>): Sim<void> {
    return sendIpi(this, target, name, handler);
  }

  // ---- disks ---------------------------------------------------------------

  addDisk(opts: DiskOptions): Disk {
    if (this.disks.some((d) => d.name === opts.name)) throw new RangeError(`machine: a disk named ${opts.name} exists`);
    const d = new Disk(this.engine, this.costs, opts);
    this.disks.push(d);
    return d;
  }

  // ---- counters and description --------------------------------------------

  /** Sum of every CPU's counters. */
  totals(): CpuCounters {
    const t = new CpuCounters();
    for (const c of this.counters) t.add(c);
    return t;
  }

  resetCounters(): void {
    for (const c of this.counters) c.reset();
  }
}
