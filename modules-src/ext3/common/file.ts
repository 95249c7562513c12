/**
 * ext3 file, directory and symlink operations (Linux fs/ext3/file.c, dir.c,
 * symlink.c): read and write go straight to the engine, which reads and
 * writes blocks through the buffer cache (this model has no separate page
 * cache for disk files); readdir walks the directory blocks; readlink reads
 * a fast symlink from i_block or a slow one from its block.
 *
 * Locks (ops.ts): none held for read, write, llseek, fsync, open, release;
 * write takes the inode's i_rwsem itself (as generic_file_write_iter does),
 * so appends and size changes are atomic, and read takes it shared; iterate
 * runs under the directory's i_rwsem (shared). Inside the engine each call
 * takes a JBD2 handle and the inner locks it needs (ext2/lock.ts). Every
 * slot may block.
 *
 * Directory positions are byte offsets in the directory (the engine's
 * telldir cookies): after an entry at byte p the position is p + 1, so the
 * next call resumes at the following record, and a removed entry is simply
 * not seen again.
 */
import type { Sim } from 'modswap/kernel';
import { errno } from 'modswap/kernel';
import type { OpenFile } from 'modswap/kernel';
import type { Inode } from 'modswap/kernel';
import type { Dentry } from 'modswap/kernel';
import type { DirContext, LoffT } from 'modswap/kernel';
import { DT_DIR, DT_LNK, DT_REG, DT_UNKNOWN, FMODE_WRITE } from 'modswap/kernel';
import { generic_write_checks } from 'modswap/kernel';
import { EXT3_SB, Ext3FileInfo, type Ext3Ctx } from './ext3.ts';
import { ext3_sync_inode, ext3_touch } from './inode.ts';

/** ext2 dirent file_type -> d_type (fs/ext2/dir.c ext2_filetype_table, inverted). */
const DT_OF_FILETYPE: readonly number[] = [DT_UNKNOWN, DT_REG, DT_DIR, 2 /* DT_CHR */, 6 /* DT_BLK */, 1 /* DT_FIFO */, 12 /* DT_SOCK */, DT_LNK];

export function ext3_file_ops(ctx: Ext3Ctx) {
  function* ext3_file_open(inode: Inode, file: OpenFile): Sim<void> {
    ctx.mod.instances.allocFile(file, () => new Ext3FileInfo(ctx.formats.fileFormat));
    if (file.f_mode & FMODE_WRITE) {
      const w = EXT3_SB(inode.i_sb).writers;
      w.set(inode.i_ino, (w.get(inode.i_ino) ?? 0) + 1);
    }
  }

  /**
   * Last close of an open file. The last writer's close gives back the
   * inode's block reservation window (ext3_release_file ->
   * ext3_discard_reservation), so windows exist only for files being
   * written; under the inode's truncate_mutex, as ext3 does.
   */
  function* ext3_release_file(inode: Inode, file: OpenFile): Sim<void> {
    ctx.mod.instances.freeFile(file);
    if (!(file.f_mode & FMODE_WRITE)) return;
    const sbi = EXT3_SB(inode.i_sb);
    const left = (sbi.writers.get(inode.i_ino) ?? 1) - 1;
    if (left > 0) {
      sbi.writers.set(inode.i_ino, left);
      return;
    }
    sbi.writers.delete(inode.i_ino);
    const fs = sbi.fs;
    const info = fs.icache.get(inode.i_ino);
    if (!info || !ctx.release.alloc.hasReservation(info) || fs.retired) return;
    // ext3_discard_reservation: the window changes under the inode's truncate_mutex
    const tm = fs.truncateMutex(info);
    yield* tm.lock();
    try {
      ctx.release.alloc.discardReservation(fs, info);
    } finally {
      yield* tm.unlock();
    }
  }

  /**
   * Read at ppos (short at EOF) under the inode's i_rwsem shared: readers
   * of a file run together, a writer or truncate excludes them (the model
   * has no page locks, which is what keeps Linux's readers off a block
   * being truncated). The engine does not update atime (mounted noatime).
   */
  function* ext3_file_read(file: OpenFile, buf: Uint8Array, ppos: LoffT): Sim<number> {
    const inode = file.f_inode;
    const lock = inode.i_rwsem;
    yield* lock.down_read();
    try {
      const pos = ppos.pos;
      if (pos >= inode.i_size || buf.length === 0) return 0;
      const n = Math.min(buf.length, inode.i_size - pos);
      const data = yield* EXT3_SB(inode.i_sb).fs.read(inode.i_ino, pos, n);
      buf.set(data);
      ppos.pos = pos + data.length;
      return data.length;
    } finally {
      yield* lock.up_read();
    }
  }

  /** Write at ppos (generic_write_checks: O_APPEND at EOF, EFBIG) under the inode's i_rwsem; past EOF leaves a hole. */
  function* ext3_file_write(file: OpenFile, data: Uint8Array, ppos: LoffT): Sim<number> {
    const inode = file.f_inode;
    const lock = inode.i_rwsem;
    yield* lock.lock();
    try {
      if (generic_write_checks(file, ppos, data.length) === 0) return 0;
      const pos = ppos.pos;
      const n = yield* EXT3_SB(inode.i_sb).fs.write(inode.i_ino, pos, data);
      ppos.pos = pos + n;
      ext3_touch(inode);
      ext3_sync_inode(inode);
      return n;
    } finally {
      yield* lock.unlock();
    }
  }

  /** fsync: the engine commits the running transaction (which holds every change). */
  function* ext3_sync_file(file: OpenFile, _datasync: boolean): Sim<void> {
    yield* EXT3_SB(file.f_inode.i_sb).fs.fsync(file.f_inode.i_ino);
  }

  /** ->read on a directory: EISDIR (generic_read_dir). */
  function* ext3_dir_read(_file: OpenFile, _buf: Uint8Array, _ppos: LoffT): Sim<number> {
    throw errno('EISDIR');
  }

  /** Emit the directory's live entries from ctx.pos on ('.' and '..' are on disk). Caller holds i_rwsem. */
  function* ext3_readdir(file: OpenFile, dc: DirContext): Sim<void> {
    const inode = file.f_inode;
    const entries = yield* ctx.release.namei.readdir(EXT3_SB(inode.i_sb).fs, inode.i_ino, dc.pos);
    for (const e of entries) {
      if (!dc.actor(e.name, e.ino, DT_OF_FILETYPE[e.fileType] ?? DT_UNKNOWN)) return;
      dc.pos = e.pos + 1;
    }
    dc.pos = Math.max(dc.pos, inode.i_size);
  }

  /** The symlink body (ext3_get_link): fast symlinks from i_block, slow ones from their block. */
  function* ext3_get_link(_dentry: Dentry | null, inode: Inode): Sim<string> {
    return yield* ctx.release.namei.readlink(EXT3_SB(inode.i_sb).fs, inode.i_ino);
  }

  return { ext3_file_open, ext3_release_file, ext3_file_read, ext3_file_write, ext3_sync_file, ext3_dir_read, ext3_readdir, ext3_get_link };
}
