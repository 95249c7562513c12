/**
 * Where a disk's bytes live: in memory (sparse) or in a host image file.
 *
 * Backends are plain synchronous storage with no modelled time; the `Disk`
 * (disk.ts) adds latency, interrupts and faults. Offsets and lengths are
 * checked by the disk before a backend sees them.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync, writevSync } from 'node:fs';
import { sparseRead, sparseWrite } from './sparse.ts';

export interface DiskBackend {
  readonly sizeBytes: number;
  /** Fill `dst` with the bytes at `offset` (never-written bytes read as zero; `dstZeroed`: `dst` is all zeros already, a hint). */
  read(offset: number, dst: Uint8Array, dstZeroed?: boolean): void;
  write(offset: number, src: Uint8Array): void;
  /** `segments` back to back from `offset` in one call (optional; else one `write` each). */
  writev?(offset: number, segments: readonly Uint8Array[]): void;
  flush?(): void;
  close?(): void;
  /** The regions ever written, [offset, bytes] in offset order (the rest reads as zero); views, not copies. */
  extents?(): [number, Uint8Array][];
}

const CHUNK = 64 * 1024;
const ZERO_CHUNK = new Uint8Array(CHUNK);

/**
 * An image's non-zero 64 KiB chunks, copied once, from which many disks
 * start (MemoryBackend.fromTemplate): every fuzz case and test boots the
 * same fresh mke2fs image, and scanning its 32 MiB for zeros and copying
 * what is not took ~7 ms a boot. Nothing may write a template's chunks.
 */
export interface ImageTemplate {
  readonly sizeBytes: number;
  readonly chunks: ReadonlyMap<number, Uint8Array>;
}

/** Sparse memory backend: 64 KB chunks allocated on first write. */
export class MemoryBackend implements DiskBackend {
  private readonly chunks = new Map<number, Uint8Array>();
  /** Chunks still shared with the template this disk started from: copied before their first write. */
  private shared: Set<number> | null = null;

  constructor(readonly sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0) throw new RangeError(`MemoryBackend: bad size ${sizeBytes}`);
  }

  /**
   * A backend holding a copy of `image`, its all-zero chunks left as holes
   * (most of a fresh image is empty). The zero test is a native memcmp: a
   * JavaScript loop over a 32 MiB image took ~0.1 s, a closure per byte ~0.7 s.
   */
  static withImage(image: Uint8Array): MemoryBackend {
    return MemoryBackend.fromTemplate(MemoryBackend.template(image));
  }

  /** `image`'s non-zero chunks, copied (later changes to `image` do not reach the template). */
  static template(image: Uint8Array): ImageTemplate {
    const chunks = new Map<number, Uint8Array>();
    for (let off = 0; off < image.length; off += CHUNK) {
      const c = image.subarray(off, Math.min(off + CHUNK, image.length));
      if (Buffer.compare(c, ZERO_CHUNK.subarray(0, c.length)) === 0) continue;
      const chunk = new Uint8Array(CHUNK);
      chunk.set(c);
      chunks.set(off / CHUNK, chunk);
    }
    return { sizeBytes: image.length, chunks };
  }

  /** A disk that reads as `t`, sharing its chunks until it writes them (copy on write). */
  static fromTemplate(t: ImageTemplate): MemoryBackend {
    const backend = new MemoryBackend(t.sizeBytes);
    for (const [index, chunk] of t.chunks) backend.chunks.set(index, chunk);
    backend.shared = new Set(t.chunks.keys());
    return backend;
  }

  /** Bytes of host memory in use. */
  get residentBytes(): number {
    return this.chunks.size * CHUNK;
  }

  extents(): [number, Uint8Array][] {
    return [...this.chunks.entries()].sort((a, b) => a[0] - b[0]).map(([idx, c]) => [idx * CHUNK, c.subarray(0, Math.min(CHUNK, this.sizeBytes - idx * CHUNK))]);
  }

  read(offset: number, dst: Uint8Array, dstZeroed = false): void {
    sparseRead(this.chunks, CHUNK, offset, dst, dst.length, dstZeroed);
  }

  write(offset: number, src: Uint8Array): void {
    const shared = this.shared;
    if (shared !== null && shared.size > 0 && src.length > 0) {
      for (let i = Math.floor(offset / CHUNK), last = Math.floor((offset + src.length - 1) / CHUNK); i <= last; i++) {
        if (!shared.delete(i)) continue;
        this.chunks.set(i, this.chunks.get(i)!.slice());
      }
    }
    sparseWrite(this.chunks, CHUNK, offset, src);
  }
}

export interface HostFileOptions {
  /** Create (or truncate) the file with this size. */
  create?: boolean;
  /** Size of a created file; for an existing file, the default is its size. */
  sizeBytes?: number;
  readOnly?: boolean;
  /** fsync the host file on flush (off by default: modelled durability does not need it). */
  fsync?: boolean;
}

/** A host image file read and written with fs.readSync/writeSync on one fd. */
export class HostFileBackend implements DiskBackend {
  readonly sizeBytes: number;
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    sizeBytes: number,
    private readonly doFsync: boolean,
  ) {
    this.fd = fd;
    this.sizeBytes = sizeBytes;
  }

  static open(path: string, opts: HostFileOptions = {}): HostFileBackend {
    if (opts.create) {
      if (opts.sizeBytes === undefined) throw new RangeError(`HostFileBackend ${path}: create needs sizeBytes`);
      const fd = openSync(path, 'w+');
      ftruncateSync(fd, opts.sizeBytes);
      return new HostFileBackend(path, fd, opts.sizeBytes, opts.fsync ?? false);
    }
    const fd = openSync(path, opts.readOnly ? 'r' : 'r+');
    const size = opts.sizeBytes ?? fstatSync(fd).size;
    return new HostFileBackend(path, fd, size, opts.fsync ?? false);
  }

  private handle(): number {
    if (this.fd === null) throw new Error(`HostFileBackend ${this.path}: closed`);
    return this.fd;
  }

  read(offset: number, dst: Uint8Array): void {
    const fd = this.handle();
    let done = 0;
    while (done < dst.length) {
      const n = readSync(fd, dst, done, dst.length - done, offset + done);
      if (n === 0) {
        dst.fill(0, done); // past the end of a short file: zeros
        return;
      }
      done += n;
    }
  }

  write(offset: number, src: Uint8Array): void {
    const fd = this.handle();
    let done = 0;
    while (done < src.length) done += writeSync(fd, src, done, src.length - done, offset + done);
  }

  /** One pwritev for the whole vector (a short write finishes segment by segment). */
  writev(offset: number, segments: readonly Uint8Array[]): void {
    const fd = this.handle();
    let done = writevSync(fd, segments as Uint8Array[], offset);
    for (const seg of segments) {
      if (done >= seg.length) {
        done -= seg.length;
      } else {
        this.write(offset + done, seg.subarray(done));
        done = 0;
      }
      offset += seg.length;
    }
  }

  flush(): void {
    if (this.doFsync) fsyncSync(this.handle());
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
