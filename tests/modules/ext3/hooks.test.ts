/**
 * The live-update hooks, driven by the real update manager: a booted system
 * with ext3 root, files open (one of them unlinked) and inodes cached; the
 * manager has the old release export, a new instance import, every instance
 * converted, commits and redirects the tables. The system then goes on
 * through the new engine, and the image stays clean. Also: a fault just
 * before the commit makes the manager abort the staged takeover, and the old
 * release keeps serving.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Sim } from '../../../src/sim/index.ts';
import { errno } from '../../../src/uapi/errno.ts';
import { sys, type Task } from '../../../src/vfs/index.ts';
import { O_CREAT, O_RDWR } from '../../../src/uapi/fcntl.ts';
import { Module, ext3Definition } from '../../../src/modules/index.ts';
import { shutdownSystem, type System } from '../../../src/system/boot.ts';
import type { FaultPoint, LiveUpdate, UpdateReport } from '../../../src/modules/update/manager.ts';
import { negotiateFormat } from '../../../src/modules/update/negotiate.ts';
import type { Ext2Fs } from '../../../src/ext2/index.ts';
import type { SuperBlock } from '../../../src/vfs/super.ts';

const EXT3_STATE_V2 = 'ext3-state@2';
const EXT3_STATE_V3 = 'ext3-state@3';
/** The engine of a superblock (tests read the bundle's ext3_sb_info by shape: its class is the bundle's). */
const EXT3_SB = (sb: SuperBlock) => sb.s_fs_info as { fs: Ext2Fs; ctx: { mod: unknown } };
import type { Ext2InodeInfo } from '../../../src/ext2/index.ts';
import { readAll } from './exec.ts';
import { bootExt3Live, fsck, saveImage, tmpDir } from './helpers.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Setup {
  s: System;
  live: LiveUpdate;
  disk: ReturnType<typeof bootExt3Live>['disk'];
  keep: number;
  orphan: number;
}

/** Files, directories, a file kept open, and an open file whose name is gone. */
function populate(version: number): Setup {
  const { s, disk, live } = bootExt3Live(version);
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
  return { s, disk, live, ...fds };
}

/**
 * The update through the real manager (check, interpose, block, quiesce,
 * transfer with these hooks, redirect, release). `abort`: a fault injected
 * at the last point before the staged commit, so the manager rolls back and
 * calls the staged takeover's abort.
 */
function liveUpdate(st: Setup, to: string, opts: { abort?: boolean } = {}): { report: UpdateReport; neu: Module | undefined } {
  // '3.1': a point release of 3 (same code and state formats), as the manager refuses a same-version update
  const def = to === '3.1' ? { ...ext3Definition(3), version: '3.1' } : ext3Definition(to);
  const inject = (p: FaultPoint): void => {
    if (opts.abort && p === 'redirect') throw errno('EIO', 'injected before the commit');
  };
  const report = st.s.exec((t) => st.live.update(t, { module: 'ext3', def, source: 'test' }, { allowDowngrade: true, inject }));
  return { report, neu: st.s.modules.get('ext3') };
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
    [1, '2', EXT3_STATE_V2, 'goal'],
    [2, '3', EXT3_STATE_V2, 'rsv'],
    [3, '2', EXT3_STATE_V2, 'goal'],
    [3, '3.1', EXT3_STATE_V3, 'rsv'],
  ] as const)('v%i -> v%s over %s: open files, an unlinked open file and cached inodes carry over', (from, to, wantFormat, layout) => {
    const st = populate(from);
    const old = st.s.modules.get('ext3')!;
    const oldEngine = EXT3_SB(st.s.kernel.mounts.root!.mnt_sb).fs;
    const { report, neu } = liveUpdate(st, to);
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.format).toBe(wantFormat);
    expect(neu).not.toBe(old);
    expect(neu!.version).toBe(to);
    // the manager redirected every instance: inodes and both open files (one unlinked)
    expect(report.instances.files).toBe(2);
    const sb = st.s.kernel.mounts.root!.mnt_sb;
    const sbi = EXT3_SB(sb);
    expect(oldEngine.retired).toBe(true);
    expect(sbi.fs).not.toBe(oldEngine);
    expect(sbi.fs.logic.version).toBe(Math.floor(Number(to)));
    expect(sbi.ctx.mod).toBe(neu);
    expect(old.instances.count('inode')).toBe(0);
    expect(neu!.instances.count('inode')).toBe(report.instances.inodes);
    for (const inode of neu!.instances.inodes()) {
      const info = inode.i_private as Ext2InodeInfo;
      expect(info.alloc.layout).toBe(layout);
      expect(sbi.fs.icache.get(inode.i_ino)).toBe(info);
    }
    expect(neu!.instances.count('file')).toBe(2);
    const r = st.s.exec((t) => afterwards(t, st));
    expect(r).toEqual({ kept: 'file 3 '.repeat(6).slice(0, 40), orphan: 'still here', f7: 'file 7 '.length * 800 });
    expectClean(st);
  });

  it('abort: the old release keeps serving, nothing lost', () => {
    const st = populate(2);
    const old = st.s.modules.get('ext3')!;
    const engine = EXT3_SB(st.s.kernel.mounts.root!.mnt_sb).fs;
    const { report, neu } = liveUpdate(st, '3', { abort: true });
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'EIO', phase: 'transfer' });
    expect(neu).toBe(old);
    expect(old.version).toBe('2');
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
