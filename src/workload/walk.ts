/**
 * Instantiate every inode of a tree: `find DIR -ls` through a task's
 * syscalls (getdents of every directory, then stat of each entry in
 * on-disk order, so ext3's lookup starts where the previous one ended).
 * Every file's VFS inode, dentry and engine in-memory inode stay cached
 * afterwards (nothing evicts a linked inode), which is how the live-update
 * bench reaches a million cached inodes without creating each file
 * through the model (e2fsprogs.ts manyFilesImage builds the image).
 */
import type { Sim } from '../sim/effects.ts';
import * as sys from '../vfs/syscalls.ts';
import type { Task } from '../vfs/task.ts';
import { O_DIRECTORY, O_RDONLY } from '../uapi/fcntl.ts';
import { DT_DIR } from '../vfs/types.ts';

/** Walk `dir` recursively; returns how many entries (files and directories) were instantiated. */
export function* instantiateTree(t: Task, dir: string): Sim<number> {
  const fd = yield* sys.open(t, dir, O_RDONLY | O_DIRECTORY);
  const names: { name: string; isDir: boolean }[] = [];
  try {
    for (;;) {
      const batch = yield* sys.getdents(t, fd);
      if (batch.length === 0) break;
      for (const d of batch) if (d.d_name !== '.' && d.d_name !== '..') names.push({ name: d.d_name, isDir: d.d_type === DT_DIR });
    }
  } finally {
    yield* sys.close(t, fd);
  }
  let n = 0;
  const base = dir === '/' ? '' : dir;
  for (const e of names) {
    const path = `${base}/${e.name}`;
    yield* sys.lstat(t, path);
    n++;
    if (e.isDir) n += yield* instantiateTree(t, path);
  }
  return n;
}
