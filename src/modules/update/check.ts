/**
 * Checks of the `check` phase that need no simulated time: version order and
 * that the new code covers every table and slot of the old.
 */
import { errno } from '../../uapi/errno.ts';
import type { Module } from '../core/module.ts';

/** The new code must export every table the old one did, with every slot the old one had. */
export function checkTablesCover(old: Module, neu: Module): void {
  for (const t of old.tables) {
    const nt = neu.tables.find((x) => x.name === t.name);
    if (!nt) throw errno('EINVAL', `${neu.name} ${neu.version} does not export table ${t.name}`);
    if (nt.kind !== t.kind) throw errno('EINVAL', `table ${t.name} changes kind from ${t.kind} to ${nt.kind}`);
    const oldRec = t.table as unknown as Record<string, unknown>;
    const newRec = nt.table as unknown as Record<string, unknown>;
    for (const k of Object.keys(oldRec)) {
      if (typeof oldRec[k] === 'function' && typeof newRec[k] !== 'function') {
        throw errno('EINVAL', `${neu.name} ${neu.version} drops ${t.name}.${k}`);
      }
    }
  }
}


/** Compare dotted numeric versions ("2" < "10", "1.0.0" < "2.0.0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function majorOf(v: string): number {
  return Number(v.split('.')[0]);
}
