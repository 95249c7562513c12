/**
 * `InstanceRegistry`: every inode and open file whose private structure a
 * module allocated (the inode-factory bookkeeping of docs/design.md).
 *
 * A module allocates per-inode (`i_private`) and per-open-file
 * (`private_data`) structures only through `allocInode` / `allocFile`, and
 * frees them through `freeInode` / `freeFile`. The registry remembers each
 * instance, so the live-update manager can enumerate them all, convert each
 * private structure and re-point the instance's i_op/i_fop/f_op at the new
 * module's tables. `setFactory` lets it swap how new structures are made
 * (e.g. in the new module's format) while an update is in progress.
 */
import type { Inode } from '../../vfs/inode.ts';
import type { OpenFile } from '../../vfs/file.ts';

export type InstanceKind = 'inode' | 'file';

/** Makes a private structure for an instance; `fallback` is the module's own maker. */
export type PrivateFactory = (instance: Inode | OpenFile, fallback: () => unknown) => unknown;

export class InstanceRegistry {
  private readonly inodeSet = new Set<Inode>();
  private readonly fileSet = new Set<OpenFile>();
  private factory: PrivateFactory | null = null;
  /** Instances ever allocated / freed, for tests and statistics. */
  allocated = 0;
  freed = 0;

  /** Allocate `inode.i_private` with `make` (or the installed factory) and track the inode. */
  allocInode<T>(inode: Inode, make: () => T): T {
    const priv = (this.factory ? this.factory(inode, make) : make()) as T;
    inode.i_private = priv;
    this.inodeSet.add(inode);
    this.allocated++;
    return priv;
  }

  /** Forget the inode and drop its private structure. */
  freeInode(inode: Inode): void {
    if (this.inodeSet.delete(inode)) this.freed++;
    inode.i_private = null;
  }

  /** Allocate `file.private_data` with `make` (or the installed factory) and track the file. */
  allocFile<T>(file: OpenFile, make: () => T): T {
    const priv = (this.factory ? this.factory(file, make) : make()) as T;
    file.private_data = priv;
    this.fileSet.add(file);
    this.allocated++;
    return priv;
  }

  freeFile(file: OpenFile): void {
    if (this.fileSet.delete(file)) this.freed++;
    file.private_data = null;
  }

  inodes(): readonly Inode[] {
    return [...this.inodeSet];
  }

  files(): readonly OpenFile[] {
    return [...this.fileSet];
  }

  enumerate(kind: InstanceKind): readonly (Inode | OpenFile)[] {
    return kind === 'inode' ? this.inodes() : this.files();
  }

  count(kind: InstanceKind): number {
    return kind === 'inode' ? this.inodeSet.size : this.fileSet.size;
  }

  /** Install (or with null remove) a factory that makes new private structures. */
  setFactory(f: PrivateFactory | null): void {
    this.factory = f;
  }

  /** Move every tracked instance to `to` (after a state transfer). */
  handOver(to: InstanceRegistry): void {
    for (const i of this.inodeSet) to.inodeSet.add(i);
    for (const f of this.fileSet) to.fileSet.add(f);
    this.inodeSet.clear();
    this.fileSet.clear();
  }
}
