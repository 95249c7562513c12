/**
 * The syscall layer: every call is a generator run by a simulated thread,
 * with the calling `Task` first; it returns its result or throws
 * `ErrnoError { code, errno, syscall, path }`. Module calls
 * (init_module/delete_module) live in src/modules/core/syscalls.ts.
 *
 *   import * as sys from '../vfs/syscalls.ts';
 *   const fd = yield* sys.open(task, '/a', O_CREAT | O_WRONLY, 0o644);
 */
export { open, close, read, write, pread, pwrite, lseek, fsync, ftruncate, fstat, getdents } from './sys/file.ts';
export { mkdir, rmdir, unlink, rename, link, symlink, readlink } from './sys/names.ts';
export { stat, lstat, truncate, chmod, chown, lchown, statfs, chdir, sync } from './sys/attr.ts';
export { mount, umount } from './sys/mount.ts';
