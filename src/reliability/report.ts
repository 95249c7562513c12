/**
 * RELIABILITY.md: what a sweep ran and found, as `modswap fuzz --report`
 * writes it. The sweep's own counts come from its summary; the fault
 * catalogue (tests/reliability/faults.test.ts, one test per point) and the
 * bugs this work found and fixed are listed from FAULT_CATALOGUE and
 * BUGS_FIXED, kept beside the code that exercises them.
 */
import type { SweepSummary } from './sweep.ts';

/** The fault points tests/reliability/faults.test.ts covers, each with what must hold. */
export const FAULT_CATALOGUE: readonly [string, string][] = [
  ['export throws', 'rolled back in transfer, EIO named in one line, old version serves, results = model, e2fsck -fn clean'],
  ['import throws', 'same; the staged new state is thrown away'],
  ['new module init fails', 'same; the new module\'s registrations were staged, never visible'],
  ['quiescence timeout', 'a thread held inside ext3 by a stalled disk; ETIMEDOUT after the tries, the report names the thread and its function; rollback'],
  ['disk EIO during the flush (prepare)', 'a transient write error armed after the checks: the update\'s commit before the block window fails with EIO and the update stops before blocking anybody (old version serves); the final tree equals the model, e2fsck clean'],
  ['disk full during transfer (ENOSPC)', 'the disk filled before the update: the update still succeeds; ENOSPC thrown in import: rollback with ENOSPC'],
  ['bad signature', 'a signed package with one manifest byte changed: EKEYREJECTED in check, nothing changed'],
  ['version mismatch', 'a 2->3 package applied to ext3 1: EINVAL in check, nothing changed'],
  ['power cut in each update phase (8 tests)', 'power cut armed at check, interpose, quiesce, export, import, init, convert, redirect: remount replays the journal, e2fsck -fn clean, fsynced files intact, one version serves'],
  ['thread killed while blocked', 'a call blocked in the mediator is killed: its call never runs (killedWhileBlocked 1), ranOld + ranNew = mediated - killed, the update succeeds'],
  ['interrupt during transfer', 'an interrupt-context call into ext3 during transfer never blocks: deferred to softirq (deferredInterrupt), it runs once in the new code after redirect'],
  ['second update', 'a second update while one runs: EBUSY at once, the first completes'],
  ['fault thrown at each manager point (8 tests)', 'check, interpose, quiesce, export, import, init, convert, redirect: rollback, one line, ranNew 0'],
];

/** Bugs this work found, each fixed in its own commit. */
export const BUGS_FIXED: readonly [string, string][] = [
  ['manifest errors broke the one-line rule', 'a field name holding a newline (zod quotes it raw) — parseManifest now escapes newlines'],
  ['scenario errors broke the one-line rule', "V8's JSON.parse message quotes the text around the error, raw newlines included; field names likewise — parseScenario escapes them"],
  ['`modswap` error line broke the one-line rule', 'an argv word holding a newline was echoed raw — main escapes it'],
  ['K42 lazy update hung (fuzz seed 75)', 'a lazily converted inode object\'s transfer called the superblock object while that was being swapped; the inode swap waited on the superblock swap, whose generation marker waited on the inode\'s blocked callers: lazy conversions now wait while the superblock swaps (Factory.lazyMayConvert), and a K42 case has an event budget so a hang fails in-process'],
  ['K42 updates that never finished (21 of 4,620 seeds in a 26-minute sweep)', 'two causes: (1) ActiveThrdCnt set the interest bit on a generation slot that was transiently negative (a thread activated during a fold and deactivated before the next), so the slot ended at 1 with no thread left and the VP could never advance; a slot holding only the interest bit is now cleared; (2) lazy inode conversions already running when the superblock swap started deadlocked with it; the superblock swap now waits (deactivated) until none is in flight'],
  ['a disk write error at unmount escaped as a bare exception', 'shutdown now unmounts every other file system and reports the first failure as umount\'s errno (ErrnoError with syscall and device)'],
  ['K42 lazy update hung (fuzz seed 7265, the 10,000-seed sweep)', 'two lazy inode conversions were in flight together: a call blocked at one switch\'s mediator (its VP already in BLOCK) is still an active thread, so the other switch, waiting for that VP\'s generation to elapse, waited for the first to complete, and the first waited the same way for the second; lazy conversions now run one at a time (Factory.lazyMayConvert counts them in flight before anything can yield), seed 7265 is a regression test'],
  ['every ext3 boot from a fresh image took ~0.8 s', "memoryBackendWith scanned 32 MiB through a closure per byte; now a plain loop, cached per image (~0.08 s): the sweep's budget depended on it"],
  ['an inode bitmap marking the live lost+found free gave mkdir inode 11 (two names for one directory; `mv` then crashed: "recursive lock")', 'the inode allocator reads the inode table before handing out a free bit and refuses a live inode (EUCLEAN, ext4\'s "doubly allocated?"); the dcache refuses a second name for a directory (EUCLEAN, as d_splice_alias); rename decides cross-directory by inode; tests/reliability/foreign-images.test.ts'],
  ['`cat` of a 4 TiB sparse file (e2fsck-clean) crashed: "Invalid string length"', 'the shell streams 64 KiB chunks to stdout (EPIPE ends it when the reader goes); collected output is bounded (EFBIG)'],
  ['an XFS or FAT image was refused as "unsupported block size"', 'the magic is checked before any other field: "not an ext2/ext3 file system (bad magic ...)"'],
  ['an image whose root inode is not a directory mounted (every path ENOTDIR)', 'refused at mount: "corrupt root inode, run e2fsck" (EUCLEAN), nothing written'],
  ['a fuzz process grew ~10 MB a seed (2.7 GB after ~300 seeds; an earlier sharded sweep lost 16 seeds to the OOM killer and stalled workers)', "the kernel's superblock table holds WeakRefs, and a WeakRef's target stays alive until the job that made it ends; the sweep ran every seed in one synchronous job, so every case's machine and disk stayed reachable. The sweep now returns to the event loop after each seed: a process stays near 300 MB"],
  ['e2fsck "timed out" on a loaded machine (3 healthy seeds of an earlier sweep failed with "e2fsck exit -1")', 'it had 60 s of wall time, which a load of 20-60 on 2 cores can use up; it now has 120 s of CPU time (RLIMIT_CPU), which load does not consume, and a spawn error or a signal is named in the failure; a worker\'s per-seed hang limit is likewise 300 s of CPU time (read from /proc), not of wall time'],
  ['every Linux case with a fault injected after quiescence failed "quiescence not real" (fuzz seed 206)', 'the continuous quiescence oracle still watched while the update rolled back, and counted the old module serving again; it now stops at the rollback (seed 206 is a regression test)'],
];

/** Found by this work and not fixed here (outside this layer's remit or time). */
export const OPEN_ISSUES: readonly [string, string][] = [
  ['K42 eager updates switch instances on every VP in parallel, as K42 does', 'two switches in flight together could wedge each other as seed 7265 did in lazy mode (a call blocked at one mediator holds the other switch\'s generation open). Not seen in any eager case of the sweeps; K42\'s mediator has a branch that would forward such a call in BLOCK while the switch is still forwarding elsewhere (`callCounterInc`), disabled in its source (`isPPCThread` hard-coded), and the model keeps K42\'s behaviour'],
];

export interface SweepMeta {
  /** Processes the sweep ran on (over all shards). */
  jobs: number;
  /** Wall time: the run's, or for merged shards the first shard's start to the last one's end. */
  wallSeconds: number;
  requested: number;
  note?: string;
  /** A sharded sweep joined by `modswap fuzz merge`. */
  shards?: { count: number; processes: number; shardSeconds: number };
  /** The machine: CPUs, the 1-minute load average seen (lowest, highest), CPU seconds of the fuzz processes. */
  host?: { cpus: number; loadMin: number; loadMax: number; cpuSeconds: number };
}

/** The sweep's first line: what ran, where, how fast. */
function sweepLine(s: SweepSummary, meta: SweepMeta): string {
  const ranges = s.ranges.map(([a, n]) => `${a}..${a + n - 1}`).join(', ');
  const rate = meta.wallSeconds > 0 ? (s.seeds / meta.wallSeconds).toFixed(1) : '?';
  const where = meta.shards
    ? `in ${meta.shards.count} shards (\`modswap fuzz --shard K/${meta.shards.count}\`, joined by \`modswap fuzz merge\`) on ${meta.shards.processes} process(es) in all, ${meta.wallSeconds.toFixed(0)} s from the first shard's start to the last one's end (the shards' own wall times add up to ${meta.shards.shardSeconds.toFixed(0)} s)`
    : `in ${meta.jobs} process(es), ${meta.wallSeconds.toFixed(0)} s wall time`;
  const h = meta.host;
  const machine = h
    ? ` (${h.cpus} CPUs, 1-minute load average ${h.loadMin === h.loadMax ? h.loadMin.toFixed(1) : `${h.loadMin.toFixed(1)}-${h.loadMax.toFixed(1)}`} when ${meta.shards ? 'the shards' : 'it'} started and ended${s.seeds > 0 ? `; ${((1000 * h.cpuSeconds) / s.seeds).toFixed(0)} ms of CPU a seed in the fuzz processes, e2fsck's not included` : ''})`
    : '';
  return `- seeds run: **${s.seeds}** (${ranges}) of ${meta.requested} requested, ${where}: **${rate} seeds/s**${machine}`;
}

export function reliabilityMarkdown(s: SweepSummary, meta: SweepMeta): string {
  const L: string[] = [];
  L.push('# Reliability', '');
  L.push('Written by `modswap fuzz --report RELIABILITY.md` (src/reliability, src/cli/cmd-fuzz.ts). Every case is a');
  L.push('function of its seed; `modswap fuzz --start S --seeds 1` replays seed S exactly.', '');
  L.push('## The sweep', '');
  L.push(sweepLine(s, meta));
  if (meta.note) L.push(`- ${meta.note}`);
  L.push(`- file-system operations checked against PosixModel: ${s.ops}`);
  L.push(`- updates completed: ${s.updatesOk}; rolled back on an injected fault: ${s.rolledBack}`);
  L.push(`- second update during an update: EBUSY ${s.secondUpdates.ebusy} times (${s.secondUpdates.missed} races found the first already done)`);
  L.push(`- e2fsck -fn clean after unmount: ${s.fsckClean} of ${s.seeds}${s.fsckPredicted > 0 ? `; in the other ${s.fsckPredicted} passing case(s) (ext3 1->2) it reported exactly the directory link counts the model predicts release 1 got wrong, and nothing else` : ''}`);
  L.push(`- **failures: ${s.failures.length}**`, '');
  L.push('Per case: every syscall result equals PosixModel; exactly once (ranOld + ranNew = mediated);');
  L.push('quiescence verified against the engine ground truth; the serving version is the expected one;');
  L.push('the final tree equals the model\'s (nothing lost); `e2fsck -fn` after unmount; a hang is a failure');
  L.push('(event budget). Linux cases run ext3 1->2 (the bug fix: checked against the model with release 1\'s');
  L.push('rename semantics until the update, and e2fsck must report exactly the directory link counts the model');
  L.push('predicts release 1 got wrong), 2->3 and 3->2 (downgrade); K42 cases run 1->2 (renames off, since the');
  L.push('link-count bug is the release\'s, on purpose) and 2->3, eager and lazy.', '');
  L.push('| configuration | cases |', '|---|---:|');
  for (const [k, v] of Object.entries(s.cases).sort()) L.push(`| ${k} | ${v} |`);
  L.push('', '### Faults injected per point (sweep)', '', '| point | cases |', '|---|---:|');
  for (const [k, v] of Object.entries(s.faultsInjected).sort()) L.push(`| ${k} | ${v} |`);
  L.push('', '### Fault catalogue (tests/reliability/faults.test.ts, one test each)', '', '| fault | what must hold (and holds) |', '|---|---|');
  for (const [k, v] of FAULT_CATALOGUE) L.push(`| ${k} | ${v} |`);
  L.push('', '## Hostile inputs', '');
  L.push(`- update manifests (random JSON, mutated signed manifests): ${s.hostile.manifests}`);
  L.push(`- scenario files (random JSON, mutated scenarios): ${s.hostile.scenarios}`);
  L.push(`- corrupted images mounted as root and walked: ${s.hostile.images}`);
  for (const [k, v] of Object.entries(s.hostile.imageOutcomes).sort()) L.push(`  - ${k}: ${v}`);
  L.push(`- damaged mke2fs images (block/inode bitmaps, inode tables, live bits cleared) mounted and written to (mkdir, create, write, truncate, rename, link, symlink, unlink, rmdir): ${s.hostile.writes}; calls ${s.hostile.writeCalls.ok} succeeded, ${s.hostile.writeCalls.errno} failed with an errno (any other outcome is a rule violation)`);
  for (const [k, v] of Object.entries(s.hostile.writeOutcomes).sort()) L.push(`  - ${k}: ${v}`);
  L.push(`- rule violations: ${s.hostile.violations.length}`);
  for (const v of s.hostile.violations.slice(0, 20)) L.push(`  - ${v}`);
  L.push('', 'tests/reliability also fuzzes `modswap` argv (exit 2, one line) and checks that a failed');
  L.push('mount leaves the image bytes unchanged.', '');
  L.push('## Failures', '');
  if (s.failures.length === 0) L.push('None in this sweep.');
  for (const f of s.failures) {
    L.push(`### seed ${f.seed}`, '', `- case: ${f.original}`, `- failure: ${f.failure}`, `- shrunk (${f.shrinkRuns} runs): ${f.shrunkDescription}`, '', '```', f.replay, '```', '');
  }
  L.push('', '## Bugs found and fixed by this work', '', '| bug | fix |', '|---|---|');
  for (const [k, v] of BUGS_FIXED) L.push(`| ${k} | ${v} |`);
  L.push('', '## Found and still open', '');
  if (OPEN_ISSUES.length === 0) L.push('None.');
  else L.push('| issue | details |', '|---|---|');
  for (const [k, v] of OPEN_ISSUES) L.push(`| ${k} | ${v} |`);
  L.push('');
  return L.join('\n');
}
