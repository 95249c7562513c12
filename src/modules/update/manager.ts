/**
 * The update manager: replaces a loaded file-system module by a new version
 * of it while it is in use, with no unmount, no process killed and no call
 * failed (docs/design.md, "The Linux path").
 *
 *   check      privilege, signature, versions and dependencies, state-format
 *              negotiation, the new code's tables cover the old ones
 *   interpose  every exported slot of the old tables patched to a mediator stub
 *   block      new calls wait in the stubs; recursive and interrupt-context
 *              calls pass
 *   quiesce    wait for the use counter to reach zero, bounded by a timeout,
 *              with a configurable number of tries (calls are released
 *              between tries)
 *   transfer   old module exports its state (dirty state flushed), the
 *              snapshot is validated and frozen, the new module imports it
 *              and its init runs; every tracked instance is converted (staged)
 *   redirect   in one step: staged state installed, instances re-pointed at
 *              the new tables, old slots patched to the new code, references
 *              and registrations moved, the new module takes the old's place
 *   release    blocked calls resume, in the new module
 *   retire     once no call is left in a stub, the old module is unloaded
 *
 * Any failure before `redirect` rolls back: old slots restored, blocked calls
 * resumed in the old module, staged state thrown away, and the cause
 * reported (on a quiescence timeout, with each thread still inside the
 * module and the function it is in, from a diagnostic stack walk as kpatch
 * prints stalled tasks). A second update of a module already updating fails
 * with EBUSY.
 *
 * Every phase is traced on the track "update NAME" with simulated times.
 *
 * This file is the manager's face (LiveUpdate: one per system, status and
 * history per module); one update, phase by phase, is update-run.ts.
 */
import type { Sim } from '../../sim/effects.ts';
import type { Machine } from '../../hw-ppc64/machine.ts';
import type { Task } from '../../vfs/task.ts';
import type { Module } from '../core/module.ts';
import type { ModuleSubsystem } from '../core/loader.ts';
import type { LiveUpdateHooks } from '../core/hooks.ts';
import { instrumentModule } from './instrument.ts';
import type { ModuleUpdateStatus, UpdateOptions, UpdateReport, UpdateRequest } from './types.ts';
import type { QuiescenceStrategy } from './usecount.ts';
import { UpdateRun } from './update-run.ts';

const DEFAULTS = { timeoutUs: 5_000_000, tries: 1, pollUs: 10, backoffUs: 1000, allowDowngrade: false };

export class LiveUpdate {
  readonly status = new Map<string, ModuleUpdateStatus>();
  /** Ids of the updates applied, in order (`ext3@1->2`). */
  readonly history: string[] = [];
  private readonly busy = new Set<string>();

  constructor(
    readonly modules: ModuleSubsystem,
    readonly machine: Machine,
    readonly strategy: QuiescenceStrategy,
  ) {}

  /** Instrument a module as it loads (after instantiate, before init). */
  onLoad(mod: Module): void {
    instrumentModule(mod, this.machine, this.strategy);
  }

  statusOf(name: string): ModuleUpdateStatus {
    let s = this.status.get(name);
    if (!s) {
      s = { state: 'idle', phase: 'idle', transition: 0 };
      this.status.set(name, s);
    }
    return s;
  }

  /**
   * Update `req.module` to `req.def`, run by the calling task's thread.
   * Returns the report; `report.ok` false means nothing changed.
   */
  *update(task: Task, req: UpdateRequest, opts: UpdateOptions = {}): Sim<UpdateReport> {
    const run = new UpdateRun(this, task, req, { ...DEFAULTS, ...stripUndefined(opts) });
    return yield* run.execute();
  }

  /** @internal */
  claim(name: string): boolean {
    if (this.busy.has(name)) return false;
    this.busy.add(name);
    return true;
  }

  /** @internal */
  unclaim(name: string): void {
    this.busy.delete(name);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type { LiveUpdateHooks };
export * from './types.ts';
export { compareVersions } from './check.ts';
