/**
 * The `redirect` phase's two halves, either side of the point of no return
 * (the staged commit, manager.ts UpdateRun.redirect):
 *
 *   planRedirect   every check the redirect needs, before the commit: it
 *                  changes nothing, and a refusal rolls the update back
 *   applyRedirect  after the commit: assignments only, nothing can fail
 *
 * Contract: run with the old module quiescent and its calls blocked at the
 * mediator (no thread inside the old code); neither half blocks.
 */
import { errno } from '../../uapi/errno.ts';
import type { Inode } from '../../vfs/inode.ts';
import type { OpenFile } from '../../vfs/file.ts';
import type { FileSystemType } from '../../vfs/ops.ts';
import type { Module, OpsTable } from '../core/module.ts';
import type { ModuleSubsystem } from '../core/loader.ts';
import type { Instrumentation } from './instrument.ts';
import type { Mediator, SlotPlan } from './mediator.ts';

/** What `planRedirect` decided before the point of no return and `applyRedirect` installs after it. */
export interface RedirectPlan {
  /** Each old table to the new table of the same name. */
  tables: Map<OpsTable, OpsTable>;
  /** The new function for every slot the mediator patched. */
  slots: SlotPlan;
  /** The new module's file-system registrations (staged by its init), free to take. */
  registrations: readonly FileSystemType[];
}

/**
 * Every check the redirect needs, made before the point of no return: the
 * old-to-new table map, a new function for every patched slot, the staged
 * file-system registrations free to take, and the old module still the
 * loaded one. Changes nothing; throws (and the update rolls back) if any
 * check fails.
 */
export function planRedirect(ms: ModuleSubsystem, med: Mediator, old: Module, newMod: Module, newIns: Instrumentation, registrations: readonly FileSystemType[]): RedirectPlan {
  const k = ms.kernel;
  const tables = new Map<OpsTable, OpsTable>();
  for (const t of old.tables) {
    const nt = newMod.table(t.name);
    if (nt) tables.set(t.table, nt);
  }
  for (const fs of registrations) {
    const prev = k.file_systems.get(fs.name);
    if (prev && prev.owner !== old) throw errno('EEXIST', `redirect: ${fs.name} is registered by another module`);
  }
  if (ms.get(old.name) !== old) throw errno('EINVAL', `redirect: ${old.name} ${old.version} is no longer the loaded module`);
  const slots = med.planRedirect(newIns.slots);
  return { tables, slots, registrations };
}

/**
 * Install the new version, after the staged commit: every converted instance
 * gets its new private structure and tables, superblocks and open files move
 * to the new tables, references and registrations move to the new module,
 * the old tables forward to the new code. Assignments only, nothing here can
 * fail (every check was made by `planRedirect`).
 */
export function applyRedirect(ms: ModuleSubsystem, med: Mediator, old: Module, newMod: Module, plan: RedirectPlan, convInodes: Map<Inode, unknown>, convFiles: Map<OpenFile, unknown>): void {
  const k = ms.kernel;
  const to = <T>(x: T): T => (plan.tables.get(x as unknown as OpsTable) as T | undefined) ?? x;
  for (const [i, priv] of convInodes) {
    i.i_private = priv;
    i.i_op = to(i.i_op);
    i.i_fop = to(i.i_fop);
  }
  for (const [f, priv] of convFiles) {
    f.private_data = priv;
    f.f_op = to(f.f_op);
  }
  for (const mnt of k.mounts.list) {
    const sb = mnt.mnt_sb;
    if (sb.s_type.owner !== old) continue;
    sb.s_op = to(sb.s_op);
    sb.s_type = to(sb.s_type);
    // every open file on it, including those without private data
    for (const f of sb.s_files) {
      f.f_op = to(f.f_op);
      if (f.f_owner === old) f.f_owner = newMod;
    }
  }
  for (const fs of plan.registrations) k.file_systems.set(fs.name, fs);
  old.instances.handOver(newMod.instances);
  newMod.refcnt += old.refcnt;
  old.refcnt = 0;
  // Old tables forward to the new code and are owned by it, so a holder of
  // an old table reference (a call already past the lookup) is still right.
  for (const t of old.tables) {
    const rec = t.table as unknown as Record<string, unknown>;
    if ('owner' in rec) rec['owner'] = newMod;
  }
  med.redirect(plan.slots);
  ms.replaceLoaded(old, newMod);
  newMod.state = 'live';
  old.state = 'going';
}
