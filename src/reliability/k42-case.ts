/**
 * Running one K42-path fuzz case: the same fsstress generators on the K42
 * file service (objects hot-swapped by `switchCObj`, eagerly or lazily,
 * src/k42/fs/update.ts), with the update started once a random number of
 * operations completed. The file-system logic versions are the ext3 ones
 * (v1 has the directory-rename link-count bug, so v1 cases run a mix
 * without renames: the bug is the release's, on purpose, not the swap's).
 *
 * Oracles: every operation completed once (the driver counts them) with
 * the result PosixModel gives; the update reports ok and every inode
 * object and the superblock ended on the new version (lazy mode: objects
 * never called again may stay behind their root, and say so); the final
 * tree equals the model's; `e2fsck -fn` on the image after unmount.
 * Replay: `modswap fuzz --paths k42 --start SEED --seeds 1`.
 */
import { runK42Workload } from '../workload/k42-driver.ts';
import { workloadSetupOps } from '../workload/run.ts';
import { PosixModel } from '../workload/model.ts';
import type { K42Case } from './case.ts';
import { e2fsck, fsckLine } from '../ext2/e2fsprogs.ts';
import type { CaseOutcome } from './linux-case.ts';
import { oneLine } from './linux-case.ts';
import { modelTree, treeDiff } from './tree.ts';

export function runK42Case(c: K42Case): CaseOutcome {
  const out: CaseOutcome = { ok: false, failure: null, update: 'not run', faultInjected: null, secondUpdate: null, ops: 0, fsck: null };
  const fail = (why: string): CaseOutcome => ({ ...out, ok: false, failure: why });
  let r;
  try {
    r = runK42Workload({
      cpus: c.cpus,
      threads: c.threads,
      opsPerThread: c.ops,
      seed: c.seed,
      fromVersion: c.from,
      toVersion: (c.from + 1) as 2 | 3,
      updateAt: { ops: c.atOps },
      mode: c.mode,
      perturb: c.perturb,
      // a hang is a failure of this case, found in-process (same budget as a Linux case)
      maxEvents: 20_000_000,
      ...(c.from === 1 ? { mix: { rename: 0 } } : {}),
    });
  } catch (err) {
    return fail(`the K42 run threw: ${oneLine(err)}`);
  }
  out.ops = r.totalOps;
  const u = r.detail.k42Update;
  out.update = u ? (u.ok ? `ok ${u.fromVersion}->${u.toVersion} ${u.mode}` : `failed: ${u.error ?? '?'}`) : 'no update';
  if (r.totalOps !== c.threads * c.ops) return fail(`exactly once broken: ${r.totalOps} of ${c.threads * c.ops} operations completed`);
  if (!u || !u.ok) return fail(`update ${out.update}`);
  if (r.detail.superVersion !== c.from + 1) return fail(`superblock object at version ${r.detail.superVersion} after the update`);
  const stale = Object.entries(r.detail.objectVersions).filter(([k]) => k.startsWith('v') && k !== `v${c.from + 1}`);
  if (c.mode === 'eager' && stale.length > 0) return fail(`eager update left objects behind: ${JSON.stringify(r.detail.objectVersions)}`);
  // every result equals the model's
  const model = new PosixModel();
  for (const op of workloadSetupOps(c.threads)) model.apply(op);
  for (let i = 0; i < c.threads; i++) {
    const ops = r.ops[i] ?? [];
    for (const rec of ops) {
      const want = model.apply(rec.op);
      if (JSON.stringify(want) !== JSON.stringify(rec.result)) {
        return fail(`w${i} op ${rec.index} ${rec.op.kind} ${JSON.stringify(rec.op).slice(0, 120)}: got ${JSON.stringify(rec.result)}, model ${JSON.stringify(want)}`);
      }
    }
  }
  const diff = treeDiff(modelTree(model, '/'), r.finalTree.filter((l) => !/^\/lost\+found\b/.test(l)));
  if (diff) return fail(`final tree differs from the model: ${diff}`);
  const fsck = e2fsck(r.sparseImage);
  out.fsck = fsck?.status ?? null;
  if (fsck && fsck.status !== 0) return fail(fsckLine(fsck));
  return { ...out, ok: true };
}
