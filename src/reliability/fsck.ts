/**
 * e2fsck as an oracle (research/ext2.md: always `-f`; `-n` checks only,
 * `-y` repairs/replays). Every fuzz case, fault plan and hostile-image test
 * ends with it, the way xfstests runs fsck after every fsstress run.
 *
 * The image is copied to a temporary host file because e2fsck needs a path;
 * E2FSCK_TIME pins e2fsck's "now" so timestamps written by the model (its
 * clock starts at a fixed epoch) never read as "in the future".
 * Returns null when e2fsprogs is not installed, so callers can say so
 * instead of failing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { e2fsprogsTool } from '../ext2/mke2fs.ts';

export interface FsckResult {
  /** e2fsck's exit status: 0 clean, 1 corrected, 4 uncorrected, 8 operational error, 12 aborted. */
  status: number;
  out: string;
  /** The image after `-fy` (repaired / journal replayed); the input for `-fn`. */
  image: Uint8Array;
}

export function fsckAvailable(): boolean {
  return e2fsprogsTool('e2fsck') !== undefined;
}

/** Run `e2fsck -f<mode>` on a copy of `bytes`. */
export function e2fsck(bytes: Uint8Array, mode: 'n' | 'y' = 'n'): FsckResult | null {
  const bin = e2fsprogsTool('e2fsck');
  if (!bin) return null;
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'modswap-fsck-'));
  try {
    const p = join(dir, 'img');
    writeFileSync(p, bytes);
    const r = spawnSync(bin, [`-f${mode}`, p], { encoding: 'utf8', env: { ...process.env, E2FSCK_TIME: '2000000000' }, timeout: 60_000 });
    const image = mode === 'y' ? new Uint8Array(readFileSync(p)) : bytes;
    return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, image };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line saying what e2fsck found (for failure messages and the report). */
export function fsckLine(r: FsckResult | null): string {
  if (!r) return 'e2fsck not installed';
  if (r.status === 0) return 'e2fsck -fn clean';
  const first = r.out.split('\n').find((l) => /^(Pass|Inode|Entry|Block|Free|Directory|Group|Padding|Root|Unattached|Inodes)/.test(l) && !/^Pass \d/.test(l));
  return `e2fsck exit ${r.status}${first ? `: ${first.trim()}` : ''}`;
}
