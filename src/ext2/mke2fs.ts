/**
 * Host helper: run the real e2fsprogs mke2fs reproducibly (fixed UUID and
 * hash seed, E2FSPROGS_FAKE_TIME, root owned by 0:0) to make test images.
 * This is host I/O through node:child_process, not part of the modelled
 * machine; simulation code never calls it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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

/** Path of an e2fsprogs tool, or undefined if it is not installed. */
export function e2fsprogsTool(name: 'mke2fs' | 'e2fsck' | 'debugfs' | 'dumpe2fs'): string | undefined {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin']) {
    const p = `${dir}/${name}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Create `image` with mke2fs. Throws (with the install hint) if e2fsprogs is missing. */
export function runMke2fs(image: string, o: Mke2fsOptions): void {
  const bin = e2fsprogsTool('mke2fs');
  if (!bin) throw new Error('mke2fs not found: apt-get install -y e2fsprogs');
  execFileSync(bin, mke2fsArgs(image, o), {
    env: { ...process.env, E2FSPROGS_FAKE_TIME: String(o.time ?? FIXED_TIME), MKE2FS_CONFIG: process.env['MKE2FS_CONFIG'] ?? '/etc/mke2fs.conf' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
