import { describe, it, expect } from 'vitest';
import { FsStress, patternBytes, type FsOp } from '../../src/workload/fsstress.ts';
import { Prng } from '../../src/sim/prng.ts';

function ops(seed: number, n: number): FsOp[] {
  const g = new FsStress(new Prng(seed), { root: '/p0' });
  const out: FsOp[] = [];
  for (let i = 0; i < n; i++) {
    const op = g.next();
    out.push(op);
    g.observe(op, { ok: true, value: null });
  }
  return out;
}

describe('fsstress generator', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(ops(1, 300)).toEqual(ops(1, 300));
    expect(JSON.stringify(ops(1, 300))).not.toBe(JSON.stringify(ops(2, 300)));
  });

  it('produces every operation kind of the mix and stays inside its root', () => {
    const all = ops(3, 2000);
    const kinds = new Set(all.map((o) => o.kind));
    expect(kinds.size).toBe(13);
    for (const o of all) {
      for (const p of [('path' in o ? o.path : undefined), ('from' in o ? o.from : undefined), ('to' in o ? o.to : undefined)]) {
        if (p !== undefined) expect(p.startsWith('/p0')).toBe(true);
      }
    }
  });

  it('follows renames of directories in its shadow', () => {
    const g = new FsStress(new Prng(1), { root: '/r' });
    g.observe({ kind: 'mkdir', path: '/r/a', mode: 0o755 }, { ok: true, value: null });
    g.observe({ kind: 'create', path: '/r/a/f', mode: 0o644 }, { ok: true, value: null });
    g.observe({ kind: 'create', path: '/r/b', mode: 0o644 }, { ok: true, value: null });
    g.observe({ kind: 'rename', from: '/r/a', to: '/r/c' }, { ok: true, value: null });
    g.observe({ kind: 'unlink', path: '/r/b' }, { ok: false, errno: 'EIO' });
    expect(g.shadow()).toEqual([['/r', 'dir'], ['/r/b', 'file'], ['/r/c', 'dir'], ['/r/c/f', 'file']]);
  });

  it('pattern bytes are deterministic and printable', () => {
    const a = patternBytes(99, 1000);
    expect(a).toEqual(patternBytes(99, 1000));
    expect(a).not.toEqual(patternBytes(100, 1000));
    expect([...a].every((b) => b >= 0x20 && b < 0x7f)).toBe(true);
  });
});
