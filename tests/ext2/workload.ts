/**
 * An fsstress-like random workload over an Ext2Fs, with a shadow model of
 * the tree (names, link counts, file contents) that every result is checked
 * against. Operations the shadow knows are invalid are still issued
 * sometimes, to check the engine's errno.
 */
import { expect } from 'vitest';
import { isErrno } from '../../src/uapi/errno.ts';
import type { Ext2Fs } from '../../src/ext2/fs.ts';
import { EXT2_ROOT_INO } from '../../src/ext2/layout.ts';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../src/uapi/stat.ts';
import { Prng, run } from './helpers.ts';

export interface SNode {
  ino: number;
  kind: 'file' | 'dir' | 'symlink';
  children?: Map<string, SNode>;
  parent?: SNode;
  target?: string;
}

export class Shadow {
  readonly root: SNode = { ino: EXT2_ROOT_INO, kind: 'dir', children: new Map() };
  readonly contents = new Map<number, Uint8Array>();
  readonly nlink = new Map<number, number>();

  /** A shadow of the tree currently in `fs` (read through the engine). */
  static fromFs(fs: Ext2Fs): Shadow {
    const sh = new Shadow();
    const walk = (n: SNode): void => {
      for (const e of run(fs.logic.namei.readdir(fs, n.ino))) {
        if (e.name === '.' || e.name === '..') continue;
        const info = run(fs.iget(e.ino));
        const t = info.disk.i_mode & S_IFMT;
        if (t === S_IFDIR) {
          const c: SNode = { ino: e.ino, kind: 'dir', parent: n, children: new Map() };
          n.children!.set(e.name, c);
          walk(c);
        } else if (t === S_IFLNK) {
          n.children!.set(e.name, { ino: e.ino, kind: 'symlink', parent: n, target: run(fs.logic.namei.readlink(fs, e.ino)) });
        } else {
          n.children!.set(e.name, { ino: e.ino, kind: 'file', parent: n });
          sh.contents.set(e.ino, run(fs.read(e.ino, 0, info.disk.i_size)));
          sh.nlink.set(e.ino, info.disk.i_links_count);
        }
      }
    };
    walk(sh.root);
    return sh;
  }

  dirs(): SNode[] {
    const out: SNode[] = [];
    const walk = (n: SNode): void => {
      out.push(n);
      for (const c of n.children!.values()) if (c.kind === 'dir') walk(c);
    };
    walk(this.root);
    return out;
  }
  entries(): { dir: SNode; name: string; node: SNode }[] {
    const out: { dir: SNode; name: string; node: SNode }[] = [];
    for (const d of this.dirs()) for (const [name, node] of d.children!) out.push({ dir: d, name, node });
    return out;
  }
  path(d: SNode, name?: string): string {
    const parts: string[] = name ? [name] : [];
    let cur: SNode | undefined = d;
    while (cur && cur !== this.root) {
      const p: SNode = cur.parent!;
      for (const [n, c] of p.children!) if (c === cur) parts.unshift(n);
      cur = p;
    }
    return '/' + parts.join('/');
  }
  isAncestor(a: SNode, b: SNode): boolean {
    for (let cur: SNode | undefined = b; cur; cur = cur.parent) if (cur === a) return true;
    return false;
  }
}

export interface WorkloadOptions {
  ops: number;
  maxWrite?: number;
  /** Call fs.sync() every N ops (0: never). */
  syncEvery?: number;
  /** Called after each op; may throw to stop (crash tests). */
  after?: (i: number) => void;
  /** Restrict to some ops (default: all). */
  only?: string[];
  /** Receives the op log as it is written (useful when an op throws). */
  log?: string[];
}

const NAMES = ['a', 'b', 'c', 'dd', 'eee', 'file', 'x'.repeat(40), 'longer-name-number', 'z', 'q1', 'q2', 'n'.repeat(200)];

/** Run `o.ops` random operations. Returns the op log (for debugging). */
export function runWorkload(fs: Ext2Fs, sh: Shadow, seed: number, o: WorkloadOptions): string[] {
  const r = new Prng(seed);
  const log: string[] = o.log ?? [];
  const maxWrite = o.maxWrite ?? 20000;
  const kinds = o.only ?? ['create', 'create', 'mkdir', 'write', 'write', 'write', 'truncate', 'link', 'symlink', 'rename', 'rename', 'unlink', 'rmdir', 'read'];
  for (let i = 0; i < o.ops; i++) {
    const k = r.pick(kinds);
    const dirs = sh.dirs();
    const d = r.pick(dirs);
    const name = r.pick(NAMES) + (r.int(3) === 0 ? '' : String(r.int(20)));
    const files = sh.entries().filter((e) => e.node.kind === 'file');
    log.push(`${i} ${k} ${sh.path(d, name)}`);
    switch (k) {
      case 'create': {
        if (d.children!.has(name)) {
          expectErr(() => run(fs.logic.namei.create(fs, d.ino, name, S_IFREG | 0o644, 0, 0)), 'EEXIST');
          break;
        }
        const info = run(fs.logic.namei.create(fs, d.ino, name, S_IFREG | 0o644, r.int(3), r.int(3)));
        d.children!.set(name, { ino: info.ino, kind: 'file', parent: d });
        sh.contents.set(info.ino, new Uint8Array(0));
        sh.nlink.set(info.ino, 1);
        break;
      }
      case 'mkdir': {
        if (d.children!.has(name)) {
          expectErr(() => run(fs.logic.namei.mkdir(fs, d.ino, name, 0o755, 0, 0)), 'EEXIST');
          break;
        }
        const info = run(fs.logic.namei.mkdir(fs, d.ino, name, 0o755, 0, 0));
        d.children!.set(name, { ino: info.ino, kind: 'dir', parent: d, children: new Map() });
        break;
      }
      case 'write': {
        if (!files.length) break;
        const f = r.pick(files).node;
        const cur = sh.contents.get(f.ino)!;
        const off = r.int(3) === 0 ? cur.length + r.int(3 * maxWrite) : r.int(cur.length + 1);
        const data = r.bytes(r.int(maxWrite) + 1);
        expect(run(fs.write(f.ino, off, data))).toBe(data.length);
        const next = new Uint8Array(Math.max(cur.length, off + data.length));
        next.set(cur);
        next.set(data, off);
        sh.contents.set(f.ino, next);
        break;
      }
      case 'truncate': {
        if (!files.length) break;
        const f = r.pick(files).node;
        const cur = sh.contents.get(f.ino)!;
        const size = r.int(2) ? r.int(cur.length + 1) : cur.length + r.int(2 * maxWrite);
        run(fs.truncate(f.ino, size));
        const next = new Uint8Array(size);
        next.set(cur.subarray(0, Math.min(size, cur.length)));
        sh.contents.set(f.ino, next);
        break;
      }
      case 'read': {
        if (!files.length) break;
        const f = r.pick(files).node;
        const cur = sh.contents.get(f.ino)!;
        const off = r.int(cur.length + 10);
        const got = run(fs.read(f.ino, off, maxWrite));
        expect(Buffer.from(got).equals(Buffer.from(cur.subarray(off, off + maxWrite)))).toBe(true);
        break;
      }
      case 'link': {
        if (!files.length) break;
        const f = r.pick(files).node;
        if (d.children!.has(name)) {
          expectErr(() => run(fs.logic.namei.link(fs, f.ino, d.ino, name)), 'EEXIST');
          break;
        }
        run(fs.logic.namei.link(fs, f.ino, d.ino, name));
        d.children!.set(name, { ino: f.ino, kind: 'file', parent: d });
        sh.nlink.set(f.ino, sh.nlink.get(f.ino)! + 1);
        break;
      }
      case 'symlink': {
        if (d.children!.has(name)) break;
        const target = r.int(2) ? 'target-' + r.int(1000) : 'long/'.repeat(10 + r.int(40));
        const info = run(fs.logic.namei.symlink(fs, d.ino, name, target, 0, 0));
        d.children!.set(name, { ino: info.ino, kind: 'symlink', parent: d, target });
        sh.nlink.set(info.ino, 1);
        break;
      }
      case 'rename': {
        const all = sh.entries();
        if (!all.length) break;
        const src = r.pick(all);
        const dst = d.children!.get(name);
        if (src.dir === d && src.name === name) break;
        if (src.node.kind === 'dir' && sh.isAncestor(src.node, d)) {
          expectErr(() => run(fs.logic.namei.rename(fs, src.dir.ino, src.name, d.ino, name)), 'EINVAL');
          break;
        }
        if (dst) {
          if (dst.ino === src.node.ino) break; // same inode: rename is a no-op, shadow would diverge
          if (src.node.kind === 'dir' && dst.kind !== 'dir') {
            expectErr(() => run(fs.logic.namei.rename(fs, src.dir.ino, src.name, d.ino, name)), 'ENOTDIR');
            break;
          }
          if (src.node.kind !== 'dir' && dst.kind === 'dir') {
            expectErr(() => run(fs.logic.namei.rename(fs, src.dir.ino, src.name, d.ino, name)), 'EISDIR');
            break;
          }
          if (dst.kind === 'dir' && dst.children!.size > 0) {
            expectErr(() => run(fs.logic.namei.rename(fs, src.dir.ino, src.name, d.ino, name)), 'ENOTEMPTY');
            break;
          }
        }
        const orphan = run(fs.logic.namei.rename(fs, src.dir.ino, src.name, d.ino, name));
        if (dst) dropName(fs, sh, dst);
        if (orphan) expect(dst?.ino).toBe(orphan);
        src.dir.children!.delete(src.name);
        d.children!.set(name, src.node);
        src.node.parent = d;
        break;
      }
      case 'unlink': {
        const cands = sh.entries().filter((e) => e.node.kind !== 'dir');
        if (!cands.length) break;
        const e = r.pick(cands);
        expect(run(fs.logic.namei.unlink(fs, e.dir.ino, e.name))).toBe(e.node.ino);
        e.dir.children!.delete(e.name);
        dropName(fs, sh, e.node);
        break;
      }
      case 'rmdir': {
        const cands = sh.entries().filter((e) => e.node.kind === 'dir');
        if (!cands.length) break;
        const e = r.pick(cands);
        if (e.node.children!.size > 0) {
          expectErr(() => run(fs.logic.namei.rmdir(fs, e.dir.ino, e.name)), 'ENOTEMPTY');
          break;
        }
        run(fs.logic.namei.rmdir(fs, e.dir.ino, e.name));
        e.dir.children!.delete(e.name);
        run(fs.logic.namei.drop(fs, e.node.ino));
        break;
      }
    }
    if (o.syncEvery && (i + 1) % o.syncEvery === 0) run(fs.sync());
    o.after?.(i);
  }
  return log;
}

/** One name of `n` went away (unlink or replaced by rename): free it at zero, as a closed file. */
function dropName(fs: Ext2Fs, sh: Shadow, n: SNode): void {
  if (n.kind === 'dir') {
    run(fs.logic.namei.drop(fs, n.ino));
    return;
  }
  const left = (sh.nlink.get(n.ino) ?? 1) - 1;
  sh.nlink.set(n.ino, left);
  if (left === 0) {
    // Inode numbers are reused: forget everything about this one.
    sh.contents.delete(n.ino);
    sh.nlink.delete(n.ino);
    run(fs.logic.namei.drop(fs, n.ino));
  }
}

function expectErr(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    if (isErrno(e) && e.code === code) return;
    throw e;
  }
  throw new Error(`expected ${code}`);
}

/** Check the engine's view of the whole tree against the shadow. */
export function verifyTree(fs: Ext2Fs, sh: Shadow): void {
  for (const d of sh.dirs()) {
    const listed = run(fs.logic.namei.readdir(fs, d.ino)).filter((e) => e.name !== '.' && e.name !== '..');
    const names = listed.map((e) => e.name).sort();
    expect(names).toEqual([...d.children!.keys()].sort());
    const info = run(fs.iget(d.ino));
    const subdirs = [...d.children!.values()].filter((c) => c.kind === 'dir').length;
    expect(info.disk.i_links_count).toBe(2 + subdirs);
    for (const e of listed) {
      const n = d.children!.get(e.name)!;
      expect(e.ino).toBe(n.ino);
      const ii = run(fs.iget(n.ino));
      const type = ii.disk.i_mode & S_IFMT;
      if (n.kind === 'file') {
        expect(type).toBe(S_IFREG);
        const want = sh.contents.get(n.ino)!;
        expect(ii.disk.i_size).toBe(want.length);
        expect(ii.disk.i_links_count).toBe(sh.nlink.get(n.ino));
        const got = run(fs.read(n.ino, 0, want.length + 100));
        expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      } else if (n.kind === 'symlink') {
        expect(type).toBe(S_IFLNK);
        expect(run(fs.logic.namei.readlink(fs, n.ino))).toBe(n.target);
      } else {
        expect(type).toBe(S_IFDIR);
        expect(run(fs.logic.namei.lookup(fs, n.ino, '..'))).toBe(d.ino);
      }
    }
  }
}
