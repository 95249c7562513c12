/**
 * A pure reference model of the POSIX/Linux semantics of the fsstress
 * operations, for differential testing: every kernel path (ramfs, ext3 in each
 * version, during and after a live update, Linux or K42) must give the same
 * result for the same operation as this model does.
 *
 * It follows Linux where Linux and POSIX differ (unlink of a directory is
 * EISDIR; link does not follow a final symlink). It models a root caller
 * (no permission errors) and paths that are absolute.
 *
 * How an operation maps to syscalls (executors must do the same):
 *   create   open(O_CREAT|O_EXCL|O_WRONLY, mode), close
 *   mkdir    mkdir
 *   write    open(O_WRONLY), pwrite(offset), close     value: bytes written
 *   read     open(O_RDONLY), pread(offset, length), close  value: digest
 *   truncate truncate
 *   link, symlink, rename, unlink, rmdir: the syscall of that name
 *   stat     stat (follows symlinks)     value: "TYPE SIZE NLINK"
 *   readdir  open(O_RDONLY|O_DIRECTORY), getdents, close  value: sorted names
 *   fsync    open(O_RDONLY), fsync, close
 */
import { ErrnoError, type ErrnoCode } from '../uapi/errno.ts';
import { patternBytes, type FsOp, type OpResult } from './fsstress.ts';

type Node = FileNode | DirNode | LinkNode;
interface FileNode { type: 'file'; data: Uint8Array; size: number; nlink: number }
/** `nlink` as ext3 keeps it: 2 + subdirectories, unless release 1's rename bug moved a `..` without its link. */
interface DirNode { type: 'dir'; children: Map<string, Node>; parent: DirNode | null; nlink: number }
interface LinkNode { type: 'symlink'; target: string }

export const NAME_MAX = 255;
export const PATH_MAX = 4096;
export const MAXSYMLINKS = 40;

/** Digest of bytes read, as executors must report it: length and FNV-1a. */
export function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${bytes.length}:${h.toString(16).padStart(8, '0')}`;
}

const fail = (code: ErrnoCode): never => {
  throw new ErrnoError(code);
};

/**
 * Which release's semantics an operation gets. Release 1 of the ext3 module
 * has a known bug (modules-src/ext3/v1/rename.ts): a rename that moves a directory to
 * another parent rewrites its `..` but leaves the link `..` stands for where
 * it was, so the old parent keeps a link too many and the new one misses
 * one; every later stat of those parents shows it. The model learns it so a
 * run on release 1, or an update from it, can be checked exactly: the caller
 * says which release served each operation (`release: 1`); omitted, the
 * operation gets correct Linux semantics.
 */
export interface ApplyOptions {
  release?: number;
}

export class PosixModel {
  readonly root: DirNode = { type: 'dir', children: new Map(), parent: null, nlink: 2 };
  private release: number | undefined;

  /** Apply `op`; returns what a correct kernel (or the release given) returns. */
  apply(op: FsOp, opts: ApplyOptions = {}): OpResult {
    this.release = opts.release;
    try {
      return { ok: true, value: this.exec(op) };
    } catch (e) {
      if (e instanceof ErrnoError) return { ok: false, errno: e.code };
      throw e;
    }
  }

  /** Make a directory path exist (test setup). */
  mkdirp(path: string): void {
    let d = this.root;
    for (const c of split(path)) {
      let n = d.children.get(c);
      if (!n) {
        n = { type: 'dir', children: new Map(), parent: d, nlink: 2 };
        d.children.set(c, n);
        d.nlink++;
      }
      if (n.type !== 'dir') fail('ENOTDIR');
      d = n as DirNode;
    }
  }

  private exec(op: FsOp): string | number | null {
    switch (op.kind) {
      case 'create': {
        const { dir, name, node } = this.parentOf(op.path);
        if (node) fail('EEXIST');
        dir.children.set(name, { type: 'file', data: new Uint8Array(0), size: 0, nlink: 1 });
        return null;
      }
      case 'mkdir': {
        const { dir, name, node } = this.parentOf(op.path);
        if (node) fail('EEXIST');
        dir.children.set(name, { type: 'dir', children: new Map(), parent: dir, nlink: 2 });
        dir.nlink++;
        return null;
      }
      case 'write': {
        const f = this.openFile(op.path, true);
        const data = patternBytes(op.seed, op.length);
        const end = op.offset + op.length;
        if (end > f.data.length) {
          const grown = new Uint8Array(Math.max(end, f.data.length * 2));
          grown.set(f.data.subarray(0, f.size));
          f.data = grown;
        }
        f.data.set(data, op.offset);
        if (end > f.size) f.size = end;
        return op.length;
      }
      case 'read': {
        const n = this.resolve(op.path, true);
        if (n.type === 'dir') fail('EISDIR');
        const f = n as FileNode;
        const from = Math.min(op.offset, f.size);
        const to = Math.min(op.offset + op.length, f.size);
        return digest(f.data.subarray(from, to));
      }
      case 'truncate': {
        const n = this.resolve(op.path, true);
        if (n.type === 'dir') fail('EISDIR');
        const f = n as FileNode;
        if (op.size < f.size) f.data.fill(0, op.size, f.size);
        else if (op.size > f.data.length) {
          const grown = new Uint8Array(op.size);
          grown.set(f.data.subarray(0, f.size));
          f.data = grown;
        }
        f.size = op.size;
        return null;
      }
      case 'link': {
        const src = this.resolve(op.from, false);
        const { dir, name, node } = this.parentOf(op.to);
        if (node) fail('EEXIST');
        if (src.type === 'dir') fail('EPERM');
        if (src.type === 'file') src.nlink++;
        dir.children.set(name, src);
        return null;
      }
      case 'symlink': {
        if (op.target.length === 0) fail('ENOENT');
        if (op.target.length >= PATH_MAX) fail('ENAMETOOLONG');
        const { dir, name, node } = this.parentOf(op.path);
        if (node) fail('EEXIST');
        dir.children.set(name, { type: 'symlink', target: op.target });
        return null;
      }
      case 'rename':
        this.rename(op.from, op.to);
        return null;
      case 'unlink': {
        const { dir, name, node } = this.parentOf(op.path);
        if (!node) fail('ENOENT');
        if (node!.type === 'dir') fail('EISDIR');
        if (node!.type === 'file') node!.nlink--;
        dir.children.delete(name);
        return null;
      }
      case 'rmdir': {
        const { dir, name, node } = this.parentOf(op.path);
        if (!node) fail('ENOENT');
        if (node!.type !== 'dir') fail('ENOTDIR');
        if ((node as DirNode).children.size > 0) fail('ENOTEMPTY');
        dir.children.delete(name);
        if (dir.nlink > 2) dir.nlink--;
        return null;
      }
      case 'stat': {
        const n = this.resolve(op.path, true);
        if (n.type === 'file') return `file ${n.size} ${n.nlink}`;
        if (n.type === 'dir') return `dir - ${n.nlink}`;
        return fail('EINVAL'); // unreachable: stat follows links
      }
      case 'readdir': {
        const n = this.resolve(op.path, true);
        if (n.type !== 'dir') fail('ENOTDIR');
        return [...(n as DirNode).children.keys()].sort().join(' ');
      }
      case 'fsync':
        this.resolve(op.path, true);
        return null;
    }
  }

  private openFile(path: string, write: boolean): FileNode {
    const n = this.resolve(path, true);
    if (n.type === 'dir' && write) fail('EISDIR');
    if (n.type !== 'file') fail('EISDIR');
    return n as FileNode;
  }

  private rename(from: string, to: string): void {
    const a = this.parentOf(from);
    if (!a.node) fail('ENOENT');
    const b = this.parentOf(to);
    const src = a.node!;
    // moving a directory into itself or below it
    if (src.type === 'dir') {
      for (let d: DirNode | null = b.dir; d; d = d.parent) if (d === src) fail('EINVAL');
    }
    const dst = b.node;
    // Linux's lock_rename "trap": a target that is an ancestor of the source
    // gives ENOTEMPTY before any type check (fs/namei.c do_renameat2).
    if (dst && dst.type === 'dir') {
      for (let d: DirNode | null = a.dir; d; d = d.parent) if (d === dst) fail('ENOTEMPTY');
    }
    if (dst === src) return; // same object (or hard links to it): nothing to do
    if (dst) {
      if (src.type === 'dir' && dst.type !== 'dir') fail('ENOTDIR');
      if (src.type !== 'dir' && dst.type === 'dir') fail('EISDIR');
      if (dst.type === 'dir' && dst.children.size > 0) fail('ENOTEMPTY');
      if (dst.type === 'file') dst.nlink--;
      // the replaced directory's `..` no longer counts against the new parent
      if (dst.type === 'dir' && b.dir.nlink > 2) b.dir.nlink--;
    }
    a.dir.children.delete(a.name);
    b.dir.children.set(b.name, src);
    if (src.type === 'dir') {
      src.parent = b.dir;
      // the link `..` stands for moves with it (release 1 forgets to)
      if (a.dir !== b.dir && this.release !== 1) {
        if (a.dir.nlink > 2) a.dir.nlink--;
        b.dir.nlink++;
      }
    }
  }

  /**
   * Directories whose link count is not 2 + subdirectories (release 1's
   * rename bug left them so): what `e2fsck -fn` reports as "ref count is
   * nlink, should be 2 + subdirectories", one entry per directory.
   */
  wrongDirLinks(): { nlink: number; should: number }[] {
    const out: { nlink: number; should: number }[] = [];
    const visit = (d: DirNode): void => {
      let sub = 0;
      for (const c of d.children.values()) {
        if (c.type === 'dir') {
          sub++;
          visit(c);
        }
      }
      if (d.nlink !== 2 + sub) out.push({ nlink: d.nlink, should: 2 + sub });
    };
    visit(this.root);
    return out;
  }

  /** Resolve all but the last component (following symlinks). */
  private parentOf(path: string): { dir: DirNode; name: string; node: Node | undefined } {
    if (path.length >= PATH_MAX) fail('ENAMETOOLONG');
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) return fail('EEXIST'); // the root itself
    if (name.length > NAME_MAX) fail('ENAMETOOLONG');
    const dir = this.walk(this.root, parts, { left: MAXSYMLINKS }, true);
    if (dir.type !== 'dir') fail('ENOTDIR');
    return { dir: dir as DirNode, name: name!, node: (dir as DirNode).children.get(name!) };
  }

  private resolve(path: string, followLast: boolean): Node {
    if (path.length >= PATH_MAX) fail('ENAMETOOLONG');
    return this.walk(this.root, split(path), { left: MAXSYMLINKS }, followLast);
  }

  private walk(start: DirNode, parts: string[], budget: { left: number }, followLast: boolean): Node {
    let cur: Node = start;
    for (let i = 0; i < parts.length; i++) {
      const c = parts[i]!;
      if (c.length > NAME_MAX) fail('ENAMETOOLONG');
      if (cur.type !== 'dir') fail('ENOTDIR');
      const dir = cur as DirNode;
      let next: Node | undefined;
      if (c === '.') next = dir;
      else if (c === '..') next = dir.parent ?? dir;
      else next = dir.children.get(c);
      if (!next) fail('ENOENT');
      const last = i === parts.length - 1;
      if (next!.type === 'symlink' && (!last || followLast)) {
        if (--budget.left < 0) fail('ELOOP');
        const t = (next as LinkNode).target;
        const base = t.startsWith('/') ? this.root : dir;
        next = this.walk(base, split(t), budget, true);
      }
      cur = next!;
    }
    return cur;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((c) => c.length > 0);
}
