/**
 * Host helpers: the real e2fsprogs on image files, the one home of every
 * runner the CLI, the demos, the scenarios, the fuzzer, the bench and the
 * tests use (the tool lookup is e2fsprogs-path.ts).
 *
 *   mke2fs     reproducibly (fixed UUID and hash seed, E2FSPROGS_FAKE_TIME,
 *              root owned by 0:0) to make images
 *   e2fsck     the judge of the on-disk format, as an oracle (always -f; -n
 *              checks only, -y repairs and replays the journal): every fuzz
 *              case, fault plan, demo and hostile-image test ends with it,
 *              the way xfstests runs fsck after every fsstress run
 *   debugfs, dumpe2fs  to read (or plant) what the model must see
 *
 * An in-memory image is copied to a temporary host file because e2fsck
 * needs a path; E2FSCK_TIME pins e2fsck's "now" (CHECK_TIME) so timestamps
 * written by the model (its clock starts at a fixed epoch) never read as "in
 * the future". `e2fsck` returns null when e2fsprogs is not installed, so a
 * report can say so; `e2fsckRequired` and the debugfs runners are for
 * verdicts that need the tools (tests, demos): a missing tool is then an
 * error carrying the install hint.
 *
 * This is host I/O through node:child_process, not part of the modelled
 * machine; simulation code never calls it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SparseImage } from '../hw-ppc64/disk.ts';
import { e2fsprogsTool, type E2fsprogsTool } from './e2fsprogs-path.ts';
import { e2fsckViaServer } from './e2fsck-server.ts';

export const FIXED_UUID = '01234567-89ab-cdef-0123-456789abcdef';
export const FIXED_TIME = 1_000_000_000;

export interface Mke2fsOptions {
  type: 'ext2' | 'ext3';
  blockSize: 1024 | 2048 | 4096;
  /** Size of the file system in blocks. */
  blocks: number;
  /** `-O` feature list (e.g. 'none,filetype'); default: mke2fs.conf defaults for the type. */
  features?: string;
  inodeSize?: 128 | 256;
  /** `-N` number of inodes. */
  inodes?: number;
  /** `-J size=` in MiB (ext3). */
  journalMiB?: number;
  /** `-d DIR`: populate from a host directory. */
  rootDir?: string;
  /** `-r 0` for a revision-0 file system. */
  revision0?: boolean;
  uuid?: string;
  time?: number;
}

/** The argument vector (without the program name) for a reproducible mke2fs. */
export function mke2fsArgs(image: string, o: Mke2fsOptions): string[] {
  const uuid = o.uuid ?? FIXED_UUID;
  const args = ['-q', '-F', '-t', o.type, '-b', String(o.blockSize), '-m', '0', '-U', uuid];
  args.push('-E', `hash_seed=${uuid},root_owner=0:0,nodiscard`);
  if (o.features) args.push('-O', o.features);
  if (o.inodeSize) args.push('-I', String(o.inodeSize));
  if (o.inodes) args.push('-N', String(o.inodes));
  if (o.journalMiB && o.type === 'ext3') args.push('-J', `size=${o.journalMiB}`);
  if (o.rootDir) args.push('-d', o.rootDir);
  if (o.revision0) args.push('-r', '0');
  args.push(image, String(o.blocks));
  return args;
}

/** Create `image` with mke2fs. Throws (with the install hint) if e2fsprogs is missing. */
export function runMke2fs(image: string, o: Mke2fsOptions): void {
  execFileSync(requireTool('mke2fs'), mke2fsArgs(image, o), {
    env: { ...process.env, E2FSPROGS_FAKE_TIME: String(o.time ?? FIXED_TIME), MKE2FS_CONFIG: process.env['MKE2FS_CONFIG'] ?? '/etc/mke2fs.conf' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface FsckResult {
  /** e2fsck's exit status: 0 clean, 1 corrected, 4 uncorrected, 8 operational error, 12 aborted. */
  status: number;
  out: string;
  /** The image after `-fy` (repaired / journal replayed); the input for `-fn` (empty for a sparse input). */
  image: Uint8Array;
}

export const E2FSPROGS_HINT = 'apt-get install -y e2fsprogs';

/** Path of an e2fsprogs tool; throws with the install hint if it is missing. */
export function requireTool(name: E2fsprogsTool): string {
  const p = e2fsprogsTool(name);
  if (!p) throw new Error(`${name} is not installed: ${E2FSPROGS_HINT}`);
  return p;
}

/** e2fsck's "now" (E2FSCK_TIME): after every time the model and the tests write. */
export const CHECK_TIME = 2_000_000_000;

export function fsckAvailable(): boolean {
  return e2fsprogsTool('e2fsck') !== undefined;
}

/**
 * Write `img` to a host file: a byte array whole, a sparse image (a disk's
 * written regions, Disk.sparseImage) as a sparse file, so checking a mostly
 * empty 64 MiB disk writes only its metadata and data, not 64 MiB of zeros.
 */
const CHUNK = 64 * 1024;
const ZERO = new Uint8Array(CHUNK);

/** Where scratch images go: memory (/dev/shm) when the host has it, else the temp directory. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), prefix));
}

/**
 * Write an image file for e2fsprogs: a disk's sparse image as its extents, or
 * bytes with their all-zero 64 KiB chunks left as holes (most of a small
 * image is empty, and the file reads back the same).
 */
export function writeImage(path: string, img: Uint8Array | SparseImage): void {
  const fd = openSync(path, 'w');
  try {
    if (img instanceof Uint8Array) {
      ftruncateSync(fd, img.length);
      for (let off = 0; off < img.length; off += CHUNK) {
        const c = img.subarray(off, Math.min(off + CHUNK, img.length));
        if (Buffer.compare(c, ZERO.subarray(0, c.length)) !== 0) writeSync(fd, c, 0, c.length, off);
      }
      return;
    }
    ftruncateSync(fd, img.sizeBytes);
    for (const [off, bytes] of img.extents) {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, off + done);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * CPU seconds one e2fsck run may use. The images checked here are at most a
 * few hundred MiB with little on them: e2fsck -fn takes 5-50 ms of CPU, so
 * this is a hang (a loop in e2fsck on a hostile image), never a slow check.
 * A CPU-time limit, not a wall-clock one: on a machine loaded 20-60 deep a
 * 10 ms check took more than the 60 s of wall time it was once given, and
 * three healthy fuzz seeds failed with "e2fsck exit -1". Load stretches wall
 * time, not the CPU time a process uses.
 */
export const E2FSCK_CPU_LIMIT_S = 120;

/** `e2fsck FLAGS path` on an image file (FLAGS start with -f: always a full check); null if e2fsck is not installed. */
export function e2fsckFile(path: string, flags = '-fn'): { status: number; out: string } | null {
  if (!flags.startsWith('-f')) throw new Error(`e2fsck flags must start with -f (a full check), got ${flags}`);
  const bin = e2fsprogsTool('e2fsck');
  if (!bin) return null;
  const env = { ...process.env, E2FSCK_TIME: String(CHECK_TIME) };
  // the resident shell (e2fsck-server.ts) when it runs: a spawn from here forks this whole process
  const viaServer = e2fsckViaServer(bin, flags, path, E2FSCK_CPU_LIMIT_S, env, () => scratchDir('modswap-fsckd-'));
  let r: { status: number | null; signal: NodeJS.Signals | null; out: string; error?: Error };
  if (viaServer) r = viaServer;
  else {
    // sh sets RLIMIT_CPU (`ulimit -t`) and execs e2fsck: past the limit the kernel stops it with SIGXCPU/SIGKILL
    const s = spawnSync('/bin/sh', ['-c', `ulimit -t ${E2FSCK_CPU_LIMIT_S} && exec "$0" "$@"`, bin, flags, path], { encoding: 'utf8', env });
    r = { status: s.status, signal: s.signal, out: `${s.stdout ?? ''}${s.stderr ?? ''}`, ...(s.error ? { error: s.error } : {}) };
  }
  const out = r.out;
  if (r.error) return { status: -1, out: `${out}e2fsck could not be run: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}\n` };
  if (r.status === null) return { status: -1, out: `${out}e2fsck was stopped by ${r.signal}${r.signal === 'SIGXCPU' || r.signal === 'SIGKILL' ? ` (more than ${E2FSCK_CPU_LIMIT_S} s of CPU)` : ''}\n` };
  return { status: r.status, out };
}

/** Run `e2fsck -f<mode>` on a copy of `img` (bytes, or a disk's sparse image). */
export function e2fsck(img: Uint8Array | SparseImage, mode: 'n' | 'y' = 'n'): FsckResult | null {
  const bin = e2fsprogsTool('e2fsck');
  if (!bin) return null;
  const dir = scratchDir('modswap-fsck-');
  try {
    const p = join(dir, 'img');
    writeImage(p, img);
    const r = e2fsckFile(p, `-f${mode}`)!;
    // -n changes nothing: a sparse input's image is not read back (only -y's repaired one is)
    const image = mode === 'y' ? new Uint8Array(readFileSync(p)) : img instanceof Uint8Array ? img : new Uint8Array(0);
    return { ...r, image };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


/** As `e2fsck`, but a missing e2fsprogs throws (with the install hint) instead of returning null. */
export function e2fsckRequired(img: Uint8Array | SparseImage, mode: 'n' | 'y' = 'n'): FsckResult {
  const r = e2fsck(img, mode);
  if (!r) throw new Error(`e2fsck is not installed: ${E2FSPROGS_HINT}`);
  return r;
}

/** One line saying what e2fsck found (for failure messages and the report). */
export function fsckLine(r: FsckResult | null): string {
  if (!r) return `e2fsck not installed (${E2FSPROGS_HINT})`;
  if (r.status === 0) return 'e2fsck -fn clean';
  const first = r.out.split('\n').find((l) => /^(Pass|Inode|Entry|Block|Free|Directory|Group|Padding|Root|Unattached|Inodes|e2fsck (could not|was stopped))/.test(l) && !/^Pass \d/.test(l));
  return `e2fsck exit ${r.status}${first ? `: ${first.trim()}` : ''}`;
}

/** `debugfs -R REQUEST image` (read-only unless `write`), stdout as text. */
export function debugfs(image: string, request: string, write = false): string {
  const args = write ? ['-w', '-R', request, image] : ['-R', request, image];
  return execFileSync(requireTool('debugfs'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

/** `debugfs -f SCRIPT image`: several requests in one process (writable unless `write` is false), stdout as text. */
export function debugfsScript(image: string, requests: readonly string[], write = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'modswap-debugfs-'));
  try {
    const f = join(dir, 'cmds');
    writeFileSync(f, requests.join('\n') + '\n');
    const args = write ? ['-w', '-f', f, image] : ['-f', f, image];
    return execFileSync(requireTool('debugfs'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A file's contents as bytes (`debugfs -R "cat PATH"`). */
export function debugfsCat(image: string, path: string): Uint8Array {
  return new Uint8Array(execFileSync(requireTool('debugfs'), ['-R', `cat ${path}`, image], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }));
}

/** The superblock summary (`dumpe2fs -h`). */
export function dumpe2fs(image: string): string {
  return execFileSync(requireTool('dumpe2fs'), ['-h', image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A file system with many cached-to-be inodes (manyFilesImage). */
export interface ManyFilesImage {
  /** The image file (in a scratch directory the caller removes with `dir`). */
  path: string;
  dir: string;
  files: number;
  dirs: number;
  /** Wall time of writing the host tree and of mke2fs -d, in ms. */
  treeMs: number;
  mke2fsMs: number;
}

/**
 * An ext3 image holding `files` empty regular files, `perDir` to a
 * directory (/c0/f0 ... ), made the fast way: the tree is written on the
 * host (in memory, scratchDir) and `mke2fs -d` copies it in one pass, far
 * faster than creating each file through the model's syscalls. Sized with
 * 4 KiB blocks, 128-byte inodes and 10% spare inodes; the host tree is
 * deleted once the image exists.
 */
export function manyFilesImage(files: number, perDir = 1000): ManyFilesImage {
  const dir = scratchDir('modswap-many-');
  const root = join(dir, 'root');
  const t0 = performance.now();
  mkdirSync(root);
  const dirs = Math.ceil(files / perDir);
  for (let d = 0; d < dirs; d++) {
    mkdirSync(join(root, `c${d}`));
    for (let j = 0; j < perDir && d * perDir + j < files; j++) closeSync(openSync(join(root, `c${d}`, `f${j}`), 'w'));
  }
  const treeMs = performance.now() - t0;
  const inodes = Math.ceil((files + dirs + 64) * 1.1);
  // inode tables (128 B each) + directories (~16 B an entry) + journal + slack, in 4 KiB blocks
  const blocks = Math.ceil((inodes * 128 + files * 16) / 4096) + dirs * 2 + 16384;
  const path = join(dir, 'img');
  const t1 = performance.now();
  try {
    runMke2fs(path, { type: 'ext3', blockSize: 4096, blocks, inodeSize: 128, inodes, journalMiB: 16, rootDir: root });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { path, dir, files, dirs, treeMs, mke2fsMs: performance.now() - t1 };
}
