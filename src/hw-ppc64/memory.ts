/**
 * Big-endian physical memory of the modelled machine.
 *
 * Physical memory is a sequence of 4 KB frames handed out on demand (frames
 * are zeroed), stored in 1 MB chunks so nothing is allocated for memory that
 * no page maps. Physical addresses stay below 2^30 (config.ts), so the hot
 * paths use 32-bit integer arithmetic.
 *
 * Values are big-endian, as on PowerPC. 8/16/32-bit loads zero-extend (lbz,
 * lhz, lwz); 64-bit loads (ld) are signed and returned as JS numbers, exact
 * for |v| < 2^53: reading a doubleword outside that range, or storing a value
 * that is not a safe integer, throws rather than silently round. Accesses
 * must be naturally aligned (the caller checks; see cpu-ops.ts), so one never
 * crosses a cache line, a page or a chunk.
 */
import { SimError } from '../sim/errors.ts';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** ppc64 Linux L1_CACHE_SHIFT 7: 128-byte lines on the 970 and POWER4/5. */
export const LINE_SHIFT = 7;
export const LINE_SIZE = 1 << LINE_SHIFT;
export const LINES_PER_PAGE = PAGE_SIZE / LINE_SIZE;

const CHUNK_SHIFT = 20;
const CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
const FRAMES_PER_CHUNK = 1 << (CHUNK_SHIFT - PAGE_SHIFT);
const TWO32 = 4294967296;
const HI_LIMIT = 1 << 21; // |hi word| < 2^21  <=>  |v| < 2^53

export class PhysicalMemory {
  private readonly chunks: DataView[] = [];
  private nextFrame = 0;
  readonly maxFrames: number;

  constructor(readonly sizeBytes: number) {
    this.maxFrames = sizeBytes >>> PAGE_SHIFT;
  }

  /** Frames handed out so far; physical addresses below framesAllocated*4096 are valid. */
  get framesAllocated(): number {
    return this.nextFrame;
  }

  /** A fresh zeroed frame; returns its page frame number. */
  allocFrame(): number {
    if (this.nextFrame >= this.maxFrames) {
      throw new SimError(`machine: out of modelled physical memory (${this.sizeBytes} bytes); raise memoryBytes`);
    }
    const pfn = this.nextFrame++;
    const c = Math.floor(pfn / FRAMES_PER_CHUNK);
    if (this.chunks[c] === undefined) this.chunks[c] = new DataView(new ArrayBuffer(1 << CHUNK_SHIFT));
    return pfn;
  }

  read8(pa: number): number {
    return this.chunks[pa >>> CHUNK_SHIFT]!.getUint8(pa & CHUNK_MASK);
  }
  read16(pa: number): number {
    return this.chunks[pa >>> CHUNK_SHIFT]!.getUint16(pa & CHUNK_MASK, false);
  }
  read32(pa: number): number {
    return this.chunks[pa >>> CHUNK_SHIFT]!.getUint32(pa & CHUNK_MASK, false);
  }
  read64(pa: number): number {
    const d = this.chunks[pa >>> CHUNK_SHIFT]!;
    const o = pa & CHUNK_MASK;
    const hi = d.getInt32(o, false);
    if (hi >= HI_LIMIT || hi < -HI_LIMIT) {
      throw new SimError(`machine: doubleword at physical 0x${pa.toString(16)} is outside the exact range |v| < 2^53`);
    }
    return hi * TWO32 + d.getUint32(o + 4, false);
  }

  write8(pa: number, v: number): void {
    this.chunks[pa >>> CHUNK_SHIFT]!.setUint8(pa & CHUNK_MASK, v);
  }
  write16(pa: number, v: number): void {
    this.chunks[pa >>> CHUNK_SHIFT]!.setUint16(pa & CHUNK_MASK, v, false);
  }
  write32(pa: number, v: number): void {
    this.chunks[pa >>> CHUNK_SHIFT]!.setUint32(pa & CHUNK_MASK, v >>> 0, false);
  }
  write64(pa: number, v: number): void {
    if (!Number.isSafeInteger(v)) throw new SimError(`machine: doubleword store of ${v}: not an integer with |v| < 2^53`);
    const d = this.chunks[pa >>> CHUNK_SHIFT]!;
    const o = pa & CHUNK_MASK;
    const hi = Math.floor(v / TWO32);
    d.setInt32(o, hi, false);
    d.setUint32(o + 4, v - hi * TWO32, false);
  }

  /** Copy bytes out of one frame (setup and inspection; `pa..pa+n` must stay in the frame). */
  readBytes(pa: number, n: number): Uint8Array {
    const d = this.chunks[pa >>> CHUNK_SHIFT]!;
    return new Uint8Array(d.buffer, (pa & CHUNK_MASK) + d.byteOffset, n).slice();
  }

  writeBytes(pa: number, src: Uint8Array): void {
    const d = this.chunks[pa >>> CHUNK_SHIFT]!;
    new Uint8Array(d.buffer, d.byteOffset + (pa & CHUNK_MASK), src.length).set(src);
  }
}
