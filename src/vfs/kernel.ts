/**
 * `Kernel`: the global state of the modelled Linux VFS on one machine: the
 * engine, the registered file-system types (fs/filesystems.c), the mount
 * table, the named block devices, and the counters that number inodes,
 * devices and processes. Everything else hangs off superblocks and tasks.
 */
import type { Engine } from '../sim/engine.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { DEFAULT_VFS_COSTS, type VfsCosts } from './costs.ts';
import { MountTable } from './mount.ts';
import type { FileSystemType } from './ops.ts';

export interface KernelOptions {
  costs?: Partial<VfsCosts>;
}

export class Kernel {
  readonly costs: VfsCosts;
  /** Registered file-system types by name (register_filesystem). */
  readonly file_systems = new Map<string, FileSystemType>();
  readonly mounts = new MountTable();
  /** Block devices by name, as `mount FSTYPE DEV PATH` names them. */
  readonly bdevs = new Map<string, BlockDevice>();
  /** Block devices a superblock has claimed (one mount per device). */
  readonly claimedBdevs = new Set<BlockDevice>();
  /**
   * While a live update runs the new module's init, its register_filesystem
   * calls are collected here instead of taking effect; the update manager
   * installs them at redirect, or drops them on rollback.
   */
  fsRegistrationStaging: FileSystemType[] | null = null;
  private nextIno = 1;
  private nextAnonDev = 1;
  private nextPid = 1;

  constructor(
    readonly engine: Engine,
    opts: KernelOptions = {},
  ) {
    this.costs = { ...DEFAULT_VFS_COSTS, ...opts.costs };
  }

  /** Inode numbers for file systems without their own (fs/inode.c get_next_ino). */
  get_next_ino(): number {
    return this.nextIno++;
  }

  /** Anonymous device numbers (major 0), as get_anon_bdev gives them. */
  get_anon_dev(): number {
    return this.nextAnonDev++;
  }

  alloc_pid(): number {
    return this.nextPid++;
  }

  /** Make a block device mountable under `name`. */
  add_bdev(dev: BlockDevice, name: string = dev.name): void {
    if (this.bdevs.has(name)) throw new Error(`add_bdev: '${name}' exists`);
    this.bdevs.set(name, dev);
  }
}
