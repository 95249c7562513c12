/**
 * The rules of the `check` phase that need no simulated time, in the order
 * the manager applies them (manager.ts UpdateRun.check): versions and the
 * manifest, the quiescence strategy, the negotiated state format, and that
 * the new code covers every table and slot of the old. Each throws the
 * errno the update fails with; none changes anything.
 */
import type { z } from 'zod';
import { errno } from '../../uapi/errno.ts';
import type { Module, ModuleDefinition } from '../core/module.ts';
import { stateFormatSchema } from '../core/snapshot.ts';
import type { Manifest } from './manifest.ts';
import type { QuiescenceStrategy } from './usecount.ts';

/**
 * The code is the same module; a manifest's from/to versions match the
 * running and the new code and its prerequisite updates were applied; the
 * version changes, and goes down only when asked (`allowDowngrade`).
 */
export function checkVersions(old: Module, def: ModuleDefinition, manifest: Manifest | undefined, history: readonly string[], allowDowngrade: boolean): void {
  if (def.name !== old.name) throw errno('EINVAL', `package holds module ${def.name}, not ${old.name}`);
  const order = compareVersions(def.version, old.version);
  if (manifest) {
    if (majorOf(old.version) !== manifest.fromVersion) {
      throw errno('EINVAL', `update is from version ${manifest.fromVersion} but ${old.name} is at version ${old.version}`);
    }
    if (majorOf(def.version) !== manifest.toVersion) {
      throw errno('EINVAL', `manifest says version ${manifest.toVersion} but the code is version ${def.version}`);
    }
    for (const dep of manifest.requires) {
      if (!history.includes(dep)) throw errno('EINVAL', `requires update ${dep}, which has not been applied`);
    }
  }
  if (order === 0) throw errno('EINVAL', `${old.name} is already at version ${old.version}`);
  if (order < 0 && !allowDowngrade) throw errno('EPERM', `refusing to downgrade ${old.name} from ${old.version} to ${def.version} without --allow-downgrade`);
}

/**
 * The strategy this update detects quiescence with: the one modules were
 * instrumented for at load (`loaded`), or a `requested` one that needs no
 * instrumentation of its own (stack-walk, refcount); never 'none'.
 */
export function checkStrategy(loaded: QuiescenceStrategy, requested: QuiescenceStrategy | undefined): QuiescenceStrategy {
  const strategy = requested ?? loaded;
  if (requested && requested !== loaded && requested !== 'stack-walk' && requested !== 'refcount') {
    throw errno('EINVAL', `modules were instrumented for ${loaded} at load; an update can only switch to stack-walk or refcount, not ${requested}`);
  }
  if (strategy === 'none') throw errno('EINVAL', "quiescence strategy 'none' cannot detect quiescence: no live update");
  return strategy;
}

/** The negotiated state format is one the manifest names, and its schema is registered (snapshot.ts). */
export function checkFormat(format: string, manifest: Manifest | undefined, declared?: z.ZodType): void {
  if (manifest && !manifest.stateFormats.includes(format)) {
    throw errno('EINVAL', `manifest state formats ${manifest.stateFormats.join(', ')} do not include the negotiated ${format}`);
  }
  // the importing code's own schema (a bundle declares it), else a registered one
  if (!(declared ?? stateFormatSchema(format))) throw errno('EINVAL', `no schema registered for state format ${format}`);
}

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
