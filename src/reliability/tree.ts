/**
 * The "nothing lost" oracle: the final contents of a tree, as lines of
 * path, type, links, size and content digest (or symlink target), read two
 * ways: from the reference model after it applied every operation, and
 * from the kernel through system calls. Equal listings mean every
 * acknowledged write is readable and nothing else changed, whatever the
 * update did in the middle. The format is the K42 path's `walkTree`
 * (src/workload/k42-ops.ts), so both paths compare against the same text.
 */
import type { Sim } from '../sim/effects.ts';
import type { Task } from '../vfs/task.ts';
import { walkTreeSyscalls } from '../workload/linux-ops.ts';
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
        out.push(`${p} dir ${child.nlink}`);
        visit(child, p);
      } else if (child.type === 'symlink') out.push(`${p} symlink -> ${child.target}`);
      else out.push(`${p} file ${child.size} ${child.nlink} ${digest(child.data.subarray(0, child.size))}`);
    }
  };
  if (node.type === 'dir') visit(node, root.replace(/\/+$/, ''));
  return out.sort();
}

/** The kernel's tree below `root`, through system calls (the same format: src/workload/linux-ops.ts). */
export function* kernelTree(t: Task, root: string): Sim<string[]> {
  return (yield* walkTreeSyscalls(t, root.replace(/\/+$/, '') || '/')).sort();
}

/** The first difference between two listings, or null. */
export function treeDiff(want: readonly string[], got: readonly string[]): string | null {
  const w = new Set(want);
  const g = new Set(got);
  for (const x of want) if (!g.has(x)) return `missing or different: ${x}`;
  for (const x of got) if (!w.has(x)) return `unexpected: ${x}`;
  return null;
}
