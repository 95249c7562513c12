/**
 * An fsstress-like workload generator (after xfstests' ltp/fsstress): a
 * seeded, weighted mix of file-system operations over a private tree.
 *
 * It is pure: it produces operations and learns their outcomes, and knows
 * nothing of the kernel that runs them, so the Linux path and the K42 path
 * run exactly the same workload. Like `fsstress -p N`, each generator works
 * in its own directory, so the results a thread sees do not depend on how
 * threads interleave; that is what makes "same results with and without a
 * live update" a checkable property.
 *
 * The generator keeps a shadow of the names it believes exist and updates it
 * only from observed results, so it picks mostly-valid targets (and, by
 * design, some invalid ones: errors are part of the workload).
 */
import type { Prng } from '../sim/prng.ts';
import type { Sim } from '../sim/effects.ts';
import { ErrnoError, type ErrnoCode } from '../uapi/errno.ts';

export type FsOp =
  | { kind: 'create'; path: string; mode: number }
  | { kind: 'mkdir'; path: string; mode: number }
  | { kind: 'write'; path: string; offset: number; length: number; seed: number }
  | { kind: 'read'; path: string; offset: number; length: number }
  | { kind: 'truncate'; path: string; size: number }
  | { kind: 'link'; from: string; to: string }
  | { kind: 'symlink'; target: string; path: string }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'unlink'; path: string }
  | { kind: 'rmdir'; path: string }
  | { kind: 'stat'; path: string }
  | { kind: 'readdir'; path: string }
  | { kind: 'fsync'; path: string };

export type FsOpKind = FsOp['kind'];

/** Outcome of one operation: a value summarising the result, or an errno. */
export type OpResult = { ok: true; value: string | number | null } | { ok: false; errno: ErrnoCode };

/**
 * Run one operation's executor and report it in the model's terms: its value,
 * or the errno it failed with. Anything else thrown (a broken invariant)
 * propagates. Both kernels' executors (linux-ops.ts, k42-ops.ts) go through it.
 */
export function* opResult(exec: () => Sim<string | number | null>): Sim<OpResult> {
  try {
    return { ok: true, value: yield* exec() };
  } catch (e) {
    if (e instanceof ErrnoError) return { ok: false, errno: e.code };
    throw e;
  }
}

export const DEFAULT_MIX: Readonly<Record<FsOpKind, number>> = {
  create: 10,
  mkdir: 5,
  write: 16,
  read: 10,
  truncate: 5,
  link: 4,
  symlink: 3,
  rename: 6,
  unlink: 6,
  rmdir: 3,
  stat: 8,
  readdir: 4,
  fsync: 2,
};

export interface FsStressOptions {
  /** Directory the generator owns (must exist or be created by the first op). */
  root: string;
  mix?: Partial<Record<FsOpKind, number>>;
  /** Largest offset + length a write or truncate uses. */
  maxFileSize?: number;
  /** Largest single write. */
  maxWrite?: number;
}

type Kind = 'file' | 'dir' | 'symlink';

export class FsStress {
  private readonly names = new Map<string, Kind>();
  private readonly mix: [FsOpKind, number][];
  private readonly total: number;
  private counter = 0;
  readonly root: string;
  private readonly maxFileSize: number;
  private readonly maxWrite: number;

  constructor(
    private readonly rng: Prng,
    opts: FsStressOptions,
  ) {
    this.root = opts.root.replace(/\/+$/, '') || '/';
    this.maxFileSize = opts.maxFileSize ?? 256 * 1024;
    this.maxWrite = opts.maxWrite ?? 16 * 1024;
    const mix = { ...DEFAULT_MIX, ...opts.mix };
    this.mix = (Object.entries(mix) as [FsOpKind, number][]).filter(([, w]) => w > 0);
    this.total = this.mix.reduce((s, [, w]) => s + w, 0);
    if (this.total <= 0) throw new Error('fsstress: the operation mix has no positive weight');
    this.names.set(this.root, 'dir');
  }

  /** Names the generator believes exist, with their kinds, sorted. */
  shadow(): [string, Kind][] {
    return [...this.names.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  next(): FsOp {
    let r = this.rng.int(this.total);
    let kind: FsOpKind = this.mix[0]![0];
    for (const [k, w] of this.mix) {
      if (r < w) {
        kind = k;
        break;
      }
      r -= w;
    }
    return this.make(kind);
  }

  private pick(kind?: Kind): string | undefined {
    const all: string[] = [];
    for (const [n, k] of this.names) if (!kind || k === kind) all.push(n);
    if (all.length === 0) return undefined;
    all.sort();
    return all[this.rng.int(all.length)];
  }

  /** A fresh name in an existing directory (sometimes a name that exists: errors are part of the mix). */
  private fresh(prefix: string): string {
    const dir = this.pick('dir') ?? this.root;
    if (this.rng.chance(0.05)) {
      const existing = this.pick();
      if (existing && existing !== this.root) return existing;
    }
    return `${dir === '/' ? '' : dir}/${prefix}${this.counter++}`;
  }

  private anyPath(kind: Kind): string {
    // Mostly an existing object of the right kind; sometimes anything, or a missing name.
    const roll = this.rng.next();
    if (roll < 0.85) return this.pick(kind) ?? this.fresh('missing');
    if (roll < 0.95) return this.pick() ?? this.root;
    return `${this.root}/missing${this.counter++}`;
  }

  private make(kind: FsOpKind): FsOp {
    const rng = this.rng;
    switch (kind) {
      case 'create':
        return { kind, path: this.fresh('f'), mode: 0o644 };
      case 'mkdir':
        return { kind, path: this.fresh('d'), mode: 0o755 };
      case 'write': {
        const length = 1 + rng.int(this.maxWrite);
        const offset = rng.chance(0.3) ? 0 : rng.int(Math.max(1, this.maxFileSize - length));
        return { kind, path: this.anyPath('file'), offset, length, seed: rng.nextU32() };
      }
      case 'read':
        return { kind, path: this.anyPath('file'), offset: rng.int(this.maxFileSize), length: 1 + rng.int(this.maxWrite) };
      case 'truncate':
        return { kind, path: this.anyPath('file'), size: rng.int(this.maxFileSize) };
      case 'link':
        return { kind, from: this.anyPath('file'), to: this.fresh('l') };
      case 'symlink':
        return { kind, target: rng.chance(0.5) ? (this.pick() ?? 'nowhere') : `t${rng.int(100)}`.repeat(1 + rng.int(12)), path: this.fresh('s') };
      case 'rename': {
        const from = rng.chance(0.3) ? this.anyPath('dir') : this.anyPath(rng.chance(0.8) ? 'file' : 'symlink');
        const to = rng.chance(0.2) ? (this.pick() ?? this.fresh('r')) : this.fresh('r');
        return { kind, from, to };
      }
      case 'unlink':
        return { kind, path: this.anyPath(rng.chance(0.8) ? 'file' : 'symlink') };
      case 'rmdir':
        return { kind, path: this.anyPath('dir') };
      case 'stat':
        return { kind, path: this.pick() ?? this.root };
      case 'readdir':
        return { kind, path: this.anyPath('dir') };
      case 'fsync':
        return { kind, path: this.anyPath('file') };
    }
  }

  /** Learn the outcome of `op` (must be called for every op, in order). */
  observe(op: FsOp, result: OpResult): void {
    if (!result.ok) return;
    const n = this.names;
    switch (op.kind) {
      case 'create':
        n.set(op.path, 'file');
        break;
      case 'mkdir':
        n.set(op.path, 'dir');
        break;
      case 'link':
        n.set(op.to, 'file');
        break;
      case 'symlink':
        n.set(op.path, 'symlink');
        break;
      case 'unlink':
        n.delete(op.path);
        break;
      case 'rmdir':
        n.delete(op.path);
        break;
      case 'rename': {
        if (op.from === op.to) break;
        const moved: [string, Kind][] = [];
        for (const [p, k] of n) if (p === op.from || p.startsWith(op.from + '/')) moved.push([p, k]);
        // the target, and anything under it, is replaced
        for (const p of [...n.keys()]) if (p === op.to || p.startsWith(op.to + '/')) n.delete(p);
        for (const [p] of moved) n.delete(p);
        for (const [p, k] of moved) n.set(op.to + p.slice(op.from.length), k);
        break;
      }
      default:
        break;
    }
  }
}

/** Deterministic bytes for a write: the same (seed, length) always gives the same data. */
export function patternBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = 0x20 + (x % 95); // printable, so debugfs cat output compares as text
  }
  return out;
}
