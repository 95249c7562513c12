/**
 * ext3_rename, release 2 (fs/ext3/namei.c): rename(2) at inode level. Moves
 * `oldName` in `oldDir` to `newName` in `newDir`, replacing an existing
 * target (file over file, empty directory over directory). A directory that
 * changes parent gets its `..` rewritten, and the link its `..` stands for
 * moves from the old parent to the new one: release 1 forgot that (see
 * v1/rename.ts). Returns the inode number of a replaced target whose link
 * count reached zero (now an orphan), or 0.
 *
 * Runs inside the JBD2 handle common/engine-ops.ts starts (`namei.rename`); may
 * block on the disk.
 */
import { EXT2_FT_DIR, EXT2_LINK_MAX, S_ISDIR, errno, fileTypeOfMode, type Ext2Fs, type Ext2InodeInfo, type Sim } from 'modswap/kernel';
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
  if (srcIsDir && crossDir) {
    if (!dst && newDir.disk.i_links_count >= EXT2_LINK_MAX) throw errno('EMLINK');
  }
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
    // the link `..` stands for moves with it
    if (oldDir.disk.i_links_count > 2) oldDir.disk.i_links_count--;
    newDir.disk.i_links_count++;
    yield* fs.writeInode(oldDir);
    yield* fs.writeInode(newDir);
  }
  srcInfo.disk.i_ctime = fs.now();
  yield* fs.writeInode(srcInfo);
  yield* touchDir(fs, oldDir);
  if (crossDir) yield* touchDir(fs, newDir);
  return orphan;
}

