/**
 * The lazy instance hand-over (src/modules/update/lazy.ts,
 * src/ext2/inode-cache.ts): nothing per cached inode happens inside the
 * block window; each inode crosses the module boundary as data (old
 * module's export -> checked, frozen -> new module's import) at its next
 * use or in the background pass after release; a rollback leaves every
 * inode as it was; the drain finishes before the old module retires.
 */
import { describe, it, expect } from 'vitest';
import { sleep, type Sim } from '../../../src/sim/effects.ts';
import { buildSystem } from '../../../src/system/build.ts';
import { ext3Definition } from '../../../src/modules/ext3-releases.ts';
import type { UpdateReport } from '../../../src/modules/update/manager.ts';
import type { FaultPoint } from '../../../src/modules/update/types.ts';
import { e2fsckRequired } from '../../../src/ext2/e2fsprogs.ts';
import type { Ext2Fs } from '../../../src/ext2/fs.ts';
import type { Ext2InodeInfo } from '../../../src/ext2/inode-info.ts';
import type { Inode } from '../../../src/vfs/inode.ts';
import type { SuperBlock } from '../../../src/vfs/super.ts';
import * as sys from '../../../src/vfs/syscalls.ts';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../../src/uapi/fcntl.ts';
import { checkAgainstModel, spawnWorkers } from './helpers.ts';

const EXT3_SB = (sb: SuperBlock) => sb.s_fs_info as { fs: Ext2Fs };

interface Conversion {
  ino: number;
  how: string;
  at: number;
}

/**
 * ext3 `from` -> `to` with fsstress workers, `files` extra cached files made
 * first, and a writer that keeps using /hot across the update. Records every
 * conversion of a handed-over inode the new engine makes (number, by whom,
 * when), and what the old and new caches held inside the window.
 */
function lazyUpdate(from: number, to: number, opts: { files?: number; failAt?: FaultPoint } = {}) {
  const b = buildSystem({ cpus: 4, seed: 11, fs: 'ext3', ext3Version: from, strategy: 'counter-percpu' });
  const e = b.machine.engine;
  const rootSb = b.system.kernel.mounts.root!.mnt_sb;
  const sb = () => rootSb;
  const oldFs = EXT3_SB(sb()).fs;
  const conversions: Conversion[] = [];
  const window = { converted: -1, pending: -1, oldSnapshot: new Map<number, Ext2InodeInfo>(), privBefore: new Map<Inode, unknown>() };
  let report: UpdateReport | undefined;
  let releasedAt = -1;
  let hotReadBack = '';
  let hotIno = -1;
  let setupDone = false;
  const init = b.system.init;
  e.spawn('setup', function* (): Sim<void> {
    yield* sys.mkdir(init, '/many', 0o755);
    for (let i = 0; i < (opts.files ?? 200); i++) {
      const fd = yield* sys.open(init, `/many/f${i}`, O_CREAT | O_WRONLY, 0o644);
      yield* sys.close(init, fd);
    }
    setupDone = true;
  });
  const { logs } = spawnWorkers(b.system, 3, 40, 11);
  const writer = b.system.newTask({ name: 'hot' });
  let stop = false;
  e.spawn('hot', function* (): Sim<void> {
    const fd = yield* sys.open(writer, '/hot', O_CREAT | O_WRONLY, 0o644);
    hotIno = (yield* sys.fstat(writer, fd)).ino;
    let n = 0;
    while (!stop) {
      yield* sys.pwrite(writer, fd, new TextEncoder().encode(`h${n++ % 10}`), 0);
      yield* sleep(2000);
    }
    yield* sys.close(writer, fd);
    const rd = yield* sys.open(writer, '/hot', O_RDONLY);
    const buf = new Uint8Array(8);
    const k = yield* sys.read(writer, rd, buf);
    hotReadBack = new TextDecoder().decode(buf.subarray(0, k));
    yield* sys.close(writer, rd);
  });
  const updater = b.system.newTask({ name: 'updater' });
  e.spawn('updater', function* (): Sim<void> {
    while (!setupDone) yield* sleep(100 * 2000);
    yield* sleep(200 * 2000);
    for (const [ino, info] of oldFs.icache) window.oldSnapshot.set(ino, info);
    for (const i of b.system.modules.get('ext3')!.instances.inodes()) window.privBefore.set(i, i.i_private);
    report = yield* b.live.update(
      updater,
      { module: 'ext3', def: ext3Definition(to), source: 'built-in' },
      {
        inject(p) {
          if (p === 'committed') {
            // the staged state is installed, the calls still blocked: nothing converted yet
            const c = EXT3_SB(sb()).fs.icache;
            window.pending = c.remaining;
            window.converted = c.lazyStats ? c.lazyStats.onUse + c.lazyStats.background : -1;
            const lookup = c.lookup.bind(c);
            c.lookup = (ino: number, how: 'onUse' | 'background') => {
              const before = c.remaining;
              const r = lookup(ino, how);
              if (c.remaining < before) conversions.push({ ino, how, at: e.now });
              return r;
            };
          }
          if (opts.failAt === p) throw new Error(`injected at ${p}`);
        },
      },
    );
    releasedAt = report.phases.find((ph) => ph.name === 'release')?.start ?? -1;
    stop = true;
  });
  e.run();
  const newFs = EXT3_SB(sb()).fs;
  b.shutdown();
  return { b, oldFs, newFs, report: report!, logs, conversions, window, releasedAt, hotReadBack, hotIno };
}

describe('lazy instance hand-over', () => {
  it('1 -> 2: the block window converts nothing; every inode crosses as data (not by reference) on use or in the pass; the drain ends before retire', () => {
    const { b, oldFs, newFs, report, logs, window, conversions, hotReadBack } = lazyUpdate(1, 2);
    expect(report.error).toBeUndefined();
    expect(report.quiescenceVerified).toBe(true);
    const lz = report.lazy!;
    expect(lz).not.toBeNull();
    expect(lz.handedOver).toBeGreaterThan(200);
    // in the window: the whole old cache pending, none converted
    expect(window.converted).toBe(0);
    expect(window.pending).toBe(lz.handedOver);
    // the drain accounts for every handed-over inode, and ran after release
    expect(lz.convertedOnUse + lz.convertedByPass + lz.dropped).toBe(lz.handedOver);
    expect(lz.convertedByPass).toBeGreaterThan(0);
    expect(conversions.length).toBe(lz.convertedOnUse + lz.convertedByPass);
    // each conversion called the old module's export hook once (plus any instance-only structure)
    expect(lz.oldExportCalls).toBeGreaterThanOrEqual(conversions.length);
    expect(lz.drainedAt).not.toBeNull();
    expect(lz.drainCycles!).toBeGreaterThan(0);
    const retire = report.phases.find((p) => p.name === 'retire')!;
    expect(lz.drainedAt!).toBeLessThanOrEqual(retire.end);
    expect(b.system.modules.get('ext3')!.version).toBe('2');
    // data crossed: no new cached inode is an old object, and none is still pending
    expect(newFs.icache.lazy).toBe(false);
    expect(newFs.icache.handingOver).toBe(false);
    const oldObjects = new Set(window.oldSnapshot.values());
    for (const info of newFs.icache.values()) expect(oldObjects.has(info)).toBe(false);
    // same content: a converted inode's disk fields equal the old one's when nothing changed it since
    const untouched = [...window.oldSnapshot].filter(([ino]) => !conversions.some((c) => c.ino === ino && c.how === 'onUse'));
    expect(untouched.length).toBeGreaterThan(0);
    for (const [ino, old] of untouched) {
      const now = newFs.icache.get(ino);
      if (!now) continue;
      expect(now.disk.i_links_count).toBe(old.disk.i_links_count);
      expect(now.disk.i_block).toEqual(old.disk.i_block);
      expect(now.alloc).toEqual(old.alloc);
    }
    // every VFS inode on the new structure and the new tables
    const mod = b.system.modules.get('ext3')!;
    const newTables = new Set(mod.tables.map((t) => t.table as unknown));
    for (const i of mod.instances.inodes()) {
      if (i.i_private === null) continue;
      expect(oldObjects.has(i.i_private as Ext2InodeInfo)).toBe(false);
      expect(newTables.has(i.i_op)).toBe(true);
    }
    expect(oldFs.icache.size).toBe(window.oldSnapshot.size); // the handed-over table itself is never written
    expect(checkAgainstModel(logs)).toEqual([]);
    expect(hotReadBack).toMatch(/^h\d$/);
    expect(e2fsckRequired(b.disk!.readSync(0, b.disk!.sizeBytes)).status).toBe(0);
  });

  it('2 -> 3 (layout change): a blocked writer\'s inode is converted at its first use after release, before the pass reaches it, to the v3 layout; every other one by the pass', () => {
    const { b, newFs, report, logs, window, conversions, releasedAt, hotIno } = lazyUpdate(2, 3, { files: 300 });
    expect(report.error).toBeUndefined();
    expect(report.stats.blocked).toBeGreaterThan(0);
    expect(window.converted).toBe(0);
    const lz = report.lazy!;
    expect(hotIno).toBeGreaterThan(0);
    const hot = conversions.find((c) => c.ino === hotIno);
    expect(hot, 'the hot file was converted').toBeDefined();
    expect(hot!.how).toBe('onUse');
    expect(hot!.at).toBeGreaterThanOrEqual(releasedAt);
    // on use, while the pass was still running: the pass converted others after it
    expect(conversions.some((c) => c.how === 'background' && c.at > hot!.at)).toBe(true);
    expect(lz.convertedOnUse).toBeGreaterThan(0);
    // the v3 module's import made every cached inode: reservation-window layout
    for (const info of newFs.icache.values()) expect(info.alloc.layout).toBe('rsv');
    for (const i of b.system.modules.get('ext3')!.instances.inodes()) {
      if (i.i_private !== null) expect((i.i_private as Ext2InodeInfo).alloc.layout).toBe('rsv');
    }
    expect(checkAgainstModel(logs)).toEqual([]);
    expect(e2fsckRequired(b.disk!.readSync(0, b.disk!.sizeBytes)).status).toBe(0);
  });

  it.each<FaultPoint>(['import', 'convert', 'redirect'])('a rollback at %s leaves every inode in the old format, on the old structure, and the old export hook never ran', (failAt) => {
    const { b, oldFs, newFs, report, logs, window } = lazyUpdate(2, 3, { failAt });
    expect(report.ok).toBe(false);
    expect(report.error?.phase).toBe('transfer');
    expect(report.lazy).toBeNull();
    expect(b.system.modules.get('ext3')!.version).toBe('2');
    expect(newFs).toBe(oldFs);
    // every inode cached at the update is the same object, in the goal layout
    for (const [ino, info] of window.oldSnapshot) {
      const now = oldFs.icache.get(ino);
      if (now) expect(now).toBe(info);
      expect(info.alloc.layout).toBe('goal');
    }
    for (const [i, priv] of window.privBefore) if (i.i_private !== null) expect(i.i_private).toBe(priv);
    expect(checkAgainstModel(logs)).toEqual([]);
    expect(e2fsckRequired(b.disk!.readSync(0, b.disk!.sizeBytes)).status).toBe(0);
  });
});
