/**
 * Where the host's e2fsprogs tools are: the one lookup every runner
 * (e2fsprogs.ts) and every caller that picks between e2fsprogs and the
 * built-in mkfs goes through, in a file of its own so a test can make
 * e2fsprogs look missing by mocking just this module.
 */
import { existsSync } from 'node:fs';

export type E2fsprogsTool = 'mke2fs' | 'e2fsck' | 'debugfs' | 'dumpe2fs';

/** Path of an e2fsprogs tool, or undefined if it is not installed. */
export function e2fsprogsTool(name: E2fsprogsTool): string | undefined {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin']) {
    const p = `${dir}/${name}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}
