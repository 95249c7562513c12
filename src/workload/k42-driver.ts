/**
 * Module Description: the fsstress workload on the K42 file service, with an
 * optional live update of the file system in the middle, and the record the
 * `modswap compare` command reads (its shape is path-neutral so the Linux
 * path can return the same record).
 *
 * N logical client threads, each with its own `FsStress` generator working
 * in its own directory `/wI`, on CPU I mod cpus. Each operation is one K42
 * request: a short-lived request thread (`spawnRequest`: activated for the
 * request, deactivated at its end) that the client joins, so no thread
 * stays active between operations and a swap can always progress. Per
 * operation the record keeps the result, the start and end cycles, the CPU
 * and whether the request waited at a hot-swap mediator (read from the
 * trace: a block on a `k42 mediator` wait queue).
 *
 * The update (update.ts) starts at a cycle or once a number of operations
 * has completed, in its own request thread on CPU 0. Afterwards the tree is
 * walked through the server (`finalTree`), the file system is unmounted
 * and the disk image returned for e2fsck.
 *
 * Derived figures (cycles of the modelled machine):
 *   steadyStateCyclesPerCall  mean latency of operations wholly outside the
 *                             update window (all of them without an update)
 *   workDoneDuringUpdate      operations that completed inside the window
 *   callsBlocked / longestStallCycles  summed / maximal over every switch
 *   shareOfCallsThatWaited    requests that waited at a mediator / requests
 */
import { toChromeTrace } from '../sim/export-chrome.ts';
import { derivedFigures, type FsOpRecord, type FsWorkloadOptions, type FsWorkloadResult, type SwapRecord } from './run.ts';
import { cpuOfClient, runSetup, startClients, startUpdateTrigger } from './clients.ts';
import { FileInodeRoot } from '../k42/fs/file-inode.ts';
import { K42FileService } from '../k42/fs/file-service.ts';
import { runFsOp, walkTree } from './k42-ops.ts';
import { updateK42FileService, type K42FsUpdateResult } from '../k42/fs/update.ts';
// the K42 file service's objects run the ext3 release packages' code: load them
import '../modules/ext3-releases.ts';

/** What the K42 path reports beyond the shared record. */
export interface K42WorkloadDetail {
  path: 'k42';
  k42Update: K42FsUpdateResult | null;
  /** Live inode objects after the load, and how many of each version (or still behind a lazy root). */
  objectsAtEnd: number;
  objectVersions: Record<string, number>;
  superVersion: number;
  cyclesPerUs: number;
}

export type K42WorkloadResult = FsWorkloadResult<K42WorkloadDetail>;


export function runK42Workload(opts: FsWorkloadOptions): K42WorkloadResult {
  const svc = K42FileService.create({ cpus: opts.cpus, model: opts.model, seed: opts.seed, version: opts.fromVersion, trace: true, perturb: opts.perturb });
  const { m, cos } = svc;
  const e = m.engine;

  // each thread's directory
  cos.spawnRequest('k42fs-setup', () => runSetup(opts.threads, (op) => runFsOp(svc, op)));
  m.run();

  // each operation is one request thread the client joins
  const tidOfOp = new Map<FsOpRecord, number>();
  const clients = startClients(e, opts, 'k42fs', (i) => function* (op, rec, k) {
    const t = cos.spawnRequest(`op ${i}.${k} ${op.kind}`, function* () {
      rec.start = e.now;
      rec.result = yield* runFsOp(svc, op);
      rec.end = e.now;
    }, { cpu: cpuOfClient(opts, i) });
    tidOfOp.set(rec, t.id);
    yield* e.join(t);
  });
  const { ops } = clients;

  let upd: K42FsUpdateResult | null = null;
  startUpdateTrigger(e, opts, clients, 'k42fs-update-trigger', function* (to) {
    const t = cos.spawnRequest('k42fs-updater', function* () {
      upd = yield* updateK42FileService(svc, to, opts.mode ?? 'eager');
    }, { cpu: 0 });
    yield* e.join(t);
  });
  bounded(m.run({ maxEvents: opts.maxEvents ?? Infinity }));
  if (clients.completed() !== clients.total) throw new Error(`k42fs workload: ${clients.completed()} of ${clients.total} operations completed`);

  // after the load: walk the tree, unmount
  let finalTree: string[] = [];
  cos.spawnRequest('k42fs-walk', function* () {
    finalTree = yield* walkTree(svc);
  });
  m.run();
  const objectsAtEnd = svc.server.table.size;
  const objectVersions: Record<string, number> = {};
  for (const n of svc.server.table.values()) {
    const root = cos.ott.missHandlerOf(n.ref);
    const k = root instanceof FileInodeRoot ? `v${root.version}` : (root?.constructor.name ?? 'none');
    objectVersions[k] = (objectVersions[k] ?? 0) + 1;
  }
  const superVersion = svc.superRoot().version;
  cos.spawnRequest('k42fs-unmount', () => svc.unmount());
  m.run();

  // which requests waited at a mediator (ground truth from the trace)
  const waited = new Set<number>();
  for (const ev of e.trace!.events) if (ev.type === 'block' && ev.on.startsWith('k42 mediator')) waited.add(ev.tid);
  for (const [rec, tid] of tidOfOp) rec.blocked = waited.has(tid);

  const u = upd as K42FsUpdateResult | null;
  const all = ops.flat();
  const window = u ? { start: u.startedAt, end: u.endedAt >= 0 ? u.endedAt : e.now } : null;
  const switches = cos.switches;
  const swaps: SwapRecord[] = switches.map((s) => ({
    object: s.oldRoot,
    startedAt: s.startedAt,
    completedAt: s.completedAt,
    releasedAt: s.releasedAt,
    forwarded: s.forwarded,
    blocked: s.blocked,
    longestStall: s.longestStall,
    phases: s.phases.map((p) => ({ phase: p.phase, t: p.t })),
  }));
  const fig = derivedFigures(all, window);
  return {
    path: 'k42',
    options: opts,
    results: ops.map((l) => l.map((r) => r.result)),
    ops,
    latencies: fig.latencies,
    totalOps: all.length,
    makespan: e.now,
    update: u
      ? { fromVersion: u.fromVersion, toVersion: u.toVersion, mode: u.mode, ok: u.ok, ...(u.error ? { error: u.error } : {}), startedAt: u.startedAt, endedAt: u.endedAt, swaps }
      : null,
    callsBlocked: switches.reduce((n, s) => n + s.blocked, 0),
    longestStallCycles: switches.reduce((n, s) => Math.max(n, s.longestStall), 0),
    updateDurationCycles: u ? u.duration : 0,
    shareOfCallsThatWaited: fig.shareOfCallsThatWaited,
    workDoneDuringUpdate: fig.workDoneDuringUpdate,
    steadyStateCyclesPerCall: fig.steadyStateCyclesPerCall,
    finalTree,
    // read on first use: a 64 MiB copy that e2fsck of the sparse image does not need
    get image(): Uint8Array {
      return svc.image();
    },
    sparseImage: svc.sparseImage(),
    trace: opts.trace ? toChromeTrace(e.trace!, { cyclesPerUs: e.cyclesPerUs, cpus: opts.cpus, endTime: e.makespan, meta: { workload: 'k42-fs' } }) : null,
    detail: { path: 'k42', k42Update: u, objectsAtEnd, objectVersions, superVersion, cyclesPerUs: e.cyclesPerUs },
  };
}

/** The engine stopped at its event budget: the workload hung (or livelocked). */
function bounded(r: { reason: string; events: number }): void {
  if (r.reason === 'event-limit') throw new Error(`k42fs workload: no progress after ${r.events} events (hang)`);
}
