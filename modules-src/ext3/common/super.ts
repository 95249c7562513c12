/**
 * ext3 superblocks (Linux fs/ext3/super.c): mount a block device, statfs,
 * sync, and the clean unmount.
 *
 * Mount (ext3_mount -> ext3_fill_super): the device is named by the mount's
 * dev argument and looked up in the kernel's block-device table
 * (`Kernel.bdevs`, claimed for this superblock only). The engine validates
 * the superblock, refuses unknown features, replays the journal if needed,
 * bumps the mount count and stamps the mount time from the simulated clock.
 * The engine reads and writes through the VFS buffer cache of the device
 * (src/vfs/buffer.ts `BufferCache`, which is the engine's `BlockCache`).
 *
 * Unmount (kill_sb = generic_shutdown_super, then ext3_put_super): the VFS
 * drops every dentry and evicts every inode (the engine frees any inode
 * left without names), then the engine commits and checkpoints the
 * journal, clears needs_recovery, marks the file system valid and stamps
 * the write time, so `e2fsck -fn` on the image exits 0.
 */
import type { Sim } from 'modswap/kernel';
import { errno } from 'modswap/kernel';
import { Ext2Fs, simLocking } from 'modswap/kernel';
import { maxFileSize } from 'modswap/kernel';
import { checkMagic, decodeSuperBlock } from 'modswap/kernel';
import { SUPERBLOCK_OFFSET } from 'modswap/kernel';
import { BufferCache } from 'modswap/kernel';
import { d_make_root, type Dentry } from 'modswap/kernel';
import type { Kernel } from 'modswap/kernel';
import { claim_bdev, release_bdev } from 'modswap/kernel';
import type { FileSystemType } from 'modswap/kernel';
import { alloc_super, generic_shutdown_super, type SuperBlock } from 'modswap/kernel';
import { MS_RDONLY, NAME_MAX } from 'modswap/kernel';
import { type Statfs } from 'modswap/kernel';
import {
  EXT3_SB, EXT3_SUPER_MAGIC, Ext3SbInfo, ext3_disk_time, type Ext3Ctx,
} from './ext3.ts';
import { ext3_iget } from './inode.ts';
import { super_blocks_by_id } from 'modswap/kernel';

/** Buffers the per-device cache keeps (soft limit; dirty and journaled buffers stay). */
export const EXT3_CACHE_BUFFERS = 8192;
const EXT2_ROOT_INO = 2;

function parseOptions(data: string): { readOnly: boolean } {
  let readOnly = false;
  for (const opt of data.split(',')) {
    if (opt === '' || opt === 'rw') continue;
    if (opt === 'ro') readOnly = true;
    else throw errno('EINVAL', `ext3: bad mount option '${opt}'`);
  }
  return { readOnly };
}

/** The engine's clock: simulated seconds (see ext3.ts on time). */
export function ext3_clock(kernel: Kernel): () => number {
  return () => ext3_disk_time(kernel.engine, kernel.engine.now);
}

export function ext3_super_operations(ctx: Ext3Ctx) {
  function* ext3_mount(fsType: FileSystemType, flags: number, devName: string, data: string, kernel: Kernel): Sim<Dentry> {
    const opts = parseOptions(data);
    const dev = claim_bdev(kernel, devName);
    let fs: Ext2Fs;
    try {
      // The superblock names the block size the device's buffer cache is made for;
      // the engine validates everything else.
      if (dev.sizeBytes < 2048) throw errno('EINVAL', 'ext3: device too small');
      const raw = yield* dev.read(SUPERBLOCK_OFFSET, 1024);
      const dsb = decodeSuperBlock(raw);
      checkMagic(dsb);
      const log = dsb.s_log_block_size;
      if (log > 2) throw errno('EINVAL', `ext3: unsupported block size (log ${log})`);
      const cache = new BufferCache(kernel.engine, dev, 1024 << log, EXT3_CACHE_BUFFERS);
      fs = yield* Ext2Fs.mount(dev, {
        now: ext3_clock(kernel),
        logic: ctx.release,
        readOnly: opts.readOnly || (flags & MS_RDONLY) !== 0,
        cache: cache.cache,
        // several simulated threads call into one engine at once: ext3's own locks (ext2/lock.ts)
        locking: simLocking(kernel.engine),
      });
    } catch (e) {
      release_bdev(kernel, dev);
      throw e;
    }
    const sb = alloc_super(kernel, fsType, devName);
    sb.s_magic = EXT3_SUPER_MAGIC;
    sb.s_blocksize = fs.blockSize;
    sb.s_maxbytes = maxFileSize(fs);
    sb.s_flags = flags | (fs.readOnly ? MS_RDONLY : 0);
    sb.s_bdev = dev;
    sb.s_op = ctx.tables.ext3_sops;
    const sbi = new Ext3SbInfo(fs, dev, new Map(), ctx, super_blocks_by_id.newId(devName));
    sb.s_fs_info = sbi;
    ctx.supers.add(sb);
    super_blocks_by_id.set(sbi.id, sb);
    // the module's commit thread (ext2/kjournald.ts); the unmount stops it
    fs.startKjournald(`kjournald ${devName}`);
    const root = yield* ext3_iget(ctx, sb, EXT2_ROOT_INO);
    const d = d_make_root(root);
    sb.s_root = d;
    return d;
  }

  /** kill_block_super: shut the VFS side down; put_super unmounts the engine. */
  function* ext3_kill_sb(sb: SuperBlock): Sim<void> {
    yield* generic_shutdown_super(sb);
  }

  function* ext3_put_super(sb: SuperBlock): Sim<void> {
    const sbi = EXT3_SB(sb);
    try {
      yield* sbi.fs.unmount();
    } finally {
      sbi.ctx.supers.delete(sb);
      super_blocks_by_id.delete(sbi.id);
    }
  }

  /** sync(2) and umount: commit the running transaction (ext3) or write back (ext2). */
  function* ext3_sync_fs(sb: SuperBlock, _wait: boolean): Sim<void> {
    yield* EXT3_SB(sb).fs.sync();
  }

  function* ext3_statfs(dentry: Dentry): Sim<Statfs> {
    const s = EXT3_SB(dentry.d_sb).fs.statfs();
    yield 50;
    return { f_type: EXT3_SUPER_MAGIC, f_bsize: s.f_bsize, f_blocks: s.f_blocks, f_bfree: s.f_bfree, f_bavail: s.f_bavail, f_files: s.f_files, f_ffree: s.f_ffree, f_namelen: Math.min(s.f_namelen, NAME_MAX) };
  }

  return { ext3_mount, ext3_kill_sb, ext3_put_super, ext3_sync_fs, ext3_statfs };
}
