/**
 * Module Description: the allocator/superblock object of a mounted ext3-style
 * file system on the K42 path: one clustered object per mount wrapping the
 * shared `Ext2Fs` engine (src/ext2), the same code the Linux-path module
 * wraps. Every operation that needs the file-system logic (directory scans,
 * bitmaps, block maps, the journal) is a call on this object through `DREF`.
 *
 * Versions. The object of version N runs the engine with release N's
 * code, `ext2Release(N)`, linked from the same package the Linux path loads
 * (packages/ext3-vN): v1 has the rename link-count bug, v2 fixes it, v3
 * allocates with per-inode reservation windows. A dynamic update hot-swaps
 * the object to the next version's root; the engine state moves with
 * `DTT_EXT2_STATE`: the old root runs ext2's `exportState` (a snapshot of
 * the in-memory state; nothing is written) and the new root `importState`
 * takes the old engine over: its superblock and group descriptors (copied),
 * buffer cache and journal (as they are). The in-memory inodes
 * keep their identity across the swap (inode objects hold them): the new
 * engine's converted fields are copied into the objects the old engine
 * cached, so an inode object never holds a stale inode.
 *
 * Concurrency. The engine is a monitor: each call holds the mount's sleeping
 * lock (Linux ext2 of the era serialised on lock_super/the BKL the same way),
 * across the disk I/O the call may wait for. A caller is an active K42
 * request thread, so calls must stay short; none waits for anything but the
 * lock and the disk. Quiescence of this object therefore implies nobody
 * holds the lock, which is what makes the transfer safe.
 *
 * Contracts: every method may block (the lock, the disk); none may be called
 * from interrupt context. Methods throw `ErrnoError` as the engine does.
 */
import type { Sim } from '../../sim/effects.ts';
import { Mutex } from '../../sim/locks.ts';
import type { BlockDevice } from '../../hw-ppc64/blockdev.ts';
import { Ext2Fs, exportState, importState, ext2Release, type Ext2AllocPolicy, type Ext2InodeInfo, type Ext2ReaddirEntry, type Ext2StateSnapshot, type Ext2StatFs } from '../../ext2/index.ts';
import { S_IFLNK, S_IFMT, S_IFDIR, S_IFREG } from '../../uapi/stat.ts';
import { CObjRep } from '../cobj.ts';
import { CObjRootSingleRep } from '../cobj-root-single-rep.ts';
import type { COSMgr } from '../cosmgr.ts';
import { dtTypeSet, type DataTransferObject, type DTType, type DTTypeSet } from '../dttype.ts';
import type { CORef } from '../types.ts';
import { DTT_EXT2_STATE, type InodeKind, type K42FsVersion } from './types.ts';

/** What the superblock object hands over in a swap. */
export interface Ext2StateDTO extends DataTransferObject {
  readonly snap: Ext2StateSnapshot;
  /** The old engine (retired): its buffer cache, journal and in-memory superblock are taken over; its cached inodes keep their identity. */
  readonly engine: Ext2Fs;
}

/** Result of an unlink: the inode, and whether its last name went (it was freed). */
export interface UnlinkResult {
  ino: number;
  freed: boolean;
}

export function kindOfMode(mode: number): InodeKind {
  const t = mode & S_IFMT;
  return t === S_IFDIR ? 'dir' : t === S_IFLNK ? 'symlink' : 'file';
}

/** The representative: each method is one engine call under the mount lock. */
export class Ext2SuperRep extends CObjRep {
  get root(): Ext2SuperRoot {
    return this.myRoot as Ext2SuperRoot;
  }

  /** Run `body` on the engine holding the mount lock (may block). */
  private *locked<T>(body: (fs: Ext2Fs) => Sim<T>): Sim<T> {
    const r = this.root;
    yield* r.lock.lock();
    try {
      if (this.freed) throw new Error(`${r.name}: call on a freed superblock rep`);
      return yield* body(r.fs);
    } finally {
      yield* r.lock.unlock();
    }
  }

  *getVersion(): Sim<number> {
    return this.root.version;
  }

  *lookup(dir: number, name: string): Sim<number> {
    return yield* this.locked((fs) => fs.lookup(dir, name));
  }

  /** The in-memory inode `ino` (the object an inode object keeps). */
  *iget(ino: number): Sim<Ext2InodeInfo> {
    return yield* this.locked((fs) => fs.iget(ino));
  }

  *create(dir: number, name: string, mode: number): Sim<Ext2InodeInfo> {
    return yield* this.locked((fs) => fs.create(dir, name, S_IFREG | (mode & 0o7777), 0, 0));
  }

  *mkdir(dir: number, name: string, mode: number): Sim<Ext2InodeInfo> {
    return yield* this.locked((fs) => fs.mkdir(dir, name, mode & 0o7777, 0, 0));
  }

  *symlink(dir: number, name: string, target: string): Sim<Ext2InodeInfo> {
    return yield* this.locked((fs) => fs.symlink(dir, name, target, 0, 0));
  }

  *link(ino: number, dir: number, name: string): Sim<void> {
    yield* this.locked((fs) => fs.link(ino, dir, name));
  }

  /** Remove a non-directory name; an inode left without names is freed at once (nothing holds it open). */
  *unlink(dir: number, name: string): Sim<UnlinkResult> {
    return yield* this.locked(function* (fs) {
      const ino = yield* fs.unlink(dir, name);
      const freed = fs.orphans.has(ino);
      if (freed) yield* fs.drop(ino);
      return { ino, freed };
    });
  }

  *rmdir(dir: number, name: string): Sim<number> {
    return yield* this.locked(function* (fs) {
      const ino = yield* fs.rmdir(dir, name);
      yield* fs.drop(ino);
      return ino;
    });
  }

  /** rename(2); returns the replaced inode if it lost its last name (freed), else 0. */
  *rename(oldDir: number, oldName: string, newDir: number, newName: string): Sim<number> {
    return yield* this.locked(function* (fs) {
      const gone = yield* fs.rename(oldDir, oldName, newDir, newName);
      if (gone) yield* fs.drop(gone);
      return gone;
    });
  }

  *readlink(ino: number): Sim<string> {
    return yield* this.locked((fs) => fs.readlink(ino));
  }

  *read(ino: number, off: number, len: number): Sim<Uint8Array> {
    return yield* this.locked((fs) => fs.read(ino, off, len));
  }

  *write(ino: number, off: number, data: Uint8Array): Sim<number> {
    return yield* this.locked((fs) => fs.write(ino, off, data));
  }

  *truncate(ino: number, size: number): Sim<void> {
    yield* this.locked((fs) => fs.truncate(ino, size));
  }

  *readdir(dir: number): Sim<Ext2ReaddirEntry[]> {
    return yield* this.locked((fs) => fs.readdir(dir));
  }

  *fsync(ino: number): Sim<void> {
    yield* this.locked((fs) => fs.fsync(ino));
  }

  *statfs(): Sim<Ext2StatFs> {
    return yield* this.locked(function* (fs) {
      yield 0;
      return fs.statfs();
    });
  }

  /**
   * Install `info` as the cached in-memory inode (an inode object converted
   * its per-inode state during its own swap; `alloc` is the converting
   * release's allocator, which places its blocks). Keeps the reservation-window
   * index in step with the inode's layout.
   */
  *adoptInode(info: Ext2InodeInfo, alloc: Ext2AllocPolicy): Sim<void> {
    yield* this.locked(function* (fs) {
      yield 50;
      if (!fs.icache.has(info.ino)) return; // freed meanwhile: nothing to replace
      // its blocks are placed by the release that keeps its layout (the next one)
      fs.addAllocPolicy(alloc);
      fs.adopt(info);
      const a = info.alloc;
      if (a.layout === 'rsv' && a.i_rsv_window) fs.rsvWindows.set(info.ino, a.i_rsv_window);
      else fs.rsvWindows.delete(info.ino);
    });
  }

  *sync(): Sim<void> {
    yield* this.locked((fs) => fs.sync());
  }

  *unmount(): Sim<void> {
    yield* this.locked((fs) => fs.unmount());
  }
}

export interface Ext2SuperRootOptions {
  ref?: CORef | undefined;
  name?: string | undefined;
}

/** The root: the engine, the mount lock, the version and the transfer hooks. */
export class Ext2SuperRoot extends CObjRootSingleRep<Ext2SuperRep> {
  /** Null until mounted or imported. */
  private engine: Ext2Fs | null;
  readonly lock: Mutex;

  constructor(
    cos: COSMgr,
    readonly version: K42FsVersion,
    readonly dev: BlockDevice,
    readonly now: () => number,
    fs: Ext2Fs | null,
    opts: Ext2SuperRootOptions = {},
  ) {
    super(cos, (r) => new Ext2SuperRep(r), { ref: opts.ref, name: opts.name ?? `ext2sb.v${version}` });
    this.engine = fs;
    this.lock = new Mutex(cos.hw.engine, `${this.name} lock`);
  }

  /** Mount `dev` with version `version`'s logic (replays the journal if needed). */
  static *mount(cos: COSMgr, dev: BlockDevice, version: K42FsVersion, now: () => number): Sim<Ext2SuperRoot> {
    const fs = yield* Ext2Fs.mount(dev, { now, logic: ext2Release(version) });
    return new Ext2SuperRoot(cos, version, dev, now, fs);
  }

  get fs(): Ext2Fs {
    if (!this.engine) throw new Error(`${this.name}: no engine (not imported yet)`);
    return this.engine;
  }

  override getDataTransferExportSet(): DTTypeSet {
    return dtTypeSet(DTT_EXT2_STATE);
  }

  override getDataTransferImportSet(): DTTypeSet {
    return dtTypeSet(DTT_EXT2_STATE);
  }

  /** Quiescent: no call is inside, nobody holds the lock. Snapshot (nothing written) and retire. */
  override *dataTransferExport(dtt: DTType, vp: number): Sim<DataTransferObject | null> {
    void vp;
    const fs = this.fs;
    // the importer takes over this cache and journal as they are: nothing is written
    const snap = yield* exportState(fs, { handOver: true });
    fs.retired = true;
    const dto: Ext2StateDTO = { dtt, snap, engine: fs };
    return dto;
  }

  /** Build this version's engine from the snapshot, on the same device and buffer cache. */
  override *dataTransferImport(dto: DataTransferObject | null, dtt: DTType, vp: number): Sim<void> {
    void dtt;
    void vp;
    const d = dto as Ext2StateDTO;
    const fs = yield* importState(this.dev, d.snap, { now: this.now, logic: ext2Release(this.version), from: d.engine, costs: this.cos.hw.costs });
    // keep the identity of the in-memory inodes the inode objects hold (the retired engine's cache)
    for (const [ino, fresh] of [...fs.icache]) {
      const held = d.engine.icache.get(ino);
      if (!held) continue;
      held.disk = fresh.disk;
      held.alloc = fresh.alloc;
      held.i_dir_start_lookup = fresh.i_dir_start_lookup;
      fs.icache.set(ino, held);
    }
    this.engine = fs;
  }
}
