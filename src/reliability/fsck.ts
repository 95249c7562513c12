/**
 * e2fsck as an oracle (research/ext2.md: always `-f`; `-n` checks only,
 * `-y` repairs/replays). Every fuzz case, fault plan and hostile-image test
 * ends with it, the way xfstests runs fsck after every fsstress run.
 *
 * The image is copied to a temporary host file because e2fsck needs a path;
 * E2FSCK_TIME pins e2fsck's "now" so timestamps written by the model (its
 * clock starts at a fixed epoch) never read as "in the future".
 * `e2fsck` returns null when e2fsprogs is not installed, so a report can
 * say so; `e2fsckRequired` is for a verdict that needs the judge (tests,
 * demos): a missing e2fsck is then an error carrying the install hint.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { e2fsprogsTool } from '../ext2/mke2fs.ts';
import type { SparseImage } from '../hw-ppc64/disk.ts';

export interface FsckResult {
  /** e2fsck's exit status: 0 clean, 1 corrected, 4 uncorrected, 8 operational error, 12 aborted. */
  status: number;
  out: string;
  /** The image after `-fy` (repaired / journal replayed); the input for `-fn` (empty for a sparse input). */
  image: Uint8Array;
}

export function fsckAvailable(): boolean {
  return e2fsprogsTool('e2fsck') !== undefined;
}

/**
 * Write `img` to a host file: a byte array whole, a sparse image (a disk's
 * written regions, Disk.sparseImage) as a sparse file, so checking a mostly
 * empty 64 MiB disk writes only its metadata and data, not 64 MiB of zeros.
 */
function writeImage(path: string, img: Uint8Array | SparseImage): void {
  if (img instanceof Uint8Array) return writeFileSync(path, img);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, img.sizeBytes);
    for (const [off, bytes] of img.extents) {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, off + done);
    }
  } finally {
    closeSync(fd);
  }
}

/** Run `e2fsck -f<mode>` on a copy of `img` (bytes, or a disk's sparse image). */
export function e2fsck(img: Uint8Array | SparseImage, mode: 'n' | 'y' = 'n'): FsckResult | null {
  const bin = e2fsprogsTool('e2fsck');
  if (!bin) return null;
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'modswap-fsck-'));
  try {
    const p = join(dir, 'img');
    writeImage(p, img);
    const r = spawnSync(bin, [`-f${mode}`, p], { encoding: 'utf8', env: { ...process.env, E2FSCK_TIME: '2000000000' }, timeout: 60_000 });
    // -n changes nothing: a sparse input's image is not read back (only -y's repaired one is)
    const image = mode === 'y' ? new Uint8Array(readFileSync(p)) : img instanceof Uint8Array ? img : new Uint8Array(0);
    return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, image };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const E2FSPROGS_HINT = 'apt-get install -y e2fsprogs';

/** As `e2fsck`, but a missing e2fsprogs throws (with the install hint) instead of returning null. */
export function e2fsckRequired(bytes: Uint8Array, mode: 'n' | 'y' = 'n'): FsckResult {
  const r = e2fsck(bytes, mode);
  if (!r) throw new Error(`e2fsck is not installed: ${E2FSPROGS_HINT}`);
  return r;
}

/** One line saying what e2fsck found (for failure messages and the report). */
export function fsckLine(r: FsckResult | null): string {
  if (!r) return `e2fsck not installed (${E2FSPROGS_HINT})`;
  if (r.status === 0) return 'e2fsck -fn clean';
  const first = r.out.split('\n').find((l) => /^(Pass|Inode|Entry|Block|Free|Directory|Group|Padding|Root|Unattached|Inodes)/.test(l) && !/^Pass \d/.test(l));
  return `e2fsck exit ${r.status}${first ? `: ${first.trim()}` : ''}`;
}
