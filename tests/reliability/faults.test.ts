/**
 * Fault injection, one test per fault (RELIABILITY.md's catalogue). For
 * each: one version consistently serving afterwards, every result equal to
 * the model's and the final tree too (nothing lost), e2fsck -fn clean after
 * recovery, and the user told what happened in one line (the report's
 * error message, as the shell prints it).
 */
import { describe, it, expect } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, type Sim } from '../../src/sim/effects.ts';
import { errno } from '../../src/uapi/errno.ts';
import { runThread } from '../../src/sim/run-thread.ts';
import { ext3Definition } from '../../src/modules/ext3-releases.ts';
import { Keyring } from '../../src/modules/update/keyring.ts';
import { loadPackage } from '../../src/modules/update/load.ts';
import type { FaultPoint, UpdateReport } from '../../src/modules/update/manager.ts';
import * as sys from '../../src/vfs/syscalls.ts';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../src/uapi/fcntl.ts';
import { buildSystem } from '../../src/system/build.ts';
import { runFaultPlan, type FaultRun } from '../../src/reliability/fault-plan.ts';
import { e2fsckRequired } from '../../src/ext2/e2fsprogs.ts';

const POINTS: FaultPoint[] = ['check', 'interpose', 'quiesce', 'export', 'import', 'init', 'convert', 'redirect'];

function consistent(r: FaultRun, version: string): void {
  expect(r.version).toBe(version);
  expect(r.mismatches).toEqual([]);
  expect(r.treeDiff).toBeNull();
  expect(e2fsckRequired(r.sparseImage).status).toBe(0);
}

function rolledBack(r: FaultRun, code: string): UpdateReport {
  const rep = r.report!;
  expect(rep.ok).toBe(false);
  expect(rep.error?.code).toBe(code);
  expect(rep.error!.message).not.toContain('\n');
  expect(rep.stats.ranNew).toBe(0);
  expect(rep.stats.ranOld + rep.stats.ranNew + rep.stats.killedWhileBlocked).toBe(rep.stats.mediated);
  consistent(r, '2');
  return rep;
}

/**
 * A transient disk write error meets whoever writes next: the update's flush
 * (EIO, the update stops) or a worker's fsync (EIO to that caller: not
 * acknowledged, so not a loss). Nothing else may differ from the model.
 */
function diskErrorHandled(r: FaultRun): void {
  for (const m of r.mismatches) expect(m).toMatch(/ fsync: got \{"ok":false,"errno":"EIO"\}/);
  const rep = r.report!;
  if (!rep.ok) {
    expect(rep.error?.code).toBe('EIO');
    expect(rep.error!.message).not.toContain('\n');
    expect(rep.stats.ranNew).toBe(0);
  }
  expect(r.version).toBe(rep.ok ? '3' : '2');
  expect(r.treeDiff).toBeNull();
  expect(e2fsckRequired(r.sparseImage).status).toBe(0);
}

const throwAt = (point: FaultPoint, code: 'EIO' | 'ENOMEM' | 'ENOSPC' = 'EIO', what = 'injected') => () => ({
  inject(p: FaultPoint) {
    if (p === point) throw errno(code, `${what} at ${p}`);
  },
});

describe('faults thrown by the update (rollback, old version serves)', () => {
  it('export throws', () => expect(rolledBack(runFaultPlan({ opts: throwAt('export') }), 'EIO').error!.phase).toBe('transfer'));
  it('import throws', () => expect(rolledBack(runFaultPlan({ opts: throwAt('import', 'ENOMEM') }), 'ENOMEM').error!.message).toContain('import'));
  it('new module init fails', () => expect(rolledBack(runFaultPlan({ opts: throwAt('init', 'ENOMEM') }), 'ENOMEM').error!.phase).toBe('transfer'));
  it.each(POINTS)('a fault at %s rolls back', (p) => {
    rolledBack(runFaultPlan({ seed: 3, opts: throwAt(p) }), 'EIO');
  });
});

describe('faults from the machine', () => {
  it('quiescence timeout: a thread held in ext3 by a stalled disk is named; rollback', () => {
    const r = runFaultPlan({
      atUs: 3000,
      opts: () => ({ timeoutUs: 2000, tries: 2, backoffUs: 500 }),
      *probe(b, t) {
        const fd = yield* sys.open(t, '/stuck', O_CREAT | O_WRONLY, 0o644);
        yield* sys.write(t, fd, new TextEncoder().encode('must reach the disk'));
        yield* sleep(Math.round(2500 * b.machine.engine.cyclesPerUs));
        b.disk!.stallNext(4, 20_000);
        yield* sys.fsync(t, fd);
        yield* sys.close(t, fd);
      },
    });
    const rep = rolledBack(r, 'ETIMEDOUT');
    expect(rep.stuck.some((s) => s.name === 'probe')).toBe(true);
    expect(rep.error!.message).toMatch(/quiescence timed out after 2 tries.*probe/);
  });

  it('disk EIO during the update\'s flush (prepare, before anything blocks): the update stops, or a worker\'s fsync meets it; the dirty data still reaches the disk', () => {
    const r = runFaultPlan({
      opts: (b) => ({
        inject(p) {
          if (p === 'check') b.disk!.failNextWrites(2);
        },
      }),
    });
    diskErrorHandled(r);
    // The first commit after the check meets the error: the update's own
    // (prepare), or, since workers commit concurrently (their fsync holds
    // the journal's commit mutex), a worker's fsync, which is then EIO.
    if (r.report!.ok) {
      expect(r.mismatches.length).toBeGreaterThan(0);
    } else {
      expect(r.report!.error!.phase).toBe('check');
      expect(r.report!.stats.blocked).toBe(0);
    }
  });

  it('disk full before the update: the update succeeds, ENOSPC stays the workload\'s', () => {
    let enospc = false;
    const r = runFaultPlan({
      imageMiB: 4,
      threads: 1,
      ops: 10,
      atUs: 60_000,
      *probe(b, t) {
        const fd = yield* sys.open(t, '/fill', O_CREAT | O_WRONLY, 0o644);
        const chunk = new Uint8Array(64 * 1024).fill(1);
        try {
          for (let i = 0; i < 200; i++) yield* sys.write(t, fd, chunk);
        } catch (e) {
          enospc = (e as { code?: string }).code === 'ENOSPC';
        }
        yield* sys.close(t, fd);
      },
    });
    expect(enospc).toBe(true);
    expect(r.report!.ok).toBe(true);
    expect(r.version).toBe('3');
    expect(e2fsckRequired(r.sparseImage).status).toBe(0);
  });

  it('disk full during transfer (ENOSPC from import): rollback with ENOSPC', () => {
    rolledBack(runFaultPlan({ opts: throwAt('import', 'ENOSPC', 'no space for the imported state') }), 'ENOSPC');
  });
});

describe('packages', () => {
  const ring = Keyring.fromDirectory(join(process.cwd(), 'packages', 'keyring'));
  it('bad signature: EKEYREJECTED in check, nothing changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-badsig-'));
    try {
      cpSync(join(process.cwd(), 'packages', 'ext3-v3'), dir, { recursive: true });
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      m['description'] = 'ext3 3 (tampered)';
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
      const pkg = await loadPackage(dir, ring);
      expect(pkg.ok).toBe(false);
      const r = runFaultPlan({ request: () => ({ module: 'ext3', def: ext3Definition(3), source: dir, ...(pkg.ok ? {} : { packageError: pkg.error }) }) });
      expect(r.report!.error?.code).toBe('EKEYREJECTED');
      expect(r.report!.error?.phase).toBe('check');
      expect(r.report!.error!.message).toMatch(/signature does not match/);
      consistent(r, '2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('version mismatch: a 2->3 package on ext3 1 is refused (EINVAL)', async () => {
    const pkg = await loadPackage(join(process.cwd(), 'packages', 'ext3-v3'), ring);
    expect(pkg.ok).toBe(true);
    if (!pkg.ok) return;
    const r = runFaultPlan({ from: 1, request: () => ({ module: 'ext3', def: pkg.def, source: pkg.path, manifest: pkg.manifest }) });
    expect(r.report!.error?.code).toBe('EINVAL');
    expect(r.report!.error!.message).toMatch(/from version 2 but ext3 is at version 1/);
    expect(r.version).toBe('1');
    expect(r.mismatches).toEqual([]);
  });
});

describe('power cut in each update phase', () => {
  it.each(POINTS)('power cut at %s: remount replays, e2fsck clean, fsynced data intact, one version serves', (point) => {
    const data = new TextEncoder().encode('acknowledged and fsynced before the cut');
    const r = runFaultPlan({
      noShutdown: true,
      atUs: 3000,
      *probe(b, t) {
        const fd = yield* sys.open(t, '/durable', O_CREAT | O_WRONLY, 0o644);
        yield* sys.write(t, fd, data);
        yield* sys.fsync(t, fd);
        yield* sys.close(t, fd);
      },
      opts: (b) => ({
        inject(p) {
          if (p === point) b.disk!.powerCutAfter(0);
        },
      }),
    });
    // the image as the cut left it; e2fsck -fy replays the journal like a reboot would
    const fy = e2fsckRequired(r.sparseImage, 'y');
    expect(fy.status).toBeLessThanOrEqual(1);
    expect(e2fsckRequired(fy.image).status).toBe(0);
    // our own mount recovers the raw image too, and one version serves it
    const dir = mkdtempSync(join(tmpdir(), 'modswap-cut-'));
    try {
      const path = join(dir, 'img');
      writeFileSync(path, r.image);
      const b2 = buildSystem({ cpus: 1, seed: 1, fs: 'ext3', image: path, strategy: 'counter-shared' });
      const t = b2.system.newTask({ name: 'check' });
      const got = runThread(b2.machine.engine, 'read', function* (): Sim<string> {
        const fd = yield* sys.open(t, '/durable', O_RDONLY);
        const buf = new Uint8Array(100);
        const n = yield* sys.read(t, fd, buf);
        yield* sys.close(t, fd);
        return new TextDecoder().decode(buf.subarray(0, n));
      });
      expect(got).toBe(new TextDecoder().decode(data));
      expect(b2.system.modules.get('ext3')?.version).toMatch(/^[23]$/);
      b2.shutdown();
      expect(e2fsckRequired(new Uint8Array(readFileSync(path))).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('threads and interrupts', () => {
  it('a thread killed while blocked on the mediator: its call never runs, everything else fine', () => {
    let victimRan = false;
    let killed = false;
    const r = runFaultPlan({
      atUs: 3000,
      opts: () => ({ timeoutUs: 100_000 }),
      *probe(b, t) {
        const e = b.machine.engine;
        const fd = yield* sys.open(t, '/held', O_CREAT | O_WRONLY, 0o644);
        yield* sys.write(t, fd, new Uint8Array(4096).fill(3));
        yield* sleep(Math.round(2500 * e.cyclesPerUs));
        b.disk!.stallNext(4, 5_000);
        // the victim: started once the update blocks new calls
        const vt = b.system.newTask({ name: 'victim' });
        e.spawn('watch', function* (): Sim<void> {
          while (b.live.statusOf('ext3').phase !== 'quiesce') yield* sleep(Math.round(5 * e.cyclesPerUs));
          const victim = e.spawn('victim', function* (): Sim<void> {
            yield* sys.mkdir(vt, '/victim-dir', 0o755);
            victimRan = true;
          });
          yield* sleep(Math.round(50 * e.cyclesPerUs));
          e.kill(victim);
          killed = true;
        });
        yield* sys.fsync(t, fd); // inside ext3 for ~20 ms: the update waits in quiesce
        yield* sys.close(t, fd);
      },
    });
    const rep = r.report!;
    expect(killed).toBe(true);
    expect(victimRan).toBe(false);
    expect(rep.ok).toBe(true);
    expect(rep.stats.killedWhileBlocked).toBe(1);
    expect(rep.stats.ranOld + rep.stats.ranNew + rep.stats.killedWhileBlocked).toBe(rep.stats.mediated);
    consistent(r, '3');
  });

  it('an interrupt during transfer: the interrupt-context call never blocks, is deferred, runs once in the new code', () => {
    let irq = -1;
    let fdFile: unknown = null;
    const r = runFaultPlan({
      *probe(b, t) {
        const fd = yield* sys.open(t, '/irq', O_CREAT | O_WRONLY, 0o644);
        fdFile = t.fds[fd];
        yield* sleep(Math.round(5000 * b.machine.engine.cyclesPerUs));
        yield* sys.close(t, fd);
      },
      opts: (b) => ({
        inject(p) {
          if (p !== 'export') return;
          const e = b.machine.engine;
          const file = fdFile as { f_op: { llseek: (f: unknown, o: number, w: number) => Sim<number> } };
          e.interrupt(1, e.now, 'disk-done', function* () {
            irq = yield* file.f_op.llseek(file, 11, 0);
          });
        },
      }),
    });
    expect(irq).toBe(11);
    expect(r.report!.ok).toBe(true);
    expect(r.report!.stats.deferredInterrupt).toBeGreaterThanOrEqual(1);
    expect(r.report!.oldCodeRunsAfterQuiescence).toBe(0);
    consistent(r, '3');
  });

  it('a second update while one runs: EBUSY, the first completes', () => {
    let second: UpdateReport | null = null;
    const r = runFaultPlan({
      *probe(b) {
        const e = b.machine.engine;
        const st = b.live.statusOf('ext3');
        while (st.transition === 0) yield* sleep(Math.round(5 * e.cyclesPerUs));
        second = yield* b.live.update(b.system.newTask({ name: 'u2' }), { module: 'ext3', def: ext3Definition(3), source: 'second' });
      },
    });
    const s = second as UpdateReport | null;
    expect(s?.error?.code).toBe('EBUSY');
    expect(s!.error!.message).toBe('an update of ext3 is already in progress');
    expect(r.report!.ok).toBe(true);
    consistent(r, '3');
  });
});
