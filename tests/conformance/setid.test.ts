/**
 * Set-user-ID and set-group-ID bits across writes, truncates and chown, as
 * Linux 2.6-5.x does them (fs/inode.c should_remove_suid, file_remove_privs;
 * fs/open.c do_truncate, chown_common; fs/attr.c notify_change):
 *
 *  - a write or truncate of a regular file by a process without CAP_FSETID
 *    (owner or not) clears S_ISUID, and S_ISGID when group-execute is set;
 *    S_ISGID without group-execute (a mandatory-locking mark) stays;
 *  - root (CAP_FSETID) keeps them; an empty write changes nothing;
 *  - chown of anything but a directory clears them the same way, even with -1
 *    for both ids; -1 (also as (uid_t)-1 = 2^32-1) leaves that id unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ErrnoError } from '../../src/uapi/errno.ts';
import { sys, type Task } from '../../src/vfs/index.ts';
import { O_APPEND, O_RDWR, O_TRUNC, O_WRONLY } from '../../src/uapi/fcntl.ts';
import { Env, OTHER, USER, bytes } from './harness.ts';
import { SETUPS } from './setups.ts';

/** Permission bits and set-id bits of `rel`. */
function bits(env: Env, rel: string): number {
  return env.stat(env.p(rel)).mode & 0o7777;
}

/** Write `text` at the start of `rel` as `task` (root if omitted). */
function writeAs(env: Env, rel: string, text: string, task?: Task, flags = O_WRONLY): void {
  env.run(function* (t) {
    const fd = yield* sys.open(t, env.p(rel), flags);
    yield* sys.write(t, fd, bytes(text));
    yield* sys.close(t, fd);
  }, task);
}

describe.each(SETUPS)('set-id bits on $name', (setup) => {
  it('a write by another user clears S_ISUID and (group-executable) S_ISGID', () => {
    const env = Env.create(setup, { files: { f: 'x' }, modes: { f: 0o6777 } });
    writeAs(env, 'f', 'y', env.user(OTHER));
    expect(bits(env, 'f')).toBe(0o777);
    expect(env.readText(env.p('f'))).toBe('y');
  });

  it('a write by the owner without CAP_FSETID clears them too', () => {
    const env = Env.create(setup, { files: { f: 'x' }, owners: { f: [USER.uid, USER.gid] }, modes: { f: 0o6755 } });
    writeAs(env, 'f', 'y', env.user(USER));
    expect(bits(env, 'f')).toBe(0o755);
  });

  it('S_ISGID without group-execute (a locking mark) survives a write; S_ISUID does not', () => {
    const env = Env.create(setup, { files: { f: 'x' }, modes: { f: 0o6666 } });
    writeAs(env, 'f', 'y', env.user(OTHER));
    expect(bits(env, 'f')).toBe(0o2666);
  });

  it('root (CAP_FSETID) keeps them; an empty write by a user keeps them', () => {
    const env = Env.create(setup, { files: { f: 'x' }, modes: { f: 0o6777 } });
    writeAs(env, 'f', 'y');
    expect(bits(env, 'f')).toBe(0o6777);
    writeAs(env, 'f', '', env.user(OTHER));
    expect(bits(env, 'f')).toBe(0o6777);
  });

  it('pwrite and an appending write clear them', () => {
    const env = Env.create(setup, { files: { f: 'abc', g: 'abc' }, modes: { f: 0o4777, g: 0o2777 } });
    const u = env.user(OTHER);
    env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('f'), O_RDWR);
      yield* sys.pwrite(t, fd, bytes('Z'), 1);
      yield* sys.close(t, fd);
    }, u);
    writeAs(env, 'g', 'def', u, O_WRONLY | O_APPEND);
    expect([bits(env, 'f'), bits(env, 'g')]).toEqual([0o777, 0o777]);
    expect([env.readText(env.p('f')), env.readText(env.p('g'))]).toEqual(['aZc', 'abcdef']);
  });

  it('truncate, ftruncate and open with O_TRUNC by a user clear them; by root they stay', () => {
    const env = Env.create(setup, { files: { a: 'xyz', b: 'xyz', c: 'xyz', r: 'xyz' }, modes: { a: 0o6777, b: 0o6777, c: 0o6777, r: 0o6777 } });
    const u = env.user(OTHER);
    env.run((t) => sys.truncate(t, env.p('a'), 1), u);
    env.run(function* (t) {
      const fd = yield* sys.open(t, env.p('b'), O_WRONLY);
      yield* sys.ftruncate(t, fd, 0);
      yield* sys.close(t, fd);
    }, u);
    env.run(function* (t) {
      yield* sys.close(t, yield* sys.open(t, env.p('c'), O_WRONLY | O_TRUNC));
    }, u);
    env.run((t) => sys.truncate(t, env.p('r'), 1));
    expect(['a', 'b', 'c', 'r'].map((f) => bits(env, f))).toEqual([0o777, 0o777, 0o777, 0o6777]);
    expect(['a', 'b', 'c'].map((f) => env.stat(env.p(f)).size)).toEqual([1, 0, 0]);
  });

  it('a write the caller may not make changes nothing', () => {
    const env = Env.create(setup, { files: { f: 'x' }, modes: { f: 0o6755 } });
    const e = env.err((t) => sys.truncate(t, env.p('f'), 0), env.user(OTHER));
    expect(e.code).toBe('EACCES');
    expect(bits(env, 'f')).toBe(0o6755);
  });

  it('chown with -1 for both ids keeps the owner and clears the set-id bits of a file', () => {
    const env = Env.create(setup, { files: { f: '' }, owners: { f: [5, 6] }, modes: { f: 0o6755 } });
    env.run((t) => sys.chown(t, env.p('f'), -1, -1));
    const st = env.stat(env.p('f'));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([5, 6, 0o755]);
  });

  it('chown: -1 and (uid_t)-1 = 2^32-1 leave that id unchanged; ids past 32 bits are EINVAL', () => {
    const env = Env.create(setup, { files: { f: '' }, owners: { f: [5, 6] } });
    env.run((t) => sys.chown(t, env.p('f'), -1, 7));
    env.run((t) => sys.chown(t, env.p('f'), 8, 0xffffffff));
    env.run((t) => sys.chown(t, env.p('f'), 0xffffffff, -1));
    const st = env.stat(env.p('f'));
    expect([st.uid, st.gid]).toEqual([8, 7]);
    for (const bad of [2 ** 32, -2, 1.5]) {
      const e = env.err((t) => sys.chown(t, env.p('f'), bad, -1));
      expect(e).toBeInstanceOf(ErrnoError);
      expect({ code: e.code, syscall: e.syscall }).toEqual({ code: 'EINVAL', syscall: 'chown' });
    }
  });

  it('chown keeps S_ISGID without group-execute, and a directory keeps its set-id bits', () => {
    const env = Env.create(setup, { dirs: ['d'], files: { f: '' }, modes: { f: 0o2644, d: 0o2755 } });
    env.run((t) => sys.chown(t, env.p('f'), 5, 5));
    env.run((t) => sys.chown(t, env.p('d'), 5, 5));
    expect([bits(env, 'f'), bits(env, 'd')]).toEqual([0o2644, 0o2755]);
  });
});
