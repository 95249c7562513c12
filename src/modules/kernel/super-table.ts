/**
 * The kernel's table of superblocks by a stable id (Linux keeps the global
 * `super_blocks` list; a file system finds its own with `iterate_supers`).
 * A module release names its superblocks by id in the state it exports, and
 * the next release (a separately built bundle with module-level state of its
 * own) finds them here: the table belongs to the kernel, so it outlives any
 * one module instance.
 *
 * Held weakly: a system dropped without unmounting (a test, a fuzz case)
 * must not stay alive through this table. Ids are `DEV#N` with N counted by
 * the kernel, so two releases never hand out the same id. A WeakRef's target
 * stays alive until the current job ends (`new WeakRef` and `deref` keep it
 * for the job, ECMA-262 AddToKeptObjects), so a host loop that boots many
 * systems must return to the event loop between them, as `modswap fuzz`
 * does after each seed (cli/fuzz-pool.ts endJob), or it keeps every one.
 */
import type { SuperBlock } from '../../vfs/super.ts';

class SuperBlockTable {
  private readonly refs = new Map<string, WeakRef<SuperBlock>>();
  private next = 1;

  /** A fresh id for a superblock on device `devName`. */
  newId(devName: string): string {
    return `${devName}#${this.next++}`;
  }

  set(id: string, sb: SuperBlock): void {
    if (this.refs.size >= 64) for (const [k, r] of this.refs) if (!r.deref()) this.refs.delete(k);
    this.refs.set(id, new WeakRef(sb));
  }

  get(id: string): SuperBlock | undefined {
    return this.refs.get(id)?.deref();
  }

  delete(id: string): void {
    this.refs.delete(id);
  }
}

/** One per process, like the kernel's list: every module release registers into the same table. */
export const super_blocks_by_id = new SuperBlockTable();
