/**
 * ext3's inode-level name operations as the engine's callers see them
 * (`Ext2Release.namei`, called as `fs.logic.namei.op(fs, ...)` by the VFS
 * slots of namei.ts, the K42 file service, tools and tests): each starts a JBD2
 * handle, loads the inodes it works on, runs the namei-inode.ts or
 * directory code and stops the handle, so on ext3 every operation lands
 * whole in one transaction (Linux ext3_create and its siblings bracket
 * themselves with ext3_journal_start/stop the same way). Lookups and reads
 * take no handle.
 *
 * Built per release around that release's `rename` (vN/rename.ts).
 */
import { COST, errno, type Ext2Fs, type Ext2InodeInfo, type Ext2NameOps, type Ext2ReaddirEntry, type Sim } from 'modswap/kernel';
import { dirList, dirLookup } from './dir.ts';
import { createNode, dropInode, linkName, makeDir, makeSymlink, readSymlink, removeDir, unlinkName } from './namei-inode.ts';

/** A release's rename at inode level (vN/rename.ts): the orphaned target's number, or 0. */
export type Ext3RenameFn = (fs: Ext2Fs, oldDir: Ext2InodeInfo, oldName: string, newDir: Ext2InodeInfo, newName: string) => Sim<number>;

function never(): never {
  throw errno('EIO', 'inode vanished from the cache');
}

/** Run `op` as one handle, with inode `ino` (if given) loaded into the cache first. */
function* mutate<T>(fs: Ext2Fs, op: () => Sim<T>, ino?: number): Sim<T> {
  yield* fs.beginWrite();
  try {
    if (ino !== undefined) yield* fs.iget(ino);
    return yield* op();
  } finally {
    yield* fs.endWrite();
  }
}

/**
 * Inode number `name` maps to in directory `dir`, or 0 (the lookup of
 * every name a create makes: no ENOENT thrown through the handle's frames).
 */
export function* lookupIno(fs: Ext2Fs, dir: number, name: string): Sim<number> {
  fs.checkLive();
  yield COST.opEntry;
  const d = yield* fs.iget(dir);
  const slot = yield* dirLookup(fs, d, name);
  return slot ? slot.ino : 0;
}

/** The name operations of a release whose rename is `rename`. */
export function ext3EngineOps(rename: Ext3RenameFn): Ext2NameOps {
  const cached = (fs: Ext2Fs, ino: number): Ext2InodeInfo => fs.icache.get(ino) ?? never();
  return {
    *lookup(fs: Ext2Fs, dir: number, name: string): Sim<number> {
      const ino = yield* lookupIno(fs, dir, name);
      if (ino === 0) throw errno('ENOENT');
      return ino;
    },
    create: (fs, dir, name, mode, uid, gid, rdev = 0) => mutate(fs, () => createNode(fs, cached(fs, dir), name, mode, uid, gid, rdev), dir),
    mkdir: (fs, dir, name, mode, uid, gid) => mutate(fs, () => makeDir(fs, cached(fs, dir), name, mode, uid, gid), dir),
    unlink: (fs, dir, name) => mutate(fs, () => unlinkName(fs, cached(fs, dir), name), dir),
    rmdir: (fs, dir, name) => mutate(fs, () => removeDir(fs, cached(fs, dir), name), dir),
    rename: (fs, oldDir, oldName, newDir, newName) =>
      mutate(fs, function* () {
        const od = yield* fs.iget(oldDir);
        const nd = yield* fs.iget(newDir);
        return yield* rename(fs, od, oldName, nd, newName);
      }),
    link: (fs, ino, dir, name) =>
      mutate(fs, function* () {
        const t = yield* fs.iget(ino);
        const d = yield* fs.iget(dir);
        yield* linkName(fs, t, d, name);
      }),
    symlink: (fs, dir, name, target, uid, gid) => mutate(fs, () => makeSymlink(fs, cached(fs, dir), name, target, uid, gid), dir),
    *readlink(fs: Ext2Fs, ino: number): Sim<string> {
      fs.checkLive();
      return yield* readSymlink(fs, yield* fs.iget(ino));
    },
    *readdir(fs: Ext2Fs, dir: number, pos = 0): Sim<Ext2ReaddirEntry[]> {
      fs.checkLive();
      yield COST.opEntry;
      return yield* dirList(fs, yield* fs.iget(dir), pos);
    },
    *drop(fs: Ext2Fs, ino: number): Sim<void> {
      fs.checkLive();
      if (fs.readOnly || !fs.orphans.has(ino)) {
        fs.icache.delete(ino);
        fs.rsvWindows.delete(ino);
        return;
      }
      yield* mutate(fs, () => dropInode(fs, ino));
    },
  };
}
