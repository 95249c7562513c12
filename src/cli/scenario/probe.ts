/**
 * The probe thread of a Linux-path scenario: a short script of system calls
 * that runs beside the workload in its own task, to show something the
 * random workload cannot (the v1 rename bug before and after an update, a
 * thread held inside the module by a stalled disk, rmmod of a busy module),
 * and to start the update at a chosen point ("at": "probe").
 *
 * Each step that checks something records a named result (`as`): a boolean
 * for check-nlink, "ok" or the errno code for rmmod. They become metrics
 * `probe.NAME` that the scenario's expectations can name.
 */
import type { Sim } from '../../sim/effects.ts';
import { ErrnoError } from '../../uapi/errno.ts';
import * as sys from '../../vfs/syscalls.ts';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../uapi/fcntl.ts';
import { delete_module } from '../../modules/core/syscalls.ts';
import type { ProbeContext } from './linux-run.ts';
import type { ProbeStep } from '../../system/scenario.ts';

export type ProbeResults = Map<string, boolean | string>;

function* step(ctx: ProbeContext, s: ProbeStep, results: ProbeResults): Sim<void> {
  const t = ctx.task;
  switch (s.do) {
    case 'mkdir':
      yield* sys.mkdir(t, s.path, 0o755);
      return;
    case 'rename':
      yield* sys.rename(t, s.from, s.to);
      ctx.log(`mv ${s.from} ${s.to}`);
      return;
    case 'check-nlink': {
      const n = (yield* sys.stat(t, s.path)).nlink;
      results.set(s.as, n === s.nlink);
      ctx.log(`check ${s.as}: nlink(${s.path}) = ${n}${n === s.nlink ? ' (right)' : `, should be ${s.nlink} (WRONG)`}`);
      return;
    }
    case 'write-file': {
      const fd = yield* sys.open(t, s.path, O_CREAT | O_WRONLY, 0o644);
      yield* sys.write(t, fd, new TextEncoder().encode(s.data));
      if (s.fsync) {
        ctx.log(`fsync ${s.path}`);
        yield* sys.fsync(t, fd);
        ctx.log(`fsync ${s.path} returned`);
      }
      yield* sys.close(t, fd);
      return;
    }
    case 'rmmod': {
      const fd = s.holdOpen !== undefined ? yield* sys.open(t, s.holdOpen, O_RDONLY, 0) : -1;
      try {
        yield* delete_module(t, s.module);
        results.set(s.as, 'ok');
        ctx.log(`${s.as}: rmmod ${s.module} succeeded`);
      } catch (e) {
        if (!(e instanceof ErrnoError)) throw e;
        results.set(s.as, e.code);
        ctx.log(`${s.as}: rmmod ${s.module} -> ${e.code}`);
      } finally {
        if (fd >= 0) yield* sys.close(t, fd);
      }
      return;
    }
    case 'disk-stall':
      if (!ctx.b.disk) throw new Error('probe disk-stall: the root file system has no disk (ramfs)');
      ctx.b.disk.stallNext(s.requests, s.us);
      ctx.log(`disk stalls: the next ${s.requests} requests take ${s.us} us longer`);
      return;
    case 'start-update':
      ctx.log('probe starts the update');
      ctx.startUpdate();
      return;
    case 'wait-update':
      yield* ctx.updateDone();
      return;
    case 'log':
      ctx.log(s.text);
      return;
  }
}

/** The probe body for `runLinuxSystem`, filling `results` as it goes. */
export function probeScript(steps: readonly ProbeStep[], results: ProbeResults): (ctx: ProbeContext) => Sim<void> {
  return function* (ctx) {
    for (const s of steps) yield* step(ctx, s, results);
  };
}
