/**
 * The Linux-path demos of live update on a root ext3 file system:
 *
 *   rmmod-busy          plain Linux: the mounted root ext3 cannot be unloaded
 *                       (EBUSY), so an update the plain way needs an unmount
 *   ext3-bugfix         v1 -> v2 live under 16 threads on 4 CPUs: v1's rename
 *                       bug shows before the update and not after
 *   ext3-struct-change  v2 -> v3: every cached inode converted to v3's
 *                       per-inode reservation windows
 *   rollback            an update whose import fails: the old version serves on
 *   stuck               a thread held inside the module by a stalled disk:
 *                       quiescence times out, the report names it, rollback
 */
import type { Sim } from '../../sim/effects.ts';
import { errno, ErrnoError } from '../../sim/errno.ts';
import * as sys from '../../vfs/syscalls.ts';
import type { Task } from '../../vfs/task.ts';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../vfs/types.ts';
import { delete_module } from '../../modules/core/syscalls.ts';
import type { ModuleDefinition } from '../../modules/core/module.ts';
import { ext3Definition } from '../../modules/ext3/index.ts';
import { registerDemo, type DemoOptions, type DemoResult } from './registry.ts';
import { describeRun, runDemo, runSummary, type DemoRun, type DemoRunSpec } from './linux-update.ts';

/** Workload without renames: on v1 a directory rename would corrupt link counts before the update. */
const NO_RENAME = { rename: 0 };

function result(run: DemoRun, header: string, ok: boolean, extra: Record<string, unknown> = {}): DemoResult {
  return { text: header + '\n\n' + describeRun(run), summary: { ...runSummary(run), ...extra }, trace: run.trace, ok };
}

function cleanFsck(run: DemoRun): boolean {
  return run.fsck === null || run.fsck.status === 0;
}

function* nlink(t: Task, path: string): Sim<number> {
  return (yield* sys.stat(t, path)).nlink;
}

/** Move a directory between two parents and report both parents' link counts. */
function* renameProbe(t: Task, log: (s: string) => void, label: string): Sim<boolean> {
  yield* sys.rename(t, '/probe/a/d', '/probe/b/d');
  const a = yield* nlink(t, '/probe/a');
  const b = yield* nlink(t, '/probe/b');
  const right = a === 2 && b === 3;
  log(`${label}: mv /probe/a/d /probe/b/d -> nlink(/probe/a)=${a} nlink(/probe/b)=${b} ${right ? '(correct)' : '(WRONG: should be 2 and 3 — the v1 bug)'}`);
  // move it back; under v1 neither count moves again, so the tree is consistent afterwards
  yield* sys.rename(t, '/probe/b/d', '/probe/a/d');
  return right;
}

export function ext3Bugfix(o: DemoOptions): DemoResult {
  let before = true;
  let after = false;
  const spec: DemoRunSpec = {
    system: { cpus: o.cpus ?? 4, seed: o.seed, fs: 'ext3', ext3Version: 1, strategy: 'counter-percpu' },
    workload: { threads: o.threads ?? 16, ops: 40, mix: NO_RENAME },
    update: { module: 'ext3', def: ext3Definition(2), source: 'built-in ext3 2', atUs: 'probe' },
    *probe({ task, log, updateDone, startUpdate }) {
      for (const d of ['/probe', '/probe/a', '/probe/b', '/probe/a/d']) yield* sys.mkdir(task, d, 0o755);
      before = yield* renameProbe(task, log, 'ext3 v1');
      startUpdate();
      yield* updateDone();
      after = yield* renameProbe(task, log, 'ext3 v2');
    },
  };
  const run = runDemo(spec);
  const ok = run.report?.ok === true && !before && after && run.mismatches.length === 0 && cleanFsck(run);
  return result(run, 'ext3 v1 -> v2 live, root file system mounted, 16 threads writing: the rename bug is fixed without an unmount.', ok, {
    bugBefore: !before,
    bugAfter: !after,
  });
}

export function ext3StructChange(o: DemoOptions): DemoResult {
  const spec: DemoRunSpec = {
    system: { cpus: o.cpus ?? 4, seed: o.seed, fs: 'ext3', ext3Version: 2, strategy: 'counter-percpu' },
    workload: { threads: o.threads ?? 8, ops: 40 },
    update: { module: 'ext3', def: ext3Definition(3), source: 'built-in ext3 3', atUs: 2000 },
  };
  const run = runDemo(spec);
  const r = run.report;
  const ok = r?.ok === true && r.format === 'ext3-state@2' && r.instances.inodes > 0 && run.mismatches.length === 0 && cleanFsck(run);
  return result(run, `ext3 v2 -> v3 live: v3 keeps a block reservation window per inode, so every cached inode is converted (format ${r?.format ?? '?'}).`, ok, {
    inodesConverted: r?.instances.inodes ?? 0,
    filesConverted: r?.instances.files ?? 0,
  });
}

/** ext3 v2 whose state import fails: a broken update package. */
function brokenImport(): ModuleDefinition {
  const good = ext3Definition(2);
  return {
    ...good,
    instantiate(mod) {
      const body = good.instantiate(mod);
      const hooks = body.update!;
      return {
        ...body,
        update: {
          ...hooks,
          *importState(): Sim<never> {
            yield 5000;
            throw errno('ENOMEM', 'ext3 v2 (broken build): cannot allocate the inode table it imports into');
          },
        },
      };
    },
  };
}

export function rollback(o: DemoOptions): DemoResult {
  const spec: DemoRunSpec = {
    system: { cpus: o.cpus ?? 4, seed: o.seed, fs: 'ext3', ext3Version: 1, strategy: 'counter-shared' },
    workload: { threads: o.threads ?? 8, ops: 40, mix: NO_RENAME },
    update: { module: 'ext3', def: brokenImport(), source: 'a broken ext3 2 build', atUs: 2000 },
  };
  const run = runDemo(spec);
  const r = run.report;
  const ok =
    r?.ok === false && r.error?.code === 'ENOMEM' && run.b.system.modules.get('ext3')?.version === '1' && r.stats.ranNew === 0 && run.mismatches.length === 0 && cleanFsck(run);
  return result(run, 'An update whose state import fails: everything before redirect is undone and ext3 v1 keeps serving.', ok);
}

export function stuck(o: DemoOptions): DemoResult {
  const spec: DemoRunSpec = {
    system: { cpus: o.cpus ?? 2, seed: o.seed, fs: 'ext3', ext3Version: 1, strategy: 'counter-shared' },
    workload: { threads: o.threads ?? 4, ops: 30, mix: NO_RENAME },
    update: { module: 'ext3', def: ext3Definition(2), source: 'built-in ext3 2', atUs: 3000, opts: { timeoutUs: 2000, tries: 2, backoffUs: 500 } },
    *probe({ b, task, log }) {
      const fd = yield* sys.open(task, '/stuck', O_CREAT | O_WRONLY, 0o644);
      yield* sys.write(task, fd, new TextEncoder().encode('data that fsync must write'));
      // the disk stalls for 20 ms: the fsync below waits inside ext3 for it
      b.disk!.stallNext(4, 20_000);
      log('disk sda stalls for 20 ms; t probe calls fsync, which waits inside ext3 for the disk');
      yield* sys.fsync(task, fd);
      yield* sys.close(task, fd);
      log('fsync returned');
    },
  };
  const run = runDemo(spec);
  const r = run.report;
  const ok =
    r?.ok === false && r.error?.code === 'ETIMEDOUT' && r.stuck.some((s) => s.name === 'probe') && run.b.system.modules.get('ext3')?.version === '1' && run.mismatches.length === 0 && cleanFsck(run);
  return result(run, 'A thread held inside ext3 by a stalled disk: quiescence times out (2 tries of 2 ms), the report names the thread and its function, and the update rolls back.', ok);
}

export function rmmodBusy(o: DemoOptions): DemoResult {
  const attempts: string[] = [];
  const spec: DemoRunSpec = {
    system: { cpus: o.cpus ?? 2, seed: o.seed, fs: 'ext3', ext3Version: 1, strategy: 'refcount' },
    workload: { threads: o.threads ?? 2, ops: 10, mix: NO_RENAME },
    *probe({ task, log }) {
      const fd = yield* sys.open(task, '/etc-passwd', O_CREAT | O_WRONLY, 0o644);
      yield* sys.close(task, fd);
      const rfd = yield* sys.open(task, '/etc-passwd', O_RDONLY, 0);
      log('the root file system is ext3 and a file on it is open');
      try {
        yield* delete_module(task, 'ext3');
        attempts.push('rmmod ext3: succeeded');
      } catch (e) {
        if (!(e instanceof ErrnoError)) throw e;
        attempts.push(`rmmod ext3: ${e.code} (${e.message})`);
        log(`rmmod ext3 -> ${e.code}: a mounted file system holds a reference on its module`);
      }
      yield* sys.close(task, rfd);
      try {
        yield* delete_module(task, 'ext3');
        attempts.push('rmmod ext3 after close: succeeded');
      } catch (e) {
        if (!(e instanceof ErrnoError)) throw e;
        attempts.push(`rmmod ext3 after close: ${e.code}`);
        log(`rmmod ext3 after closing the file -> ${e.code}: still mounted as root; plain Linux must unmount (and kill every user) to replace it`);
      }
    },
  };
  const run = runDemo(spec);
  const ok = attempts.length === 2 && attempts.every((a) => a.includes('EBUSY'));
  return result(run, 'Plain Linux: a file-system module in use cannot be replaced; rmmod of the root ext3 fails with EBUSY.', ok, { attempts });
}

registerDemo({ name: 'ext3-bugfix', summary: 'ext3 v1 -> v2 live under 16 threads on 4 CPUs: the rename bug is gone, no unmount', run: ext3Bugfix });
registerDemo({ name: 'ext3-struct-change', summary: 'ext3 v2 -> v3 live, converting every cached inode to reservation windows', run: ext3StructChange });
registerDemo({ name: 'rollback', summary: 'an update whose import fails: rolled back, the old version keeps serving', run: rollback });
registerDemo({ name: 'stuck', summary: 'a thread stuck inside ext3: quiescence timeout, report, rollback', run: stuck });
registerDemo({ name: 'rmmod-busy', summary: 'plain Linux: rmmod of the mounted root ext3 fails with EBUSY', run: rmmodBusy });
