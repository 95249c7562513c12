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

/** Sparse memory backend: 64 KB chunks allocated on first write. */
export class MemoryBackend implements DiskBackend {
  private readonly chunks = new Map<number, Uint8Array>();

  constructor(readonly sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0) throw new RangeError(`MemoryBackend: bad size ${sizeBytes}`);
  }

  /**
   * A backend holding a copy of `image`, its all-zero chunks left as holes
   * (most of a fresh image is empty). The zero test is a native memcmp: a
   * JavaScript loop over a 32 MiB image took ~0.1 s, a closure per byte ~0.7 s.
   */
  static withImage(image: Uint8Array): MemoryBackend {
    const backend = new MemoryBackend(image.length);
    for (let off = 0; off < image.length; off += CHUNK) {
      const c = image.subarray(off, Math.min(off + CHUNK, image.length));
      if (Buffer.compare(c, ZERO_CHUNK.subarray(0, c.length)) !== 0) backend.write(off, c);
    }
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
