/**
 * Hostile images: a small, populated ext3 image with bits flipped in one
 * on-disk structure (superblock, group descriptors, inode table, a
 * directory block, an indirect block, the journal), then booted as root
 * through the VFS the way `modswap shell --image FILE` does, and walked.
 *
 * What must hold (docs/design.md "ext2/ext3 and e2fsck facts" lists what e2fsck says for each
 * corruption; the kernel is allowed less): the mount fails with one clear
 * ErrnoError line, or it succeeds and a damaged file gives EIO / EUCLEAN /
 * EINVAL (any errno) when touched; never an uncaught exception, never a
 * hang (the walk runs under an event budget), and a failed mount leaves
 * the image file byte-for-byte unchanged (nothing written unasked).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Sim } from '../sim/effects.ts';
import { ErrnoError } from '../uapi/errno.ts';
import { Prng } from '../sim/prng.ts';
import { runBounded, runThread } from '../sim/run-thread.ts';
import * as sys from '../vfs/syscalls.ts';
import type { Task } from '../vfs/task.ts';
import { O_CREAT, O_DIRECTORY, O_RDONLY, O_WRONLY } from '../uapi/fcntl.ts';
import { S_IFDIR, S_IFLNK, S_IFMT } from '../uapi/stat.ts';
import { scratchDir, writeImage } from '../ext2/e2fsprogs.ts';
import { buildSystem } from '../system/build.ts';
import { oneLine } from './linux-case.ts';

export const IMAGE_REGIONS = ['superblock', 'group-descriptors', 'inode-table', 'directory', 'indirect', 'journal'] as const;
export type ImageRegion = (typeof IMAGE_REGIONS)[number];

export interface ImageTrial {
  region: ImageRegion;
  flips: number;
  outcome: 'mount-refused' | 'mounted-errors' | 'mounted-clean';
  /** One line: the mount error, or the first errno met while walking. */
  message: string;
  /** null when the trial held every rule, else the rule broken. */
  violation: string | null;
}

let base: { bytes: Uint8Array; layout: Map<ImageRegion, [number, number]> } | null = null;

/** The populated base image and where each structure lives in it (built once). */
export function baseImage(): { bytes: Uint8Array; layout: Map<ImageRegion, [number, number]> } {
  if (base) return base;
  const b = buildSystem({ cpus: 1, seed: 1, fs: 'ext3', imageMiB: 8, strategy: 'counter-shared' });
  const t = b.system.newTask({ name: 'populate' });
  runThread(b.machine.engine, 'populate', function* (): Sim<void> {
    for (const d of ['/a', '/a/b', '/c']) yield* sys.mkdir(t, d, 0o755);
    for (const [p, n] of [['/a/small', 100], ['/a/b/big', 40_000], ['/c/mid', 5000]] as const) {
      const fd = yield* sys.open(t, p, O_CREAT | O_WRONLY, 0o644);
      const buf = new Uint8Array(n);
      for (let i = 0; i < n; i++) buf[i] = (i * 7 + n) & 0xff;
      yield* sys.write(t, fd, buf);
      yield* sys.close(t, fd);
    }
    yield* sys.symlink(t, '/a/small', '/c/link');
  });
  b.shutdown();
  const bytes = b.disk!.readSync(0, b.disk!.sizeBytes);
  base = { bytes, layout: locate(bytes) };
  return base;
}

/** Byte ranges of each structure, read from the image's own metadata (ext2 layout, docs/design.md "ext2/ext3 and e2fsck facts"). */
function locate(img: Uint8Array): Map<ImageRegion, [number, number]> {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const bs = 1024 << u32(1024 + 24);
  const first = u32(1024 + 20);
  const isize = dv.getUint16(1024 + 88, true) || 128;
  const gdt = (first + 1) * bs;
  const itable = u32(gdt + 8) * bs;
  const inodeOff = (n: number): number => itable + (n - 1) * isize;
  const blk = (n: number, i: number): number => u32(inodeOff(n) + 40 + 4 * i);
  const m = new Map<ImageRegion, [number, number]>();
  m.set('superblock', [1024, 1024 + 204]);
  m.set('group-descriptors', [gdt, gdt + 32]);
  m.set('inode-table', [itable, itable + 16 * isize]);
  m.set('directory', [blk(2, 0) * bs, blk(2, 0) * bs + bs]);
  m.set('journal', [blk(8, 0) * bs, blk(8, 0) * bs + bs]);
  // the first inode with a single-indirect block (the 40 KB file)
  const ipg = u32(1024 + 40);
  for (let n = 11; n <= ipg; n++) {
    const ind = blk(n, 12);
    if (ind !== 0 && (dv.getUint16(inodeOff(n), true) & 0xf000) === 0x8000) {
      m.set('indirect', [ind * bs, ind * bs + bs]);
      break;
    }
  }
  return m;
}

/** Flip `flips` random bits of `region` in a copy of the base image, mount it, walk it. */
export function imageTrial(seed: number, region: ImageRegion, flips: number, eventBudget = 5_000_000): ImageTrial {
  const { bytes, layout } = baseImage();
  const [lo, hi] = layout.get(region) ?? [1024, 2048];
  const img = bytes.slice();
  const rng = new Prng(seed);
  for (let i = 0; i < flips; i++) {
    const at = lo + rng.int(hi - lo);
    img[at] = img[at]! ^ (1 << rng.int(8));
  }
  const dir = scratchDir('modswap-hostile-');
  const path = join(dir, 'img');
  writeImage(path, img);
  const trial = (outcome: ImageTrial['outcome'], message: string, violation: string | null): ImageTrial => ({ region, flips, outcome, message, violation });
  try {
    let b;
    try {
      b = buildSystem({ cpus: 1, seed, fs: 'ext3', image: path, strategy: 'counter-shared' });
    } catch (e) {
      const after = new Uint8Array(readFileSync(path));
      // a native compare: a closure per byte of the 8 MiB image took ~50 ms a refused mount
      const changed = Buffer.compare(after, img) !== 0;
      if (!(e instanceof ErrnoError)) return trial('mount-refused', oneLine(e), `mount threw a non-errno exception: ${oneLine(e)}`);
      if (e.message.includes('\n')) return trial('mount-refused', oneLine(e), 'mount error is more than one line');
      return trial('mount-refused', e.message, changed ? 'a failed mount wrote to the image' : null);
    }
    const t = b.system.newTask({ name: 'walk' });
    const errs: string[] = [];
    const run = runBounded(
      b.machine.engine,
      'walk',
      function* (): Sim<void> {
        const dev = (yield* sys.stat(t, '/')).dev;
        yield* walk(t, '/', dev, errs, 0);
      },
      eventBudget,
    );
    if (run.kind === 'engine-threw') return trial('mounted-errors', oneLine(run.error), `the walk left the engine stuck: ${oneLine(run.error)}`);
    if (run.kind === 'thread-threw') return trial('mounted-errors', oneLine(run.error), `uncaught exception walking the damaged tree: ${oneLine(run.error)}`);
    if (run.kind === 'hang') return trial('mounted-errors', 'hang', `walk did not finish within ${eventBudget} events`);
    try {
      b.shutdown();
    } catch (e) {
      if (!(e instanceof ErrnoError)) return trial('mounted-errors', oneLine(e), `unmount threw a non-errno exception: ${oneLine(e)}`);
      errs.push(`umount ${e.code}`);
    }
    return trial(errs.length ? 'mounted-errors' : 'mounted-clean', errs[0] ?? 'walked cleanly', null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Visit everything; an errno on one name is recorded and the walk goes on (as `ls -R`, `cat` would). */
function* walk(t: Task, path: string, dev: number, errs: string[], depth: number): Sim<void> {
  if (depth > 16) return;
  const tryIt = function* <T>(what: string, f: () => Sim<T>): Sim<T | undefined> {
    try {
      return yield* f();
    } catch (e) {
      if (!(e instanceof ErrnoError)) throw e;
      errs.push(`${e.code} ${what}`);
      return undefined;
    }
  };
  const names = yield* tryIt(`ls ${path}`, function* () {
    const fd = yield* sys.open(t, path, O_RDONLY | O_DIRECTORY);
    try {
      const out: string[] = [];
      for (let i = 0; i < 64; i++) {
        const batch = yield* sys.getdents(t, fd);
        if (batch.length === 0) break;
        for (const d of batch) if (d.d_name !== '.' && d.d_name !== '..') out.push(d.d_name);
      }
      return out;
    } finally {
      yield* sys.close(t, fd);
    }
  });
  for (const name of (names ?? []).slice(0, 64)) {
    const p = path === '/' ? `/${name}` : `${path}/${name}`;
    const st = yield* tryIt(`stat ${p}`, () => sys.lstat(t, p));
    if (!st) continue;
    const type = st.mode & S_IFMT;
    if (st.dev !== dev) continue; // /proc, /sys: not on the image
    if (type === S_IFDIR) yield* walk(t, p, dev, errs, depth + 1);
    else if (type === S_IFLNK) yield* tryIt(`readlink ${p}`, () => sys.readlink(t, p));
    else
      yield* tryIt(`cat ${p}`, function* () {
        const fd = yield* sys.open(t, p, O_RDONLY);
        try {
          const buf = new Uint8Array(Math.min(st.size, 1 << 20));
          if (buf.length > 0) yield* sys.pread(t, fd, buf, 0);
        } finally {
          yield* sys.close(t, fd);
        }
      });
  }
}
