/**
 * The file-system setups every conformance suite runs against
 * (`describe.each(SETUPS)`). Each boots a fresh system (ramfs root, procfs)
 * and mounts the file system under test at MNT; the suites work below MNT.
 * ext3 runs in each release on a memory-backed disk holding a fresh image
 * (the built-in mkfs, made once and copied per test); and ext3 reached by a
 * live update on the Linux path (mounted at one release, updated in place).
 */
import { expect } from 'vitest';
import { Engine, type Sim } from '../../src/sim/index.ts';
import { costTable } from '../../src/hw-ppc64/costs.ts';
import { Disk } from '../../src/hw-ppc64/disk.ts';
import { MemoryBackend } from '../../src/hw-ppc64/disk-backend.ts';
import type { BlockDevice } from '../../src/hw-ppc64/blockdev.ts';
import { mkfs } from '../../src/ext2/index.ts';
import { init_module, withExt3Version } from '../../src/modules/index.ts';
import { bootSystem, type System } from '../../src/system/boot.ts';
import { FIXED_TIME as EXT3_EPOCH } from '../../src/ext2/e2fsprogs.ts';
import { sys } from '../../src/vfs/index.ts';
import { Machine } from '../../src/hw-ppc64/machine.ts';
import { ext3Definition } from '../../src/modules/ext3-releases.ts';
import type { QuiescenceStrategy } from '../../src/modules/update/usecount.ts';

export const MNT = '/mnt';

export interface FsSetup {
  /** Shown in the test names. */
  readonly name: string;
  /** The type mounted at MNT. */
  readonly fstype: string;
  /** The module that provides it (for rmmod/refcount cases). */
  readonly module: string;
  /** A fresh system with the file system under test mounted at MNT. */
  create(): System;
  /**
   * Tests this setup is known to fail (by test name): why, and the assertion
   * error it fails with. Only for a release's deliberate bug; such a test
   * runs its body through `withKnownFailure`, which asserts it fails that way.
   */
  readonly knownFailures?: Readonly<Record<string, KnownFailure>>;
}

export interface KnownFailure {
  readonly why: string;
  /** The failing assertion's message. */
  readonly failsWith: RegExp;
}

/**
 * Run a test body on `setup`. If the setup is known to fail the test named
 * `name`, the body must fail exactly the known way (so the bug is still
 * observed, and a fix or a different failure shows); else it runs as is.
 */
export function withKnownFailure(setup: FsSetup, name: string, body: () => void): void {
  const known = setup.knownFailures?.[name];
  if (!known) return body();
  expect(body, `known failure of ${setup.name}: ${known.why}`).toThrow(known.failsWith);
}

const ramfs: FsSetup = {
  name: 'ramfs',
  fstype: 'ramfs',
  module: 'ramfs',
  create() {
    const s = bootSystem({ engine: new Engine({ cpus: 2, seed: 1 }) });
    s.exec(function* (t) {
      yield* sys.mkdir(t, MNT, 0o755);
      yield* sys.mount(t, 'none', MNT, 'ramfs');
    });
    return s;
  },
};

// ---- ext3 ------------------------------------------------------------------

const IMAGE_BYTES = 16 << 20;
const CHUNK = 64 * 1024;
let ext3Image: Map<number, Uint8Array> | null = null;

/** A fresh ext3 image (1 KiB blocks, journal), made once by the built-in mkfs; non-zero 64 KiB chunks. */
function ext3ImageChunks(): Map<number, Uint8Array> {
  if (ext3Image) return ext3Image;
  const bytes = new Uint8Array(IMAGE_BYTES);
  const dev: BlockDevice = {
    name: 'template', sectorSize: 512, sizeBytes: IMAGE_BYTES, readOnly: false,
    *read(off: number, len: number): Sim<Uint8Array> {
      return bytes.slice(off, off + len);
    },
    *write(off: number, data: Uint8Array): Sim<void> {
      bytes.set(data, off);
    },
    *flush(): Sim<void> {},
  };
  const g = mkfs(dev, { blockSize: 1024, journal: true, now: EXT3_EPOCH });
  for (let r = g.next(); !r.done; r = g.next()) if (typeof r.value !== 'number') throw new Error('mkfs blocked');
  ext3Image = new Map();
  for (let off = 0; off < IMAGE_BYTES; off += CHUNK) {
    const c = bytes.subarray(off, off + CHUNK);
    if (c.some((b) => b !== 0)) ext3Image.set(off, c.slice());
  }
  return ext3Image;
}

function ext3Setup(version: number, knownFailures?: Record<string, KnownFailure>): FsSetup {
  return {
    name: `ext3 v${version}`,
    fstype: 'ext3',
    module: 'ext3',
    ...(knownFailures ? { knownFailures } : {}),
    create() {
      const engine = new Engine({ cpus: 2, seed: 1 });
      const backend = new MemoryBackend(IMAGE_BYTES);
      for (const [off, c] of ext3ImageChunks()) backend.write(off, c);
      const disk = new Disk(engine, costTable('ppc970'), { name: 'sda', backend });
      const s = bootSystem({ engine, registry: withExt3Version(version) });
      // The suites expect the device under test to be called `none` (as ramfs's is).
      s.kernel.add_bdev(disk, 'none');
      s.exec(function* (t) {
        yield* init_module(t, 'ext3');
        yield* sys.mkdir(t, MNT, 0o755);
        yield* sys.mount(t, 'none', MNT, 'ext3');
        // The suites start from an empty directory; e2fsck accepts an image without lost+found.
        yield* sys.rmdir(t, `${MNT}/lost+found`);
      });
      return s;
    },
  };
}

/**
 * ext3 v1 ships the rename link-count bug (src/ext2/logic.ts): moving p1/s to
 * p2/s leaves p1 at 3 links (should drop to 2) and p2 at 2 (should be 3).
 */
const EXT3_V1_BUG: KnownFailure = {
  why: 'v1 bug: a directory renamed to another parent leaves both parents\' link counts unchanged',
  failsWith: /^nlink of the old parent after the move: expected 3 to be 2/,
};

/**
 * ext3 at release `to`, reached by a live update from `from` after the file
 * system was mounted: the suites then run on the module the update installed
 * (re-pointed tables, converted inodes, moved references), the Linux update
 * path's end state.
 */
function ext3LiveSetup(from: number, to: number, strategy: QuiescenceStrategy): FsSetup {
  return {
    name: `ext3 v${from}->v${to} live (${strategy})`,
    fstype: 'ext3',
    module: 'ext3',
    create() {
      const machine = new Machine({ cpus: 2, model: 'ppc970', seed: 1 });
      const backend = new MemoryBackend(IMAGE_BYTES);
      for (const [off, c] of ext3ImageChunks()) backend.write(off, c);
      const disk = machine.addDisk({ name: 'sda', backend });
      const s = bootSystem({ engine: machine.engine, registry: withExt3Version(from), live: { machine, strategy, sysfs: 'no' } });
      const live = s.live!;
      s.kernel.add_bdev(disk, 'none');
      s.exec(function* (t) {
        yield* init_module(t, 'ext3');
        yield* sys.mkdir(t, MNT, 0o755);
        yield* sys.mount(t, 'none', MNT, 'ext3');
        yield* sys.rmdir(t, `${MNT}/lost+found`);
        const r = yield* live.update(t, { module: 'ext3', def: ext3Definition(to), source: 'conformance' });
        if (!r.ok) throw new Error(`live update ext3 ${from} -> ${to} failed: ${r.error?.message}`);
      });
      return s;
    },
  };
}

export const SETUPS: readonly FsSetup[] = [
  ramfs,
  ext3Setup(1, { 'moves a directory: parents relink and .. follows': EXT3_V1_BUG }),
  ext3Setup(2),
  ext3Setup(3),
  ext3LiveSetup(1, 2, 'counter-shared'),
  ext3LiveSetup(2, 3, 'counter-percpu'),
];

