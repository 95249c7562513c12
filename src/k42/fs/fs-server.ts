/**
 * Module Description: the K42 file server's name space: a clustered object
 * exposing path operations (create, mkdir, read, write, truncate, link,
 * symlink, rename, unlink, rmdir, stat, lstat, readlink, readdir, fsync) over
 * the per-inode objects, after K42's file-system servers, which resolve
 * paths in the server and hand back per-file objects. No Linux VFS here.
 *
 * A path walk starts at the root directory's object and calls `lookup` on
 * each directory object through `DREF` (name-cache hit: no call further
 * down). Symlinks are followed as Linux does, at most 40 per walk (ELOOP).
 * The errno semantics, and the order in which errors are detected, are
 * those of the reference model (src/workload/model.ts), which follows
 * Linux: unlink of a directory EISDIR, link of a directory EPERM, rename
 * into its own subtree EINVAL, rename onto an ancestor of the source
 * ENOTEMPTY (before any type check), ENAMETOOLONG for a path of PATH_MAX or a
 * name over NAME_MAX, O_EXCL create on any existing name (even a dangling
 * symlink) EEXIST.
 *
 * Inode objects: the server keeps the inode table (number -> object) and
 * makes an object with the inode factory the first time a walk reaches an
 * inode. When an inode is freed its object is marked dead and leaves the
 * table (the number may be reused at once); dead objects are destroyed
 * later (`reapZombies`: before an update, so it converts no dead object,
 * and at unmount), the deferred deletion K42 itself practises.
 *
 * Contracts: every operation may block (it calls inode objects and through
 * them the superblock object); errors are thrown as `ErrnoError`. Two
 * threads racing to make the object of the same inode both succeed and one
 * object is kept.
 *
 * Fidelity boundary: requests on disjoint directories (every workload
 * here). A walk keeps an inode number, not a reference: a request whose
 * lookup found a name just before another request unlinked it can reach
 * the freed inode (EUCLEAN), or its number reused. The directory objects'
 * name caches stay right under such races (`namesGen`, file-inode.ts).
 */
import type { Sim } from '../../sim/effects.ts';
import { errno, isErrno } from '../../uapi/errno.ts';
import type { Ext2InodeInfo } from '../../ext2/index.ts';
import { CObjRep } from '../cobj.ts';
import { CObjRootSingleRep } from '../cobj-root-single-rep.ts';
import type { COSMgr } from '../cosmgr.ts';
import type { FactoryRep } from '../factory.ts';
import type { CORef } from '../types.ts';
import { kindOfMode, type Ext2SuperRep } from './ext2-super.ts';
import type { DirInodeRep, FileInodeRep, RegFileInodeRep, SymlinkInodeRep } from './file-inode.ts';
import { K42FS_COSTS, type InodeAttr, type InodeKind } from './types.ts';

export const ROOT_INO = 2;
export const NAME_MAX = 255;
export const PATH_MAX = 4096;
export const MAXSYMLINKS = 40;

/** An inode the name space has reached. */
export interface FsNode {
  readonly ino: number;
  readonly kind: InodeKind;
  readonly ref: CORef<FileInodeRep>;
}

interface Parent {
  dir: FsNode;
  name: string;
  node: FsNode | undefined;
  /** The directory's name-cache generation after the last component was looked up (for DirInodeRep.cacheName). */
  dirGen: number;
}

function split(path: string): string[] {
  return path.split('/').filter((c) => c.length > 0);
}

export class FileSystemServerRep extends CObjRep {
  get srv(): FileSystemServerRoot {
    return this.myRoot as FileSystemServerRoot;
  }

  // ---- inode objects ----------------------------------------------------------

  /** The object of inode `ino`, made by the inode factory on first use. */
  *node(ino: number, info?: Ext2InodeInfo): Sim<FsNode> {
    const srv = this.srv;
    yield K42FS_COSTS.pathComponent;
    const hit = srv.table.get(ino);
    if (hit) return hit;
    const inf = info ?? (yield* (yield* this.cos.DREF(srv.superRef)).iget(ino));
    const again = srv.table.get(ino);
    if (again) return again;
    const kind = kindOfMode(inf.disk.i_mode);
    const fac = yield* this.cos.DREF(srv.factoryRef);
    const ref = (yield* fac.create(ino, kind, inf)) as CORef<FileInodeRep>;
    const raced = srv.table.get(ino);
    if (raced) {
      srv.zombies.push({ ino, kind, ref });
      return raced;
    }
    const n: FsNode = { ino, kind, ref };
    srv.table.set(ino, n);
    return n;
  }

  /** Inode `ino` was freed: its object dies and leaves the table. */
  private *forget(ino: number): Sim<void> {
    const srv = this.srv;
    const n = srv.table.get(ino);
    if (!n) return;
    srv.table.delete(ino);
    yield* (yield* this.cos.DREF(n.ref)).markDead();
    srv.zombies.push(n);
  }

  private *dir(n: FsNode): Sim<DirInodeRep> {
    return (yield* this.cos.DREF(n.ref)) as DirInodeRep;
  }

  // ---- walking ------------------------------------------------------------------

  private *walk(start: FsNode, parts: string[], budget: { left: number }, followLast: boolean): Sim<FsNode> {
    let cur = start;
    for (let i = 0; i < parts.length; i++) {
      const c = parts[i]!;
      if (c.length > NAME_MAX) throw errno('ENAMETOOLONG');
      if (cur.kind !== 'dir') throw errno('ENOTDIR');
      const d = yield* this.dir(cur);
      let next: FsNode;
      if (c === '.') next = cur;
      else if (c === '..') next = yield* this.node(yield* d.parent());
      else next = yield* this.node(yield* d.lookup(c));
      const last = i === parts.length - 1;
      if (next.kind === 'symlink' && (!last || followLast)) {
        if (--budget.left < 0) throw errno('ELOOP');
        const t = yield* ((yield* this.cos.DREF(next.ref)) as SymlinkInodeRep).readlink();
        const base = t.startsWith('/') ? yield* this.node(ROOT_INO) : cur;
        next = yield* this.walk(base, split(t), budget, true);
      }
      cur = next;
    }
    return cur;
  }

  private *resolve(path: string, followLast: boolean): Sim<FsNode> {
    if (path.length >= PATH_MAX) throw errno('ENAMETOOLONG');
    return yield* this.walk(yield* this.node(ROOT_INO), split(path), { left: MAXSYMLINKS }, followLast);
  }

  /** Resolve all but the last component; look the last one up (without following it). */
  private *parentOf(path: string): Sim<Parent> {
    if (path.length >= PATH_MAX) throw errno('ENAMETOOLONG');
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) throw errno('EEXIST');
    if (name.length > NAME_MAX) throw errno('ENAMETOOLONG');
    const dir = yield* this.walk(yield* this.node(ROOT_INO), parts, { left: MAXSYMLINKS }, true);
    if (dir.kind !== 'dir') throw errno('ENOTDIR');
    const { ino, gen } = yield* (yield* this.dir(dir)).lookupEntry(name);
    let node: FsNode | undefined;
    try {
      if (ino !== 0) node = yield* this.node(ino);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    return { dir, name, node, dirGen: gen };
  }

  // ---- path operations ----------------------------------------------------------

  /** open(O_CREAT|O_EXCL|O_WRONLY) + close. */
  *create(path: string, mode: number): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const p = yield* this.parentOf(path);
    if (p.node) throw errno('EEXIST');
    const info = yield* (yield* this.dir(p.dir)).create(p.name, mode);
    yield* this.node(info.ino, info);
  }

  *mkdir(path: string, mode: number): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const p = yield* this.parentOf(path);
    if (p.node) throw errno('EEXIST');
    const info = yield* (yield* this.dir(p.dir)).mkdir(p.name, mode);
    yield* this.node(info.ino, info);
  }

  /** open(O_WRONLY) + pwrite + close; returns bytes written. */
  *write(path: string, off: number, data: Uint8Array): Sim<number> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, true);
    if (n.kind !== 'file') throw errno('EISDIR');
    return yield* ((yield* this.cos.DREF(n.ref)) as RegFileInodeRep).write(off, data);
  }

  /** open(O_RDONLY) + pread + close. */
  *read(path: string, off: number, len: number): Sim<Uint8Array> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, true);
    if (n.kind === 'dir') throw errno('EISDIR');
    return yield* ((yield* this.cos.DREF(n.ref)) as RegFileInodeRep).read(off, len);
  }

  *truncate(path: string, size: number): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, true);
    if (n.kind === 'dir') throw errno('EISDIR');
    yield* ((yield* this.cos.DREF(n.ref)) as RegFileInodeRep).truncate(size);
  }

  /** link(2): does not follow a final symlink. */
  *link(from: string, to: string): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const src = yield* this.resolve(from, false);
    const p = yield* this.parentOf(to);
    if (p.node) throw errno('EEXIST');
    if (src.kind === 'dir') throw errno('EPERM');
    yield* (yield* this.dir(p.dir)).link(p.name, src.ino);
  }

  *symlink(target: string, path: string): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    if (target.length === 0) throw errno('ENOENT');
    if (target.length >= PATH_MAX) throw errno('ENAMETOOLONG');
    const p = yield* this.parentOf(path);
    if (p.node) throw errno('EEXIST');
    const info = yield* (yield* this.dir(p.dir)).symlink(p.name, target);
    yield* this.node(info.ino, info);
  }

  *rename(from: string, to: string): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const a = yield* this.parentOf(from);
    if (!a.node) throw errno('ENOENT');
    const b = yield* this.parentOf(to);
    const src = a.node;
    if (src.kind === 'dir') {
      // moving a directory into itself or below it
      for (let d = b.dir; ; ) {
        if (d.ino === src.ino) throw errno('EINVAL');
        if (d.ino === ROOT_INO) break;
        d = yield* this.node(yield* (yield* this.dir(d)).parent());
      }
    }
    const dst = b.node;
    // Linux's lock_rename "trap": a target directory that is an ancestor of
    // the source gives ENOTEMPTY before any type check (do_renameat2)
    if (dst && dst.kind === 'dir') yield* this.trapCheck(a.dir, dst);
    if (dst && dst.ino === src.ino) return; // the same inode: nothing to do
    if (dst) {
      if (src.kind === 'dir' && dst.kind !== 'dir') throw errno('ENOTDIR');
      if (src.kind !== 'dir' && dst.kind === 'dir') throw errno('EISDIR');
    }
    const gone = yield* (yield* this.dir(a.dir)).renameOut(a.name, b.dir.ino, b.name);
    // the target's name cache as seen after looking `to` up, plus our own uncacheName when it is the source's directory too
    yield* (yield* this.dir(b.dir)).cacheName(b.name, src.ino, b.dirGen + (a.dir.ino === b.dir.ino ? 1 : 0));
    if (gone) yield* this.forget(gone);
  }

  /** ENOTEMPTY if `dst` is `from` or one of its ancestors. */
  private *trapCheck(from: FsNode, dst: FsNode): Sim<void> {
    for (let d = from; ; ) {
      if (d.ino === dst.ino) throw errno('ENOTEMPTY');
      if (d.ino === ROOT_INO) return;
      d = yield* this.node(yield* (yield* this.dir(d)).parent());
    }
  }

  *unlink(path: string): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const p = yield* this.parentOf(path);
    if (!p.node) throw errno('ENOENT');
    if (p.node.kind === 'dir') throw errno('EISDIR');
    const r = yield* (yield* this.dir(p.dir)).unlink(p.name);
    if (r.freed) yield* this.forget(r.ino);
  }

  *rmdir(path: string): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const p = yield* this.parentOf(path);
    if (!p.node) throw errno('ENOENT');
    if (p.node.kind !== 'dir') throw errno('ENOTDIR');
    const ino = yield* (yield* this.dir(p.dir)).rmdir(p.name);
    yield* this.forget(ino);
  }

  /** stat(2) (follows symlinks). */
  *stat(path: string): Sim<InodeAttr> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, true);
    return yield* (yield* this.cos.DREF(n.ref)).getattr();
  }

  /** lstat(2) (does not follow a final symlink). */
  *lstat(path: string): Sim<InodeAttr> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, false);
    return yield* (yield* this.cos.DREF(n.ref)).getattr();
  }

  *readlink(path: string): Sim<string> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, false);
    if (n.kind !== 'symlink') throw errno('EINVAL');
    return yield* ((yield* this.cos.DREF(n.ref)) as SymlinkInodeRep).readlink();
  }

  /** open(O_DIRECTORY) + getdents + close: the names, without . and .. (directory order). */
  *readdir(path: string): Sim<string[]> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, true);
    if (n.kind !== 'dir') throw errno('ENOTDIR');
    return yield* (yield* this.dir(n)).readdir();
  }

  /** open(O_RDONLY) + fsync + close. */
  *fsync(path: string): Sim<void> {
    yield K42FS_COSTS.requestEntry;
    const n = yield* this.resolve(path, true);
    yield* (yield* this.cos.DREF(n.ref)).fsync();
  }
}

/** The server's root: the inode table and the references it serves from. */
export class FileSystemServerRoot extends CObjRootSingleRep<FileSystemServerRep> {
  readonly table = new Map<number, FsNode>();
  /** Objects of freed inodes, destroyed by `reapZombies`. */
  zombies: FsNode[] = [];

  constructor(
    cos: COSMgr,
    readonly superRef: CORef<Ext2SuperRep>,
    readonly factoryRef: CORef<FactoryRep>,
  ) {
    super(cos, (r) => new FileSystemServerRep(r), { name: 'FileSystemServer' });
  }
}
