/**
 * Live update on the Linux path: what the use counters cost per syscall, and
 * what an update of the ext3 module costs (duration, longest stall of a
 * call, block window) against the number of threads and of cached inodes,
 * for the counter and stack-walk quiescence strategies. Modelled cycles are
 * deterministic; the wall time of an update is the simulator's (median of
 * nothing: one run per point, it is only there to show what a point costs).
 *
 * The aims this section reports against (issue 6):
 *   - per-CPU counters cost at most 2% per syscall at 64 CPUs;
 *   - a v1 -> v2 update with 64 threads and 10k cached inodes stalls no
 *     call longer than 1 ms of simulated time (Ksplice reports 0.7 ms);
 *   - the stack-walk's cost visibly grows with threads.
 */
import { buildSystem, type BuiltSystem } from '../../src/cli/system.ts';
import { runThread } from '../../src/modules/core/boot.ts';
import { ext3Definition } from '../../src/modules/ext3/index.ts';
import type { UpdateReport } from '../../src/modules/update/manager.ts';
import type { QuiescenceStrategy } from '../../src/modules/update/usecount.ts';
import { sleep, type Sim } from '../../src/sim/effects.ts';
import * as sys from '../../src/vfs/syscalls.ts';
import { O_CREAT, O_RDONLY, O_RDWR, O_WRONLY } from '../../src/vfs/types.ts';
import { fmt, table, type BenchSection } from '../lib.ts';

const KIB4 = 4096;

// ---- per-syscall overhead of the counters ---------------------------------

/** One thread per CPU, each pread-ing 4 KiB of its own file: modelled cycles per call. */
function preadCycles(fs: 'ramfs' | 'ext3', cpus: number, strategy: QuiescenceStrategy, calls: number): number {
  const b = buildSystem({ cpus, seed: 1, fs, strategy });
  const e = b.machine.engine;
  runThread(e, 'setup', function* (): Sim<void> {
    for (let c = 0; c < cpus; c++) {
      const fd = yield* sys.open(b.system.init, `/f${c}`, O_CREAT | O_RDWR, 0o644);
      yield* sys.write(b.system.init, fd, new Uint8Array(KIB4).fill(1));
      yield* sys.close(b.system.init, fd);
    }
  });
  const per: number[] = [];
  for (let c = 0; c < cpus; c++) {
    const t = b.system.newTask({ name: `r${c}` });
    e.spawn(`r${c}`, function* (): Sim<void> {
      const fd = yield* sys.open(t, `/f${c}`, O_RDONLY);
      const buf = new Uint8Array(KIB4);
      for (let i = 0; i < 50; i++) yield* sys.pread(t, fd, buf, 0); // warm lines and caches
      const t0 = e.now;
      for (let i = 0; i < calls; i++) yield* sys.pread(t, fd, buf, 0);
      per.push((e.now - t0) / calls);
    }, { cpu: c });
  }
  e.run();
  return per.reduce((a, x) => a + x, 0) / per.length;
}

const CPU_COUNTS = [1, 2, 4, 8, 16, 32, 64];

function overheadTable(fs: 'ramfs' | 'ext3', calls: number): { md: string; at64: { shared: number; percpu: number } } {
  const rows: (string | number)[][] = [];
  let at64 = { shared: 0, percpu: 0 };
  for (const cpus of CPU_COUNTS) {
    const none = preadCycles(fs, cpus, 'none', calls);
    const shared = preadCycles(fs, cpus, 'counter-shared', calls);
    const percpu = preadCycles(fs, cpus, 'counter-percpu', calls);
    const pct = (x: number): string => `${fmt(100 * (x / none - 1), 1)}%`;
    rows.push([cpus, fmt(none, 1), fmt(shared, 1), pct(shared), fmt(percpu, 1), pct(percpu)]);
    if (cpus === 64) at64 = { shared: shared / none - 1, percpu: percpu / none - 1 };
  }
  return { md: table(['CPUs', 'none (cycles/call)', 'counter-shared', 'overhead', 'counter-percpu', 'overhead'], rows), at64 };
}

// ---- update cost against threads and cached inodes --------------------------

interface UpdatePoint {
  report: UpdateReport;
  wallMs: number;
  inodes: number;
}

/** Cached inodes: `n` empty files, 1000 per directory, created through syscalls (they stay in the icache). */
function populate(b: BuiltSystem, n: number): void {
  runThread(b.machine.engine, 'populate', function* (): Sim<void> {
    const t = b.system.init;
    for (let d = 0; d * 1000 < n; d++) {
      yield* sys.mkdir(t, `/c${d}`, 0o755);
      for (let j = 0; j < 1000 && d * 1000 + j < n; j++) yield* sys.close(t, yield* sys.open(t, `/c${d}/f${j}`, O_CREAT | O_WRONLY, 0o644));
    }
  });
}

/**
 * ext3 v1 on 8 CPUs with `inodes` cached inodes and `threads` threads each
 * looping (pread 4 KiB of its own file, 1000 cycles of think time); the
 * v1 -> v2 update starts 200 µs into the load. `presync`: the updater runs
 * sync(2) just before the update (the mitigation this section measures).
 */
function updatePoint(strategy: QuiescenceStrategy, threads: number, inodes: number, presync = false): UpdatePoint {
  const cpus = 8;
  // about 4 KiB of image per inode (mke2fs's default ratio) with room to spare
  const imageMiB = Math.max(32, Math.ceil((inodes * 4096 * 1.5) / 2 ** 20));
  const b = buildSystem({ cpus, seed: 1, fs: 'ext3', ext3Version: 1, strategy, imageMiB });
  const e = b.machine.engine;
  populate(b, inodes);
  runThread(e, 'files', function* (): Sim<void> {
    for (let i = 0; i < threads; i++) {
      const fd = yield* sys.open(b.system.init, `/t${i}`, O_CREAT | O_RDWR, 0o644);
      yield* sys.write(b.system.init, fd, new Uint8Array(KIB4).fill(i & 0xff));
      yield* sys.close(b.system.init, fd);
    }
  });
  let done = false;
  for (let i = 0; i < threads; i++) {
    const t = b.system.newTask({ name: `w${i}` });
    e.spawn(`w${i}`, function* (): Sim<void> {
      const fd = yield* sys.open(t, `/t${i}`, O_RDWR);
      const buf = new Uint8Array(KIB4);
      for (let k = 0; !done; k++) {
        if (k % 4 === 3) yield* sys.pwrite(t, fd, buf, 0);
        else yield* sys.pread(t, fd, buf, 0);
        yield* sleep(1000);
      }
      yield* sys.close(t, fd);
    }, { cpu: i % cpus });
  }
  let report: UpdateReport | null = null;
  let wallMs = 0;
  const updater = b.system.newTask({ name: 'updater' });
  e.spawn('updater', function* (): Sim<void> {
    yield* sleep(200 * e.cyclesPerUs);
    if (presync) yield* sys.sync(updater);
    const w0 = performance.now();
    report = yield* b.live.update(updater, { module: 'ext3', def: ext3Definition(2), source: 'built-in' });
    wallMs = performance.now() - w0;
    done = true;
  }, { cpu: 0 });
  e.run();
  b.shutdown();
  const r = report as UpdateReport | null;
  if (!r) throw new Error('update did not finish');
  if (!r.ok) throw new Error(`update failed: ${r.error?.message}`);
  return { report: r, wallMs, inodes: r.instances.inodes };
}

function phaseUs(r: UpdateReport, name: string, cpu: number): number {
  return r.phases.filter((p) => p.name === name).reduce((a, p) => a + p.end - p.start, 0) / cpu;
}

const CPU_HZ_PER_US = 2000; // ppc970 at 2 GHz: cycles per µs

function updateRow(label: (string | number)[], p: UpdatePoint): (string | number)[] {
  const r = p.report;
  const us = (c: number): string => fmt(c / CPU_HZ_PER_US, 1);
  return [
    ...label,
    p.inodes,
    us(r.durationCycles),
    fmt(phaseUs(r, 'check', CPU_HZ_PER_US), 1),
    us(r.blockWindowCycles),
    fmt(phaseUs(r, 'quiesce', CPU_HZ_PER_US), 1),
    fmt(phaseUs(r, 'transfer', CPU_HZ_PER_US), 1),
    fmt(phaseUs(r, 'redirect', CPU_HZ_PER_US), 1),
    r.stats.blocked,
    us(r.longestStallCycles),
    fmt(p.wallMs, 0),
  ];
}

const UPDATE_HEAD = ['cached inodes (instances)', 'update (µs)', 'check + prepare (µs)', 'block window (µs)', 'quiesce (µs)', 'transfer (µs)', 'redirect (µs)', 'calls blocked', 'longest stall (µs)', 'update wall (ms)'];

export const section: BenchSection = {
  id: 'live',
  order: 40,
  title: 'Live update',
  run() {
    const ramfs = overheadTable('ramfs', 2000);
    const ext3 = overheadTable('ext3', 300);

    const STRATS: QuiescenceStrategy[] = ['counter-shared', 'counter-percpu', 'stack-walk'];
    const THREADS = [1, 4, 16, 64, 256];
    const byThreads: (string | number)[][] = [];
    const walkQuiesce: number[] = [];
    for (const s of STRATS) {
      for (const n of THREADS) {
        const p = updatePoint(s, n, 1000);
        byThreads.push(updateRow([s, n], p));
        if (s === 'stack-walk') walkQuiesce.push(phaseUs(p.report, 'quiesce', CPU_HZ_PER_US));
      }
    }
    const INODES = [1000, 10_000, 50_000];
    const byInodes: (string | number)[][] = [];
    const windowMs: string[] = [];
    for (const s of ['counter-percpu', 'stack-walk'] as QuiescenceStrategy[]) {
      for (const n of INODES) {
        const p = updatePoint(s, 16, n);
        byInodes.push(updateRow([s, 16], p));
        if (s === 'counter-percpu') windowMs.push(fmt(p.report.blockWindowCycles / CPU_HZ_PER_US / 1000, 2));
      }
    }
    const aim = updatePoint('counter-percpu', 64, 10_000);
    const aimSync = updatePoint('counter-percpu', 64, 10_000, true);
    const stallMs = aim.report.longestStallCycles / CPU_HZ_PER_US / 1000;
    const stallSyncMs = aimSync.report.longestStallCycles / CPU_HZ_PER_US / 1000;

    return [
      '### Use counters: modelled cycles per syscall',
      '',
      'One thread per CPU, each `pread` of 4 KiB from its own file in a loop (the `read` slot enters the module once per call), ppc970. `none` is the uninstrumented baseline; overhead is the ratio to it, measured side by side.',
      '',
      '**ramfs**',
      '',
      ramfs.md,
      '',
      '**ext3** (the ext2 engine serialises operations under a per-mount lock, so from 2 CPUs on a call mostly waits for that lock and the counter cost disappears in it)',
      '',
      ext3.md,
      '',
      `Aim: per-CPU counters cost at most 2% per syscall at 64 CPUs. Measured: ${fmt(100 * ramfs.at64.percpu, 1)}% on ramfs (the shared counter: ${fmt(100 * ramfs.at64.shared, 0)}%), ${fmt(100 * ext3.at64.percpu, 1)}% on ext3. ` +
        'The per-CPU cost does not grow with CPUs (the line never leaves its CPU): entry and exit are each a load, add and store of this CPU\'s line with preemption off ' +
        '(Linux\'s `this_cpu_add`, hw-ppc64 `addLocal64`), about 6 cycles each, plus about 5 cycles for the per-thread depth. The shared counter pays a cache-to-cache transfer per entry and exit once several CPUs call.',
      '',
      '### Update cost against threads',
      '',
      'ext3 v1 -> v2 on 8 CPUs, 1,000 cached inodes, N threads each looping pread/pwrite of 4 KiB on its own file with 1,000 cycles of think time; the update starts 200 µs into the load. Simulated µs at 2 GHz; one run per point.',
      '',
      table(['strategy', 'threads', ...UPDATE_HEAD], byThreads),
      '',
      `The stack walk's quiesce phase grows with threads (${walkQuiesce.map((x) => fmt(x, 1)).join(', ')} µs for ${THREADS.join(', ')} threads: it stops and walks every thread, 1,500 cycles each, inside the block window), the counters' does not.`,
      '',
      '### Update cost against cached inodes',
      '',
      `16 threads, otherwise as above. Stopped at 50k cached inodes: populating them through syscalls takes about 5 s of wall time per 10k and the image needs ~6 KiB per inode, so 1M would take ~10 minutes and a 6 GiB image per point.`,
      '',
      table(['strategy', 'threads', ...UPDATE_HEAD], byInodes),
      '',
      '### The 1 ms aim',
      '',
      table(
        ['case', ...UPDATE_HEAD],
        [updateRow(['counter-percpu, 64 threads, 10k inodes'], aim), updateRow(['same, sync(2) just before the update'], aimSync)],
      ),
      '',
      `Aim: a v1 -> v2 update with 64 threads and 10k cached inodes stalls no call longer than 1 ms (Ksplice: 0.7 ms). Measured: ${fmt(stallMs, 2)} ms${stallMs > 1 ? `, missed by ${fmt(stallMs - 1, 2)} ms` : ', met'}. ` +
        'The block window is quiesce + transfer + redirect, and nothing is written inside it: the export hands the buffer cache and the JBD2 journal, running transaction included, to the new engine as they are ' +
        '(in Linux JBD2 is a module of its own under ext3, so its journal_t is not the code being replaced), the import copies the old engine\'s in-memory superblock and group descriptors (no I/O) and adopts the cached inodes by reference (10 modelled cycles each), ' +
        'and redirect re-points every instance (40 cycles each; the largest part of the window at 10k inodes). Only a per-inode structure change adds work per inode inside the window (v2 -> v3 converts each, 400 cycles). ' +
        `So the window grows with cached inodes (${windowMs.join(', ')} ms for 1k, 10k and 50k at 16 threads), not with what the threads dirtied; past a few tens of thousands of cached inodes the re-pointing alone passes 1 ms. Deferring it past \`release\` when no structure changes (the old tables already forward to the new code) would be the next step. ` +
        'Before the journal hand-over the export committed the running transaction inside the window, and this case stalled 1.72 ms (the previous run of this section). ' +
        'The module\'s `prepare` hook commits once before `block` with calls still flowing (a recent durable point; a disk error there stops the update before it blocks anybody), which is most of `check + prepare`. ' +
        `Running sync(2) just before the update: ${fmt(stallSyncMs, 2)} ms.`,
    ].join('\n');
  },
};
