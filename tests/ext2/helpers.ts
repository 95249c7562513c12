/**
 * Test helpers for the ext2 suite: run a Sim to completion outside the
 * engine, in-memory / host-file / crash-injecting block devices, a seeded
 * PRNG, and wrappers around e2fsprogs (which must be installed: a missing
 * tool fails the test with the install hint, never skips it).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync, readFileSync, writeFileSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sim } from '../../src/sim/effects.ts';
import { errno } from '../../src/uapi/errno.ts';
import type { BlockDevice } from '../../src/hw-ppc64/blockdev.ts';
import { e2fsckFile, requireTool } from '../../src/ext2/e2fsprogs.ts';

/** Drive a generator to completion, ignoring compute effects (any other effect is a test bug). */
export function run<T>(g: Sim<T>): T {
  let r = g.next();
  while (!r.done) {
    if (typeof r.value !== 'number') throw new Error(`unexpected effect ${JSON.stringify(r.value)}`);
    r = g.next();
  }
  return r.value;
}

/** Sum of compute cycles a Sim charges (for cost sanity checks). */
export function runCounting<T>(g: Sim<T>): { value: T; cycles: number } {
  let cycles = 0;
  let r = g.next();
  while (!r.done) {
    if (typeof r.value !== 'number') throw new Error('unexpected effect');
    cycles += r.value;
    r = g.next();
  }
  return { value: r.value, cycles };
}

function checkIo(dev: BlockDevice, off: number, len: number): void {
  if (off % dev.sectorSize || len % dev.sectorSize) throw errno('EINVAL', `unaligned I/O ${off}+${len}`);
  if (off < 0 || off + len > dev.sizeBytes) throw errno('EIO', `I/O past the end ${off}+${len}`);
}

export class MemDevice implements BlockDevice {
  readonly sectorSize = 512;
  readonly readOnly: boolean;
  readonly name: string;
  reads = 0;
  writes = 0;
  constructor(
    readonly bytes: Uint8Array,
    opts: { readOnly?: boolean; name?: string } = {},
  ) {
    this.readOnly = opts.readOnly ?? false;
    this.name = opts.name ?? 'mem';
  }
  get sizeBytes(): number {
    return this.bytes.length;
  }
  static ofSize(n: number): MemDevice {
    return new MemDevice(new Uint8Array(n));
  }
  static fromFile(path: string): MemDevice {
    return new MemDevice(new Uint8Array(readFileSync(path)));
  }
  saveTo(path: string): void {
    writeFileSync(path, this.bytes);
  }
  *read(off: number, len: number): Sim<Uint8Array> {
    checkIo(this, off, len);
    yield 10;
    this.reads++;
    return this.bytes.slice(off, off + len);
  }
  *write(off: number, data: Uint8Array): Sim<void> {
    checkIo(this, off, data.length);
    if (this.readOnly) throw errno('EROFS');
    yield 10;
    this.bytes.set(data, off);
    this.writes++;
  }
  *flush(): Sim<void> {}
}

/** A BlockDevice over a host image file (node:fs, synchronous). */
export class FileDevice implements BlockDevice {
  readonly sectorSize = 512;
  readonly readOnly = false;
  readonly name: string;
  readonly sizeBytes: number;
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r+');
    this.sizeBytes = fstatSync(this.fd).size;
    this.name = path;
  }
  *read(off: number, len: number): Sim<Uint8Array> {
    checkIo(this, off, len);
    const b = new Uint8Array(len);
    readSync(this.fd, b, 0, len, off);
    return b;
  }
  *write(off: number, data: Uint8Array): Sim<void> {
    checkIo(this, off, data.length);
    writeSync(this.fd, data, 0, data.length, off);
  }
  *flush(): Sim<void> {}
  close(): void {
    closeSync(this.fd);
  }
}

/** Power cut: every write after the first `budget` is silently dropped. */
export class CrashDevice implements BlockDevice {
  readonly sectorSize = 512;
  readonly readOnly = false;
  readonly name = 'crash';
  writes = 0;
  constructor(
    readonly inner: MemDevice,
    public budget: number,
  ) {}
  get sizeBytes(): number {
    return this.inner.sizeBytes;
  }
  get crashed(): boolean {
    return this.writes > this.budget;
  }
  read(off: number, len: number): Sim<Uint8Array> {
    return this.inner.read(off, len);
  }
  *write(off: number, data: Uint8Array): Sim<void> {
    this.writes++;
    if (this.writes > this.budget) return;
    yield* this.inner.write(off, data);
  }
  *flush(): Sim<void> {}
}

/** xorshift32: small, seeded, deterministic. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed * 2654435761) >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

export function tmpDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ext2-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** e2fsck with FLAGS (default -fn) on an image file; a missing e2fsck throws with the install hint. */
export function fsck(image: string, flags = '-fn'): { status: number; out: string } {
  requireTool('e2fsck');
  return e2fsckFile(image, flags)!;
}

export function requireE2fsprogs(): void {
  for (const t of ['e2fsck', 'debugfs', 'mke2fs', 'dumpe2fs'] as const) requireTool(t);
}
