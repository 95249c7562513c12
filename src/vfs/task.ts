/**
 * Simulated processes: `Task` (Linux task_struct, the parts the VFS uses)
 * with credentials (`Cred`), umask, root and working directory (fs_struct)
 * and a file-descriptor table (files_struct).
 *
 * A task is not a thread: syscalls run as generators on whatever simulated
 * thread calls them with the task as first argument, so several threads may
 * act for one task (they then share its fd table, cwd and credentials, as
 * threads of one process do).
 */
import type { Dentry } from './dentry.ts';
import type { OpenFile } from './file.ts';
import type { Kernel } from './kernel.ts';
import type { Mount } from './mount.ts';
import { CAP_FULL_SET } from './types.ts';

/** Credentials (Linux struct cred; fsuid = euid = uid in this model). */
export class Cred {
  constructor(
    readonly uid: number,
    readonly gid: number,
    /** Supplementary groups. */
    readonly groups: readonly number[] = [],
    /** Effective capabilities, one bit per CAP_* number. */
    readonly cap_effective: number = uid === 0 ? CAP_FULL_SET : 0,
  ) {}

  static root(): Cred {
    return new Cred(0, 0, [], CAP_FULL_SET);
  }

  capable(cap: number): boolean {
    return (this.cap_effective & (1 << cap)) !== 0;
  }

  in_group_p(gid: number): boolean {
    return gid === this.gid || this.groups.includes(gid);
  }
}

export interface TaskOptions {
  pid?: number;
  name?: string;
  cred?: Cred;
  umask?: number;
}

export class Task {
  readonly pid: number;
  readonly name: string;
  cred: Cred;
  umask: number;
  /** fs_struct: root and cwd; each pins its mount (mnt_count). */
  root_mnt: Mount;
  root_dentry: Dentry;
  pwd_mnt: Mount;
  pwd_dentry: Dentry;
  /** files_struct: fd → open file description (null: free slot). */
  readonly fds: (OpenFile | null)[] = [];

  constructor(
    readonly kernel: Kernel,
    opts: TaskOptions = {},
  ) {
    const root = kernel.mounts.root;
    if (!root) throw new Error('Task: no root file system mounted');
    this.pid = opts.pid ?? kernel.alloc_pid();
    this.name = opts.name ?? `task${this.pid}`;
    this.cred = opts.cred ?? Cred.root();
    this.umask = opts.umask ?? 0o022;
    this.root_mnt = this.pwd_mnt = root;
    this.root_dentry = this.pwd_dentry = root.mnt_root;
    root.mnt_count += 2;
  }

  /** Change the working directory (pins the new mount, unpins the old). */
  set_fs_pwd(mnt: Mount, dentry: Dentry): void {
    mnt.mnt_count++;
    this.pwd_mnt.mnt_count--;
    this.pwd_mnt = mnt;
    this.pwd_dentry = dentry;
  }

  /** Number of open file descriptors. */
  get openFiles(): number {
    let n = 0;
    for (const f of this.fds) if (f) n++;
    return n;
  }
}
