/**
 * The live-update hooks, driven directly (the manager's transfer and
 * redirect steps done by hand): a booted system with ext3 root, files open
 * (one of them unlinked) and inodes cached; the old release exports, a new
 * instance imports, every instance is converted, commit, then the tables
 * are redirected. The system then goes on through the new engine, and the
 * image stays clean. Also: abort leaves the old release serving.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Sim } from '../../../src/sim/index.ts';
import { O_CREAT, O_RDWR, sys, type Inode, type OpenFile, type Task } from '../../../src/vfs/index.ts';
import { Module, ext3Definition, shutdownSystem, type System } from '../../../src/modules/index.ts';
import type { OpsTable } from '../../../src/modules/core/module.ts';
import { negotiateFormat } from '../../../src/modules/update/negotiate.ts';
import { sealSnapshot } from '../../../src/modules/update/snapshot.ts';
import { EXT3_SB, EXT3_STATE_V2, EXT3_STATE_V3 } from '../../../src/modules/ext3/index.ts';
import type { Ext2InodeInfo } from '../../../src/ext2/index.ts';
import { costTable } from '../../../src/hw-ppc64/costs.ts';
import { readAll } from './exec.ts';
import { bootExt3, fsck, saveImage, tmpDir } from './helpers.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Setup {
  s: System;
  disk: ReturnType<typeof bootExt3>['disk'];
  keep: number;
  orphan: number;
}

/** Files, directories, a file kept open, and an open file whose name is gone. */
function populate(version: number): Setup {
  const { s, disk } = bootExt3(version);
  const fds = s.exec(function* (t) {
    yield* sys.mkdir(t, '/d', 0o755);
    for (let i = 0; i < 20; i++) {
      const fd = yield* sys.open(t, `/d/f${i}`, O_CREAT | O_RDWR, 0o644);
      yield* sys.write(t, fd, enc.encode(`file ${i} `.repeat(100 * (i + 1))));
      yield* sys.close(t, fd);
    }
    const keep = yield* sys.open(t, '/d/f3', O_RDWR);
    const orphan = yield* sys.open(t, '/gone', O_CREAT | O_RDWR, 0o644);
    yield* sys.write(t, orphan, enc.encode('still here'));
    yield* sys.unlink(t, '/gone');
    return { keep, orphan };
  });
  return { s, disk, ...fds };
}

/** Transfer + redirect by hand, as the update manager does; returns the new module. */
function* liveUpdate(s: System, to: number, opts: { abort?: boolean } = {}): Sim<{ format: string; neu: Module }> {
  const old = s.modules.get('ext3')!;
  const neu = new Module(ext3Definition(to), []);
  neu.body = neu.def.instantiate(neu);
  const format = negotiateFormat(old.body.update!.exportFormats, neu.body.update!.importFormats, 'ext3');
  const snap = sealSnapshot(format, yield* old.body.update!.exportState(format));
  const staged = yield* neu.body.update!.importState(format, snap, costTable('ppc970'));
  const inodes = new Map<Inode, unknown>(old.instances.inodes().map((i) => [i, staged.convertInode(i)]));
  const files = new Map<OpenFile, unknown>(old.instances.files().map((f) => [f, staged.convertFile(f)]));
  if (opts.abort) {
    staged.abort();
    return { format, neu };
  }
  staged.commit();
  const byTable = new Map<OpsTable, OpsTable>();
  for (const t of old.tables) byTable.set(t.table, neu.table(t.name)!);
  const re = <T extends OpsTable>(t: T): T => (byTable.get(t) as T | undefined) ?? t;
  for (const [i, p] of inodes) {
    i.i_private = p;
    i.i_op = re(i.i_op);
    i.i_fop = re(i.i_fop);
  }
  for (const [f, p] of files) {
    f.private_data = p;
    f.f_op = re(f.f_op);
  }
  for (const sb of new Set([...inodes.keys()].map((i) => i.i_sb))) sb.s_op = re(sb.s_op);
  // The old type's slots now call the new code (the redirect of file_system_type).
  Object.assign(old.table('ext3_fs_type')!, { mount: (neu.table('ext3_fs_type') as { mount: unknown }).mount, kill_sb: (neu.table('ext3_fs_type') as { kill_sb: unknown }).kill_sb });
  old.instances.handOver(neu.instances);
  return { format, neu };
}

function* afterwards(t: Task, st: Setup): Sim<{ kept: string; orphan: string; f7: number }> {
  const buf = new Uint8Array(40);
  const n = yield* sys.pread(t, st.keep, buf, 0);
  yield* sys.pwrite(t, st.keep, enc.encode('UPDATED'), 0);
  const ob = new Uint8Array(20);
  const m = yield* sys.pread(t, st.orphan, ob, 0);
  yield* sys.close(t, st.orphan); // last close of an unlinked file: the new engine frees it
  yield* sys.close(t, st.keep);
  const fd = yield* sys.open(t, '/d/new', O_CREAT | O_RDWR, 0o644);
  yield* sys.write(t, fd, new Uint8Array(30000).fill(65));
  yield* sys.close(t, fd);
  yield* sys.rename(t, '/d/f1', '/moved');
  yield* sys.unlink(t, '/d/f2');
  return { kept: dec.decode(buf.subarray(0, n)), orphan: dec.decode(ob.subarray(0, m)), f7: (yield* sys.stat(t, '/d/f7')).size };
}

function expectClean(st: Setup): void {
  shutdownSystem(st.s);
  const { dir, cleanup } = tmpDir();
  try {
    const img = join(dir, 'img');
    saveImage(st.disk, img);
    const r = fsck(img);
    expect(r.status, r.out).toBe(0);
    // 11 reserved inodes (lost+found is 11), /d, f0..f19 and /d/new, less f2 and the freed unlinked file.
    expect(r.out).toContain('32/4096 files');
  } finally {
    cleanup();
  }
}

describe('ext3 live-update hooks', () => {
  it.each([
    [1, 2, EXT3_STATE_V2, 'goal'],
    [2, 3, EXT3_STATE_V2, 'rsv'],
    [3, 2, EXT3_STATE_V2, 'goal'],
    [3, 3, EXT3_STATE_V3, 'rsv'],
  ] as const)('v%i -> v%i over %s: open files, an unlinked open file and cached inodes carry over', (from, to, wantFormat, layout) => {
    const st = populate(from);
    const old = st.s.modules.get('ext3')!;
    const oldEngine = EXT3_SB(st.s.kernel.mounts.root!.mnt_sb).fs;
    const { format, neu } = st.s.exec(() => liveUpdate(st.s, to));
    expect(format).toBe(wantFormat);
    const sb = st.s.kernel.mounts.root!.mnt_sb;
    const sbi = EXT3_SB(sb);
    expect(oldEngine.retired).toBe(true);
    expect(sbi.fs).not.toBe(oldEngine);
    expect(sbi.fs.logic.version).toBe(to);
    expect(sbi.ctx.mod).toBe(neu);
    expect(old.instances.count('inode')).toBe(0);
    for (const inode of neu.instances.inodes()) {
      const info = inode.i_private as Ext2InodeInfo;
      expect(info.alloc.layout).toBe(layout);
      expect(sbi.fs.icache.get(inode.i_ino)).toBe(info);
    }
    expect(neu.instances.count('file')).toBe(2);
    const r = st.s.exec((t) => afterwards(t, st));
    expect(r).toEqual({ kept: 'file 3 '.repeat(6).slice(0, 40), orphan: 'still here', f7: 'file 7 '.length * 800 });
    expectClean(st);
  });

  it('abort: the old release keeps serving, nothing lost', () => {
    const st = populate(2);
    const engine = EXT3_SB(st.s.kernel.mounts.root!.mnt_sb).fs;
    st.s.exec(() => liveUpdate(st.s, 3, { abort: true }));
    expect(EXT3_SB(st.s.kernel.mounts.root!.mnt_sb).fs).toBe(engine);
    expect(engine.retired).toBe(false);
    const r = st.s.exec((t) => afterwards(t, st));
    expect(r.orphan).toBe('still here');
    expect(st.s.exec((t) => readAll(t, '/d/f0')).length).toBe('file 0 '.length * 100);
    expectClean(st);
  });

  it('state formats: v1/v2 speak @2 only, v3 prefers @3', () => {
    const hooks = (v: number) => {
      const m = new Module(ext3Definition(v), []);
      return m.def.instantiate(m).update!;
    };
    expect(hooks(1).exportFormats).toEqual([EXT3_STATE_V2]);
    expect(hooks(2).importFormats).toEqual([EXT3_STATE_V2]);
    expect(hooks(3).importFormats).toEqual([EXT3_STATE_V3, EXT3_STATE_V2]);
    expect(negotiateFormat(hooks(3).exportFormats, hooks(2).importFormats, 'x')).toBe(EXT3_STATE_V2);
    expect(negotiateFormat(hooks(2).exportFormats, hooks(3).importFormats, 'x')).toBe(EXT3_STATE_V2);
  });
});
