/**
 * The resident e2fsck runner (src/ext2/e2fsck-server.ts): the same verdict
 * and output as spawning e2fsck, a stopped check reported by its signal,
 * and a shell that dies costs nothing but speed (the caller spawns instead).
 * Each test talks to its own wrapper binary, so the server every other test
 * in this process uses is left alone.
 */
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { e2fsckServerPid, e2fsckViaServer } from '../../src/ext2/e2fsck-server.ts';
import { CHECK_TIME, requireTool, runMke2fs } from '../../src/ext2/e2fsprogs.ts';

const dir = mkdtempSync(join(tmpdir(), 'modswap-fsckd-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, E2FSCK_TIME: String(CHECK_TIME) };
const scratch = (): string => mkdtempSync(join(dir, 'srv-'));

/** A binary of our own that runs e2fsck (or `body`), so this test's server is its own. */
function wrapper(name: string, body = `exec ${requireTool('e2fsck')} "$@"`): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function images(): { clean: string; broken: string } {
  const clean = join(dir, 'clean.img');
  runMke2fs(clean, { type: 'ext3', blockSize: 1024, blocks: 8192, journalMiB: 1 });
  const broken = join(dir, 'broken.img');
  copyFileSync(clean, broken);
  // the root inode made a regular file: e2fsck -fn finds it (exit 4 or more)
  const stat = spawnSync(requireTool('debugfs'), ['-w', '-R', 'sif <2> mode 0100644', broken], { encoding: 'utf8' });
  expect(stat.status).toBe(0);
  return { clean, broken };
}

function direct(bin: string, path: string): { status: number | null; out: string } {
  const r = spawnSync(bin, ['-fn', path], { encoding: 'utf8', env });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('the resident e2fsck runner', () => {
  it('gives the status and output a direct spawn gives, check after check', () => {
    const bin = wrapper('same');
    const { clean, broken } = images();
    for (let i = 0; i < 5; i++) {
      for (const img of [clean, broken]) {
        const r = e2fsckViaServer(bin, '-fn', img, 120, env, scratch);
        const d = direct(bin, img);
        expect(r).not.toBeNull();
        expect({ status: r!.status, out: r!.out }).toEqual(d);
      }
    }
    expect(direct(bin, broken).status).toBeGreaterThanOrEqual(4);
    expect(e2fsckServerPid(bin, 120)).toBeGreaterThan(0);
    // nothing of the server or of a request is left on disk (a process killed later leaves nothing behind)
    expect(readdirSync(dir).filter((f) => f.startsWith('srv-'))).toEqual([]);
  });

  it('a check stopped by a signal is reported by that signal', () => {
    const bin = wrapper('xcpu', 'kill -XCPU $$');
    const r = e2fsckViaServer(bin, '-fn', join(dir, 'none'), 120, env, scratch);
    expect(r).toMatchObject({ status: null, signal: 'SIGXCPU' });
  });

  it('a path that cannot go on one request line is left to the caller', () => {
    const bin = wrapper('newline');
    expect(e2fsckViaServer(bin, '-fn', join(dir, 'a\nb'), 120, env, scratch)).toBeNull();
  });

  it('when the shell dies, the next check is left to the caller (no hang), and so are the ones after', () => {
    const bin = wrapper('dies');
    const { clean } = images();
    expect(e2fsckViaServer(bin, '-fn', clean, 120, env, scratch)?.status).toBe(0);
    const pid = e2fsckServerPid(bin, 120)!;
    process.kill(pid, 'SIGKILL');
    // the kill is asynchronous: wait until the shell is gone (a zombie until reaped counts as gone for /proc state Z)
    for (let i = 0; i < 2000 && spawnSync('sh', ['-c', `grep -q '^State:.*[ZX]' /proc/${pid}/status 2>/dev/null || ! test -e /proc/${pid}`]).status !== 0; i++);
    expect(e2fsckViaServer(bin, '-fn', clean, 120, env, scratch)).toBeNull();
    expect(e2fsckServerPid(bin, 120)).toBeNull();
    expect(e2fsckViaServer(bin, '-fn', clean, 120, env, scratch)).toBeNull();
  });
});
