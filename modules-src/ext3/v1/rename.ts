/**
 * ext3_rename, release 1 (fs/ext3/namei.c), as shipped, with its bug: a
 * directory moved to another parent gets its `..` rewritten, but the link
 * that `..` stands for is not moved, so the old parent keeps one link too
 * many and the new parent one too few. Trigger: mkdir /a /b /a/d; rename
 * /a/d /b/d. `e2fsck -fn` then reports "Inode <a> ref count is 3, should be
 * 2" and "Inode <b> ref count is 2, should be 3" (exit 4). Kept on purpose:
 * it is what the live-update demos fix (release 2, v2/rename.ts).
 *
 * Runs inside the JBD2 handle common/engine-ops.ts starts (`namei.rename`); may
 * block on the disk.
 */
import { EXT2_FT_DIR, S_ISDIR, errno, fileTypeOfMode, type Ext2Fs, type Ext2InodeInfo, type Sim } from 'modswap/kernel';
import { checkName, dirAddEntry, dirIsEmpty, dirLookup, dirRemoveEntry, dirSetEntry, touchDir } from '../common/dir.ts';
import { decLink, isAncestor, killDir } from '../common/namei-inode.ts';

export function* ext3_rename(fs: Ext2Fs, oldDir: Ext2InodeInfo, oldName: string, newDir: Ext2InodeInfo, newName: string): Sim<number> {
  if (oldName === '.' || oldName === '..' || newName === '.' || newName === '..') throw errno('EINVAL');
  checkName(newName);
  if (!S_ISDIR(oldDir.disk.i_mode) || !S_ISDIR(newDir.disk.i_mode)) throw errno('ENOTDIR');
  const src = yield* dirLookup(fs, oldDir, oldName);
  if (!src) throw errno('ENOENT');
  const srcInfo = yield* fs.iget(src.ino);
  const srcIsDir = S_ISDIR(srcInfo.disk.i_mode);
  const crossDir = oldDir.ino !== newDir.ino;
  // Moving a directory under itself is checked first, as Linux's lock_rename trap does.
  if (srcIsDir && crossDir && (yield* isAncestor(fs, srcInfo.ino, newDir))) throw errno('EINVAL');
  const dst = yield* dirLookup(fs, newDir, newName);
  let dstInfo: Ext2InodeInfo | undefined;
  if (dst) {
    if (dst.ino === src.ino) return 0; // both names are the same file: nothing to do
    dstInfo = yield* fs.iget(dst.ino);
    const dstIsDir = S_ISDIR(dstInfo.disk.i_mode);
    if (srcIsDir && !dstIsDir) throw errno('ENOTDIR');
    if (!srcIsDir && dstIsDir) throw errno('EISDIR');
    if (dstIsDir && !(yield* dirIsEmpty(fs, dstInfo))) throw errno('ENOTEMPTY');
  }
  // (release 1 never adds a link to newDir, so it never checks EXT2_LINK_MAX)
  const ft = fileTypeOfMode(srcInfo.disk.i_mode);
  let orphan = 0;
  if (dst && dstInfo) {
    yield* dirSetEntry(fs, newDir, dst, srcInfo.ino, ft);
    if (S_ISDIR(dstInfo.disk.i_mode)) {
      yield* killDir(fs, dstInfo);
      // The replaced directory's `..` no longer counts against newDir.
      if (newDir.disk.i_links_count > 2) newDir.disk.i_links_count--;
      yield* fs.writeInode(newDir);
    } else {
      yield* decLink(fs, dstInfo);
    }
    if (dstInfo.disk.i_links_count === 0) orphan = dstInfo.ino;
  } else {
    yield* dirAddEntry(fs, newDir, newName, srcInfo.ino, ft);
  }
  yield* dirRemoveEntry(fs, oldDir, oldName);
  if (srcIsDir && crossDir) {
    const dotdot = yield* dirLookup(fs, srcInfo, '..');
    if (!dotdot) throw errno('EUCLEAN', `directory ${srcInfo.ino} has no '..'`);
    yield* dirSetEntry(fs, srcInfo, dotdot, newDir.ino, EXT2_FT_DIR);
    // BUG (fixed in release 2): the link `..` stands for stays with the old
    // parent; e2fsck reports both parents' ref counts as wrong.
    yield* fs.writeInode(oldDir);
    yield* fs.writeInode(newDir);
  }
  srcInfo.disk.i_ctime = fs.now();
  yield* fs.writeInode(srcInfo);
  yield* touchDir(fs, oldDir);
  if (crossDir) yield* touchDir(fs, newDir);
  return orphan;
}

