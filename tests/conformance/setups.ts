/**
 * The file-system setups every conformance suite runs against
 * (`describe.each(SETUPS)`). Each boots a fresh system (ramfs root, procfs)
 * and mounts the file system under test at MNT; the suites work below MNT.
 * Later: the ext3 module, and both live-update paths (a module replaced in
 * the middle of each test).
 */
import { Engine } from '../../src/sim/index.ts';
import { boot, type System } from '../../src/modules/index.ts';
import { sys } from '../../src/vfs/index.ts';

export const MNT = '/mnt';

export interface FsSetup {
  /** Shown in the test names. */
  readonly name: string;
  /** The type mounted at MNT. */
  readonly fstype: string;
  /** The module that provides it (for rmmod/refcount cases). */
  readonly module: string;
  /** A fresh system with the file system under test mounted at MNT. */
  create(): System;
}

const ramfs: FsSetup = {
  name: 'ramfs',
  fstype: 'ramfs',
  module: 'ramfs',
  create() {
    const s = boot({ engine: new Engine({ cpus: 2, seed: 1 }) });
    s.exec(function* (t) {
      yield* sys.mkdir(t, MNT, 0o755);
      yield* sys.mount(t, 'none', MNT, 'ramfs');
    });
    return s;
  },
};

export const SETUPS: readonly FsSetup[] = [ramfs];
