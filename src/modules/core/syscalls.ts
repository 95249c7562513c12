/**
 * Module syscalls: init_module and delete_module (insmod/rmmod), which need
 * CAP_SYS_MODULE (EPERM otherwise), as in kernel/module/main.c. Errors carry
 * the syscall and the module name as path.
 */
import type { Sim } from '../../sim/effects.ts';
import { errno } from '../../uapi/errno.ts';
import { sysfail } from '../../vfs/sys/common.ts';
import type { Task } from '../../vfs/task.ts';
import { CAP_SYS_MODULE } from '../../vfs/types.ts';
import { ModuleSubsystem } from './loader.ts';
import type { Module } from './module.ts';

export function* init_module(t: Task, name: string): Sim<Module> {
  try {
    if (!t.cred.capable(CAP_SYS_MODULE)) throw errno('EPERM');
    yield t.kernel.costs.syscallEntry;
    return yield* ModuleSubsystem.of(t.kernel).insmod(name);
  } catch (e) {
    throw sysfail(e, 'init_module', name);
  }
}

export function* delete_module(t: Task, name: string): Sim<void> {
  try {
    if (!t.cred.capable(CAP_SYS_MODULE)) throw errno('EPERM');
    yield t.kernel.costs.syscallEntry;
    yield* ModuleSubsystem.of(t.kernel).rmmod(name);
  } catch (e) {
    throw sysfail(e, 'delete_module', name);
  }
}
