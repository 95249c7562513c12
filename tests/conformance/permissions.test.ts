/** chmod(2), chown(2) and access checks for unprivileged users (pjdfstest chmod/*, chown/*). */
import { describe, expect, it } from 'vitest';
import { sys } from '../../src/vfs/index.ts';
import { O_RDONLY, O_WRONLY } from '../../src/uapi/fcntl.ts';
import { S_IFLNK, S_IFREG, S_ISGID, S_ISUID } from '../../src/uapi/stat.ts';
import { Env, USER, errorCases, type ErrCase } from './harness.ts';
import { SETUPS } from './setups.ts';

const mine = (f: string) => ({ [f]: [USER.uid, USER.gid] as const });

const ERRORS: ErrCase[] = [
  { name: 'chmod by a non-owner', fx: { files: { f: '' } }, asUser: true, call: (t, p) => sys.chmod(t, p('f'), 0o777), code: 'EPERM', syscall: 'chmod', path: 'f' },
  { name: 'chown to another user by a non-root owner', fx: { files: { f: '' }, owners: mine('f') }, asUser: true, call: (t, p) => sys.chown(t, p('f'), 0, -1), code: 'EPERM', syscall: 'chown', path: 'f' },
  { name: 'chown by a non-owner', fx: { files: { f: '' } }, asUser: true, call: (t, p) => sys.chown(t, p('f'), USER.uid, -1), code: 'EPERM', syscall: 'chown', path: 'f' },
  { name: 'chgrp to a group the owner is not in', fx: { files: { f: '' }, owners: mine('f') }, asUser: true, call: (t, p) => sys.chown(t, p('f'), -1, 4242), code: 'EPERM', syscall: 'chown', path: 'f' },
  { name: 'chmod of a missing file', call: (t, p) => sys.chmod(t, p('nope'), 0o644), code: 'ENOENT', syscall: 'chmod', path: 'nope' },
  { name: 'write open of a 0444 file', fx: { files: { f: '' }, owners: mine('f'), modes: { f: 0o444 } }, asUser: true, call: (t, p) => sys.open(t, p('f'), O_WRONLY), code: 'EACCES', syscall: 'open', path: 'f' },
  { name: 'stat below a 0600 directory', fx: { dirs: ['d'], files: { 'd/f': '' }, modes: { d: 0o600 } }, asUser: true, call: (t, p) => sys.stat(t, p('d/f')), code: 'EACCES', syscall: 'stat', path: 'd/f' },
  { name: 'group bits deny a group member', fx: { files: { f: '' }, owners: { f: [0, USER.gid] }, modes: { f: 0o604 } }, asUser: true, call: (t, p) => sys.open(t, p('f'), O_RDONLY), code: 'EACCES', syscall: 'open', path: 'f' },
];

describe.each(SETUPS)('chmod/chown/permissions on $name', (setup) => {
  describe('errors', () => errorCases(setup, ERRORS));

  it('chmod through a symlink changes the target, not the link', () => {
    const env = Env.create(setup, { files: { f: '' }, symlinks: { l: 'f' } });
    env.run((t) => sys.chmod(t, env.p('l'), 0o600));
    expect(env.stat(env.p('f')).mode).toBe(S_IFREG | 0o600);
    expect(env.lstat(env.p('l')).mode).toBe(S_IFLNK | 0o777);
  });

  it('root overrides the mode bits for read and write', () => {
    const env = Env.create(setup, { files: { f: 'secret' }, modes: { f: 0o000 } });
    expect(env.readText(env.p('f'))).toBe('secret');
  });

  it('an owner may chmod and chgrp to a group it belongs to', () => {
    const env = Env.create(setup, { files: { f: '' }, owners: mine('f') });
    const u = env.user(USER, [77]);
    env.run((t) => sys.chmod(t, env.p('f'), 0o640), u);
    env.run((t) => sys.chown(t, env.p('f'), -1, 77), u);
    const st = env.stat(env.p('f'));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o640, USER.uid, 77]);
  });

  it('chmod by a non-member drops S_ISGID', () => {
    const env = Env.create(setup, { files: { f: '' }, owners: { f: [USER.uid, 555] } });
    env.run((t) => sys.chmod(t, env.p('f'), 0o2755), env.user());
    expect(env.stat(env.p('f')).mode & 0o7777).toBe(0o755);
  });

  it('chown clears set-user-ID and set-group-ID on an executable', () => {
    const env = Env.create(setup, { files: { f: '' }, modes: { f: 0o6755 } });
    env.run((t) => sys.chown(t, env.p('f'), 5, 5));
    const st = env.stat(env.p('f'));
    expect(st.mode & (S_ISUID | S_ISGID)).toBe(0);
    expect([st.uid, st.gid]).toEqual([5, 5]);
  });

  it('new files belong to the creator; a set-group-ID directory passes its group on', () => {
    const env = Env.create(setup, { dirs: ['d'], modes: { d: 0o2777 }, owners: { d: [0, 99] } });
    const u = env.user();
    env.run((t) => sys.mkdir(t, env.p('d/sub'), 0o755), u);
    const st = env.stat(env.p('d/sub'));
    expect([st.uid, st.gid]).toEqual([USER.uid, 99]);
    expect(st.mode & S_ISGID).toBe(S_ISGID);
  });
});
