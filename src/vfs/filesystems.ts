/**
 * The list of file-system types (fs/filesystems.c): register_filesystem,
 * unregister_filesystem, get_fs_type. A module registers its type in its
 * init and unregisters it in its exit. get_fs_type takes a reference on the
 * owning module (try_module_get) that the superblock keeps until kill_sb.
 */
import { errno } from '../uapi/errno.ts';
import type { Kernel } from './kernel.ts';
import type { FileSystemType } from './ops.ts';

export function register_filesystem(kernel: Kernel, fs: FileSystemType): void {
  if (kernel.fsRegistrationStaging) {
    kernel.fsRegistrationStaging.push(fs);
    return;
  }
  if (kernel.file_systems.has(fs.name)) throw errno('EBUSY', `file system ${fs.name} already registered`);
  kernel.file_systems.set(fs.name, fs);
}

export function unregister_filesystem(kernel: Kernel, fs: FileSystemType): void {
  if (kernel.file_systems.get(fs.name) !== fs) throw errno('EINVAL', `file system ${fs.name} not registered`);
  kernel.file_systems.delete(fs.name);
}

/** Find a type by name and pin its module; ENODEV if unknown or its module is going. */
export function get_fs_type(kernel: Kernel, name: string): FileSystemType {
  const fs = kernel.file_systems.get(name);
  if (!fs) throw errno('ENODEV');
  if (fs.owner && !fs.owner.try_module_get()) throw errno('ENODEV');
  return fs;
}

/** Drop the module reference get_fs_type took. */
export function put_filesystem(fs: FileSystemType): void {
  fs.owner?.module_put();
}

/** The contents of /proc/filesystems. */
export function filesystems_text(kernel: Kernel): string {
  let s = '';
  for (const fs of kernel.file_systems.values()) s += `${fs.fs_flags & 1 ? '' : 'nodev'}\t${fs.name}\n`;
  return s;
}
