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
 * Concurrency (K42-style per-object locking, and no generation held across
 * the disk). The engine runs with its own Linux 2.6 locks (ext2/lock.ts),
 * several request threads in it at once, commits done by kjournald (a
 * daemon, not a request thread). Each method takes the per-inode locks the
 * Linux VFS would take for the same call (inode-locks.ts), then enters the
 * engine through the root's gate (a reader/writer semaphore: calls share
 * it, the transfer and unmount take it alone). Every wait, for a lock, a
 * buffer, a commit or the disk, is done deactivated (deactivated-waits.ts),
 * so a request waiting for I/O does not hold back any object's swap.
 *
 * That makes the gate, not generation counting, what proves that no call
 * is inside this object's engine when it is swapped: the export takes the
 * gate alone (waiting, deactivated like every switch worker, for calls in
 * the engine to leave), snapshots and retires the engine. A call that was
 * waiting for an inode lock or the gate when that happened finds the engine
 * retired and re-enters the object through `DREF` (it reaches the mediator,
 * then the new object): nothing touched the old engine after the snapshot.
 * The inode locks are handed to the new object with the state, so a lock
 * held or waited for across the swap keeps its meaning. kjournald is parked
 * before the snapshot (no commit may move the journal between export and
 * import) and handed to the new engine at import.
 *
 * Contracts: every method may block (inode locks, the gate, the disk, all
 * waited for deactivated); none may be called from interrupt context.
 * Methods throw `ErrnoError` as the engine does.
 */
import type { Sim } from '../../sim/effects.ts';
import { RwSemaphore } from '../../sim/rwsem.ts';
import type { BlockDevice } from '../../hw-ppc64/blockdev.ts';
import { BlockCache } from '../../ext2/cache.ts';
import { SUPERBLOCK_OFFSET } from '../../ext2/layout.ts';
import { decodeSuperBlock } from '../../ext2/superblock.ts';
import { Ext2Fs, exportState, importState, ext2Release, type Ext2Release, type Ext2InodeInfo, type Ext2ReaddirEntry, type Ext2StateSnapshot, type Ext2StatFs } from '../../ext2/index.ts';
import { S_IFLNK, S_IFMT, S_IFDIR, S_IFREG } from '../../uapi/stat.ts';
import { CObjRep } from '../cobj.ts';
import { CObjRootSingleRep } from '../cobj-root-single-rep.ts';
import type { COSMgr } from '../cosmgr.ts';
import { dtTypeSet, type DataTransferObject, type DTType, type DTTypeSet } from '../dttype.ts';
import type { CORef } from '../types.ts';
import { DeactivatingDevice, k42IoWait, k42Locking } from './deactivated-waits.ts';
import { InodeLocks, type LockStep } from './inode-locks.ts';
import { DTT_EXT2_STATE, type InodeKind, type K42FsVersion } from './types.ts';

/** Buffers the engine's cache keeps (soft limit), as the Linux path's ext3 (EXT3_CACHE_BUFFERS). */
export const K42FS_CACHE_BUFFERS = 8192;

/** What the superblock object hands over in a swap. */
export interface Ext2StateDTO extends DataTransferObject {
  readonly snap: Ext2StateSnapshot;
  /** The old engine (retired): its buffer cache, journal and in-memory superblock are taken over; its cached inodes keep their identity. */
  readonly engine: Ext2Fs;
  /** The per-inode locks (held or waited for across the swap). */
  readonly locks: InodeLocks;
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

/** Which inode locks a call takes (see inode-locks.ts). */
const dirW = (dir: number): LockStep[] => [{ ino: dir, write: true }];
const inoW = (ino: number): LockStep[] => [{ ino, write: true }];
const inoR = (ino: number): LockStep[] => [{ ino, write: false }];
const NONE: LockStep[] = [];

/** The representative: each method is one engine call under its inode locks and the gate. */
export class Ext2SuperRep extends CObjRep {
  get root(): Ext2SuperRoot {
    return this.myRoot as Ext2SuperRoot;
  }

  /**
   * Run `body` on the engine: take `steps`, enter through the gate, run,
   * leave (may block, deactivated). If this object was swapped while the
   * call waited, the old engine is retired: release everything and `redo`
   * the call on whatever `DREF` now reaches.
   */
  private *call<T>(steps: readonly LockStep[], body: (fs: Ext2Fs) => Sim<T>, redo: (rep: Ext2SuperRep) => Sim<T>): Sim<T> {
    const r = this.root;
    const locks = r.locks;
    const held = yield* locks.acquire(steps);
    let entered = false;
    try {
      entered = yield* r.enter();
      if (entered) {
        if (this.freed) throw new Error(`${r.name}: call on a freed superblock rep`);
        return yield* body(r.fs);
      }
    } finally {
      if (entered) yield* r.leave();
      yield* locks.release(held);
    }
    r.redispatched++;
    return yield* redo(yield* this.cos.DREF(r.serviceRef));
  }

  *getVersion(): Sim<number> {
    return this.root.version;
  }

  *lookup(dir: number, name: string): Sim<number> {
    return yield* this.call(dirW(dir), (fs) => fs.logic.namei.lookup(fs, dir, name), (o) => o.lookup(dir, name));
  }

  /** The in-memory inode `ino` (the object an inode object keeps). */
  *iget(ino: number): Sim<Ext2InodeInfo> {
    return yield* this.call(inoW(ino), (fs) => fs.iget(ino), (o) => o.iget(ino));
  }

  *create(dir: number, name: string, mode: number): Sim<Ext2InodeInfo> {
    return yield* this.call(dirW(dir), (fs) => fs.logic.namei.create(fs, dir, name, S_IFREG | (mode & 0o7777), 0, 0), (o) => o.create(dir, name, mode));
  }

  *mkdir(dir: number, name: string, mode: number): Sim<Ext2InodeInfo> {
    return yield* this.call(dirW(dir), (fs) => fs.logic.namei.mkdir(fs, dir, name, mode & 0o7777, 0, 0), (o) => o.mkdir(dir, name, mode));
  }

  *symlink(dir: number, name: string, target: string): Sim<Ext2InodeInfo> {
    return yield* this.call(dirW(dir), (fs) => fs.logic.namei.symlink(fs, dir, name, target, 0, 0), (o) => o.symlink(dir, name, target));
  }

  *link(ino: number, dir: number, name: string): Sim<void> {
    yield* this.call([...dirW(dir), ...inoW(ino)], (fs) => fs.logic.namei.link(fs, ino, dir, name), (o) => o.link(ino, dir, name));
  }

  /** Remove a non-directory name; an inode left without names is freed at once (nothing holds it open). */
  *unlink(dir: number, name: string): Sim<UnlinkResult> {
    return yield* this.call(
      dirW(dir),
      function* (fs) {
        const ino = yield* fs.logic.namei.unlink(fs, dir, name);
        const freed = fs.orphans.has(ino);
        if (freed) yield* fs.logic.namei.drop(fs, ino);
        return { ino, freed };
      },
      (o) => o.unlink(dir, name),
    );
  }

  *rmdir(dir: number, name: string): Sim<number> {
    return yield* this.call(
      dirW(dir),
      function* (fs) {
        const ino = yield* fs.logic.namei.rmdir(fs, dir, name);
        yield* fs.logic.namei.drop(fs, ino);
        return ino;
      },
      (o) => o.rmdir(dir, name),
    );
  }

  /** rename(2); returns the replaced inode if it lost its last name (freed), else 0. */
  *rename(oldDir: number, oldName: string, newDir: number, newName: string): Sim<number> {
    return yield* this.call(
      InodeLocks.renameSteps(oldDir, newDir),
      function* (fs) {
        const gone = yield* fs.logic.namei.rename(fs, oldDir, oldName, newDir, newName);
        if (gone) yield* fs.logic.namei.drop(fs, gone);
        return gone;
      },
      (o) => o.rename(oldDir, oldName, newDir, newName),
    );
  }

  *readlink(ino: number): Sim<string> {
    return yield* this.call(inoR(ino), (fs) => fs.logic.namei.readlink(fs, ino), (o) => o.readlink(ino));
  }

  *read(ino: number, off: number, len: number): Sim<Uint8Array> {
    return yield* this.call(inoR(ino), (fs) => fs.read(ino, off, len), (o) => o.read(ino, off, len));
  }

  *write(ino: number, off: number, data: Uint8Array): Sim<number> {
    return yield* this.call(inoW(ino), (fs) => fs.write(ino, off, data), (o) => o.write(ino, off, data));
  }

  *truncate(ino: number, size: number): Sim<void> {
    yield* this.call(inoW(ino), (fs) => fs.truncate(ino, size), (o) => o.truncate(ino, size));
  }

  *readdir(dir: number): Sim<Ext2ReaddirEntry[]> {
    return yield* this.call(inoR(dir), (fs) => fs.logic.namei.readdir(fs, dir), (o) => o.readdir(dir));
  }

  *fsync(ino: number): Sim<void> {
    yield* this.call(NONE, (fs) => fs.fsync(ino), (o) => o.fsync(ino));
  }

  *statfs(): Sim<Ext2StatFs> {
    return yield* this.call(
      NONE,
      function* (fs) {
        yield 0;
        return fs.statfs();
      },
      (o) => o.statfs(),
    );
  }

  /**
   * Convert inode `held` with `rel`'s per-inode conversion and install the
   * result as the cached in-memory inode (an inode object's own swap to a
   * release with another per-inode layout); returns the converted inode.
   * Under the inode's exclusive lock: every call that allocates blocks to
   * it (write, truncate; a directory's entry changes) holds that lock, so
   * no call is using its allocation state meanwhile. An inode freed
   * meanwhile is converted but not installed.
   */
  *convertInode(held: Ext2InodeInfo, rel: Ext2Release): Sim<Ext2InodeInfo> {
    return yield* this.call(
      inoW(held.ino),
      function* (fs) {
        yield 50;
        const cur = fs.icache.get(held.ino);
        const conv = rel.convertInode(cur ?? held);
        if (!cur) return conv; // freed meanwhile: nothing to replace
        // its blocks are placed by the release that keeps its layout (the next one)
        fs.addAllocPolicy(rel.alloc);
        fs.adopt(conv);
        const a = conv.alloc;
        if (a.layout === 'rsv' && a.i_rsv_window) fs.rsvWindows.set(conv.ino, a.i_rsv_window);
        else fs.rsvWindows.delete(conv.ino);
        return conv;
      },
      (o) => o.convertInode(held, rel),
    );
  }

  *sync(): Sim<void> {
    yield* this.call(NONE, (fs) => fs.sync(), (o) => o.sync());
  }

  /** Alone in the engine (the gate taken for writing): commit, checkpoint, stop kjournald. */
  *unmount(): Sim<void> {
    yield* this.root.exclusive((fs) => fs.unmount());
  }
}

export interface Ext2SuperRootOptions {
  ref?: CORef | undefined;
  name?: string | undefined;
}

/** How long the update waits for kjournald to finish a commit in hand before the swap (it waits again at export if needed). */
export const KJOURNALD_PARK_WAIT_US = 5000;
/** A parked kjournald lets itself go after this long if no import unparks it (a swap that failed). */
const KJOURNALD_PARK_LEASE_US = 200_000;

/** The root: the engine, its gate, the inode locks, the version and the transfer hooks. */
export class Ext2SuperRoot extends CObjRootSingleRep<Ext2SuperRep> {
  /** Null until mounted or imported. */
  private engine: Ext2Fs | null;
  /** Null in a replacement until the import hands the table over. */
  private lockTable: InodeLocks | null;
  /** Calls in the engine share it; the export and unmount take it alone. */
  readonly gate: RwSemaphore;
  /** The reference clients use (the swap moves an old root to a fresh one; a retired call re-enters here). */
  readonly serviceRef: CORef<Ext2SuperRep>;
  /** Calls that found the engine retired by a swap and re-entered the object (statistics, tests). */
  redispatched = 0;

  constructor(
    cos: COSMgr,
    readonly version: K42FsVersion,
    readonly dev: BlockDevice,
    readonly now: () => number,
    fs: Ext2Fs | null,
    opts: Ext2SuperRootOptions = {},
    locks: InodeLocks | null = null,
  ) {
    super(cos, (r) => new Ext2SuperRep(r), { ref: opts.ref, name: opts.name ?? `ext2sb.v${version}` });
    this.engine = fs;
    this.lockTable = locks;
    this.gate = new RwSemaphore(cos.hw.engine, `${this.name} gate`);
    this.serviceRef = this.myRef;
  }

  /**
   * Mount `dev` with version `version`'s logic (replays the journal if
   * needed): the engine with its own locks and a kjournald, every wait of
   * it deactivated (deactivated-waits.ts). `dev` is the disk itself.
   */
  static *mount(cos: COSMgr, dev: BlockDevice, version: K42FsVersion, now: () => number): Sim<Ext2SuperRoot> {
    const e = cos.hw.engine;
    const ddev = new DeactivatingDevice(dev, cos.atc);
    const sb = decodeSuperBlock(yield* ddev.read(SUPERBLOCK_OFFSET, 1024));
    const blockSize = 1024 << sb.s_log_block_size;
    const cache = new BlockCache(ddev, blockSize, sb.s_blocks_count, K42FS_CACHE_BUFFERS, k42IoWait(e, cos.atc, `${dev.name} buffer I/O`));
    const fs = yield* Ext2Fs.mount(ddev, { now, logic: ext2Release(version), cache, locking: k42Locking(e, cos.atc) });
    fs.startKjournald(`kjournald ${dev.name}`);
    return new Ext2SuperRoot(cos, version, ddev, now, fs, {}, new InodeLocks(e, cos.atc, dev.name));
  }

  get fs(): Ext2Fs {
    if (!this.engine) throw new Error(`${this.name}: no engine (not imported yet)`);
    return this.engine;
  }

  get locks(): InodeLocks {
    if (!this.lockTable) throw new Error(`${this.name}: no inode locks (not imported yet)`);
    return this.lockTable;
  }

  /** Enter the engine (gate shared, deactivated wait); false if a swap retired it meanwhile. */
  *enter(): Sim<boolean> {
    const g = this.gate;
    if (!(yield* g.down_read_trylock())) yield* this.cos.atc.deactivated(() => g.down_read());
    if (!this.engine || this.engine.retired) {
      yield* g.up_read();
      return false;
    }
    return true;
  }

  *leave(): Sim<void> {
    yield* this.gate.up_read();
  }

  /** Run `body` alone in the engine (gate exclusive, deactivated wait). */
  *exclusive<T>(body: (fs: Ext2Fs) => Sim<T>): Sim<T> {
    const g = this.gate;
    if (!(yield* g.down_write_trylock())) yield* this.cos.atc.deactivated(() => g.down_write());
    try {
      return yield* body(this.fs);
    } finally {
      yield* g.up_write();
    }
  }

  /**
   * Park kjournald, waiting at most `us` for a commit in hand (deactivated);
   * true once parked. The update calls it before the swap so the export
   * rarely waits for a commit; the export parks it regardless.
   */
  *parkCommitter(us: number = KJOURNALD_PARK_WAIT_US): Sim<boolean> {
    const kj = this.engine?.kjournald;
    if (!kj) return true;
    const c = this.cos.hw.cyclesPerUs;
    return yield* kj.park(Math.round(us * c), Math.round(KJOURNALD_PARK_LEASE_US * c));
  }

  /** Let kjournald go again (a swap that did not happen). */
  unparkCommitter(): void {
    this.engine?.kjournald?.unpark();
  }

  override getDataTransferExportSet(): DTTypeSet {
    return dtTypeSet(DTT_EXT2_STATE);
  }

  override getDataTransferImportSet(): DTTypeSet {
    return dtTypeSet(DTT_EXT2_STATE);
  }

  /**
   * Alone in the engine (the gate taken for writing: every call that was
   * inside, waiting for the disk or not, has left), with kjournald parked:
   * snapshot (nothing written) and retire. Calls waiting at the gate then
   * re-enter through `DREF`.
   */
  override *dataTransferExport(dtt: DTType, vp: number): Sim<DataTransferObject | null> {
    void vp;
    const self = this;
    const locks = this.locks;
    return yield* this.exclusive(function* (fs) {
      // a commit in hand longer than one wait: wait again (nobody else can start one: the gate is ours)
      while (!(yield* self.parkCommitter())) yield 0;
      // the importer takes over this cache and journal as they are: nothing is written
      const snap = yield* exportState(fs, { handOver: true });
      fs.retired = true;
      const dto: Ext2StateDTO = { dtt, snap, engine: fs, locks };
      return dto;
    });
  }

  /** Build this version's engine from the snapshot, on the same device and buffer cache; take kjournald and the inode locks over. */
  override *dataTransferImport(dto: DataTransferObject | null, dtt: DTType, vp: number): Sim<void> {
    void dtt;
    void vp;
    const d = dto as Ext2StateDTO;
    const fs = yield* importState(d.engine.dev, d.snap, { now: this.now, logic: ext2Release(this.version), from: d.engine, costs: this.cos.hw.costs });
    // keep the identity of the in-memory inodes the inode objects hold (the retired engine's cache)
    for (const [ino, fresh] of [...fs.icache]) {
      const held = d.engine.icache.get(ino);
      if (!held) continue;
      held.disk = fresh.disk;
      held.alloc = fresh.alloc;
      held.i_dir_start_lookup = fresh.i_dir_start_lookup;
      fs.icache.set(ino, held);
    }
    // the commit thread changes hands with the journal: same thread, new engine
    const kj = d.engine.kjournald;
    if (kj && fs.journal) {
      d.engine.kjournald = null;
      fs.kjournald = kj;
      kj.handOver(fs.journal);
      kj.unpark();
    }
    this.lockTable = d.locks;
    this.engine = fs;
  }
}
