/**
 * The "nothing lost" oracle: the final contents of a tree, as lines of
 * path, type, links, size and content digest (or symlink target), read two
 * ways: from the reference model after it applied every operation, and
 * from the kernel through system calls. Equal listings mean every
 * acknowledged write is readable and nothing else changed, whatever the
 * update did in the middle. The format is the K42 path's `walkTree`
 * (src/k42/fs/run-op.ts), so both paths compare against the same text.
 */
import type { Sim } from '../sim/effects.ts';
import * as sys from '../vfs/syscalls.ts';
import type { Task } from '../vfs/task.ts';
import { O_DIRECTORY, O_RDONLY, S_IFDIR, S_IFLNK, S_IFMT } from '../vfs/types.ts';
import { digest, type PosixModel } from '../workload/model.ts';

type ModelNode = PosixModel['root'] | { type: 'file'; data: Uint8Array; size: number; nlink: number } | { type: 'symlink'; target: string };

/** The model's tree below `root` (an absolute path the model has), sorted. */
export function modelTree(model: PosixModel, root: string): string[] {
  let node: ModelNode = model.root;
  for (const c of root.split('/').filter(Boolean)) {
    if (node.type !== 'dir') return [];
    const next = node.children.get(c) as ModelNode | undefined;
    if (!next) return [];
    node = next;
  }
  const out: string[] = [];
  const visit = (dir: PosixModel['root'], path: string): void => {
    for (const [name, n] of [...dir.children.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const p = `${path}/${name}`;
      const child = n as ModelNode;
      if (child.type === 'dir') {
        let subdirs = 0;
        for (const c of child.children.values()) if ((c as ModelNode).type === 'dir') subdirs++;
        out.push(`${p} dir ${2 + subdirs}`);
        visit(child, p);
      } else if (child.type === 'symlink') out.push(`${p} symlink -> ${child.target}`);
      else out.push(`${p} file ${child.size} ${child.nlink} ${digest(child.data.subarray(0, child.size))}`);
    }
  };
  if (node.type === 'dir') visit(node, root.replace(/\/+$/, ''));
  return out.sort();
}

/** The kernel's tree below `root`, through system calls (same format). */
export function* kernelTree(t: Task, root: string): Sim<string[]> {
  const out: string[] = [];
  const list = function* (path: string): Sim<string[]> {
    const fd = yield* sys.open(t, path, O_RDONLY | O_DIRECTORY);
    try {
      const names: string[] = [];
      for (;;) {
        const batch = yield* sys.getdents(t, fd);
        if (batch.length === 0) break;
        for (const d of batch) if (d.d_name !== '.' && d.d_name !== '..') names.push(d.d_name);
      }
      return names.sort();
    } finally {
      yield* sys.close(t, fd);
    }
  };
  const visit = function* (path: string): Sim<void> {
    for (const name of yield* list(path)) {
      const p = `${path}/${name}`;
      const st = yield* sys.lstat(t, p);
      const type = st.mode & S_IFMT;
      if (type === S_IFDIR) {
        out.push(`${p} dir ${st.nlink}`);
        yield* visit(p);
      } else if (type === S_IFLNK) {
        out.push(`${p} symlink -> ${yield* sys.readlink(t, p)}`);
      } else {
        const fd = yield* sys.open(t, p, O_RDONLY);
        try {
          const buf = new Uint8Array(st.size);
          const n = st.size > 0 ? yield* sys.pread(t, fd, buf, 0) : 0;
          out.push(`${p} file ${st.size} ${st.nlink} ${digest(buf.subarray(0, n))}`);
        } finally {
          yield* sys.close(t, fd);
        }
      }
    }
  };
  yield* visit(root.replace(/\/+$/, ''));
  return out.sort();
}

/** The first difference between two listings, or null. */
export function treeDiff(want: readonly string[], got: readonly string[]): string | null {
  const w = new Set(want);
  const g = new Set(got);
  for (const x of want) if (!g.has(x)) return `missing or different: ${x}`;
  for (const x of got) if (!w.has(x)) return `unexpected: ${x}`;
  return null;
}
