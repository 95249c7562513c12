/**
 * The module loader (kernel/module/main.c): insmod, rmmod, lsmod, modinfo
 * over a registry of loadable definitions.
 *
 * insmod: ENOENT if no such module or a dependency is not loaded (insmod,
 * unlike modprobe, does not load dependencies: "Unknown symbol"), EEXIST if
 * already loaded; then `instantiate` builds fresh tables and `init` runs (a
 * failing init unloads again and reports its error).
 * rmmod: ENOENT if not loaded; EBUSY while another module depends on it
 * (Linux: EWOULDBLOCK; kmod reports "in use") or while its reference count is
 * non-zero (a mounted file system, an open file); then `exit` runs.
 * Privilege (CAP_SYS_MODULE) is checked by the syscalls (syscalls.ts).
 */
import type { Sim } from '../../sim/effects.ts';
import { errno } from '../../uapi/errno.ts';
import type { Kernel } from '../../vfs/kernel.ts';
import { Module, type ModuleDefinition } from './module.ts';

/** Loadable modules by name. */
export type ModuleRegistry = ReadonlyMap<string, ModuleDefinition>;

/** Modelled cycles of loading and unloading (relocation, symbol resolution), beyond init/exit. */
export const MODULE_LOAD_CYCLES = 200_000;
export const MODULE_UNLOAD_CYCLES = 50_000;

export interface ModInfo {
  name: string;
  version: string;
  description: string;
  license: string;
  author: string;
  depends: readonly string[];
}

/** The module subsystem of each kernel (the VFS layer does not know about modules). */
const SUBSYSTEMS = new WeakMap<Kernel, ModuleSubsystem>();

export class ModuleSubsystem {
  /** Loaded modules in load order. */
  readonly loaded = new Map<string, Module>();
  /** Called after a module's tables are built and before its init (the live-update instrumentation). */
  onLoad: ((mod: Module) => void) | null = null;

  /**
   * What insmod can load on this system (its /lib/modules): a copy of the
   * boot registry, so a live update that installs a release changes this
   * system's entry only (`replaceLoaded`).
   */
  readonly registry: Map<string, ModuleDefinition>;

  constructor(
    readonly kernel: Kernel,
    registry: ModuleRegistry,
  ) {
    this.registry = new Map(registry);
    if (SUBSYSTEMS.has(kernel)) throw new Error('ModuleSubsystem: this kernel already has one');
    SUBSYSTEMS.set(kernel, this);
  }

  /** The subsystem of `kernel` (as the syscalls find it from a task). */
  static of(kernel: Kernel): ModuleSubsystem {
    const ms = SUBSYSTEMS.get(kernel);
    if (!ms) throw new Error('no module subsystem on this kernel');
    return ms;
  }

  get(name: string): Module | undefined {
    return this.loaded.get(name);
  }

  *insmod(name: string): Sim<Module> {
    const def = this.registry.get(name);
    if (!def) throw errno('ENOENT', `no module ${name}`);
    return yield* this.insmodDefinition(def);
  }

  /** Load a definition that need not be in the registry (an update package's code). */
  *insmodDefinition(def: ModuleDefinition): Sim<Module> {
    const name = def.name;
    if (this.loaded.has(name)) throw errno('EEXIST');
    const deps: Module[] = [];
    for (const d of def.depends) {
      const dep = this.loaded.get(d);
      if (!dep || dep.state !== 'live') throw errno('ENOENT', `unknown symbol: ${name} needs ${d}`);
      deps.push(dep);
    }
    yield MODULE_LOAD_CYCLES;
    const mod = new Module(def, deps);
    mod.body = def.instantiate(mod);
    this.onLoad?.(mod);
    this.loaded.set(name, mod);
    for (const dep of deps) dep.usedBy.add(mod);
    try {
      yield* mod.body.init(this.kernel);
    } catch (e) {
      this.forget(mod);
      throw e;
    }
    mod.state = 'live';
    return mod;
  }

  *rmmod(name: string): Sim<void> {
    const mod = this.loaded.get(name);
    if (!mod) throw errno('ENOENT');
    if (mod.state !== 'live') throw errno('EBUSY', `${name} is ${mod.state}`);
    if (mod.usedBy.size > 0) throw errno('EBUSY', `in use by ${[...mod.usedBy].map((m) => m.name).join(',')}`);
    if (mod.refcnt > 0) throw errno('EBUSY', `in use (refcount ${mod.refcnt})`);
    mod.state = 'going';
    try {
      yield* mod.body.exit(this.kernel);
    } catch (e) {
      mod.state = 'live';
      throw e;
    }
    yield MODULE_UNLOAD_CYCLES;
    this.forget(mod);
  }

  /**
   * A live update's redirect: `neu` takes `old`'s place (same name, same
   * position in load order); modules that depended on `old` now depend on `neu`.
   */
  replaceLoaded(old: Module, neu: Module): void {
    if (this.loaded.get(old.name) !== old) throw new Error(`replaceLoaded: ${old.name} is not the loaded module`);
    this.loaded.set(old.name, neu);
    // the new release is the installed one: a later rmmod + insmod loads it, and
    // nothing on this system keeps the old release's code reachable
    if (this.registry.get(old.name) === old.def) this.registry.set(neu.name, neu.def);
    for (const u of old.usedBy) neu.usedBy.add(u);
    old.usedBy.clear();
    for (const dep of old.deps) {
      dep.usedBy.delete(old);
      dep.usedBy.add(neu);
    }
  }

  private forget(mod: Module): void {
    mod.state = 'gone';
    this.loaded.delete(mod.name);
    for (const dep of mod.deps) dep.usedBy.delete(mod);
  }

  /** lsmod's table (procps layout: Module, Size, Used by). */
  lsmod(): string {
    const rows = [`${'Module'.padEnd(24)}${'Size'.padStart(8)}  Used by`];
    for (const m of this.loaded.values()) {
      const users = [...m.usedBy].map((u) => u.name).join(',');
      rows.push(`${m.name.padEnd(24)}${String(m.def.size ?? 16384).padStart(8)}  ${m.refcnt}${users ? ' ' + users : ''}`);
    }
    return rows.join('\n') + '\n';
  }

  /** The contents of /proc/modules: name size refcount users state address. */
  procModules(): string {
    let s = '';
    for (const m of this.loaded.values()) {
      const users = [...m.usedBy].map((u) => u.name + ',').join('') || '-';
      const state = m.state === 'coming' ? 'Loading' : m.state === 'going' ? 'Unloading' : 'Live';
      s += `${m.name} ${m.def.size ?? 16384} ${m.refcnt} ${users} ${state} 0x0000000000000000\n`;
    }
    return s;
  }

  /** modinfo: what the registry knows about a loadable module (ENOENT if none). */
  modinfo(name: string): ModInfo {
    const def = this.registry.get(name);
    if (!def) throw errno('ENOENT');
    return {
      name: def.name,
      version: def.version,
      description: def.description,
      license: def.license ?? 'GPL',
      author: def.author ?? '',
      depends: def.depends,
    };
  }
}
