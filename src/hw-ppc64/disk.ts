/**
 * Disks: block devices with a latency model that complete by interrupt.
 *
 * Request path. A thread calls `read`/`write`/`flush`: the request is checked
 * (EINVAL for offsets or lengths that are not whole sectors, EIO past the
 * end, EROFS for a write to a read-only disk), the thread is charged
 * `diskSubmit` cycles, and the request is queued on the device. The device
 * serves requests one at a time in submission order (FIFO; a request starts
 * when the previous one is done) and takes
 *
 *     overheadUs + length / bytesPerUs   microseconds of modelled time
 *
 * (assumption: an SSD-like 50 us per request and 500 MB/s by default; both
 * configurable). The submitting thread blocks on the request's wait queue.
 * At completion the device raises an interrupt on the submitting CPU; the
 * handler, in interrupt context (it never blocks), moves the data (a read
 * copies from the backend, a write applies to it; DMA, so only `diskIrq`
 * cycles are charged), runs the disk's optional `onComplete` hook, then wakes
 * the thread. Writes are durable at completion (no volatile write cache), so
 * `flush` is a zero-length request that completes after every earlier one.
 *
 * Outside any simulated thread a request throws: setup code (loading an
 * image, inspecting one after a run) uses `readSync`/`writeSync`, which take
 * no modelled time, count nothing and ignore injected faults.
 *
 * Fault injection for reliability work: `failNextReads(n)`/`failNextWrites(n)`
 * complete the next n requests with EIO after the normal latency;
 * `powerCutAfter(n)` lets n more writes reach the medium and silently drops
 * every later one (they still report success); `setReadOnly(true)` makes
 * writes fail with EROFS.
 */
import type { Engine } from '../sim/engine.ts';
import type { Sim } from '../sim/effects.ts';
import { ErrnoError, errno } from '../uapi/errno.ts';
import { InterruptContextError, SimError } from '../sim/errors.ts';
import type { WaitQueue } from '../sim/waitqueue.ts';
import type { BlockDevice } from './blockdev.ts';
import type { CostTable } from './costs.ts';
import { MemoryBackend, type DiskBackend } from './disk-backend.ts';

export type DiskOp = 'read' | 'write' | 'flush';

/** A disk's bytes as [offset, bytes] regions in order; everything else is zero. */
export interface SparseImage {
  readonly sizeBytes: number;
  readonly extents: readonly (readonly [number, Uint8Array])[];
}

/** What the `onComplete` hook sees (interrupt context). */
export interface DiskCompletion {
  readonly disk: Disk;
  readonly op: DiskOp;
  readonly offset: number;
  readonly length: number;
  /** Submitting thread id and CPU (the CPU the interrupt runs on). */
  readonly tid: number;
  readonly cpu: number;
  readonly submitted: number;
  readonly error: ErrnoError | null;
}

export interface DiskOptions {
  name: string;
  /** Memory backend of this size when `backend` is not given. */
  sizeBytes?: number;
  backend?: DiskBackend;
  sectorSize?: number;
  /** Per-request overhead in microseconds (default 50). */
  overheadUs?: number;
  /** Transfer rate in bytes per microsecond (default 500, i.e. 500 MB/s). */
  bytesPerUs?: number;
  readOnly?: boolean;
  /** Runs in interrupt context at each completion, before the waiter wakes. */
  onComplete?: ((c: DiskCompletion) => Sim<void>) | null;
}

export interface DiskStats {
  reads: number;
  writes: number;
  flushes: number;
  bytesRead: number;
  bytesWritten: number;
  errors: number;
  droppedWrites: number;
}

interface Request {
  readonly op: DiskOp;
  readonly offset: number;
  readonly length: number;
  /** A write's bytes: segments laid back to back from `offset`. */
  readonly data: readonly Uint8Array[] | null;
  readonly tid: number;
  readonly cpu: number;
  readonly submitted: number;
  readonly wq: WaitQueue;
  error: ErrnoError | null;
  result: Uint8Array | null;
  done: boolean;
}

export class Disk implements BlockDevice {
  readonly name: string;
  readonly sectorSize: number;
  readonly sizeBytes: number;
  readOnly: boolean;
  onComplete: ((c: DiskCompletion) => Sim<void>) | null;
  readonly stats: DiskStats = { reads: 0, writes: 0, flushes: 0, bytesRead: 0, bytesWritten: 0, errors: 0, droppedWrites: 0 };
  readonly backend: DiskBackend;
  private readonly overheadCycles: number;
  private stallRequests = 0;
  private stallCycles = 0;
  private readonly bytesPerCycle: number;
  private busyUntil = 0;
  private failReads = 0;
  private failWrites = 0;
  /** Writes still allowed to reach the medium; Infinity when power is on. */
  private writesBeforeCut = Infinity;

  constructor(
    private readonly engine: Engine,
    private readonly costs: CostTable,
    opts: DiskOptions,
  ) {
    this.name = opts.name;
    this.sectorSize = opts.sectorSize ?? 512;
    if (!Number.isInteger(this.sectorSize) || this.sectorSize <= 0 || (this.sectorSize & (this.sectorSize - 1)) !== 0) {
      throw new SimError(`disk ${this.name}: sectorSize must be a power of two, got ${this.sectorSize}`);
    }
    if (opts.backend === undefined && opts.sizeBytes === undefined) {
      throw new SimError(`disk ${this.name}: give sizeBytes (memory backend) or a backend`);
    }
    this.backend = opts.backend ?? new MemoryBackend(opts.sizeBytes!);
    this.sizeBytes = opts.sizeBytes ?? this.backend.sizeBytes;
    if (!Number.isInteger(this.sizeBytes) || this.sizeBytes <= 0 || this.sizeBytes % this.sectorSize !== 0) {
      throw new SimError(`disk ${this.name}: size must be a positive multiple of ${this.sectorSize} bytes, got ${this.sizeBytes}`);
    }
    if (this.sizeBytes > this.backend.sizeBytes) {
      throw new SimError(`disk ${this.name}: size ${this.sizeBytes} exceeds its backend (${this.backend.sizeBytes} bytes)`);
    }
    const overheadUs = opts.overheadUs ?? 50;
    const bytesPerUs = opts.bytesPerUs ?? 500;
    if (!(overheadUs >= 0) || !(bytesPerUs > 0)) throw new SimError(`disk ${this.name}: overheadUs must be >= 0 and bytesPerUs > 0`);
    this.overheadCycles = overheadUs * engine.cyclesPerUs;
    this.bytesPerCycle = bytesPerUs / engine.cyclesPerUs;
    this.readOnly = opts.readOnly ?? false;
    this.onComplete = opts.onComplete ?? null;
  }

  /** Modelled service time of a request of `length` bytes, in cycles. */
  serviceCycles(length: number): number {
    return Math.round(this.overheadCycles + length / this.bytesPerCycle);
  }

  // ---- BlockDevice ---------------------------------------------------------

  *read(offset: number, length: number): Sim<Uint8Array> {
    this.check('read', offset, length);
    if (length === 0) return new Uint8Array(0);
    const r = yield* this.submit('read', offset, length, null);
    return r!;
  }

  /** The bytes are copied at submission: the caller may reuse `data` at once. */
  *write(offset: number, data: Uint8Array): Sim<void> {
    if (!(data instanceof Uint8Array)) throw errno('EINVAL', `disk ${this.name}: write data must be a Uint8Array`);
    yield* this.writeSegments(offset, [data], data.length, true);
  }

  /** The segments are read at completion (BlockDevice.writeNoCopy): one request, no copy. */
  *writeNoCopy(offset: number, segments: readonly Uint8Array[]): Sim<void> {
    let length = 0;
    for (const seg of segments) {
      if (!(seg instanceof Uint8Array)) throw errno('EINVAL', `disk ${this.name}: write data must be a Uint8Array`);
      length += seg.length;
    }
    yield* this.writeSegments(offset, segments, length, false);
  }

  private *writeSegments(offset: number, segments: readonly Uint8Array[], length: number, copy: boolean): Sim<void> {
    this.check('write', offset, length);
    if (this.readOnly) throw errno('EROFS', `disk ${this.name} is read-only`);
    if (length === 0) return;
    yield* this.submit('write', offset, length, copy ? segments.map((d) => d.slice()) : segments);
  }

  *flush(): Sim<void> {
    this.check('flush', 0, 0);
    yield* this.submit('flush', 0, 0, null);
  }

  // ---- setup paths (no modelled time, no counters, no injected faults) -----

  readSync(offset: number, length: number): Uint8Array {
    this.checkRange(offset, length);
    const out = new Uint8Array(length);
    // a fresh array: the backend need not write the zeros of holes
    this.backend.read(offset, out, true);
    return out;
  }

  /**
   * The whole medium as a sparse image (no modelled time): its written
   * regions, without materialising the zeros in between (e2fsck of a 64 MiB
   * disk writes only what is there). Views into the medium: use them before
   * the disk is written again.
   */
  sparseImage(): SparseImage {
    return { sizeBytes: this.sizeBytes, extents: this.backend.extents?.() ?? [[0, this.readSync(0, this.sizeBytes)]] };
  }

  writeSync(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length);
    this.backend.write(offset, data);
  }

  close(): void {
    this.backend.close?.();
  }

  // ---- fault injection -----------------------------------------------------

  /** The next `n` reads complete with EIO (after the normal latency). */
  failNextReads(n: number): void {
    this.failReads = n;
  }
  /** The next `n` writes complete with EIO and do not reach the medium. */
  failNextWrites(n: number): void {
    this.failWrites = n;
  }
  /** `n` more writes reach the medium; every later write is silently dropped. */
  powerCutAfter(n: number): void {
    this.writesBeforeCut = n;
  }
  restorePower(): void {
    this.writesBeforeCut = Infinity;
  }
  setReadOnly(ro: boolean): void {
    this.readOnly = ro;
  }
  /** The next `n` requests each take `extraUs` longer (a device hiccup: firmware pause, path failover). */
  stallNext(n: number, extraUs: number): void {
    this.stallRequests = n;
    this.stallCycles = Math.round(extraUs * this.engine.cyclesPerUs);
  }

  // ---- internals -----------------------------------------------------------

  private check(op: DiskOp, offset: number, length: number): void {
    const me = this.engine.current;
    if (me === null) throw new SimError(`disk ${this.name}: ${op} outside a simulated thread (setup code uses readSync/writeSync)`);
    if (me.isInterrupt) throw new InterruptContextError(`disk ${this.name} ${op} (it blocks)`, me.name);
    this.checkRange(offset, length);
  }

  private checkRange(offset: number, length: number): void {
    const ss = this.sectorSize;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset % ss !== 0 || length % ss !== 0) {
      throw errno('EINVAL', `disk ${this.name}: offset ${offset} length ${length} not in whole ${ss}-byte sectors`);
    }
    if (offset + length > this.sizeBytes) {
      throw errno('EIO', `disk ${this.name}: ${offset}+${length} beyond end of device (${this.sizeBytes} bytes)`);
    }
  }

  private *submit(op: DiskOp, offset: number, length: number, data: readonly Uint8Array[] | null): Sim<Uint8Array | null> {
    yield this.costs.diskSubmit;
    const e = this.engine;
    const me = e.current!;
    const now = e.now;
    if (op === 'read') this.stats.reads++;
    else if (op === 'write') this.stats.writes++;
    else this.stats.flushes++;
    let error: ErrnoError | null = null;
    if (op === 'read' && this.failReads > 0) {
      this.failReads--;
      error = errno('EIO', `disk ${this.name}: injected read error at ${offset}`);
    } else if (op === 'write' && this.failWrites > 0) {
      this.failWrites--;
      error = errno('EIO', `disk ${this.name}: injected write error at ${offset}`);
    }
    const start = this.busyUntil > now ? this.busyUntil : now;
    let end = start + this.serviceCycles(length);
    if (this.stallRequests > 0) {
      this.stallRequests--;
      end += this.stallCycles;
    }
    this.busyUntil = end;
    const req: Request = {
      op, offset, length, data, tid: me.id, cpu: me.cpu, submitted: now,
      wq: e.waitQueue(`disk ${this.name} ${op}@${offset}`), error, result: null, done: false,
    };
    e.trace?.io(now, end, this.name, op, offset, length, me.id);
    e.interrupt(me.cpu, end, `${this.name}-irq`, () => this.complete(req));
    while (!req.done) yield { kind: 'block', wq: req.wq };
    if (req.error) throw req.error;
    return req.result;
  }

  /** The device interrupt handler (interrupt context: must not block). */
  private *complete(req: Request): Sim<void> {
    yield this.costs.diskIrq;
    if (req.error === null) {
      if (req.op === 'read') {
        const buf = new Uint8Array(req.length);
        this.backend.read(req.offset, buf);
        req.result = buf;
        this.stats.bytesRead += req.length;
      } else if (req.op === 'write') {
        if (this.writesBeforeCut > 0) {
          this.writesBeforeCut--;
          const segs = req.data!;
          if (segs.length === 1) this.backend.write(req.offset, segs[0]!);
          else if (this.backend.writev) this.backend.writev(req.offset, segs);
          else {
            let at = req.offset;
            for (const seg of segs) {
              this.backend.write(at, seg);
              at += seg.length;
            }
          }
        } else {
          this.stats.droppedWrites++;
        }
        this.stats.bytesWritten += req.length;
      } else if (this.writesBeforeCut > 0) {
        this.backend.flush?.();
      }
    } else {
      this.stats.errors++;
    }
    if (this.onComplete) {
      yield* this.onComplete({
        disk: this, op: req.op, offset: req.offset, length: req.length,
        tid: req.tid, cpu: req.cpu, submitted: req.submitted, error: req.error,
      });
    }
    req.done = true;
    req.wq.wakeAll();
  }
}
