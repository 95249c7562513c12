/**
 * The releases through the syscalls: v1's rename bug (a directory moved to
 * another parent leaves the parents' link counts as they were) shows in
 * stat and in e2fsck; v2 and v3 are clean.
 */
import { describe, expect, it } from 'vitest';
import { sys } from '../../../src/vfs/index.ts';
import { shutdownSystem } from '../../../src/system/boot.ts';
import { bootExt3, fsckDisk } from './helpers.ts';

describe.each([
  [1, { a: 3, b: 2, fsck: 4 }],
  [2, { a: 2, b: 3, fsck: 0 }],
  [3, { a: 2, b: 3, fsck: 0 }],
] as const)('ext3 v%i: mkdir /a /b /a/d; rename /a/d /b/d', (version, want) => {
  it(`stat /a nlink ${want.a}, /b nlink ${want.b}; e2fsck -fn exits ${want.fsck}`, () => {
    const { s, disk } = bootExt3(version);
    const st = s.exec(function* (t) {
      yield* sys.mkdir(t, '/a', 0o755);
      yield* sys.mkdir(t, '/b', 0o755);
      yield* sys.mkdir(t, '/a/d', 0o755);
      yield* sys.rename(t, '/a/d', '/b/d');
      const dotdot = yield* sys.stat(t, '/b/d/..');
      const b = yield* sys.stat(t, '/b');
      return { a: (yield* sys.stat(t, '/a')).nlink, b: b.nlink, dotdotIsB: dotdot.ino === b.ino };
    });
    expect(st).toEqual({ a: want.a, b: want.b, dotdotIsB: true });
    expect(s.modules.get('ext3')!.version).toBe(String(version));
    shutdownSystem(s);
    const r = fsckDisk(disk);
    expect(r.status, r.out).toBe(want.fsck);
    if (version === 1) expect(r.out).toMatch(/ref count is 3, should be 2/);
  });
});
