/** Module calls and mount/umount: refcounts held by mounts and open files, privilege, procfs. */
import { describe, expect, it } from 'vitest';
import { delete_module as rmmod, init_module as insmod } from '../../src/modules/index.ts';
import { sys } from '../../src/vfs/index.ts';
import { O_RDONLY } from '../../src/uapi/fcntl.ts';
import { Env, errorCases, type ErrCase } from './harness.ts';
import { MNT, SETUPS } from './setups.ts';

describe.each(SETUPS)('modules and mounts on $name', (setup) => {
  const ERRORS: ErrCase[] = [
    { name: 'rmmod of a module with a mounted file system', call: (t) => rmmod(t, setup.module), code: 'EBUSY', syscall: 'delete_module', path: setup.module, literalPath: true },
    { name: 'insmod of a loaded module', call: (t) => insmod(t, setup.module), code: 'EEXIST', syscall: 'init_module', path: setup.module, literalPath: true },
    { name: 'insmod of an unknown module', call: (t) => insmod(t, 'nosuchfs'), code: 'ENOENT', syscall: 'init_module', path: 'nosuchfs', literalPath: true },
    { name: 'rmmod of a module not loaded', call: (t) => rmmod(t, 'nosuchfs'), code: 'ENOENT', syscall: 'delete_module', path: 'nosuchfs', literalPath: true },
    { name: 'insmod without CAP_SYS_MODULE', asUser: true, call: (t) => insmod(t, 'nosuchfs'), code: 'EPERM', syscall: 'init_module', path: 'nosuchfs', literalPath: true },
    { name: 'rmmod without CAP_SYS_MODULE', asUser: true, call: (t) => rmmod(t, setup.module), code: 'EPERM', syscall: 'delete_module', path: setup.module, literalPath: true },
    { name: 'mount without CAP_SYS_ADMIN', fx: { dirs: ['m'] }, asUser: true, call: (t, p) => sys.mount(t, 'none', p('m'), 'ramfs'), code: 'EPERM', syscall: 'mount', path: 'm' },
    { name: 'umount without CAP_SYS_ADMIN', asUser: true, call: (t) => sys.umount(t, MNT), code: 'EPERM', syscall: 'umount', path: MNT, literalPath: true },
    { name: 'mount of an unknown type', fx: { dirs: ['m'] }, call: (t, p) => sys.mount(t, 'none', p('m'), 'nosuchfs'), code: 'ENODEV', syscall: 'mount', path: 'm' },
    { name: 'mount on a file', fx: { files: { f: '' } }, call: (t, p) => sys.mount(t, 'none', p('f'), 'ramfs'), code: 'ENOTDIR', syscall: 'mount', path: 'f' },
    { name: 'mount on a missing directory', call: (t, p) => sys.mount(t, 'none', p('nope'), 'ramfs'), code: 'ENOENT', syscall: 'mount', path: 'nope' },
    { name: 'umount of a directory that is not a mount point', fx: { dirs: ['d'] }, call: (t, p) => sys.umount(t, p('d')), code: 'EINVAL', syscall: 'umount', path: 'd' },
    { name: 'umount of the root', call: (t) => sys.umount(t, '/'), code: 'EBUSY', syscall: 'umount', path: '/', literalPath: true },
    {
      name: 'umount with a file open inside',
      fx: { files: { f: '' } },
      call: function* (t, p) {
        yield* sys.open(t, p('f'), O_RDONLY);
        yield* sys.umount(t, MNT);
      },
      code: 'EBUSY',
      syscall: 'umount',
      path: MNT,
      literalPath: true,
    },
    {
      name: 'umount with the cwd inside',
      fx: { dirs: ['d'] },
      call: function* (t, p) {
        yield* sys.chdir(t, p('d'));
        yield* sys.umount(t, MNT);
      },
      code: 'EBUSY',
      syscall: 'umount',
      path: MNT,
      literalPath: true,
    },
  ];
  describe('errors', () => errorCases(setup, ERRORS));

  it('open files and mounts hold module references; rmmod stays EBUSY while a file is open', () => {
    const env = Env.create(setup, { files: { f: '' } });
    const mod = env.s.modules.get(setup.module)!;
    const base = mod.refcnt;
    const fd = env.run((t) => sys.open(t, env.p('f'), O_RDONLY));
    expect(mod.refcnt).toBe(base + 1);
    expect(env.err((t) => rmmod(t, setup.module)).code).toBe('EBUSY');
    expect(env.err((t) => sys.umount(t, MNT)).code).toBe('EBUSY');
    env.run((t) => sys.close(t, fd));
    expect(mod.refcnt).toBe(base);
    env.run((t) => sys.umount(t, MNT));
    expect(mod.refcnt).toBe(base - 1);
  });

  it('umount uncovers the directory underneath; mounts are crossed both ways', () => {
    const env = Env.create(setup, { dirs: ['d'] });
    const rootIno = env.stat('/').ino;
    expect(env.stat(`${MNT}/..`).ino).toBe(rootIno);
    expect(env.stat(`${MNT}/d/../..`).ino).toBe(rootIno);
    expect(env.exists(env.p('d'))).toBe(true);
    env.run((t) => sys.umount(t, MNT));
    expect(env.exists(env.p('d'))).toBe(false);
    expect(env.stat(MNT).dev).toBe(env.stat('/').dev);
  });

  it('/proc/modules and /proc/mounts read through the VFS', () => {
    const env = Env.create(setup);
    const mods = env.readText('/proc/modules');
    expect(mods).toMatch(new RegExp(`^${setup.module} \\d+ \\d+ - Live 0x0+$`, 'm'));
    const mounts = env.readText('/proc/mounts');
    expect(mounts).toContain(`none ${MNT} ${setup.fstype} rw 0 0`);
    expect(mounts).toContain('proc /proc proc rw 0 0');
  });

  it('statfs reports the type magic and name limit', () => {
    const env = Env.create(setup);
    const sf = env.run((t) => sys.statfs(t, MNT));
    expect(sf.f_namelen).toBe(255);
    expect(sf.f_type).not.toBe(0);
  });
});

