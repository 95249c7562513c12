/**
 * Building a modelled system the way every command, demo, scenario, the
 * fuzzer and the bench do: a machine, a root file system (ramfs, or ext3 at
 * some release on a disk: a fresh in-memory image or a host image file),
 * then the one boot path (`bootSystem`, boot.ts) with live update: every
 * module instrumented for the chosen quiescence strategy, the live-update
 * manager, procfs and sysfs. A demo and a user's scenario differ only in
 * their parameters.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../hw-ppc64/machine.ts';
import type { CpuModel } from '../hw-ppc64/costs.ts';
import type { Disk } from '../hw-ppc64/disk.ts';
import { HostFileBackend, MemoryBackend, type ImageTemplate } from '../hw-ppc64/disk-backend.ts';
import type { PerturbConfig } from '../sim/engine.ts';
import { runThread } from '../sim/run-thread.ts';
import { bootSystem, shutdownSystem, type System } from './boot.ts';
import type { LiveUpdate } from '../modules/update/manager.ts';
import type { QuiescenceStrategy } from '../modules/update/usecount.ts';
import { runMke2fs } from '../ext2/e2fsprogs.ts';
import { e2fsprogsTool } from '../ext2/e2fsprogs-path.ts';
import { mkfs } from '../ext2/mkfs.ts';

export interface SystemSpec {
  cpus: number;
  model?: CpuModel;
  seed: number;
  /** Root file system. */
  fs: 'ramfs' | 'ext3';
  /** ext3 release to boot (default newest). */
  ext3Version?: number;
  /** Host image file for ext3 (default: a fresh image in memory). */
  image?: string;
  /** Size of a fresh image in MiB (default 32). */
  imageMiB?: number;
  strategy: QuiescenceStrategy;
  trace?: boolean | { calls?: boolean };
  perturb?: PerturbConfig | null;
  /** Disk per-request overhead in µs (default: the disk model's). */
  diskOverheadUs?: number;
}

export interface BuiltSystem {
  machine: Machine;
  system: System;
  live: LiveUpdate;
  disk: Disk | null;
  /** Unmount everything cleanly (the image passes e2fsck -fn afterwards). */
  shutdown(): void;
}

const freshTemplates = new Map<string, ImageTemplate>();

/**
 * A fresh ext3 image as a template disks start from (copy on write): made
 * once per size by mke2fs when installed (reproducible), else the built-in
 * mkfs; only its non-zero chunks are kept.
 */
export function freshExt3Template(mib: number, blockSize: 1024 | 2048 | 4096 = 1024): ImageTemplate {
  const key = `${mib}/${blockSize}`;
  const cached = freshTemplates.get(key);
  if (cached) return cached;
  const blocks = (mib * 1024 * 1024) / blockSize;
  let bytes: Uint8Array;
  if (e2fsprogsTool('mke2fs')) {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-img-'));
    try {
      const path = join(dir, 'img');
      runMke2fs(path, { type: 'ext3', blockSize, blocks, journalMiB: Math.max(1, Math.min(8, mib >> 3)) });
      bytes = new Uint8Array(readFileSync(path));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const backend = new MemoryBackend(mib * 1024 * 1024);
    const m = new Machine({ cpus: 1, model: 'ppc970', seed: 1 });
    const disk = m.addDisk({ name: 'mkfs', backend });
    runThread(m.engine, 'mkfs', () => mkfs(disk, { blockSize, journal: true, now: 1_000_000_000 }));
    bytes = disk.readSync(0, disk.sizeBytes);
  }
  const t = MemoryBackend.template(bytes);
  freshTemplates.set(key, t);
  return t;
}

/** Bytes of a fresh ext3 image (a copy the caller may change). */
export function freshExt3Image(mib: number, blockSize: 1024 | 2048 | 4096 = 1024): Uint8Array {
  const t = freshExt3Template(mib, blockSize);
  const bytes = new Uint8Array(t.sizeBytes);
  MemoryBackend.fromTemplate(t).read(0, bytes, true);
  return bytes;
}

export function buildSystem(spec: SystemSpec): BuiltSystem {
  const machine = new Machine({
    cpus: spec.cpus,
    model: spec.model ?? 'ppc970',
    seed: spec.seed,
    trace: spec.trace ?? false,
    ...(spec.perturb ? { perturb: spec.perturb } : {}),
  });
  const live = { machine, strategy: spec.strategy };
  let disk: Disk | null = null;
  let system: System;
  if (spec.fs === 'ramfs') {
    system = bootSystem({ engine: machine.engine, live });
  } else {
    const backend = spec.image ? HostFileBackend.open(spec.image) : MemoryBackend.fromTemplate(freshExt3Template(spec.imageMiB ?? 32));
    disk = machine.addDisk({ name: 'sda', backend, ...(spec.diskOverheadUs !== undefined ? { overheadUs: spec.diskOverheadUs } : {}) });
    system = bootSystem({
      engine: machine.engine,
      disk,
      // a user's image is not written to unasked: no /proc or /sys created on it
      procfs: !spec.image,
      ...(spec.ext3Version !== undefined ? { ext3Version: spec.ext3Version } : {}),
      live: { ...live, sysfs: spec.image ? 'if-present' : 'create' },
    });
  }
  let down = false;
  return {
    machine,
    system,
    live: system.live!,
    disk,
    shutdown() {
      if (down) return;
      down = true;
      try {
        shutdownSystem(system);
      } finally {
        disk?.close();
      }
    },
  };
}
