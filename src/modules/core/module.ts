/**
 * Loadable modules (kernel/module): a `ModuleDefinition` is the code on disk
 * (name, version, dependencies, and a function that builds the module's
 * tables); a `Module` is one loaded instance of it with its state, reference
 * count and instance registry.
 *
 * Defining a module:
 *
 *   export const myfs: ModuleDefinition = {
 *     name: 'myfs', version: '1.0.0', description: '...', depends: [],
 *     instantiate(mod) {
 *       const fops: FileOperations = { owner: mod, read: ..., ... };
 *       const fstype: FileSystemType = { name: 'myfs', fs_flags: 0, owner: mod, mount: ..., kill_sb: ... };
 *       return {
 *         tables: exportTables({ file_operations: { myfs_file_operations: fops }, file_system_type: { myfs_fs_type: fstype } }),
 *         *init(k) { register_filesystem(k, fstype); },
 *         *exit(k) { unregister_filesystem(k, fstype); },
 *       };
 *     },
 *   };
 *
 * `instantiate` runs once per insmod, so every load has fresh, mutable tables
 * owned by that Module: the update manager patches their slots in place.
 * `tables` must list every table the module's instances can point at.
 *
 * Reference counting is Linux's try_module_get/module_put: a mounted
 * superblock holds one reference (taken by get_fs_type), each open file one
 * (taken from f_op.owner at open). rmmod fails with EBUSY while any is held.
 */
import type { Sim } from '../../sim/effects.ts';
import type { Kernel } from '../../vfs/kernel.ts';
import type { FileOperations, FileSystemType, InodeOperations, ModuleOwner, SuperOperations } from '../../vfs/ops.ts';
import { InstanceRegistry } from './instances.ts';
import type { LiveUpdateHooks } from './hooks.ts';

export type TableKind = 'file_operations' | 'inode_operations' | 'super_operations' | 'file_system_type';

export type OpsTable = FileOperations | InodeOperations | SuperOperations | FileSystemType;

/** One table a module exports, by its C-style name. */
export interface ExportedTable {
  readonly name: string;
  readonly kind: TableKind;
  readonly table: OpsTable;
}

/** A module's tables grouped by kind, each under its C-style name. */
export interface TableGroups {
  readonly file_operations?: Readonly<Record<string, FileOperations>>;
  readonly inode_operations?: Readonly<Record<string, InodeOperations>>;
  readonly super_operations?: Readonly<Record<string, SuperOperations>>;
  readonly file_system_type?: Readonly<Record<string, FileSystemType>>;
}

const TABLE_KINDS: readonly TableKind[] = ['file_operations', 'inode_operations', 'super_operations', 'file_system_type'];

/**
 * The `tables` of a ModuleBody, each table declared once: its name is its key
 * (pass the variables by shorthand, `{ ext3_sops }`), its kind the group it
 * is in. Order: by kind as TABLE_KINDS, then as given.
 */
export function exportTables(groups: TableGroups): ExportedTable[] {
  return TABLE_KINDS.flatMap((kind) => Object.entries(groups[kind] ?? {}).map(([name, table]) => ({ name, kind, table: table as OpsTable })));
}

/** What `instantiate` returns: the loaded code. */
export interface ModuleBody {
  readonly tables: readonly ExportedTable[];
  /** module_init: register file systems etc. A failure aborts the load. */
  init(kernel: Kernel): Sim<void>;
  /** module_exit: undo init. Runs only when nothing references the module. */
  exit(kernel: Kernel): Sim<void>;
  /** Present if the module can be live-updated (hooks.ts). */
  readonly update?: LiveUpdateHooks;
}

export interface ModuleDefinition {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly license?: string;
  readonly author?: string;
  /** Modules that must be loaded first (their refcount is not taken; they are "used by" this one). */
  readonly depends: readonly string[];
  /** Modelled size of the module image in bytes (lsmod's Size). */
  readonly size?: number;
  instantiate(mod: Module): ModuleBody;
}

/** MODULE_STATE_*: coming (init running), live, going (exit running), gone (unloaded). */
export type ModuleState = 'coming' | 'live' | 'going' | 'gone';

export class Module implements ModuleOwner {
  state: ModuleState = 'coming';
  /** References held by mounts and open files. */
  refcnt = 0;
  /** Loaded modules that depend on this one. */
  readonly usedBy = new Set<Module>();
  readonly instances = new InstanceRegistry();
  /** Set by the loader right after instantiate. */
  body!: ModuleBody;

  constructor(
    readonly def: ModuleDefinition,
    readonly deps: readonly Module[],
  ) {}

  get name(): string {
    return this.def.name;
  }

  get version(): string {
    return this.def.version;
  }

  get tables(): readonly ExportedTable[] {
    return this.body.tables;
  }

  /** A table by name (for the update manager and tests). */
  table(name: string): OpsTable | undefined {
    return this.body.tables.find((t) => t.name === name)?.table;
  }

  /** try_module_get: fails once the module is going away. */
  try_module_get(): boolean {
    if (this.state === 'going' || this.state === 'gone') return false;
    this.refcnt++;
    return true;
  }

  module_put(): void {
    if (this.refcnt <= 0) throw new Error(`module_put: ${this.name} has no references`);
    this.refcnt--;
  }
}
