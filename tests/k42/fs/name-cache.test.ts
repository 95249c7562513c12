/**
 * A directory object's name cache under races (src/k42/fs/file-inode.ts,
 * `namesGen`): a name the superblock object found is recorded after that
 * call, outside the directory's lock, so an unlink or a rename over the
 * name can complete in between. The entry must not come back. Each test
 * stalls the first thread right after its superblock call (a sleep added
 * to that call for one name, once), lets the second run to completion,
 * then checks the directory object's cache and what later calls see
 * against the reference model.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { Ext2SuperRep, FileInodeRoot, type K42FileService } from '../../../src/k42/fs/index.ts';
import { runFsOp } from '../../../src/workload/k42-ops.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import { inRequest, modelOf, runOps, service, type FsOp } from './helpers.ts';

const US = 2000; // cycles per µs on the ppc970 model
const realLookup = Ext2SuperRep.prototype.lookup;
afterEach(() => {
  Ext2SuperRep.prototype.lookup = realLookup;
});

/** The first superblock lookup of `name` sleeps `us` after it returns: its caller stalls between finding the name and recording it. */
function stallLookupOf(name: string, us: number): void {
  let armed = true;
  Ext2SuperRep.prototype.lookup = function* (dir: number, n: string): Sim<number> {
    const ino = yield* realLookup.call(this, dir, n);
    if (armed && n === name) {
      armed = false;
      yield* sleep(us * US);
    }
    return ino;
  };
}

/** The inode `path` names, as the superblock object says (no directory object's cache involved). */
function inoOf(svc: K42FileService, path: string): number {
  return inRequest(svc, function* () {
    let n = 2;
    for (const c of path.split('/').filter(Boolean)) n = yield* (yield* svc.cos.DREF(svc.superRef)).lookup(n, c);
    return n;
  });
}

function dirObject(svc: K42FileService, path: string): FileInodeRoot {
  return svc.cos.ott.missHandlerOf(svc.server.table.get(inoOf(svc, path))!.ref) as FileInodeRoot;
}

/** `op` as a request on `cpu`, started `delayUs` from now. */
function spawnOp(svc: K42FileService, op: FsOp, cpu: number, delayUs: number): void {
  const e = svc.m.engine;
  e.spawn(`client ${op.kind}`, function* (): Sim<void> {
    if (delayUs > 0) yield* sleep(delayUs * US);
    yield* e.join(svc.cos.spawnRequest(op.kind, function* () {
      yield* runFsOp(svc, op);
    }, { cpu }));
  }, { cpu });
}

describe('K42 name cache: a name found before a racing change is not recorded after it', () => {
  it('a lookup that found /b/x before an unlink of it does not bring /b/x back', () => {
    const setup: FsOp[] = [{ kind: 'mkdir', path: '/b', mode: 0o755 }, { kind: 'create', path: '/b/x', mode: 0o644 }];
    const svc = service(2);
    expect(runOps(svc, setup).every((r) => r.ok)).toBe(true);
    const b = dirObject(svc, '/b');
    b.state!.names.clear(); // a cold cache, as after mount: the next lookup of x misses
    stallLookupOf('x', 1000);
    spawnOp(svc, { kind: 'stat', path: '/b/x' }, 0, 0); // finds x, then stalls 1 ms
    spawnOp(svc, { kind: 'unlink', path: '/b/x' }, 1, 100); // runs to completion meanwhile
    svc.m.run();
    expect(b.state!.names.has('x')).toBe(false);
    const after: FsOp[] = [{ kind: 'stat', path: '/b/x' }, { kind: 'create', path: '/b/x', mode: 0o600 }, { kind: 'stat', path: '/b/x' }];
    expect(runOps(svc, after)).toEqual(modelOf([...setup, { kind: 'unlink', path: '/b/x' }, ...after]).slice(-3));
    inRequest(svc, () => svc.unmount());
    expect(e2fsckRequired(svc.image()).status).toBe(0);
  });

  it('a lookup that found /c/x before a rename over it does not record the replaced inode', () => {
    const setup: FsOp[] = [
      { kind: 'mkdir', path: '/b', mode: 0o755 },
      { kind: 'create', path: '/b/y', mode: 0o644 },
      { kind: 'write', path: '/b/y', offset: 0, length: 700, seed: 3 },
      { kind: 'mkdir', path: '/c', mode: 0o755 },
      { kind: 'create', path: '/c/x', mode: 0o644 },
    ];
    const svc = service(2);
    expect(runOps(svc, setup).every((r) => r.ok)).toBe(true);
    const c = dirObject(svc, '/c');
    c.state!.names.clear();
    stallLookupOf('x', 1000);
    spawnOp(svc, { kind: 'stat', path: '/c/x' }, 0, 0);
    spawnOp(svc, { kind: 'rename', from: '/b/y', to: '/c/x' }, 1, 100);
    svc.m.run();
    // whatever the cache holds for x now is the renamed file, not the replaced one
    const cached = c.state!.names.get('x');
    if (cached !== undefined) expect(cached).toBe(inoOf(svc, '/c/x'));
    const after: FsOp[] = [{ kind: 'stat', path: '/c/x' }, { kind: 'read', path: '/c/x', offset: 0, length: 700 }, { kind: 'stat', path: '/b/y' }];
    expect(runOps(svc, after)).toEqual(modelOf([...setup, { kind: 'rename', from: '/b/y', to: '/c/x' }, ...after]).slice(-3));
    inRequest(svc, () => svc.unmount());
    expect(e2fsckRequired(svc.image()).status).toBe(0);
  });

  it('a recorded name is forgotten, not kept, when the directory changed since the call that found it', () => {
    const svc = service(2);
    expect(runOps(svc, [{ kind: 'mkdir', path: '/d', mode: 0o755 }, { kind: 'create', path: '/d/x', mode: 0o644 }]).every((r) => r.ok)).toBe(true);
    const d = dirObject(svc, '/d');
    const before = d.state!.namesGen;
    const x = d.state!.names.get('x')!;
    inRequest(svc, function* () {
      const rep = (yield* svc.cos.DREF(svc.server.table.get(d.state!.ino)!.ref)) as unknown as { cacheName(n: string, i: number, g: number): Sim<void> };
      yield* rep.cacheName('x', x + 1000, before - 1); // seen at an older generation
    });
    expect(d.state!.names.has('x')).toBe(false);
    expect(d.state!.namesGen).toBe(before + 1);
  });
});
