/**
 * Mounting (fs/namespace.c, fs/super.c): mount_root at boot, do_mount,
 * do_umount, and iterate_supers for sync.
 *
 * A mount pins the file-system type's module (get_fs_type's reference,
 * dropped when the superblock is killed), so `rmmod` of a module with a
 * mounted file system fails with EBUSY. umount needs CAP_SYS_ADMIN, the root
 * of a mount (else EINVAL), and no users: no open file, no task root or cwd
 * inside, no mount on top (else EBUSY). The root mount cannot be unmounted.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { get_fs_type, put_filesystem } from './filesystems.ts';
import type { Kernel } from './kernel.ts';
import { Mount } from './mount.ts';
import type { Dentry } from './dentry.ts';
import type { SuperBlock } from './super.ts';
import { generic_shutdown_super } from './super.ts';
import { LOOKUP_FOLLOW, path_lookup } from './namei.ts';
import type { Task } from './task.ts';
import { CAP_SYS_ADMIN } from './types.ts';
import { S_ISDIR } from '../uapi/stat.ts';

/** Ask the type for a superblock; on failure drop the module reference. */
function* vfs_kern_mount(kernel: Kernel, fstype: string, devName: string, flags: number, data: string): Sim<Dentry> {
  const type = get_fs_type(kernel, fstype);
  const mount = type.mount;
  try {
    if (!mount) throw errno('ENODEV');
    return yield* mount(type, flags, devName, data, kernel);
  } catch (e) {
    put_filesystem(type);
    throw e;
  }
}

/** Mount the root file system (init/do_mounts.c). Only once, before any task exists. */
export function* mount_root(kernel: Kernel, fstype: string, devName: string, flags = 0, data = ''): Sim<Mount> {
  if (kernel.mounts.root) throw errno('EBUSY', 'root already mounted');
  yield kernel.costs.mountOp;
  const root = yield* vfs_kern_mount(kernel, fstype, devName, flags, data);
  const m = new Mount(root.d_sb, root, null, null, devName, flags);
  kernel.mounts.attach(m);
  return m;
}

/** mount(2): attach a new `fstype` instance on `dev` at `path`. */
export function* do_mount(t: Task, devName: string, path: string, fstype: string, flags: number, data: string): Sim<void> {
  if (!t.cred.capable(CAP_SYS_ADMIN)) throw errno('EPERM');
  const nd = yield* path_lookup(t, path, LOOKUP_FOLLOW);
  const inode = nd.dentry.d_inode;
  if (!inode || !S_ISDIR(inode.i_mode)) throw errno('ENOTDIR');
  yield t.kernel.costs.mountOp;
  const root = yield* vfs_kern_mount(t.kernel, fstype, devName, flags, data);
  const m = new Mount(root.d_sb, root, nd.mnt, nd.dentry, devName, flags);
  t.kernel.mounts.attach(m);
}

/** umount(2). */
export function* do_umount(t: Task, path: string): Sim<void> {
  if (!t.cred.capable(CAP_SYS_ADMIN)) throw errno('EPERM');
  const nd = yield* path_lookup(t, path, LOOKUP_FOLLOW);
  const m = nd.mnt;
  if (nd.dentry !== m.mnt_root) throw errno('EINVAL');
  if (!m.mnt_parent) throw errno('EBUSY');
  if (m.mnt_count > 0 || m.mnt_children > 0) throw errno('EBUSY');
  yield t.kernel.costs.mountOp;
  const kernel = t.kernel;
  kernel.mounts.detach(m);
  const sb = m.mnt_sb;
  if (kernel.mounts.ofSuper(sb).length === 0) yield* deactivate_super(kernel, sb);
}

/** The last mount of `sb` is gone: kill it and drop the module reference (fs/super.c). */
export function* deactivate_super(kernel: Kernel, sb: SuperBlock): Sim<void> {
  const type = sb.s_type;
  const kill = type.kill_sb;
  try {
    if (kill) yield* kill(sb);
    else yield* generic_shutdown_super(sb);
  } finally {
    if (sb.s_bdev) kernel.claimedBdevs.delete(sb.s_bdev);
    put_filesystem(type);
  }
}

/** Every mounted superblock once, in mount order. */
export function iterate_supers(kernel: Kernel): SuperBlock[] {
  const out: SuperBlock[] = [];
  for (const m of kernel.mounts.list) if (!out.includes(m.mnt_sb)) out.push(m.mnt_sb);
  return out;
}

/** The block device named `devName`, claimed for one superblock (fs/super.c get_tree_bdev). */
export function claim_bdev(kernel: Kernel, devName: string) {
  const dev = kernel.bdevs.get(devName);
  if (!dev) throw errno('ENOENT');
  if (kernel.claimedBdevs.has(dev)) throw errno('EBUSY');
  kernel.claimedBdevs.add(dev);
  return dev;
}

/** Give back a device claimed by claim_bdev (a mount that failed). */
export function release_bdev(kernel: Kernel, dev: import('../hw-ppc64/blockdev.ts').BlockDevice): void {
  kernel.claimedBdevs.delete(dev);
}
