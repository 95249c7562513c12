/**
 * `modswap mkfs` then `modswap shell --image`: the images e2fsck accepts,
 * reproducible bytes, the one-line errors (exit 2), and v1's bug through
 * the shell (`--ext3-version 1`).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/command.ts';
import { fsck, tmpDir } from './helpers.ts';
import { debugfs } from '../../../src/ext2/e2fsprogs.ts';

async function modswap(argv: string[], stdin = ''): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => stdin, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

const SCRIPT = ['mkdir /a', 'mkdir /b', 'mkdir /a/d', 'mv /a/d /b/d', 'write /b/d/f hello', 'stat /a', 'cat /b/d/f'].join('\n');

describe('modswap mkfs + shell --image', () => {
  it.each([
    ['mke2fs', ['--journal']],
    ['built-in', ['--journal', '--builtin']],
    ['built-in ext2, 4K blocks', ['--builtin', '--block-size', '4096']],
  ])('%s image: shell runs a script on it; e2fsck -fn exits 0; debugfs sees the tree', async (_name, extra) => {
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      const mk = await modswap(['mkfs', '--image', img, '--size', '16M', '--json', ...extra]);
      expect(mk.code).toBe(0);
      expect(JSON.parse(mk.out[0]!)).toMatchObject({ image: img, size: 16 << 20 });
      expect(fsck(img).status).toBe(0);
      const sh = await modswap(['shell', '--image', img], SCRIPT);
      expect(sh.code, sh.out.join('\n')).toBe(0);
      expect(sh.out).toContain('hello');
      expect(sh.out.join('\n')).toMatch(/mode=040755 nlink=2/);
      const r = fsck(img);
      expect(r.status, r.out).toBe(0);
      expect(debugfs(img, 'cat /b/d/f')).toBe('hello');
      // A second boot of the same image sees the tree.
      const again = await modswap(['shell', '--image', img], 'ls /b/d\n');
      expect(again.out).toEqual(['f']);
    } finally {
      cleanup();
    }
  });

  it('v1 through the shell: stat /a shows nlink 3 and e2fsck exits 4', async () => {
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      expect((await modswap(['mkfs', '--image', img, '--size', '16M', '--journal'])).code).toBe(0);
      const sh = await modswap(['shell', '--image', img, '--ext3-version', '1'], SCRIPT);
      expect(sh.out.join('\n')).toMatch(/mode=040755 nlink=3/);
      expect(fsck(img).status).toBe(4);
    } finally {
      cleanup();
    }
  });

  it('mkfs is reproducible and refuses to overwrite; bad sizes are one-line errors (exit 2)', async () => {
    const { dir, cleanup } = tmpDir();
    try {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      expect((await modswap(['mkfs', '--image', a, '--size', '8M', '--journal'])).code).toBe(0);
      expect((await modswap(['mkfs', '--image', b, '--size', '8192K', '--journal'])).code).toBe(0);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
      const again = await modswap(['mkfs', '--image', a, '--size', '8M']);
      expect(again.code).toBe(2);
      expect(again.err.join('\n')).toMatch(/exists and is not empty/);
      expect((await modswap(['mkfs', '--image', a, '--size', '8M', '--force'])).code).toBe(0);
      for (const size of ['8X', '-1', '1000']) {
        const r = await modswap(['mkfs', '--image', join(dir, 'c'), '--size', size]);
        expect(r.code, size).toBe(2);
        expect(r.err.length).toBe(1);
      }
      writeFileSync(join(dir, 'junk'), 'not a file system');
      const bad = await modswap(['shell', '--image', join(dir, 'junk')], 'ls /\n');
      expect(bad.code).toBe(2);
    } finally {
      cleanup();
    }
  });
});
