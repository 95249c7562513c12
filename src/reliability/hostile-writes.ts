/**
 * Hostile images that are written to: small real mke2fs images (ext2 with
 * one block group, ext3 with two and a journal, populated by `mke2fs -d`)
 * whose block bitmaps, inode bitmaps or inode tables are damaged (random
 * bits, bytes, whole words; a bitmap bit cleared under a live inode or
 * block, as old tools left them), mounted through the VFS as `modswap shell
 * --image` does, and then *written*: mkdir, create, write, append past
 * the end, truncate, rename (within and across directories, over existing
 * names), link, symlink, unlink, rmdir, with reads and stats between, then
 * unmounted.
 *
 * What must hold: every call returns or fails with an ErrnoError (EUCLEAN,
 * EIO, ENOSPC, ... any errno: the image is corrupt), never another
 * exception; the run ends within an event budget (no hang, no lock taken
 * twice); unmount ends with success or an errno. A failed mount leaves the
 * image unchanged. The damaged image is not expected to be e2fsck-clean
 * afterwards (it was not before).
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sim } from '../sim/effects.ts';
import { ErrnoError } from '../uapi/errno.ts';
import { Prng } from '../sim/prng.ts';
import { runBounded } from '../sim/run-thread.ts';
import { runMke2fs, scratchDir, writeImage } from '../ext2/e2fsprogs.ts';
import * as sys from '../vfs/syscalls.ts';
import type { Task } from '../vfs/task.ts';
import { O_APPEND, O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC, O_WRONLY } from '../uapi/fcntl.ts';
import { buildSystem } from '../system/build.ts';
import type { SparseImage } from '../hw-ppc64/disk.ts';
import { oneLine } from './linux-case.ts';

export const WRITE_REGIONS = ['block-bitmap', 'inode-bitmap', 'inode-table', 'live-bit-cleared'] as const;
export type WriteRegion = (typeof WRITE_REGIONS)[number];

export interface WriteTrial {
  image: 'ext2' | 'ext3';
  region: WriteRegion;
  outcome: 'mount-refused' | 'written';
  /** Calls that succeeded and calls that failed with an errno. */
  ok: number;
  errnos: number;
  /** One line: the mount error, or the first errno met. */
  message: string;
  violation: string | null;
}

interface BaseImage {
  bytes: Uint8Array;
  /** The image's 64 KiB chunks that are not all zeros, by offset (what a sparse file of it holds). */
  nonZero: number[];
  /** Per group: [block bitmap, inode bitmap, inode table] byte offsets, and the table's length in bytes. */
  groups: { bb: number; ib: number; it: number; itLen: number }[];
  blockSize: number;
  inodeSize: number;
  inodesPerGroup: number;
  blocksPerGroup: number;
}

const bases = new Map<string, BaseImage>();

/** A host tree for `mke2fs -d`: directories, small and indirect-block files, a symlink. */
function populate(root: string): void {
  mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
  mkdirSync(join(root, 'd'));
  for (let i = 0; i < 12; i++) writeFileSync(join(root, 'd', `f${i}`), `file ${i}\n`.repeat(i * 3 + 1));
  writeFileSync(join(root, 'a', 'big'), new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff));
  writeFileSync(join(root, 'a', 'b', 'mid'), 'm'.repeat(5000));
  symlinkSync('a/b/mid', join(root, 'link'));
}

/** The base image of `kind` (made once per process with mke2fs -d) and where its bitmaps and tables are. */
export function writeBase(kind: 'ext2' | 'ext3'): BaseImage {
  const hit = bases.get(kind);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'modswap-hwrite-'));
  try {
    const root = join(dir, 'root');
    populate(root);
    const img = join(dir, 'img');
    // ext2: one group, 128-byte inodes; ext3: two groups (9 MiB of 1 KiB blocks), a 1 MiB journal
    if (kind === 'ext2') runMke2fs(img, { type: 'ext2', blockSize: 1024, blocks: 2048, inodeSize: 128, inodes: 128, rootDir: root });
    else runMke2fs(img, { type: 'ext3', blockSize: 1024, blocks: 9216, journalMiB: 1, inodes: 256, rootDir: root });
    const bytes = new Uint8Array(readFileSync(img));
    const base = locate(bytes);
    bases.set(kind, base);
    return base;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function locate(b: Uint8Array): BaseImage {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const blockSize = 1024 << u32(1024 + 24);
  const first = u32(1024 + 20);
  const blocksPerGroup = u32(1024 + 32);
  const inodesPerGroup = u32(1024 + 40);
  const inodeSize = dv.getUint16(1024 + 88, true) || 128;
  const ngroups = Math.ceil((u32(1024 + 4) - first) / blocksPerGroup);
  const gdt = (first + 1) * blockSize;
  const groups = Array.from({ length: ngroups }, (_, g) => ({
    bb: u32(gdt + 32 * g) * blockSize,
    ib: u32(gdt + 32 * g + 4) * blockSize,
    it: u32(gdt + 32 * g + 8) * blockSize,
    itLen: inodesPerGroup * inodeSize,
  }));
  const nonZero: number[] = [];
  for (let off = 0; off < b.length; off += CHUNK) {
    const c = b.subarray(off, Math.min(off + CHUNK, b.length));
    if (Buffer.compare(c, ZERO_CHUNK.subarray(0, c.length)) !== 0) nonZero.push(off);
  }
  return { bytes: b, nonZero, groups, blockSize, inodeSize, inodesPerGroup, blocksPerGroup };
}

const CHUNK = 64 * 1024;
const ZERO_CHUNK = new Uint8Array(CHUNK);

/**
 * A damaged copy of a base image, copied on write by 64 KiB chunk: the damage
 * touches a few bitmap and inode-table bytes, so a trial copies one or two
 * chunks, not the whole 2-9 MiB image (which, once per seed, was a tenth of a
 * seed's time with the collector's share).
 */
class DamagedImage {
  private readonly chunks = new Map<number, Uint8Array>();
  constructor(readonly base: BaseImage) {}

  get length(): number {
    return this.base.bytes.length;
  }

  get(at: number): number {
    const c = this.chunks.get(Math.floor(at / CHUNK));
    return c ? c[at % CHUNK]! : this.base.bytes[at]!;
  }

  set(at: number, v: number): void {
    const k = Math.floor(at / CHUNK);
    let c = this.chunks.get(k);
    if (!c) this.chunks.set(k, (c = this.base.bytes.slice(k * CHUNK, Math.min((k + 1) * CHUNK, this.length))));
    c[at % CHUNK] = v;
  }

  /** Chunk `off` (an offset that is a multiple of 64 KiB) as it now reads. */
  chunk(off: number): Uint8Array {
    return this.chunks.get(off / CHUNK) ?? this.base.bytes.subarray(off, Math.min(off + CHUNK, this.length));
  }

  /** As a sparse image (writeImage writes it as a sparse file): the base's non-zero chunks and every damaged one. */
  sparse(): SparseImage {
    const offs = new Set(this.base.nonZero);
    for (const k of this.chunks.keys()) offs.add(k * CHUNK);
    return { sizeBytes: this.length, extents: [...offs].sort((a, b) => a - b).map((off) => [off, this.chunk(off)] as const) };
  }

  /** True when `bytes` (the image file read back) holds exactly this image. */
  equals(bytes: Uint8Array): boolean {
    if (bytes.length !== this.length) return false;
    for (let off = 0; off < this.length; off += CHUNK) {
      const c = this.chunk(off);
      if (Buffer.compare(bytes.subarray(off, off + c.length), c) !== 0) return false;
    }
    return true;
  }
}

const testBit = (b: DamagedImage, at: number, i: number): boolean => (b.get(at + (i >> 3)) & (1 << (i & 7))) !== 0;

/** Damage a copy of the base image in `region`. */
function damage(base: BaseImage, region: WriteRegion, rng: Prng): DamagedImage {
  const img = new DamagedImage(base);
  const g = base.groups[rng.int(base.groups.length)]!;
  const flip = (lo: number, len: number, n: number): void => {
    for (let k = 0; k < n; k++) {
      const at = lo + rng.int(len);
      const how = rng.int(4);
      if (how === 0) img.set(at, rng.int(256));
      else if (how === 1) img.set(at, rng.chance(0.5) ? 0 : 0xff);
      else img.set(at, img.get(at) ^ (1 << rng.int(8)));
    }
  };
  switch (region) {
    case 'block-bitmap':
      flip(g.bb, Math.ceil(base.blocksPerGroup / 8), rng.range(1, 24));
      break;
    case 'inode-bitmap':
      flip(g.ib, Math.ceil(base.inodesPerGroup / 8), rng.range(1, 12));
      break;
    case 'inode-table': {
      // mostly the populated inodes (the first few dozen), sometimes anywhere in the table
      const span = rng.chance(0.8) ? Math.min(g.itLen, 40 * base.inodeSize) : g.itLen;
      flip(g.it, span, rng.range(1, 16));
      break;
    }
    case 'live-bit-cleared': {
      // bits of inodes and blocks in use cleared (what an old tool's crash leaves): the allocators must check
      const g0 = base.groups[0]!;
      for (let k = rng.range(1, 6); k > 0; k--) {
        const useInodes = rng.chance(0.5);
        const at = useInodes ? g0.ib : g0.bb;
        const n = useInodes ? base.inodesPerGroup : base.blocksPerGroup;
        const live: number[] = [];
        for (let i = 0; i < Math.min(n, 2048); i++) if (testBit(img, at, i)) live.push(i);
        if (live.length === 0) continue;
        const i = rng.pick(live);
        img.set(at + (i >> 3), img.get(at + (i >> 3)) & ~(1 << (i & 7)));
      }
      break;
    }
  }
  return img;
}

/** Trial `seed`: damage, mount, write, unmount. */
export function writeTrial(seed: number, eventBudget = 5_000_000): WriteTrial {
  const rng = new Prng((seed ^ 0x0bad_1a9e) >>> 0);
  const kind = rng.chance(0.5) ? 'ext2' : 'ext3';
  const region = rng.pick(WRITE_REGIONS);
  const img = damage(writeBase(kind), region, rng);
  const dir = scratchDir('modswap-hwrite-');
  const path = join(dir, 'img');
  writeImage(path, img.sparse());
  const trial = (outcome: WriteTrial['outcome'], message: string, violation: string | null, ok = 0, errnos = 0): WriteTrial => ({ image: kind, region, outcome, ok, errnos, message, violation });
  try {
    let b;
    try {
      b = buildSystem({ cpus: 1 + rng.int(2), seed, fs: 'ext3', image: path, strategy: 'counter-shared' });
    } catch (e) {
      if (!(e instanceof ErrnoError)) return trial('mount-refused', oneLine(e), `mount threw a non-errno exception: ${oneLine(e)}`);
      const changed = !img.equals(new Uint8Array(readFileSync(path)));
      return trial('mount-refused', e.message, changed ? 'a failed mount wrote to the image' : e.message.includes('\n') ? 'mount error is more than one line' : null);
    }
    const t = b.system.newTask({ name: 'writer' });
    const stats = { ok: 0, errnos: 0, first: '' };
    const ops = rng.fork();
    const run = runBounded(b.machine.engine, 'writer', () => writes(t, ops, stats, 40), eventBudget);
    if (run.kind === 'engine-threw') return trial('written', oneLine(run.error), `the engine threw: ${oneLine(run.error)}`, stats.ok, stats.errnos);
    if (run.kind === 'thread-threw') return trial('written', oneLine(run.error), `non-errno exception from a call: ${oneLine(run.error)}`, stats.ok, stats.errnos);
    if (run.kind === 'hang') return trial('written', 'hang', `the writes did not finish within ${eventBudget} events`, stats.ok, stats.errnos);
    try {
      b.shutdown();
    } catch (e) {
      if (!(e instanceof ErrnoError)) return trial('written', oneLine(e), `unmount threw a non-errno exception: ${oneLine(e)}`, stats.ok, stats.errnos);
      stats.errnos++;
      stats.first ||= `umount ${e.code}`;
    }
    return trial('written', stats.first || 'every call succeeded', null, stats.ok, stats.errnos);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KNOWN = ['/a', '/a/b', '/a/b/c', '/d', '/lost+found', '/a/big', '/a/b/mid', '/link', '/d/f0', '/d/f3', '/d/f11'];

/** `n` random writing calls on known and new names; an errno is counted, anything else propagates. */
function* writes(t: Task, rng: Prng, stats: { ok: number; errnos: number; first: string }, n: number): Sim<void> {
  const names = [...KNOWN];
  const dirs = ['/', '/a', '/a/b', '/d', '/lost+found'];
  const fresh = (): string => {
    const d = rng.pick(dirs);
    return `${d === '/' ? '' : d}/n${rng.int(1000)}`;
  };
  const any = (): string => (rng.chance(0.7) ? rng.pick(names) : fresh());
  const data = (len: number): Uint8Array => {
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = (i * 13 + len) & 0xff;
    return b;
  };
  const call = function* (what: string, f: () => Sim<unknown>): Sim<void> {
    try {
      yield* f();
      stats.ok++;
    } catch (e) {
      if (!(e instanceof ErrnoError)) throw new Error(`${what}: ${oneLine(e)}`);
      stats.errnos++;
      stats.first ||= `${e.code} ${what}`;
    }
  };
  const withFd = function* (p: string, flags: number, f: (fd: number) => Sim<unknown>): Sim<void> {
    const fd = yield* sys.open(t, p, flags, 0o644);
    try {
      yield* f(fd);
    } finally {
      yield* sys.close(t, fd);
    }
  };
  for (let i = 0; i < n; i++) {
    const k = rng.int(13);
    const p = any();
    switch (k) {
      case 0: {
        const q = fresh();
        yield* call(`mkdir ${q}`, () => sys.mkdir(t, q, 0o755));
        names.push(q);
        dirs.push(q);
        break;
      }
      case 1:
      case 2: {
        const len = rng.pick([0, 10, 1000, 5000, 20_000]);
        yield* call(`write ${p}`, () => withFd(p, O_CREAT | O_WRONLY | (rng.chance(0.3) ? O_TRUNC : 0), (fd) => sys.pwrite(t, fd, data(len), rng.pick([0, 100, 4096, 70_000, 300_000]))));
        names.push(p);
        break;
      }
      case 3:
        yield* call(`append ${p}`, () => withFd(p, O_CREAT | O_WRONLY | O_APPEND, (fd) => sys.write(t, fd, data(rng.range(1, 3000)))));
        break;
      case 4:
        yield* call(`truncate ${p}`, () => sys.truncate(t, p, rng.pick([0, 1, 1500, 13 * 1024, 80_000])));
        break;
      case 5: {
        const q = rng.chance(0.5) ? any() : fresh();
        yield* call(`rename ${p} ${q}`, () => sys.rename(t, p, q));
        names.push(q);
        break;
      }
      case 6: {
        const q = fresh();
        yield* call(`link ${p} ${q}`, () => sys.link(t, p, q));
        names.push(q);
        break;
      }
      case 7: {
        const q = fresh();
        yield* call(`symlink ${q}`, () => sys.symlink(t, p, q));
        names.push(q);
        break;
      }
      case 8:
        yield* call(`unlink ${p}`, () => sys.unlink(t, p));
        break;
      case 9:
        yield* call(`rmdir ${p}`, () => sys.rmdir(t, p));
        break;
      case 10:
        yield* call(`read ${p}`, () => withFd(p, O_RDONLY, (fd) => sys.pread(t, fd, new Uint8Array(8192), rng.pick([0, 12 * 1024, 65_536]))));
        break;
      case 11:
        yield* call(`ls ${p}`, () => withFd(p, O_RDONLY | O_DIRECTORY, (fd) => sys.getdents(t, fd)));
        break;
      default:
        yield* call(`stat ${p}`, () => sys.lstat(t, p));
    }
  }
  yield* call('sync', () => sys.sync(t));
}
