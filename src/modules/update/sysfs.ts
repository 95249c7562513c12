/**
 * Update status through the VFS, in the style of livepatch's sysfs files:
 *
 *   /sys/module/NAME/version              the loaded version
 *   /sys/module/NAME/update/state         idle | in-progress | done | failed
 *   /sys/module/NAME/update/phase         the manager's current (or last) phase
 *   /sys/module/NAME/update/transition    1 while an update runs, else 0
 *   /sys/module/NAME/update/last          one line about the last update
 *
 * for every module the registry knows; reading `version` of a module that is
 * not loaded fails with ENOENT, as the directory would not exist in Linux.
 */
import { errno } from '../../uapi/errno.ts';
import type { ModuleSubsystem } from '../core/loader.ts';
import { register_pseudofs, type ProcEntries } from '../core/procfs.ts';
import type { LiveUpdate, UpdateReport } from './manager.ts';

export const SYSFS_MAGIC = 0x62656572;

export function describeReport(r: UpdateReport, cyclesPerUs: number): string {
  const us = (c: number): string => (c / cyclesPerUs).toFixed(1);
  const head = `${r.module} ${r.from} -> ${r.to} via ${r.strategy}`;
  if (!r.ok) return `${head}: failed in ${r.error?.phase} with ${r.error?.code}: ${r.error?.message}`;
  return `${head}: ok in ${us(r.durationCycles)} us, ${r.stats.blocked} call(s) blocked, longest stall ${us(r.longestStallCycles)} us, ${r.instances.inodes} inode(s) and ${r.instances.files} file(s) converted${r.lazy ? lazyNote(r.lazy, us) : ''}`;
}

/** How the lazy hand-over went (src/modules/update/lazy.ts). */
function lazyNote(z: NonNullable<UpdateReport['lazy']>, us: (c: number) => string): string {
  const drained = z.drainCycles === null ? 'not drained' : `drained ${us(z.drainCycles)} us after release`;
  return ` (the inodes lazily: ${z.convertedOnUse} on use, ${z.convertedByPass} by the background pass, ${drained})`;
}

export function sysfsEntries(ms: ModuleSubsystem, live: LiveUpdate): ProcEntries {
  const entries = new Map<string, () => string>();
  for (const name of ms.registry.keys()) {
    const loaded = (): void => {
      if (!ms.get(name)) throw errno('ENOENT', `module ${name} is not loaded`);
    };
    entries.set(`module/${name}/version`, () => {
      loaded();
      return `${ms.get(name)!.version}\n`;
    });
    entries.set(`module/${name}/update/state`, () => `${live.statusOf(name).state}\n`);
    entries.set(`module/${name}/update/phase`, () => `${live.statusOf(name).phase}\n`);
    entries.set(`module/${name}/update/transition`, () => `${live.statusOf(name).transition}\n`);
    entries.set(`module/${name}/update/last`, () => {
      const last = live.statusOf(name).last;
      return last ? describeReport(last, live.machine.engine.cyclesPerUs) + '\n' : 'none\n';
    });
  }
  return entries;
}

export function register_sysfs(ms: ModuleSubsystem, live: LiveUpdate): void {
  register_pseudofs(ms.kernel, 'sysfs', SYSFS_MAGIC, sysfsEntries(ms, live));
}
