/**
 * `OpenFile`: an open file description (Linux struct file), shared by every
 * file descriptor that refers to it.
 *
 * `f_op` starts as the inode's `i_fop` at open and is read at every call;
 * `private_data` is the module's per-open structure (allocated through its
 * instance registry). Both are plain fields so the update manager can
 * re-point them. `f_owner` is the module whose reference this open file
 * holds (taken from `f_op.owner` at open, put at the last close).
 */
import type { Dentry } from './dentry.ts';
import type { Inode } from './inode.ts';
import type { Mount } from './mount.ts';
import type { FileOperations, ModuleOwner } from './ops.ts';

export class OpenFile {
  f_pos = 0;
  /** File descriptors (and in-flight syscalls) referring to this description. */
  f_count = 1;
  private_data: unknown = null;

  constructor(
    public f_op: FileOperations,
    /** O_* flags as given to open (O_CREAT/O_EXCL/O_TRUNC/O_NOCTTY cleared). */
    public f_flags: number,
    /** FMODE_READ | FMODE_WRITE. */
    readonly f_mode: number,
    readonly f_inode: Inode,
    readonly f_mnt: Mount,
    readonly f_dentry: Dentry,
    public f_owner: ModuleOwner | null,
  ) {}
}
