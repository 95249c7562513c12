/**
 * `Mount` and the mount table (Linux struct mount, fs/namespace.c).
 *
 * One mount namespace. A mount attaches a superblock's root dentry at a
 * mount point (a dentry of the parent mount); path walk crosses from a
 * mount point to the root of the mount on top of it (`lookup_mnt`). A dentry
 * that is a mount point has `d_mounted > 0`, so the common walk step tests
 * one number and touches no map.
 *
 * `mnt_count` counts users that pin the mount: open files and tasks whose
 * root or cwd is inside it. umount fails with EBUSY while it is non-zero or
 * while other mounts sit on top of it.
 */
import type { Dentry } from './dentry.ts';
import type { SuperBlock } from './super.ts';

export class Mount {
  /** Users pinning the mount: open files, task roots and cwds. */
  mnt_count = 0;
  /** Mounts attached below this one. */
  mnt_children = 0;

  constructor(
    readonly mnt_sb: SuperBlock,
    readonly mnt_root: Dentry,
    /** The mount this one is attached to; the root mount is its own parent. */
    public mnt_parent: Mount | null,
    public mnt_mountpoint: Dentry | null,
    readonly mnt_devname: string,
    readonly mnt_flags: number,
  ) {}
}

/** A location in the mount tree (Linux struct path). */
export interface Path {
  mnt: Mount;
  dentry: Dentry;
}

/** The mounts of the one namespace, in mount order. */
export class MountTable {
  readonly list: Mount[] = [];
  /** Top-most mount on each mount-point dentry, keyed by (parent mount, dentry). */
  private readonly byPoint = new Map<Dentry, Mount[]>();
  root: Mount | null = null;

  /** The mount attached at `dentry` of `parent`, if any (fs/namespace.c lookup_mnt). */
  lookup_mnt(parent: Mount, dentry: Dentry): Mount | undefined {
    const ms = this.byPoint.get(dentry);
    if (!ms) return undefined;
    for (let i = ms.length - 1; i >= 0; i--) if (ms[i]!.mnt_parent === parent) return ms[i];
    return undefined;
  }

  attach(m: Mount): void {
    this.list.push(m);
    const parent = m.mnt_parent;
    const point = m.mnt_mountpoint;
    if (!parent || !point) {
      this.root = m;
      return;
    }
    parent.mnt_children++;
    point.d_mounted++;
    let ms = this.byPoint.get(point);
    if (!ms) this.byPoint.set(point, (ms = []));
    ms.push(m);
  }

  detach(m: Mount): void {
    const i = this.list.indexOf(m);
    if (i >= 0) this.list.splice(i, 1);
    const parent = m.mnt_parent;
    const point = m.mnt_mountpoint;
    if (!parent || !point) {
      if (this.root === m) this.root = null;
      return;
    }
    parent.mnt_children--;
    point.d_mounted--;
    const ms = this.byPoint.get(point);
    if (ms) {
      ms.splice(ms.indexOf(m), 1);
      if (ms.length === 0) this.byPoint.delete(point);
    }
  }

  /** Mounts whose superblock is `sb`. */
  ofSuper(sb: SuperBlock): Mount[] {
    return this.list.filter((m) => m.mnt_sb === sb);
  }
}

/** The absolute path of a location, for /proc/mounts and getcwd. */
export function d_path(mnt: Mount, dentry: Dentry): string {
  const parts: string[] = [];
  let m = mnt;
  let d = dentry;
  for (;;) {
    if (d === m.mnt_root) {
      if (!m.mnt_parent || !m.mnt_mountpoint) break;
      d = m.mnt_mountpoint;
      m = m.mnt_parent;
      continue;
    }
    parts.push(d.d_name);
    d = d.parent;
  }
  return '/' + parts.reverse().join('/');
}
