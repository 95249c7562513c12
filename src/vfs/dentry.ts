/**
 * `Dentry` and the dcache (Linux struct dentry, fs/dcache.c).
 *
 * A dentry names one entry of a directory: `d_name` in `d_parent`, bound to
 * `d_inode`, or negative (`d_inode === null`: "this name does not exist",
 * cached so a repeated miss costs no ->lookup). The dcache is the tree itself:
 * each directory dentry keeps its children in `d_subdirs`, keyed by name,
 * negative entries included. For memory file systems (ramfs) the dcache is
 * the only copy of the directory, as in Linux.
 *
 * A positive dentry in the dcache holds one reference on its inode
 * (`i_count`). Only the VFS changes the tree: d_add / d_instantiate bind,
 * d_delete unhashes (and iputs), d_move renames. Callers hold the parent's i_rwsem (see ops.ts).
 */
import type { Sim } from '../sim/effects.ts';
import { iput, type Inode } from './inode.ts';
import type { SuperBlock } from './super.ts';
import { S_ISDIR } from '../uapi/stat.ts';

export class Dentry {
  d_inode: Inode | null = null;
  /** Children by name, negative entries included (created on first use). */
  d_subdirs: Map<string, Dentry> | null = null;
  /** Number of mounts whose mount point is this dentry. */
  d_mounted = 0;
  /** File-system private data. */
  d_fsdata: unknown = null;
  /** Removed from the dcache (unlinked); still usable by whoever holds it. */
  d_unhashed = false;

  constructor(
    public d_name: string,
    /** The parent; a root dentry is its own parent. */
    public d_parent: Dentry | null,
    readonly d_sb: SuperBlock,
  ) {}

  /** The parent (a root is its own parent). */
  get parent(): Dentry {
    return this.d_parent ?? this;
  }

  get is_root(): boolean {
    return this.d_parent === null;
  }
}

/** Find a cached child (positive or negative); undefined on a dcache miss. */
export function d_lookup(parent: Dentry, name: string): Dentry | undefined {
  return parent.d_subdirs?.get(name);
}

/** Allocate an unbound dentry for `name` in `parent` and hash it into the dcache. */
export function d_alloc(parent: Dentry, name: string): Dentry {
  const d = new Dentry(name, parent, parent.d_sb);
  (parent.d_subdirs ??= new Map()).set(name, d);
  return d;
}

/** A root dentry for `inode` (takes over the caller's inode reference). */
export function d_make_root(inode: Inode): Dentry {
  const d = new Dentry('/', null, inode.i_sb);
  d.d_inode = inode;
  noteDirAlias(d, inode);
  return d;
}

/** Bind `dentry` to `inode` (null: negative). Takes over the caller's reference. */
export function d_add(dentry: Dentry, inode: Inode | null): void {
  dentry.d_inode = inode;
  noteDirAlias(dentry, inode);
}

/** Bind a negative dentry to a new inode (takes over the caller's reference). */
export function d_instantiate(dentry: Dentry, inode: Inode): void {
  if (dentry.d_inode) throw new Error(`d_instantiate: '${dentry.d_name}' is already positive`);
  dentry.d_inode = inode;
  noteDirAlias(dentry, inode);
}

/** A directory inode's first name is its alias; a second one is left for lookup_hash to refuse. */
function noteDirAlias(dentry: Dentry, inode: Inode | null): void {
  if (inode && S_ISDIR(inode.i_mode) && d_dir_alias(inode) === null) inode.i_dir_alias = dentry;
}

/**
 * The hashed dentry that names directory `inode`, or null: the recorded
 * alias counts while it still names the inode and neither it nor an
 * ancestor has left the dcache. Linux allows a directory one dentry only
 * (d_splice_alias); a directory entry on disk giving a second name to a
 * directory means the image is corrupt, and the lookup is refused.
 */
export function d_dir_alias(inode: Inode): Dentry | null {
  const a = inode.i_dir_alias;
  if (!a || a.d_inode !== inode) return null;
  for (let p: Dentry = a; ; p = p.parent) {
    if (p.d_unhashed) return null;
    if (p.is_root) return a;
  }
}

/**
 * Remove a name after unlink/rmdir (fs/dcache.c d_delete): the dentry leaves
 * the dcache (a later lookup finds a fresh negative entry) and drops its
 * inode reference. It keeps pointing at the inode, as a dentry still in use
 * does in Linux, so an open file or a cwd on it still reaches the inode
 * (which an open file keeps alive by its own reference).
 */
export function* d_delete(dentry: Dentry): Sim<void> {
  const inode = dentry.d_inode;
  if (!inode || dentry.d_unhashed) return;
  d_drop(dentry);
  yield* iput(inode);
}

/** Unhash `dentry` from its parent's children. */
export function d_drop(dentry: Dentry): void {
  const p = dentry.d_parent;
  if (p && p.d_subdirs?.get(dentry.d_name) === dentry) p.d_subdirs.delete(dentry.d_name);
  dentry.d_unhashed = true;
}

/**
 * Move `dentry` to the name and parent of `target` (rename). `target` must
 * already be negative (the VFS d_deletes a replaced entry first); it leaves
 * the dcache, and the old name is forgotten (a later lookup re-creates it).
 */
export function d_move(dentry: Dentry, target: Dentry): void {
  const oldParent = dentry.parent;
  if (oldParent.d_subdirs?.get(dentry.d_name) === dentry) oldParent.d_subdirs.delete(dentry.d_name);
  const newParent = target.parent;
  target.d_unhashed = true;
  dentry.d_name = target.d_name;
  dentry.d_parent = newParent;
  (newParent.d_subdirs ??= new Map()).set(target.d_name, dentry);
}

/** True if `d` is `ancestor` or lies below it (fs/dcache.c is_subdir). */
export function is_subdir(d: Dentry, ancestor: Dentry): boolean {
  for (let p: Dentry = d; ; p = p.parent) {
    if (p === ancestor) return true;
    if (p.is_root) return false;
  }
}

/** Positive children in dcache order (for dcache_readdir and simple_empty). */
export function* d_children(dir: Dentry): Generator<Dentry, void, undefined> {
  if (!dir.d_subdirs) return;
  for (const c of dir.d_subdirs.values()) if (c.d_inode) yield c;
}
