/**
 * Module Description: per-inode clustered objects of the K42 file service
 * (after K42's per-file server objects, os/servers/... FileLinux*): one
 * object per inode the name space has reached, of a class per inode type
 * (`DirInodeRep`, `RegFileInodeRep`, `SymlinkInodeRep`), made by the inode
 * factory of the file system's version (inode-factory.ts).
 *
 * State (in the root, what a hot-swap transfers): the inode number and
 * type, the in-memory inode (`Ext2InodeInfo`, the same object the engine
 * caches: its per-inode allocation state is the structure v3 changes), a
 * name cache for directories (name -> inode number, positive entries only,
 * the K42 analogue of the dcache: a walk that hits it does not call the
 * superblock object), and `dead` once the inode has been freed.
 *
 * Calls: `getattr` and name-cache hits are served by the object itself;
 * everything else calls the superblock object (ext2-super.ts), which runs
 * the engine. The call graph is server -> inode object -> superblock
 * object, never back: no cycle through a mediator in BLOCK (K42's known
 * deadlock) can form.
 *
 * Transfer: v1 and v2 export and import `DTT_K42FS_INODE_GOAL`; v3 exports
 * `DTT_K42FS_INODE_RSV` and imports both, converting a goal-layout inode
 * with release 3's own `convertInode` (its bundle's code): the superblock
 * object converts the inode it caches under that inode's lock and installs
 * the result (a call from the switch worker, which is deactivated, so it
 * may wait there). A dead inode converts nothing.
 *
 * Re-entry after a wait. A call on the superblock object may wait for a
 * lock or the disk deactivated (deactivated-waits.ts), and a deactivated
 * thread does not hold this object's swap back: when the call returns, this
 * object may have been swapped, its state handed to a new object. So no
 * method touches its state after such a call: a directory records the
 * name-cache change by calling itself again through `DREF` (`cacheName`,
 * `uncacheName`), which reaches whatever serves the reference now (this
 * object, the mediator, or the new object). Inside a call the mediator
 * forwarded, that re-entry is same-thread recursion and is forwarded too,
 * to the old object, whose state the swap has not taken yet.
 *
 * Contracts: methods may block (they call the superblock object); callers
 * check the type first (a wrong-type call throws the errno Linux gives).
 */
import type { Sim } from '../../sim/effects.ts';
import { errno, isErrno } from '../../uapi/errno.ts';
import { ext2Release, type Ext2InodeInfo } from '../../ext2/index.ts';
import { CObjRep } from '../cobj.ts';
import { CObjRootSingleRep } from '../cobj-root-single-rep.ts';
import type { COSMgr } from '../cosmgr.ts';
import { dtTypeSet, type DataTransferObject, type DTType, type DTTypeSet } from '../dttype.ts';
import type { CORef } from '../types.ts';
import { kindOfMode, type Ext2SuperRep, type UnlinkResult } from './ext2-super.ts';
import { DTT_K42FS_INODE_GOAL, DTT_K42FS_INODE_RSV, K42FS_COSTS, type InodeAttr, type InodeKind, type K42FsVersion } from './types.ts';

export interface InodeState {
  readonly ino: number;
  readonly kind: InodeKind;
  info: Ext2InodeInfo;
  /** Directories: name -> inode number (positive entries). */
  readonly names: Map<string, number>;
  /**
   * Bumped at every change of `names`. A name a superblock call found (or
   * made) is recorded only if `names` did not change since before that call:
   * otherwise a call that ran in between (an unlink, a rename over it) may
   * already have recorded what came after, and the entry would bring back
   * the removed name. The superblock call runs under the directory's lock;
   * the name-cache change after it does not.
   */
  namesGen: number;
  dead: boolean;
}

interface InodeStateDTO extends DataTransferObject {
  readonly state: InodeState;
}

/** Methods every inode type has. */
export class FileInodeRep extends CObjRep {
  get root(): FileInodeRoot {
    return this.myRoot as FileInodeRoot;
  }

  get st(): InodeState {
    return this.root.state!;
  }

  protected *sb(): Sim<Ext2SuperRep> {
    return yield* this.cos.DREF(this.root.superRef);
  }

  /** This inode's object as `DREF` reaches it now (after a call that may have waited deactivated). */
  protected *reenter<T extends FileInodeRep>(): Sim<T> {
    return (yield* this.cos.DREF(this.root.serviceRef)) as T;
  }

  *getVersion(): Sim<number> {
    return this.root.version;
  }

  /** Served from the in-memory inode: no call on the superblock object. */
  *getattr(): Sim<InodeAttr> {
    yield 3 * this.cos.hw.costs.l1Hit;
    const d = this.st.info.disk;
    return { kind: kindOfMode(d.i_mode), size: d.i_size, nlink: d.i_links_count };
  }

  *fsync(): Sim<void> {
    yield* (yield* this.sb()).fsync(this.st.ino);
  }

  /** The object's inode was freed: later transfers convert nothing. */
  *markDead(): Sim<void> {
    yield this.cos.hw.costs.storeHit;
    this.st.dead = true;
  }
}

export class RegFileInodeRep extends FileInodeRep {
  *read(off: number, len: number): Sim<Uint8Array> {
    const data = yield* (yield* this.sb()).read(this.st.ino, off, len);
    yield Math.ceil(data.length / K42FS_COSTS.copyBytesPerCycle);
    return data;
  }

  *write(off: number, data: Uint8Array): Sim<number> {
    yield Math.ceil(data.length / K42FS_COSTS.copyBytesPerCycle);
    return yield* (yield* this.sb()).write(this.st.ino, off, data);
  }

  *truncate(size: number): Sim<void> {
    yield* (yield* this.sb()).truncate(this.st.ino, size);
  }
}

export class SymlinkInodeRep extends FileInodeRep {
  *readlink(): Sim<string> {
    return yield* (yield* this.sb()).readlink(this.st.ino);
  }
}

export class DirInodeRep extends FileInodeRep {
  /** Inode number of `name`: the name cache, else the engine (ENOENT if none). */
  *lookup(name: string): Sim<number> {
    yield K42FS_COSTS.pathComponent;
    const st = this.st;
    const hit = st.names.get(name);
    if (hit !== undefined) return hit;
    const gen = st.namesGen;
    const ino = yield* (yield* this.sb()).lookup(st.ino, name);
    yield K42FS_COSTS.lookupMiss;
    if (name !== '.' && name !== '..') yield* (yield* this.reenter<DirInodeRep>()).cacheName(name, ino, gen);
    return ino;
  }

  /**
   * `lookup` for a caller about to change the name: the inode (0 if there is
   * none) and the name cache's generation after the lookup, which the
   * caller's `cacheName` compares (a rename's target: FsServer.rename).
   * Read from this object: if it was swapped during the lookup the value is
   * older, and the later `cacheName` forgets the name instead (a miss).
   */
  *lookupEntry(name: string): Sim<{ ino: number; gen: number }> {
    let ino = 0;
    try {
      ino = yield* this.lookup(name);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    return { ino, gen: this.st.namesGen };
  }

  /** Parent directory (`..`, never cached: a rename moves it). */
  *parent(): Sim<number> {
    return yield* (yield* this.sb()).lookup(this.st.ino, '..');
  }

  *create(name: string, mode: number): Sim<Ext2InodeInfo> {
    yield K42FS_COSTS.metaOp;
    const gen = this.st.namesGen;
    const info = yield* (yield* this.sb()).create(this.st.ino, name, mode);
    yield* (yield* this.reenter<DirInodeRep>()).cacheName(name, info.ino, gen);
    return info;
  }

  *mkdir(name: string, mode: number): Sim<Ext2InodeInfo> {
    yield K42FS_COSTS.metaOp;
    const gen = this.st.namesGen;
    const info = yield* (yield* this.sb()).mkdir(this.st.ino, name, mode);
    yield* (yield* this.reenter<DirInodeRep>()).cacheName(name, info.ino, gen);
    return info;
  }

  *symlink(name: string, target: string): Sim<Ext2InodeInfo> {
    yield K42FS_COSTS.metaOp;
    const gen = this.st.namesGen;
    const info = yield* (yield* this.sb()).symlink(this.st.ino, name, target);
    yield* (yield* this.reenter<DirInodeRep>()).cacheName(name, info.ino, gen);
    return info;
  }

  *link(name: string, ino: number): Sim<void> {
    yield K42FS_COSTS.metaOp;
    const gen = this.st.namesGen;
    yield* (yield* this.sb()).link(ino, this.st.ino, name);
    yield* (yield* this.reenter<DirInodeRep>()).cacheName(name, ino, gen);
  }

  *unlink(name: string): Sim<UnlinkResult> {
    yield K42FS_COSTS.metaOp;
    const r = yield* (yield* this.sb()).unlink(this.st.ino, name);
    yield* (yield* this.reenter<DirInodeRep>()).uncacheName(name);
    return r;
  }

  *rmdir(name: string): Sim<number> {
    yield K42FS_COSTS.metaOp;
    const ino = yield* (yield* this.sb()).rmdir(this.st.ino, name);
    yield* (yield* this.reenter<DirInodeRep>()).uncacheName(name);
    return ino;
  }

  /**
   * Move `name` to `newName` in directory `newDir` (an inode number). This
   * object drops its entry; the caller records the new one in the target
   * directory's object (`cacheName`), so no object calls another.
   * Returns the replaced inode if it lost its last name, else 0.
   */
  *renameOut(name: string, newDir: number, newName: string): Sim<number> {
    yield K42FS_COSTS.metaOp;
    const gone = yield* (yield* this.sb()).rename(this.st.ino, name, newDir, newName);
    yield* (yield* this.reenter<DirInodeRep>()).uncacheName(name);
    return gone;
  }

  /**
   * Record `name` -> `ino` (after a call that made or found it, or a rename
   * into this directory), if the name cache is as it was at `seenGen`, read
   * before that call; else forget `name` (someone changed the directory
   * meanwhile: the entry may be stale, and a miss is always safe).
   */
  *cacheName(name: string, ino: number, seenGen: number): Sim<void> {
    yield K42FS_COSTS.pathComponent;
    const st = this.st;
    if (st.namesGen === seenGen) st.names.set(name, ino);
    else st.names.delete(name);
    st.namesGen++;
  }

  /** Forget `name` (after a call that removed or moved it). */
  *uncacheName(name: string): Sim<void> {
    yield K42FS_COSTS.pathComponent;
    this.st.names.delete(name);
    this.st.namesGen++;
  }

  /** Names in the directory, without `.` and `..`. */
  *readdir(): Sim<string[]> {
    const ents = yield* (yield* this.sb()).readdir(this.st.ino);
    const out: string[] = [];
    for (const e of ents) if (e.name !== '.' && e.name !== '..') out.push(e.name);
    yield out.length * K42FS_COSTS.pathComponent;
    return out;
  }
}

export interface FileInodeRootOptions {
  ref?: CORef | undefined;
  name?: string | undefined;
}

/** The root of one inode object: its state, its version, its transfer hooks. */
export class FileInodeRoot extends CObjRootSingleRep<FileInodeRep> {
  /** Null in a replacement until the transfer fills it. */
  state: InodeState | null;

  constructor(
    cos: COSMgr,
    readonly version: K42FsVersion,
    readonly kind: InodeKind,
    readonly superRef: CORef<Ext2SuperRep>,
    state: InodeState | null,
    opts: FileInodeRootOptions = {},
  ) {
    super(cos, (r) => makeRep(r, kind), { ref: opts.ref, name: opts.name });
    this.state = state;
    this.serviceRef = this.myRef;
  }

  /** The reference the name space holds (a swap moves an old root to a fresh one; re-entry uses this). */
  readonly serviceRef: CORef<FileInodeRep>;

  override getDataTransferExportSet(): DTTypeSet {
    return this.version >= 3 ? dtTypeSet(DTT_K42FS_INODE_RSV) : dtTypeSet(DTT_K42FS_INODE_GOAL);
  }

  override getDataTransferImportSet(): DTTypeSet {
    return this.version >= 3 ? dtTypeSet(DTT_K42FS_INODE_GOAL, DTT_K42FS_INODE_RSV) : dtTypeSet(DTT_K42FS_INODE_GOAL);
  }

  override *dataTransferExport(dtt: DTType, vp: number): Sim<DataTransferObject | null> {
    void vp;
    yield this.cos.hw.costs.alu * 8;
    const dto: InodeStateDTO = { dtt, state: this.state! };
    return dto;
  }

  override *dataTransferImport(dto: DataTransferObject | null, dtt: DTType, vp: number): Sim<void> {
    void vp;
    const old = (dto as InodeStateDTO).state;
    // the name cache is copied into the new object (an entry per cycle or so)
    yield old.names.size * this.cos.hw.costs.alu + 8 * this.cos.hw.costs.alu;
    const st: InodeState = { ino: old.ino, kind: old.kind, info: old.info, names: new Map(old.names), namesGen: old.namesGen, dead: old.dead };
    if (dtt === DTT_K42FS_INODE_GOAL && this.version >= 3 && !old.dead && old.info.alloc.layout === 'goal') {
      // the per-inode structure change: goal -> reservation window
      yield 200;
      const sb = yield* this.cos.DREF(this.superRef);
      st.info = yield* sb.convertInode(old.info, ext2Release(this.version));
    }
    this.state = st;
  }
}

function makeRep(root: CObjRootSingleRep<FileInodeRep>, kind: InodeKind): FileInodeRep {
  if (kind === 'dir') return new DirInodeRep(root);
  if (kind === 'symlink') return new SymlinkInodeRep(root);
  return new RegFileInodeRep(root);
}

/** Signal a call made on an inode of the wrong type (the server checks first). */
export function wrongType(kind: InodeKind): never {
  throw errno(kind === 'dir' ? 'EISDIR' : 'ENOTDIR');
}
