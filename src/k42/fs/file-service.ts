/**
 * Module Description: a mounted K42 file service on a modelled machine: the
 * machine and its disk, the clustered-object manager, and the three kinds
 * of objects the service is made of, all reached through the OTT:
 *
 *   superRef   the allocator/superblock object wrapping the ext2 engine
 *   factoryRef the inode factory of the current version
 *   serverRef  the FileSystemServer (name space)
 *
 * `K42FileService.create` makes a fresh ext3 image (ext2's built-in mkfs,
 * with a journal) on a memory-backed disk and mounts it with the chosen
 * logic version; the setup runs as simulated threads so the first machine
 * run leaves the service ready. `image()` reads the disk's bytes for
 * e2fsck after `unmount`.
 *
 * Contracts: `reapZombies` and `unmount` are generators that may block;
 * run them in a request thread. Setup and `image` take no modelled time.
 */
import type { Sim } from '../../sim/effects.ts';
import type { BlockDevice } from '../../hw-ppc64/blockdev.ts';
import type { Disk, SparseImage } from '../../hw-ppc64/disk.ts';
import { Machine } from '../../hw-ppc64/machine.ts';
import { MemoryBackend, type ImageTemplate } from '../../hw-ppc64/disk-backend.ts';
import type { CpuModel } from '../../hw-ppc64/costs.ts';
import { mkfs } from '../../ext2/index.ts';
import { COSMgr } from '../cosmgr.ts';
import type { Factory, FactoryRep } from '../factory.ts';
import type { CORef } from '../types.ts';
import { Ext2SuperRoot, type Ext2SuperRep } from './ext2-super.ts';
import { FileInodeFactory } from './inode-factory.ts';
import { FileSystemServerRoot, ROOT_INO, type FileSystemServerRep } from './fs-server.ts';
import type { K42FsVersion } from './types.ts';

/** Seconds since the epoch at cycle 0 (inode and superblock times). */
export const K42FS_EPOCH = 1_200_000_000;

export interface K42FileServiceOptions {
  cpus: number;
  model?: CpuModel;
  seed: number;
  version: K42FsVersion;
  /** Disk size (default 64 MiB), 1 KiB blocks, ext3 with a 1024-block journal. */
  diskBytes?: number;
  trace?: boolean;
  /** Random preemption and delays (default off). */
  perturb?: boolean;
}

/** The disk's size unless `diskBytes` says otherwise. */
const DEFAULT_DISK_BYTES = 64 << 20;

/** A fresh mkfs'd image per disk size, as a template new disks start from (see create). */
const FRESH_IMAGES = new Map<number, ImageTemplate>();

/** Drive a setup generator that only computes (mkfs on a synchronous device). */
function runSetup<T>(g: Sim<T>): T {
  let r = g.next();
  while (!r.done) {
    if (typeof r.value !== 'number') throw new Error('setup code tried to block');
    r = g.next();
  }
  return r.value;
}

/** The disk seen without modelled time (setup only). */
class SetupDevice implements BlockDevice {
  constructor(private readonly disk: Disk) {}
  get name(): string {
    return this.disk.name;
  }
  get sectorSize(): number {
    return this.disk.sectorSize;
  }
  get sizeBytes(): number {
    return this.disk.sizeBytes;
  }
  get readOnly(): boolean {
    return this.disk.readOnly;
  }
  *read(off: number, len: number): Sim<Uint8Array> {
    return this.disk.readSync(off, len);
  }
  *write(off: number, data: Uint8Array): Sim<void> {
    this.disk.writeSync(off, data);
  }
  *flush(): Sim<void> {}
}

export class K42FileService {
  readonly m: Machine;
  readonly cos: COSMgr;
  readonly disk: Disk;
  superRef!: CORef<Ext2SuperRep>;
  factoryRef!: CORef<FactoryRep>;
  serverRef!: CORef<FileSystemServerRep>;
  /** The inode factory the last update installed (its lazy conversions pause during a superblock swap). */
  updatedFactory: FileInodeFactory | null = null;
  server!: FileSystemServerRoot;
  mounted = false;

  private constructor(readonly opts: K42FileServiceOptions, template: ImageTemplate | undefined) {
    this.m = new Machine({
      cpus: opts.cpus,
      model: opts.model ?? 'ppc970',
      seed: opts.seed,
      trace: opts.trace ? { calls: false } : false,
      perturb: opts.perturb ? { preemptProbability: 0.02, maxDelayCycles: 300 } : null,
      // the OTT's per-CPU partitions grow with the CPU count (8,192 entries each, local and global)
      memoryBytes: Math.min(2 ** 30, Math.max(256 * 2 ** 20, opts.cpus * 16 * 2 ** 20)),
    });
    // every inode object takes an entry, and each swap a fresh one for the old root
    this.cos = new COSMgr(this.m, { partitionEntries: 8192 });
    const sizeBytes = opts.diskBytes ?? DEFAULT_DISK_BYTES;
    this.disk = template ? this.m.addDisk({ name: 'k42fs', backend: MemoryBackend.fromTemplate(template) }) : this.m.addDisk({ name: 'k42fs', sizeBytes });
  }

  /** Make the image, mount it, build the factory and the server (runs the machine). */
  static create(opts: K42FileServiceOptions): K42FileService {
    // mkfs is a pure function of the disk size (fixed clock, no randomness): made once per size,
    // and each new disk starts from it, copy on write (a fuzz sweep creates one per case)
    const size = opts.diskBytes ?? DEFAULT_DISK_BYTES;
    const fresh = FRESH_IMAGES.get(size);
    const svc = new K42FileService(opts, fresh);
    if (!fresh) {
      runSetup(mkfs(new SetupDevice(svc.disk), { blockSize: 1024, journal: true, journalBlocks: 1024, now: K42FS_EPOCH }));
      FRESH_IMAGES.set(size, MemoryBackend.template(svc.disk.readSync(0, size)));
    }
    svc.cos.spawnRequest('k42fs-mount', () => svc.mountBody(), { cpu: 0 });
    svc.m.run();
    if (!svc.mounted) throw new Error('k42fs: mount did not complete');
    return svc;
  }

  /** Simulated seconds (inode times). */
  readonly now = (): number => K42FS_EPOCH + Math.floor(this.m.engine.now / (this.m.engine.cyclesPerUs * 1e6));

  private *mountBody(): Sim<void> {
    const sb = yield* Ext2SuperRoot.mount(this.cos, this.disk, this.opts.version, this.now);
    this.superRef = sb.ref;
    const fac = new FileInodeFactory(this.cos, this.opts.version, sb.ref);
    this.factoryRef = fac.ref as CORef<FactoryRep>;
    this.server = new FileSystemServerRoot(this.cos, sb.ref, this.factoryRef);
    this.serverRef = this.server.ref;
    yield* (yield* this.cos.DREF(this.serverRef)).node(ROOT_INO);
    this.mounted = true;
  }

  /** The current inode factory (no cost). */
  factory(): Factory {
    return this.cos.ott.missHandlerOf(this.factoryRef) as Factory;
  }

  /** The current superblock root (no cost). */
  superRoot(): Ext2SuperRoot {
    return this.cos.ott.missHandlerOf(this.superRef) as Ext2SuperRoot;
  }

  /** Destroy the objects of freed inodes: out of the factory's lists, then `destroyCO`. */
  *reapZombies(): Sim<number> {
    const z = this.server.zombies;
    this.server.zombies = [];
    const fac = this.factory();
    for (const n of z) {
      for (const rep of fac.reps()) if (yield* rep.deregisterLocal(n.ref)) break;
      yield* this.cos.destroyCO(n.ref);
    }
    return z.length;
  }

  /** Clean unmount: reap dead objects, commit, checkpoint, mark the image clean. */
  *unmount(): Sim<void> {
    yield* this.reapZombies();
    yield* (yield* this.cos.DREF(this.superRef)).unmount();
    this.mounted = false;
  }

  /** The whole disk image (no modelled time). */
  image(): Uint8Array {
    return this.disk.readSync(0, this.disk.sizeBytes);
  }

  /** The disk's written regions (no modelled time, no copy of the zeros): what e2fsck needs. */
  sparseImage(): SparseImage {
    return this.disk.sparseImage();
  }
}
