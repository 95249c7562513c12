/**
 * Real images made by other tools (mke2fs, debugfs, hand-written magic
 * bytes) that once reached an internal error (exit 70 with a stack) or a
 * wrong answer, run through `modswap shell --image` (main, captured IO):
 * each now gives a one-line errno result or a one-line mount refusal.
 *
 * - inode bitmap marking the live lost+found (11) free: the allocator
 *   refuses the in-use inode (EUCLEAN, "doubly allocated?"), so mkdir never
 *   gets inode 11; a directory entry naming a directory a second time is
 *   refused by the dcache (EUCLEAN), and rename locks by inode;
 * - a 4 TiB sparse file (large_file, e2fsck clean): `cat` streams it in
 *   bounded chunks (a reader that stops, as `| head`, ends it with EPIPE);
 * - an XFS or FAT volume: "not an ext2/ext3 file system (bad magic ...)";
 * - a root inode that is not a directory: refused at mount.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { CAT_CHUNK } from '../../src/shell/index.ts';
import { runMke2fs } from '../../src/ext2/e2fsprogs.ts';
import { fsck, requireE2fsprogs, tmpDir } from '../ext2/helpers.ts';
import { debugfsScript } from '../../src/ext2/e2fsprogs.ts';

interface Run {
  code: number;
  out: string[];
  err: string[];
  chunks: number[];
}

/** `modswap shell --image IMG` with `script` on stdin; `write` (the streaming sink) throws EPIPE after `pipeBytes`. */
async function shell(image: string, script: string, pipeBytes = Infinity): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const chunks: number[] = [];
  let written = 0;
  const io: CliIO = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    write: (t) => {
      if (written >= pipeBytes) throw Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE' });
      chunks.push(t.length);
      written += t.length;
    },
    readStdin: async () => script,
    isTTY: false,
  };
  const code = await main(['shell', '--image', image], io);
  return { code, out, err, chunks };
}

function withImage(make: (img: string, dir: string) => void, body: (img: string) => Promise<void>): () => Promise<void> {
  return async () => {
    requireE2fsprogs();
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      make(img, dir);
      await body(img);
    } finally {
      cleanup();
    }
  };
}

const oneLine = (r: Run): void => {
  expect(r.code, r.err.join('|')).not.toBe(70);
  for (const l of [...r.out, ...r.err]) expect(l).not.toMatch(/internal error|\n\s+at /);
};

describe('an inode bitmap that marks the live lost+found free', () => {
  const make = (img: string): void => {
    runMke2fs(img, { type: 'ext2', blockSize: 1024, blocks: 4096 });
    debugfsScript(img, ['freei <11>']);
  };

  it('mkdir and create are refused (EUCLEAN): inode 11 is in the inode table', withImage(make, async (img) => {
    const r = await shell(img, 'mkdir /newdir\nstat /lost+found\nwrite /lost+found/x hi\nmv /lost+found /moved\nstat /moved\n');
    oneLine(r);
    expect(r.code).toBe(1);
    expect(r.out[0]).toBe('error: EUCLEAN mkdir /newdir');
    expect(r.out[1]).toMatch(/^ino=11 mode=040700 nlink=2 /);
    expect(r.out[2]).toBe('error: EUCLEAN open /lost+found/x');
    // the directory itself is fine: a rename within / works and nothing got inode 11 twice
    expect(r.out[3]).toMatch(/^ino=11 mode=040700 nlink=2 /);
    expect(r.out).toHaveLength(4);
    // the refused allocations wrote nothing to the bitmap: e2fsck finds exactly the one planted fault
    const f = fsck(img);
    expect(f.status).toBe(4);
    expect(f.out).toMatch(/Inode bitmap differences:\s+\+11/);
  }));

  it('a second directory entry for a directory is refused by the dcache; rename by inode', withImage(
    (img) => {
      runMke2fs(img, { type: 'ext2', blockSize: 1024, blocks: 4096 });
      debugfsScript(img, ['mkdir d', 'ln d /alias', 'write /dev/null d/x']);
    },
    async (img) => {
      const r = await shell(img, 'ls /d\nls /alias\nmv /d/x /d/y\nls /d\n');
      oneLine(r);
      expect(r.out).toEqual(['x', 'error: EUCLEAN stat /alias', 'y']);
      // and the other way round: the second name met first wins, the first is then refused
      const r2 = await shell(img, 'ls /alias\nls /d\nmv /alias/y /alias/z\nls /alias\n');
      oneLine(r2);
      expect(r2.out).toEqual(['y', 'error: EUCLEAN stat /d', 'z']);
    },
  ));
});

describe('a 4 TiB sparse file (large_file, e2fsck clean)', () => {
  const make = (img: string, dir: string): void => {
    runMke2fs(img, { type: 'ext2', blockSize: 4096, blocks: 2048 });
    const src = join(dir, 'hello');
    writeFileSync(src, 'hello\n');
    debugfsScript(img, [`write ${src} big`, 'sif big size 0x40000000000']);
    expect(fsck(img).status).toBe(0);
  };

  it('cat streams it in bounded chunks; a reader that stops ends it with EPIPE', withImage(make, async (img) => {
    const r = await shell(img, 'stat /big\ncat /big\nstat /big\n', 8 * CAT_CHUNK);
    oneLine(r);
    expect(r.out[0]).toMatch(/ size=4398046511104 /);
    expect(r.out[1]).toBe('error: EPIPE write stdout');
    expect(r.out[2]).toMatch(/ size=4398046511104 /);
    expect(r.chunks.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...r.chunks)).toBeLessThanOrEqual(CAT_CHUNK);
  }));

  it('without a stream (--json) the collected output is bounded: EFBIG, one line', withImage(make, async (img) => {
    const out: string[] = [];
    const io: CliIO = { out: (t) => out.push(t), err: () => {}, readStdin: async () => 'cat /big\n', isTTY: false };
    const code = await main(['shell', '--json', '--image', img], io);
    expect(code).toBe(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: false, errno: 'EFBIG' });
  }));
});

describe('images that are not ext2, or whose root is not a directory, are refused at mount', () => {
  async function refused(img: string): Promise<string> {
    const before = readFileSync(img);
    const err: string[] = [];
    const io: CliIO = { out: () => {}, err: (t) => err.push(t), readStdin: async () => 'ls /\n', isTTY: false };
    const code = await main(['shell', '--image', img], io);
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).not.toContain('\n');
    expect(readFileSync(img).equals(before)).toBe(true);
    return err[0]!;
  }

  it('XFS (its superblock puts 2^24 where ext2 keeps the block size) and FAT: bad magic, not a block size', async () => {
    const { dir, cleanup } = tmpDir();
    try {
      // an XFS superblock at byte 0: "XFSB", block size 4096 (big-endian), which puts
      // 0x01000000 at byte 1048, ext2's s_log_block_size (the old error: "log 16777216")
      const xfs = new Uint8Array(2 << 20);
      xfs.set([0x58, 0x46, 0x53, 0x42, 0, 0, 0x10, 0], 0);
      xfs.set([0, 0, 0, 1], 1048);
      writeFileSync(join(dir, 'xfs'), xfs);
      expect(await refused(join(dir, 'xfs'))).toMatch(/^modswap shell: cannot mount .*xfs: EINVAL: .*not an ext2\/ext3 file system \(bad magic 0x0000\)\)$/);
      // a FAT boot sector: jump, OEM name, 512-byte sectors, the 0x55AA signature
      const fat = new Uint8Array(1 << 20);
      fat.set([0xeb, 0x3c, 0x90, ...Buffer.from('mkfs.fat'), 0x00, 0x02, 0x04], 0);
      fat.set([0x55, 0xaa], 510);
      fat.fill(0xf8, 1024, 4096);
      writeFileSync(join(dir, 'fat'), fat);
      expect(await refused(join(dir, 'fat'))).toMatch(/not an ext2\/ext3 file system \(bad magic 0xf8f8\)/);
    } finally {
      cleanup();
    }
  });

  it('a root inode that is a regular file: EUCLEAN, nothing written', withImage(
    (img) => {
      runMke2fs(img, { type: 'ext2', blockSize: 1024, blocks: 4096 });
      debugfsScript(img, ['sif <2> mode 0100644']);
    },
    async (img) => {
      expect(await refused(img)).toMatch(/EUCLEAN: .*corrupt root inode \(mode 0100644, .*run e2fsck/);
      // the same image with the root put back mounts
      const fixed = `${img}.fixed`;
      copyFileSync(img, fixed);
      debugfsScript(fixed, ['sif <2> mode 040755']);
      const r = await shell(fixed, 'ls /\n');
      expect(r.out).toEqual(['lost+found']);
    },
  ));
});
