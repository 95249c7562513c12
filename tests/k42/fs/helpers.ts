/**
 * Helpers for the K42 file-service suites: the reference results of a
 * workload (PosixModel, with the same setup), e2fsck on an image, and a
 * compact description of mismatches.
 */

import { PosixModel } from '../../../src/workload/model.ts';
import type { FsOp, OpResult } from '../../../src/workload/fsstress.ts';
import { workloadSetupOps, type FsWorkloadResult } from '../../../src/workload/run.ts';

/** Replay every thread's operations on the reference model (threads touch disjoint trees). */
export function modelResults(r: FsWorkloadResult, threads: number): OpResult[][] {
  const m = new PosixModel();
  for (const op of workloadSetupOps(threads)) m.apply(op);
  return r.ops.map((l) => l.map((x) => m.apply(x.op)));
}

/** Mismatches between a run and the model, as readable lines (empty when equal). */
export function mismatches(r: FsWorkloadResult, threads: number): string[] {
  const want = modelResults(r, threads);
  const out: string[] = [];
  r.ops.forEach((l, i) =>
    l.forEach((x, k) => {
      const w = want[i]![k]!;
      if (JSON.stringify(w) !== JSON.stringify(x.result)) out.push(`t${i} op${k} ${JSON.stringify(x.op)}: got ${JSON.stringify(x.result)}, model ${JSON.stringify(w)}`);
    }),
  );
  return out;
}


export type { FsOp };

import type { Sim } from '../../../src/sim/effects.ts';
import { K42FileService, type K42FsVersion } from '../../../src/k42/fs/index.ts';
import { runFsOp } from '../../../src/workload/k42-ops.ts';
// the K42 file service's objects run the ext3 release packages' code: load them
import '../../../src/modules/ext3-releases.ts';

/** A fresh service with `version` (2 CPUs unless told). */
export function service(version: K42FsVersion, seed = 1, cpus = 2): K42FileService {
  return K42FileService.create({ cpus, seed, version });
}

/** Run `ops` one after another, each in its own request thread; returns their results. */
export function runOps(svc: K42FileService, ops: FsOp[]): OpResult[] {
  const out: OpResult[] = [];
  svc.cos.spawnRequest('ops', function* (): Sim<void> {
    for (const op of ops) out.push(yield* runFsOp(svc, op));
  });
  svc.m.run();
  return out;
}

/** Run `body` in a request thread to completion; returns its value. */
export function inRequest<T>(svc: K42FileService, body: () => Sim<T>): T {
  let v: { x: T } | null = null;
  svc.cos.spawnRequest('req', function* (): Sim<void> {
    v = { x: yield* body() };
  });
  svc.m.run();
  if (!v) throw new Error('request did not complete');
  return (v as { x: T }).x;
}

/** The model's results for `ops` run alone from an empty tree. */
export function modelOf(ops: FsOp[]): OpResult[] {
  const m = new PosixModel();
  return ops.map((op) => m.apply(op));
}
