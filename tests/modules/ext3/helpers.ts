/**
 * Helpers for the ext3 module suite: fresh images (mke2fs, made once per
 * geometry and copied into memory-backed disks), booting a system with ext3
 * as root on such a disk, reading the image back, and the e2fsprogs oracles
 * (which must be installed: a missing tool fails with the install hint).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../../src/sim/index.ts';
import { costTable } from '../../../src/hw-ppc64/costs.ts';
import { Disk } from '../../../src/hw-ppc64/disk.ts';
import { MemoryBackend } from '../../../src/hw-ppc64/disk-backend.ts';
import { debugfsScript, e2fsckFile, e2fsckRequired, requireTool, runMke2fs, type Mke2fsOptions } from '../../../src/ext2/e2fsprogs.ts';
import { Machine } from '../../../src/hw-ppc64/machine.ts';
import { bootSystem, type System } from '../../../src/system/boot.ts';
import type { LiveUpdate } from '../../../src/modules/update/manager.ts';

export function tmpDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'modswap-ext3-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const DEFAULT_IMAGE: Mke2fsOptions = { type: 'ext3', blockSize: 1024, blocks: 16384, journalMiB: 1 };

const images = new Map<string, Uint8Array>();

/** The bytes of a fresh mke2fs image (made once per option set). */
export function freshImage(o: Mke2fsOptions = DEFAULT_IMAGE): Uint8Array {
  const key = JSON.stringify(o);
  let img = images.get(key);
  if (!img) {
    requireTool('mke2fs');
    const { dir, cleanup } = tmpDir();
    try {
      const path = join(dir, 'img');
      runMke2fs(path, o);
      img = new Uint8Array(readFileSync(path));
    } finally {
      cleanup();
    }
    images.set(key, img);
  }
  return img;
}

/** A memory-backed disk holding `image`. */
export function memDisk(engine: Engine, image: Uint8Array, name = 'sda'): Disk {
  return new Disk(engine, costTable('ppc970'), { name, backend: MemoryBackend.withImage(image) });
}

/** Boot with ext3 (release `version`) as root on a fresh memory disk. */
export function bootExt3(version: string | number = 3, image: Uint8Array = freshImage()): { s: System; disk: Disk } {
  const engine = new Engine({ cpus: 2, seed: 1 });
  const disk = memDisk(engine, image);
  const s = bootSystem({ engine, disk, ext3Version: version, procfs: false });
  return { s, disk };
}

/**
 * As bootExt3, on a modelled machine with the live-update manager (modules
 * instrumented for per-CPU counters), for tests that update ext3 through it.
 */
export function bootExt3Live(version: string | number = 3, image: Uint8Array = freshImage()): { s: System; disk: Disk; live: LiveUpdate } {
  const machine = new Machine({ cpus: 2, model: 'ppc970', seed: 1 });
  const disk = machine.addDisk({ name: 'sda', backend: MemoryBackend.withImage(image) });
  const s = bootSystem({ engine: machine.engine, disk, ext3Version: version, procfs: false, live: { machine, strategy: 'counter-percpu', sysfs: 'no' } });
  return { s, disk, live: s.live! };
}

/** The whole disk as bytes (no modelled time). */
export function diskBytes(disk: Disk): Uint8Array {
  return disk.readSync(0, disk.sizeBytes);
}

export function saveImage(disk: Disk, path: string): void {
  writeFileSync(path, diskBytes(disk));
}

/** e2fsck -fn of the disk as it is now (its sparse image); a missing e2fsck throws with the install hint. */
export function fsckDisk(disk: Disk): { status: number; out: string } {
  return e2fsckRequired(disk.sparseImage());
}

/** e2fsck -fn: exit status and output; a missing e2fsck throws with the install hint. */
export function fsck(path: string): { status: number; out: string } {
  requireTool('e2fsck');
  return e2fsckFile(path)!;
}

/**
 * Run several debugfs requests in one process (`-f`); returns each one's
 * output. debugfs echoes `debugfs: REQUEST` before each output, which is how
 * the outputs are split (a `cat` without a final newline runs into the echo).
 */
export function debugfsBatch(path: string, requests: readonly string[]): string[] {
  const out = debugfsScript(path, requests, false);
  const res: string[] = [];
  let at = 0;
  for (let i = 0; i < requests.length; i++) {
    const marker = `debugfs: ${requests[i]}\n`;
    const start = out.indexOf(marker, at);
    if (start < 0) throw new Error(`debugfs output lacks the echo of '${requests[i]}'`);
    const from = start + marker.length;
    const next = i + 1 < requests.length ? out.indexOf(`debugfs: ${requests[i + 1]}\n`, from) : out.length;
    res.push(out.slice(from, next < 0 ? out.length : next));
    at = from;
  }
  return res;
}
