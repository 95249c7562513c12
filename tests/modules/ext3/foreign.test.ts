/**
 * Trees written by e2fsprogs read back through the module: an image built
 * by `mke2fs -d DIR` (default ext3 features: dir_index, ext_attr,
 * resize_inode; files with indirect blocks, a sparse file, fast and slow
 * symlinks, a hard link, a large directory) and one written with debugfs.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, openSync, closeSync, writeSync } from 'node:fs';
import type { Sim } from '../../../src/sim/index.ts';
import { runMke2fs } from '../../../src/ext2/e2fsprogs.ts';
import { sys, type Task } from '../../../src/vfs/index.ts';
import { S_ISLNK } from '../../../src/uapi/stat.ts';
import { shutdownSystem } from '../../../src/system/boot.ts';
import { patternBytes } from '../../../src/workload/fsstress.ts';
import { listDir, readAll } from './exec.ts';
import { bootExt3, freshImage, fsck, saveImage, tmpDir } from './helpers.ts';
import { debugfs } from '../../../src/ext2/e2fsprogs.ts';

/** Host tree: relative path -> content | symlink target | directory. */
type Entry = { kind: 'file'; data: Uint8Array } | { kind: 'dir' } | { kind: 'symlink'; target: string };

function* readTree(t: Task, dir: string, out: Map<string, Entry>): Sim<void> {
  for (const name of yield* listDir(t, dir)) {
    if (dir === '/' && name === 'lost+found') continue;
    const p = `${dir === '/' ? '' : dir}/${name}`;
    const st = yield* sys.lstat(t, p);
    if (S_ISLNK(st.mode)) out.set(p, { kind: 'symlink', target: yield* sys.readlink(t, p) });
    else if ((st.mode & 0o170000) === 0o040000) {
      out.set(p, { kind: 'dir' });
      yield* readTree(t, p, out);
    } else out.set(p, { kind: 'file', data: yield* readAll(t, p) });
  }
}

describe('foreign images', () => {
  it('mke2fs -d: every file, directory and symlink reads back; hard links share an inode', () => {
    const { dir, cleanup } = tmpDir();
    try {
      const src = join(dir, 'src');
      const want = new Map<string, Entry>();
      const file = (rel: string, data: Uint8Array): void => {
        writeFileSync(join(src, rel), data);
        want.set(`/${rel}`, { kind: 'file', data });
      };
      mkdirSync(join(src, 'sub/deep'), { recursive: true });
      want.set('/sub', { kind: 'dir' });
      want.set('/sub/deep', { kind: 'dir' });
      file('empty', new Uint8Array(0));
      file('small', patternBytes(1, 100));
      file('sub/ind', patternBytes(2, 40_000)); // single indirect on 1 KiB blocks
      file('sub/deep/dind', patternBytes(3, 400_000)); // double indirect
      // A sparse file: a hole, then data.
      const sparse = new Uint8Array(300_000);
      sparse.set(patternBytes(4, 1000), 299_000);
      const fd = openSync(join(src, 'sparse'), 'w');
      writeSync(fd, sparse.subarray(299_000), 0, 1000, 299_000);
      closeSync(fd);
      want.set('/sparse', { kind: 'file', data: sparse });
      symlinkSync('small', join(src, 'fast'));
      want.set('/fast', { kind: 'symlink', target: 'small' });
      const long = 'sub/deep/' + 'x'.repeat(100);
      symlinkSync(long, join(src, 'slow'));
      want.set('/slow', { kind: 'symlink', target: long });
      linkSync(join(src, 'small'), join(src, 'sub/hard'));
      want.set('/sub/hard', { kind: 'file', data: readFileSync(join(src, 'small')) });
      mkdirSync(join(src, 'big'));
      want.set('/big', { kind: 'dir' });
      for (let i = 0; i < 300; i++) file(`big/entry-with-a-longish-name-${i}`, patternBytes(10 + i, i));
      const img = join(dir, 'img');
      runMke2fs(img, { type: 'ext3', blockSize: 1024, blocks: 8192, rootDir: src });
      const { s, disk } = bootExt3(3, new Uint8Array(readFileSync(img)));
      const got = new Map<string, Entry>();
      s.exec((t) => readTree(t, '/', got));
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [p, e] of want) {
        const g = got.get(p)!;
        expect(g.kind, p).toBe(e.kind);
        if (e.kind === 'file') expect(Buffer.from((g as { data: Uint8Array }).data).equals(Buffer.from(e.data)), p).toBe(true);
        if (e.kind === 'symlink') expect((g as { target: string }).target, p).toBe(e.target);
      }
      const links = s.exec(function* (t) {
        const a = yield* sys.stat(t, '/small');
        const b = yield* sys.stat(t, '/sub/hard');
        return { same: a.ino === b.ino, nlink: a.nlink, sparseBlocks: (yield* sys.stat(t, '/sparse')).blocks };
      });
      expect(links.same).toBe(true);
      expect(links.nlink).toBe(2);
      expect(links.sparseBlocks).toBeLessThan(20); // the hole takes no blocks
      // Modify the htree directory (the engine clears INDEX_FL) and stay clean.
      s.exec(function* (t) {
        yield* sys.unlink(t, '/big/entry-with-a-longish-name-7');
        yield* sys.symlink(t, 'x', '/big/new-link');
      });
      shutdownSystem(s);
      saveImage(disk, img);
      const r = fsck(img);
      expect(r.status, r.out).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('a tree written with debugfs reads back', () => {
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      writeFileSync(img, freshImage());
      const host = join(dir, 'data');
      const data = patternBytes(77, 20_000);
      writeFileSync(host, data);
      for (const req of ['mkdir /dd', 'mkdir /dd/e', `write ${host} /dd/e/file`, 'symlink /dd/ln /dd/e/file']) debugfs(img, req, true);
      const { s } = bootExt3(2, new Uint8Array(readFileSync(img)));
      const r = s.exec(function* (t) {
        return {
          names: (yield* listDir(t, '/dd')).sort(),
          file: yield* readAll(t, '/dd/e/file'),
          viaLink: yield* readAll(t, '/dd/ln'),
          target: yield* sys.readlink(t, '/dd/ln'),
          nlink: (yield* sys.stat(t, '/dd')).nlink,
        };
      });
      expect(r.names).toEqual(['e', 'ln']);
      expect(Buffer.from(r.file).equals(Buffer.from(data))).toBe(true);
      expect(Buffer.from(r.viaLink).equals(Buffer.from(data))).toBe(true);
      expect(r.target).toBe('/dd/e/file');
      expect(r.nlink).toBe(3);
    } finally {
      cleanup();
    }
  });
});
