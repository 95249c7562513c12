/**
 * What a module provides to be live-updatable on the Linux path: the state
 * formats it speaks and the export/import/convert hooks the update manager
 * calls during `transfer`.
 *
 * Contract, in the order the manager uses it:
 *
 *  1. `check`: the OLD module's `exportFormats` meet the NEW module's
 *     `importFormats` (best first); the chosen format's zod schema must be
 *     registered (snapshot.ts `registerStateFormat`).
 *  2. `transfer`, with the old module quiescent (no thread inside it):
 *     - `old.exportState(format)` returns a plain JSON-able snapshot of the
 *       module's state. It may flush dirty state first, or leave live
 *       objects that are not the module's code to the importer as they are
 *       (ext3 hands over its buffer cache and JBD2 journal and writes
 *       nothing). It may block (I/O). It must leave the old module able to go on serving: if the
 *       update rolls back, the old module keeps running as if nothing
 *       happened.
 *     - the manager validates and freezes the snapshot;
 *     - `new.importState(format, snapshot)` builds the new module's
 *       in-memory state and returns a `StagedTakeover`. It may block but must
 *       not change any VFS object (superblock, inode, open file): staging
 *       only, so a later failure can still roll back.
 *     - for every instance the old module's registry tracks, the manager
 *       calls `staged.convertInode(inode)` / `staged.convertFile(file)` to
 *       build the new private structure (pure, may not block).
 *  3. `redirect`: `staged.commit()` installs the new state (re-points
 *     superblocks' `s_fs_info`, retires the old in-memory state); it must not
 *     block or fail. The manager then, in the same step, sets every
 *     instance's `i_private`/`private_data` to the converted structure and
 *     re-points `i_op`/`i_fop`/`f_op`/`s_op` to the new module's table of the
 *     same name.
 *  On any failure before `redirect`, the manager calls `staged.abort()` (if
 *  import type { CostTable } from '../../hw-ppc64/costs.ts';
import got that far) and the old module serves on.
 */
import type { CostTable } from '../../hw-ppc64/costs.ts';
import type { Sim } from '../../sim/effects.ts';
import type { Inode } from '../../vfs/inode.ts';
import type { OpenFile } from '../../vfs/file.ts';
import type { z } from 'zod';

/**
 * Lazy instance transfer (given to `importState` by the manager): the old
 * module's per-instance export, checked against the new module's schema
 * for it and frozen. The new module calls it from its conversion on next
 * use (or the background pass) after the update, so it is the one piece
 * of old code that still runs after quiescence; the manager counts every
 * call and keeps the old module loaded until the conversion drains.
 */
export interface LazyInstanceExport {
  /** `priv` (an old private structure) as plain, validated, frozen data in the negotiated format. */
  exportInode(priv: unknown): unknown;
}

export interface StagedTakeover {
  /** The new private structure for `inode` (its current `i_private` is the old one's). */
  convertInode(inode: Inode): unknown;
  /** The new private structure for `file` (its current `private_data` is the old one's). */
  convertFile(file: OpenFile): unknown;
  /**
   * Whether instances' private structures change shape (a conversion per
   * instance); false when the new code keeps them as they are and only the
   * re-pointing remains. Default true.
   */
  readonly convertsInstances?: boolean;
  /**
   * Instances are converted lazily: the manager neither converts nor
   * re-points inodes inside the block window. After release it re-points
   * each one (convertInode + the new tables) in a background pass, while
   * the new module converts any it meets first on use; `drainRest` then
   * converts the module's remaining handed-over state (returns when none is
   * left). The old module retires only after that.
   */
  readonly lazyInstances?: boolean;
  drainRest?(): Sim<void>;
  /** Cycles owed for conversions made synchronously since the last call (the background pass pays them). */
  takeDebt?(): number;
  /** Lazy-conversion statistics of the module (reported by the update). */
  lazyStats?(): { handedOver: number; onUse: number; background: number; dropped: number };
  /** Install the staged state. Never blocks, never throws. */
  commit(): void;
  /** Throw the staged state away (rollback). */
  abort(): void;
}

export interface LiveUpdateHooks {
  /** Formats this code can export its state in. */
  readonly exportFormats: readonly string[];
  /** Formats this code can import, best first. */
  readonly importFormats: readonly string[];
  /**
   * The zod schema of each format this code imports (a module bundle
   * brings its own: separately built releases share no objects, so a
   * process-wide registry would hold whichever loaded first).
   */
  readonly stateSchemas?: Readonly<Record<string, z.ZodType>>;
  /**
   * Optional, called at the end of `check` while the module still serves
   * calls: work that must precede the update but need not stall anybody
   * (ext3 commits its journal: a recent durable point). May block; must not
   * change behaviour (a failure here aborts the update with nothing to undo).
   */
  prepare?(): Sim<void>;
  exportState(format: string): Sim<unknown>;
  /**
   * Old code, called lazily after the update (LazyInstanceExport): one
   * inode's private structure as plain data in `format`. Pure, no I/O.
   */
  exportInode?(format: string, priv: unknown): unknown;
  /** The zod schema of one exported inode in each format this code imports (checked before import). */
  readonly inodeSchemas?: Readonly<Record<string, z.ZodType>>;
  /**
   * `costs` is the machine's cost table: the import charges its per-inode work from it.
   * `lazy` (when both sides support it): the old module's per-inode export, for a lazy hand-over.
   */
  importState(format: string, snapshot: unknown, costs: CostTable, lazy?: LazyInstanceExport): Sim<StagedTakeover>;
}
