/** The module loader, dependencies, refcounts, the instance registry and procfs. */
import { describe, expect, it } from 'vitest';
import { Engine, type Sim } from '../../src/sim/index.ts';
import { MODULE_REGISTRY, ModuleSubsystem, ramfsModule, type ModuleDefinition, type ModuleRegistry } from '../../src/modules/index.ts';
import { bootSystem } from '../../src/system/boot.ts';
import { register_filesystem, sys, unregister_filesystem, type FileSystemType } from '../../src/vfs/index.ts';
import { O_CREAT, O_RDWR } from '../../src/uapi/fcntl.ts';

/** A module with no tables that depends on ramfs and records its init/exit. */
const log: string[] = [];
const helper: ModuleDefinition = {
  name: 'helper',
  version: '0.1.0',
  description: 'test module',
  depends: ['ramfs'],
  instantiate(mod) {
    const fstype: FileSystemType = { name: 'helperfs', fs_flags: 0, owner: mod };
    return {
      tables: [{ name: 'helper_fs_type', kind: 'file_system_type', table: fstype }],
      *init(k): Sim<void> {
        log.push('init');
        register_filesystem(k, fstype);
      },
      *exit(k): Sim<void> {
        log.push('exit');
        unregister_filesystem(k, fstype);
      },
    };
  },
};
const failing: ModuleDefinition = {
  name: 'failing',
  version: '1',
  description: 'init fails',
  depends: [],
  instantiate: () => ({
    tables: [],
    *init(): Sim<void> {
      throw new Error('init failed');
    },
    *exit(): Sim<void> {},
  }),
};

const REGISTRY: ModuleRegistry = new Map([...MODULE_REGISTRY, ['helper', helper], ['failing', failing]]);

describe('module loader', () => {
  it('registers ramfs in the standard registry', () => {
    expect(MODULE_REGISTRY.get('ramfs')).toBe(ramfsModule);
  });

  it('loads with dependencies, blocks rmmod of a used module, unloads in order', () => {
    log.length = 0;
    const s = bootSystem({ engine: new Engine({ cpus: 1 }), registry: REGISTRY });
    const ms = ModuleSubsystem.of(s.kernel);
    s.exec(() => ms.insmod('helper'));
    expect(s.kernel.file_systems.has('helperfs')).toBe(true);
    expect(ms.get('ramfs')!.usedBy.has(ms.get('helper')!)).toBe(true);
    expect(() => s.exec(() => ms.rmmod('ramfs'))).toThrow(/EBUSY/);
    expect(ms.procModules()).toMatch(/^ramfs \d+ 1 helper, Live/m);
    s.exec(() => ms.rmmod('helper'));
    expect(log).toEqual(['init', 'exit']);
    expect(s.kernel.file_systems.has('helperfs')).toBe(false);
    expect(ms.get('helper')).toBeUndefined();
  });

  it('undoes a failed init; modinfo describes a loadable module', () => {
    const s = bootSystem({ engine: new Engine({ cpus: 1 }), registry: REGISTRY, rootfs: 'ramfs' });
    const ms = ModuleSubsystem.of(s.kernel);
    expect(() => s.exec(() => ms.insmod('failing'))).toThrow(/init failed/);
    expect(ms.get('failing')).toBeUndefined();
    expect(ms.modinfo('helper')).toMatchObject({ name: 'helper', version: '0.1.0', depends: ['ramfs'] });
  });

  it('gives every load fresh tables', () => {
    const s1 = bootSystem({ engine: new Engine({ cpus: 1 }) });
    const s2 = bootSystem({ engine: new Engine({ cpus: 1 }) });
    const t1 = s1.modules.get('ramfs')!.table('ramfs_file_operations');
    const t2 = s2.modules.get('ramfs')!.table('ramfs_file_operations');
    expect(t1).toBeDefined();
    expect(t1).not.toBe(t2);
    expect(s1.modules.get('ramfs')!.tables.map((t) => t.kind)).toContain('super_operations');
  });

  it('tracks every inode and open file private structure in the instance registry', () => {
    const s = bootSystem({ engine: new Engine({ cpus: 1 }), procfs: false });
    const mod = s.modules.get('ramfs')!;
    const inodes0 = mod.instances.count('inode');
    const fd = s.exec(function* (t) {
      yield* sys.mkdir(t, '/d', 0o755);
      return yield* sys.open(t, '/d/f', O_CREAT | O_RDWR, 0o644);
    });
    expect(mod.instances.count('inode')).toBe(inodes0 + 2);
    expect(mod.instances.count('file')).toBe(1);
    const file = mod.instances.files()[0]!;
    expect(file.private_data).not.toBeNull();
    expect(mod.instances.inodes().every((i) => i.i_private !== null)).toBe(true);
    s.exec(function* (t) {
      yield* sys.close(t, fd);
      yield* sys.unlink(t, '/d/f');
    });
    expect(mod.instances.count('file')).toBe(0);
    expect(mod.instances.count('inode')).toBe(inodes0 + 1);
  });

  it('lets a factory make the private structures', () => {
    const s = bootSystem({ engine: new Engine({ cpus: 1 }), procfs: false });
    const mod = s.modules.get('ramfs')!;
    mod.instances.setFactory((_inst, fallback) => ({ wrapped: fallback() }));
    s.exec((t) => sys.mkdir(t, '/x', 0o755));
    const made = mod.instances.inodes().filter((i) => (i.i_private as { wrapped?: unknown }).wrapped);
    expect(made.length).toBe(1);
  });

  it('mount and umount take and drop a module reference', () => {
    const s = bootSystem({ engine: new Engine({ cpus: 1 }) });
    const mod = s.modules.get('ramfs')!;
    const base = mod.refcnt;
    s.exec(function* (t) {
      yield* sys.mkdir(t, '/m', 0o755);
      yield* sys.mount(t, 'none', '/m', 'ramfs');
    });
    expect(mod.refcnt).toBe(base + 1);
    s.exec((t) => sys.umount(t, '/m'));
    expect(mod.refcnt).toBe(base);
  });
});
