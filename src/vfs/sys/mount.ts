/** mount(2) and umount(2) (need CAP_SYS_ADMIN; see namespace.ts). */
import type { Sim } from '../../sim/effects.ts';
import { do_mount, do_umount } from '../namespace.ts';
import type { Task } from '../task.ts';
import { sysfail } from './common.ts';

/** mount(2), argument order as Linux: source device, target, type, flags, data. */
export function* mount(t: Task, source: string, target: string, fstype: string, flags = 0, data = ''): Sim<void> {
  try {
    yield* do_mount(t, source, target, fstype, flags, data);
    yield t.kernel.costs.syscallEntry;
  } catch (e) {
    throw sysfail(e, 'mount', target);
  }
}

export function* umount(t: Task, target: string): Sim<void> {
  try {
    yield* do_umount(t, target);
    yield t.kernel.costs.syscallEntry;
  } catch (e) {
    throw sysfail(e, 'umount', target);
  }
}
