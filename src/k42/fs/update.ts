/**
 * Module Description: dynamic update of a mounted K42 file service to the
 * next file-system logic version, object by object, under load:
 *
 *   1. reap the objects of freed inodes (so no dead object is converted);
 *   then, in dependency order: when the per-inode structure changes (v2 ->
 *   v3) the inode objects first (2, then 3), so each inode is converted in
 *   its own transfer and the engine adopts converted inodes; when only the
 *   logic changes (v1 -> v2) the superblock first (3, then 2), so the fix
 *   is live as early as possible:
 *   2. `FileInodeFactory.update`: the factory of version N+1, built on the
 *      factory's ref, swaps the factory (instance lists handed over with
 *      DTT_FACTORY_DEFAULT), then every inode object is hot-swapped to the
 *      new class: eagerly (one update thread per factory-rep VP, each object
 *      in turn) or lazily (each object at its next call). v2 -> v3 converts
 *      each inode's in-memory structure during that inode's own transfer;
 *   3. the superblock object is hot-swapped to version N+1's root, the
 *      engine state moving with DTT_EXT2_STATE (exportState/importState).
 *      This fixes the v1 rename bug for every rename that starts after it.
 *
 * Each swap is an ordinary `switchCObj`: only calls to the object being
 * swapped at that moment are mediated (forwarded, then blocked briefly,
 * then resumed on the new object); every other object keeps serving. In
 * lazy mode, objects not yet called stay on the old class; the superblock
 * import converts their in-memory inodes (ext2's importState converts every
 * cached inode), so their later swap finds nothing left to convert.
 *
 * Contracts: blocks (waits for switches, deactivated as COSMgr arranges);
 * call it from an activated request thread, never from interrupt context.
 * Refused, changing nothing, unless the target is the current version + 1.
 */
import type { Sim } from '../../sim/effects.ts';
import { ext2Release } from '../../ext2/index.ts';
import type { SwitchResult } from '../cobj-root-mediator.ts';
import type { FactoryUpdateResult } from '../factory.ts';
import { Ext2SuperRoot } from './ext2-super.ts';
import type { K42FileService } from './file-service.ts';
import { FileInodeFactory } from './inode-factory.ts';
import type { K42FsVersion } from './types.ts';

export type UpdateMode = 'eager' | 'lazy';

export interface K42FsUpdateResult {
  ok: boolean;
  error?: string;
  fromVersion: number;
  toVersion: number;
  mode: UpdateMode;
  startedAt: number;
  /** When the factory, the superblock and (eager) every inode object had been swapped. */
  endedAt: number;
  duration: number;
  /** Dead inode objects destroyed before the update. */
  reaped: number;
  inodes: FactoryUpdateResult | null;
  superSwitch: SwitchResult | null;
}

/** Step 2: the inode factory and its instances. */
function* updateInodes(svc: K42FileService, toVersion: K42FsVersion, mode: UpdateMode, res: K42FsUpdateResult): Sim<boolean> {
  const fac = new FileInodeFactory(svc.cos, toVersion, svc.superRef, svc.factoryRef);
  svc.updatedFactory = fac;
  res.inodes = yield* fac.update(svc.factoryRef, { mode });
  if (!res.inodes.ok) res.error = `inode factory update failed: ${res.inodes.error}`;
  return res.inodes.ok;
}

export function* updateK42FileService(svc: K42FileService, toVersion: K42FsVersion, mode: UpdateMode = 'eager'): Sim<K42FsUpdateResult> {
  const cos = svc.cos;
  const e = cos.hw.engine;
  const from = svc.superRoot().version;
  const res: K42FsUpdateResult = {
    ok: false,
    fromVersion: from,
    toVersion,
    mode,
    startedAt: e.now,
    endedAt: -1,
    duration: -1,
    reaped: 0,
    inodes: null,
    superSwitch: null,
  };
  if (toVersion !== from + 1) {
    res.error = `file system version ${from} cannot be updated to ${toVersion} (only to ${from + 1})`;
    return res;
  }
  res.reaped = yield* svc.reapZombies();
  const inodesFirst = ext2Release(from).alloc.layout !== ext2Release(toVersion).alloc.layout;
  if (inodesFirst && !(yield* updateInodes(svc, toVersion, mode, res))) return res;
  const oldSb = svc.superRoot();
  const sb = new Ext2SuperRoot(cos, toVersion, oldSb.dev, svc.now, null, { ref: svc.superRef });
  // kjournald finishes a commit in hand now, while calls still flow, rather than in the transfer
  // (the export parks it regardless; the import hands it to the new engine and lets it go)
  yield* oldSb.parkCommitter();
  // lazily converted inodes call the superblock object in their transfer: none may start during its swap
  const fac = svc.updatedFactory;
  if (fac) {
    fac.superSwapping = true;
    // and none may still be running when it starts (deactivated: the wait can be long)
    yield* cos.atc.deactivated(() => fac.waitLazyIdle());
  }
  try {
    res.superSwitch = yield* cos.switchCObj(svc.superRef, sb, 'destroyWhenDone');
  } finally {
    if (fac) fac.superSwapping = false;
    if (!res.superSwitch?.ok) oldSb.unparkCommitter();
  }
  if (!res.superSwitch.ok) {
    res.error = `superblock switch failed: ${res.superSwitch.error}`;
    return res;
  }
  if (!inodesFirst && !(yield* updateInodes(svc, toVersion, mode, res))) return res;
  res.ok = true;
  res.endedAt = e.now;
  res.duration = res.endedAt - res.startedAt;
  return res;
}
