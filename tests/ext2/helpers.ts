/**
 * Test helpers for the ext2 suite: run a Sim to completion outside the
 * engine, in-memory / host-file / crash-injecting block devices, a seeded
 * PRNG, and wrappers around e2fsprogs (which must be installed: a missing
 * tool fails the test with the install hint, never skips it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync, readFileSync, writeFileSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sim } from '../../src/sim/effects.ts';
import { errno } from '../../src/uapi/errno.ts';
import type { BlockDevice } from '../../src/hw-ppc64/blockdev.ts';
import { e2fsprogsTool } from '../../src/ext2/mke2fs.ts';

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

function tool(name: 'e2fsck' | 'debugfs' | 'dumpe2fs' | 'mke2fs'): string {
  const p = e2fsprogsTool(name);
  if (!p) throw new Error(`${name} is not installed: apt-get install -y e2fsprogs`);
  return p;
}

/** Simulated "now" for e2fsck, after every time the tests use. */
export const CHECK_TIME = 2_000_000_000;

/** e2fsck -fn; returns exit status and output. */
export function fsck(image: string, flags = '-fn'): { status: number; out: string } {
  const r = spawnSync(tool('e2fsck'), [flags, image], { env: { ...process.env, E2FSCK_TIME: String(CHECK_TIME) }, encoding: 'utf8' });
  return { status: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

/** debugfs -R REQUEST image, stdout as text. */
export function debugfs(image: string, request: string, write = false): string {
  const args = write ? ['-w', '-R', request, image] : ['-R', request, image];
  return execFileSync(tool('debugfs'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** debugfs -f script (several requests). */
export function debugfsScript(image: string, lines: string[], write = true): string {
  const { dir, cleanup } = tmpDir();
  try {
    const f = join(dir, 'cmds');
    writeFileSync(f, lines.join('\n') + '\n');
    const args = write ? ['-w', '-f', f, image] : ['-f', f, image];
    return execFileSync(tool('debugfs'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    cleanup();
  }
}

/** debugfs dump of a file's contents as bytes. */
export function debugfsCat(image: string, path: string): Uint8Array {
  return new Uint8Array(execFileSync(tool('debugfs'), ['-R', `cat ${path}`, image], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }));
}

export function dumpe2fs(image: string): string {
  return execFileSync(tool('dumpe2fs'), ['-h', image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function requireE2fsprogs(): void {
  for (const t of ['e2fsck', 'debugfs', 'mke2fs', 'dumpe2fs'] as const) tool(t);
}
