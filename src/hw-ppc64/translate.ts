/**
 * Address translation: effective addresses to physical, with processor-
 * specific regions.
 *
 * The model uses 52-bit effective addresses so that every address is an exact
 * JS number (< 2^53). Region bases are K42's 64-bit bases shifted right by 12
 * bits (os/kernel/sys/arch/powerpc/memoryMap.H, docs/design.md "PowerPC facts"):
 *
 *   kernel (global)       0xC000000000000000  ->  0x000C_0000_0000_0000
 *   KERNEL_PSPECIFIC_BASE 0xD000000000000000  ->  0x000D_0000_0000_0000
 *   COMMON_PSPECIFIC_BASE 0xE000000000000000  ->  0x000E_0000_0000_0000
 *   USER_PSPECIFIC_BASE   0x7FFFF80000000000  ->  0x0007_FFFF_8000_0000
 *
 * In a global region every CPU sees the same frame for a page. In a
 * processor-specific region the same effective address maps to a different
 * frame on each CPU, as K42's mapping-fault handler does with a per-processor
 * VSID and virtual-to-real delta (lolita.S). Each region is bump-allocated
 * and mapped densely from its base, so a page table is a flat Int32Array
 * (pspecific: one entry per page per CPU). Regions span 2^31 bytes.
 *
 * Fidelity boundary: segment/TLB/ERAT misses and page faults are not
 * modelled; translation is free. An access outside every mapping throws a
 * `MachineFault` (a data storage interrupt the model does not recover from).
 */
import { SimError } from '../sim/errors.ts';
import { PAGE_SHIFT, PAGE_SIZE, type PhysicalMemory } from './memory.ts';

export const KERNEL_BASE = 0x000c_0000_0000_0000;
export const KERNEL_PSPECIFIC_BASE = 0x000d_0000_0000_0000;
export const COMMON_PSPECIFIC_BASE = 0x000e_0000_0000_0000;
export const USER_PSPECIFIC_BASE = 0x0007_ffff_8000_0000;
export const REGION_BYTES = 2 ** 31;
/** Effective addresses are 52 bits wide. */
export const EA_BITS = 52;

export type RegionName = 'kernel' | 'kernelPspecific' | 'commonPspecific' | 'userPspecific';

/** An access the model cannot translate (unmapped or misaligned). */
export class MachineFault extends SimError {
  constructor(message: string) {
    super(message);
    this.name = 'MachineFault';
  }
}

export function hex(ea: number): string {
  return '0x' + ea.toString(16).padStart(16, '0');
}

export class Region {
  /** Frame number per page (pspecific: per page per CPU, index page*cpus+cpu). */
  pt: Int32Array;
  /** Bytes mapped from the base (a multiple of the page size). */
  mapped = 0;
  /** Next free byte offset (bump allocator). */
  brk = 0;

  constructor(
    readonly name: RegionName,
    readonly base: number,
    /** CPUs with their own copy: 1 for a global region. */
    readonly copies: number,
  ) {
    this.pt = new Int32Array(16 * copies);
  }

  get pspecific(): boolean {
    return this.name !== 'kernel';
  }
}

export class Mmu {
  readonly kernel: Region;
  readonly kernelPspecific: Region;
  readonly commonPspecific: Region;
  readonly userPspecific: Region;
  private readonly regions: readonly Region[];

  constructor(
    private readonly mem: PhysicalMemory,
    readonly cpus: number,
  ) {
    this.kernel = new Region('kernel', KERNEL_BASE, 1);
    this.kernelPspecific = new Region('kernelPspecific', KERNEL_PSPECIFIC_BASE, cpus);
    this.commonPspecific = new Region('commonPspecific', COMMON_PSPECIFIC_BASE, cpus);
    this.userPspecific = new Region('userPspecific', USER_PSPECIFIC_BASE, cpus);
    this.regions = [this.kernel, this.kernelPspecific, this.commonPspecific, this.userPspecific];
  }

  region(name: RegionName): Region {
    return this.regions.find((r) => r.name === name)!;
  }

  /**
   * Reserve `bytes` in region `r` aligned to `align` (a power of two), map
   * fresh frames for any new page (one per CPU in a pspecific region) and
   * return the effective address.
   */
  allocIn(r: Region, bytes: number, align: number): number {
    const off = Math.ceil(r.brk / align) * align;
    const end = off + bytes;
    if (end > REGION_BYTES) throw new SimError(`machine: region ${r.name} is full`);
    while (r.mapped < end) this.mapPage(r);
    r.brk = end;
    return r.base + off;
  }

  private mapPage(r: Region): void {
    const page = r.mapped >>> PAGE_SHIFT;
    const need = (page + 1) * r.copies;
    if (need > r.pt.length) {
      const pt = new Int32Array(Math.max(need, r.pt.length * 2));
      pt.set(r.pt);
      r.pt = pt;
    }
    for (let c = 0; c < r.copies; c++) r.pt[page * r.copies + c] = this.mem.allocFrame();
    r.mapped += PAGE_SIZE;
  }

  /**
   * Physical address of `ea` as seen by `cpu`. Hot path: no allocation,
   * global kernel region first.
   */
  translate(ea: number, cpu: number): number {
    let r = this.kernel;
    let off = ea - r.base;
    if (off >= 0 && off < r.mapped) return r.pt[off >>> PAGE_SHIFT]! * PAGE_SIZE + (off & (PAGE_SIZE - 1));
    for (let i = 1; i < 4; i++) {
      r = this.regions[i]!;
      off = ea - r.base;
      if (off >= 0 && off < r.mapped) {
        return r.pt[(off >>> PAGE_SHIFT) * r.copies + cpu]! * PAGE_SIZE + (off & (PAGE_SIZE - 1));
      }
    }
    throw new MachineFault(`cpu${cpu}: data storage interrupt: effective address ${hex(ea)} is not mapped`);
  }

  /** Region holding `ea`, if mapped. */
  regionOf(ea: number): Region | undefined {
    return this.regions.find((r) => ea >= r.base && ea < r.base + r.mapped);
  }
}
