/**
 * ext3: populating an image with a tree of files through modswap (syscalls
 * on the modelled machine, ext3 root on a host-file-backed disk) against
 * `mke2fs -d DIR` building the same tree, as a wall-time ratio measured in
 * one run; and sequential write and read throughput of one large file, in
 * wall time (the simulator) and modelled time (the machine: disk latency
 * and bandwidth, CPU costs). Needs e2fsprogs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../../src/hw-ppc64/machine.ts';
import { HostFileBackend } from '../../src/hw-ppc64/disk-backend.ts';
import { e2fsckFile, runMke2fs, type Mke2fsOptions } from '../../src/ext2/e2fsprogs.ts';
import { e2fsprogsTool } from '../../src/ext2/e2fsprogs-path.ts';
import { Prng } from '../../src/sim/prng.ts';
import { bootSystem, shutdownSystem, type System } from '../../src/system/boot.ts';
import { sys } from '../../src/vfs/index.ts';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../src/uapi/fcntl.ts';
import { fmt, median, table, type BenchSection } from '../lib.ts';
import { profileRun, type ProfileShare } from '../cpu-profile.ts';

const FILES = 2000;
const DIRS = 40;
const TOTAL_BYTES = 50 * 2 ** 20;
const RUNS = 5;
const IMAGE_BLOCKS = 32768; // 128 MiB of 4 KiB blocks
const SEQ_BYTES = 32 * 2 ** 20;
const CHUNK = 64 * 1024;

interface TreeFile {
  path: string;
  data: Uint8Array;
}

/** 2000 files in 40 directories, sizes spread around 25 KiB (50 MiB in all), seeded contents. */
export function makeTree(): TreeFile[] {
  const rng = new Prng(30);
  const weights = Array.from({ length: FILES }, () => 0.05 + rng.next() * 1.9);
  const sum = weights.reduce((a, b) => a + b, 0);
  const blob = new Uint8Array(TOTAL_BYTES + 8 * 2 ** 20);
  for (let i = 0; i < blob.length; i += 4) {
    const x = rng.nextU32();
    blob[i] = x & 0xff;
    blob[i + 1] = (x >>> 8) & 0xff;
    blob[i + 2] = (x >>> 16) & 0xff;
    blob[i + 3] = x >>> 24;
  }
  return weights.map((w, i) => {
    const size = Math.floor((TOTAL_BYTES * w) / sum);
    const off = (i * 4099) % (blob.length - size);
    return { path: `/d${i % DIRS}/f${i}`, data: blob.subarray(off, off + size) };
  });
}

function imageOpts(rootDir?: string): Mke2fsOptions {
  return { type: 'ext3', blockSize: 4096, blocks: IMAGE_BLOCKS, ...(rootDir ? { rootDir } : {}) };
}

function freshFile(path: string): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, IMAGE_BLOCKS * 4096);
  closeSync(fd);
}

/** Wall time of each phase of a modswap populate, in ms. */
interface Phases {
  mkfs: number;
  boot: number;
  syscalls: number;
  unmount: number;
}

/** modswap: make the empty file system, boot on it, write the tree through syscalls, unmount. */
export function populateModswap(img: string, tree: readonly TreeFile[]): { wallMs: number; cycles: number; phases: Phases } {
  const t0 = performance.now();
  freshFile(img);
  runMke2fs(img, imageOpts());
  const mkfs = performance.now() - t0;
  const r = populateEmpty(img, tree);
  return { wallMs: mkfs + r.boot + r.syscalls + r.unmount, cycles: r.cycles, phases: { mkfs, ...r } };
}

/** The part after mke2fs: boot on the empty image, the syscalls, unmount. */
function populateEmpty(img: string, tree: readonly TreeFile[]): Omit<Phases, 'mkfs'> & { cycles: number } {
  const t1 = performance.now();
  const m = new Machine({ cpus: 2, model: 'ppc970', seed: 1 });
  const disk = m.addDisk({ name: 'sda', backend: HostFileBackend.open(img) });
  const s = bootSystem({ engine: m.engine, disk, procfs: false });
  const t2 = performance.now();
  const c0 = m.engine.now;
  s.exec(function* (t) {
    for (let d = 0; d < DIRS; d++) yield* sys.mkdir(t, `/d${d}`, 0o755);
    for (const f of tree) {
      const fd = yield* sys.open(t, f.path, O_CREAT | O_WRONLY, 0o644);
      for (let off = 0; off < f.data.length; off += CHUNK) yield* sys.write(t, fd, f.data.subarray(off, off + CHUNK));
      yield* sys.close(t, fd);
    }
  });
  const t3 = performance.now();
  shutdownSystem(s);
  disk.close();
  const t4 = performance.now();
  return { cycles: m.engine.now - c0, boot: t2 - t1, syscalls: t3 - t2, unmount: t4 - t3 };
}

function populateMke2fs(img: string, dir: string): number {
  const t0 = performance.now();
  freshFile(img);
  runMke2fs(img, imageOpts(dir));
  return performance.now() - t0;
}

function fsckOk(img: string): boolean {
  return e2fsckFile(img)?.status === 0;
}

/** One SEQ_BYTES file written in 64 KiB writes, then read back after a fresh mount (cold cache). */
function sequential(img: string, data: Uint8Array): { write: [number, number]; read: [number, number] } {
  freshFile(img);
  runMke2fs(img, imageOpts());
  const mb = SEQ_BYTES / 2 ** 20;
  const run = (body: (s: System) => void): [number, number] => {
    const m = new Machine({ cpus: 2, model: 'ppc970', seed: 1 });
    const disk = m.addDisk({ name: 'sda', backend: HostFileBackend.open(img) });
    const s = bootSystem({ engine: m.engine, disk, procfs: false });
    const c0 = m.engine.now;
    const t0 = performance.now();
    body(s);
    const wall = (performance.now() - t0) / 1000;
    const modelled = (m.engine.now - c0) / (m.engine.cyclesPerUs * 1e6);
    shutdownSystem(s);
    disk.close();
    return [mb / wall, mb / modelled];
  };
  if (data.length % CHUNK !== 0) throw new Error('bench ext3: sequential data must be whole chunks');
  const write = run((s) =>
    s.exec(function* (t) {
      const fd = yield* sys.open(t, '/big', O_CREAT | O_WRONLY, 0o644);
      for (let off = 0; off < SEQ_BYTES; off += CHUNK) {
        const at = off % data.length;
        yield* sys.write(t, fd, data.subarray(at, at + CHUNK));
      }
      yield* sys.fsync(t, fd);
      yield* sys.close(t, fd);
    }),
  );
  const read = run((s) =>
    s.exec(function* (t) {
      const fd = yield* sys.open(t, '/big', O_RDONLY);
      const buf = new Uint8Array(CHUNK);
      while ((yield* sys.read(t, fd, buf)) > 0);
      yield* sys.close(t, fd);
    }),
  );
  return { write, read };
}

export const section: BenchSection = {
  id: 'ext3',
  title: 'ext3',
  order: 30,
  async run() {
    if (!e2fsprogsTool('mke2fs')) return 'Not run: mke2fs not found (apt-get install -y e2fsprogs).';
    const work = mkdtempSync(join(tmpdir(), 'modswap-bench-ext3-'));
    try {
      const tree = makeTree();
      const src = join(work, 'src');
      for (let d = 0; d < DIRS; d++) mkdirSync(join(src, `d${d}`), { recursive: true });
      for (const f of tree) writeFileSync(join(src, f.path), f.data);
      const total = tree.reduce((a, f) => a + f.data.length, 0);
      const img = join(work, 'img');
      const ours: number[] = [];
      const phases: Phases[] = [];
      const theirs: number[] = [];
      const ratios: number[] = [];
      let cycles = 0;
      // One untimed run of each first: the simulator's code is compiled (tsx) and
      // optimised (V8) in it, and the host's file cache warms for both sides.
      populateModswap(img, tree);
      populateMke2fs(img, src);
      for (let i = 0; i < RUNS; i++) {
        const a = populateModswap(img, tree);
        if (i === 0 && !fsckOk(img)) throw new Error('bench ext3: e2fsck -fn failed on the modswap image');
        const b = populateMke2fs(img, src);
        ours.push(a.wallMs);
        phases.push(a.phases);
        theirs.push(b);
        ratios.push(a.wallMs / b);
        cycles = a.cycles;
        process.stderr.write(`bench ext3: run ${i + 1}: modswap ${a.wallMs.toFixed(0)} ms, mke2fs -d ${b.toFixed(0)} ms\n`);
      }
      // 1 MiB of the tree's bytes, written over and over (a whole number of chunks).
      const seqData = new Uint8Array(2 ** 20);
      let filled = 0;
      for (const f of tree) {
        if (filled >= seqData.length) break;
        const n = Math.min(f.data.length, seqData.length - filled);
        seqData.set(f.data.subarray(0, n), filled);
        filled += n;
      }
      const seq = sequential(img, seqData);
      // One more populate, under the CPU profiler (not timed): where the time goes.
      freshFile(img);
      runMke2fs(img, imageOpts());
      const prof = await profileRun(() => void populateEmpty(img, tree));
      const phase = (k: keyof Phases): string => fmt(median(phases.map((p) => p[k])));
      const pct = (x: ProfileShare): string => `${fmt(100 * x.share, 1)}%`;
      const modelledSecs = cycles / 1e9;
      return [
        `Populate a ${fmt(FILES)}-file tree (${DIRS} directories, ${fmt(total / 2 ** 20, 1)} MiB) into a ${IMAGE_BLOCKS * 4 / 1024} MiB ext3 image (4 KiB blocks, mke2fs's default journal):`,
        `modswap makes the empty file system with mke2fs, boots the modelled machine with ext3 (newest release) as root on a host-file-backed disk,`,
        `writes every file through open/write(64 KiB)/close, and unmounts cleanly (e2fsck -fn exits 0); \`mke2fs -d\` builds the same tree. Median of ${RUNS} runs, alternating.`,
        '',
        table(
          ['', 'wall (ms, median)', 'ratio modswap / mke2fs -d'],
          [
            ['modswap (syscalls on the simulator)', fmt(median(ours)), fmt(median(ratios), 2)],
            ['mke2fs -d', fmt(median(theirs)), '1.00'],
          ],
        ),
        '',
        `Modelled time of the modswap populate: ${fmt(modelledSecs, 2)} s (${fmt(total / 2 ** 20 / modelledSecs, 1)} MiB/s on the modelled disk: 50 us + 500 MB/s per request).`,
        '',
        `Where modswap's wall time goes, by phase (median of the ${RUNS} runs, ms): mke2fs of the empty image ${phase('mkfs')}, boot and mount ${phase('boot')}, the syscalls (mkdir, open/write/close of every file) ${phase('syscalls')}, unmount (commit of the last transaction, ordered data and checkpoint written to the image file) ${phase('unmount')}.`,
        `One more populate under V8's CPU profiler, from boot to unmount (not timed; ${fmt(prof.totalMs)} ms sampled, self time). By source file:`,
        '',
        table(['source', 'self time', 'share'], prof.byFile.slice(0, 10).map((x) => [`\`${x.name}\``, `${fmt(x.ms)} ms`, pct(x)])),
        '',
        'The functions with the most self time:',
        '',
        table(['function', 'self time', 'share'], prof.byFunction.slice(0, 12).map((x) => [`\`${x.name}\``, `${fmt(x.ms)} ms`, pct(x)])),
        '',
        `Sequential ${SEQ_BYTES / 2 ** 20} MiB file, 64 KiB calls (read after a fresh mount: cold buffer cache):`,
        '',
        table(
          ['', 'wall MiB/s (simulator)', 'modelled MiB/s'],
          [
            ['write + fsync', fmt(seq.write[0], 1), fmt(seq.write[1], 1)],
            ['read', fmt(seq.read[0], 1), fmt(seq.read[1], 1)],
          ],
        ),
      ].join('\n');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
