/**
 * Version hooks: the behaviour that differs between the releases of the
 * `ext3` module built on this engine, and the per-inode in-memory structure
 * each release uses.
 *
 *  v1  Ships a bug (kept on purpose for the live-update demos): on a rename
 *      that moves a *directory* to a different parent, it rewrites the moved
 *      directory's `..` entry but forgets to move the link that `..`
 *      represents: the old parent keeps one link too many and the new
 *      parent one too few. Trigger: mkdir /a, mkdir /b, mkdir /a/d,
 *      rename /a/d -> /b/d. `e2fsck -fn` then reports "Inode <a> ref count
 *      is 3, should be 2" and "Inode <b> ref count is 2, should be 3" (rc 4).
 *  v2  Fixes it (moves the link between the parents); same in-memory
 *      per-inode structure as v1 (`alloc.layout === 'goal'`).
 *  v3  Same logic as v2, but block allocation uses a per-inode reservation
 *      window (as Linux ext3 gained in 2.6.10): each inode holds a window
 *      `{ start, end, goal }` of blocks reserved in memory for its next
 *      allocations, so concurrent writers get contiguous files. That changes
 *      the cached Ext2InodeInfo layout, so a v2 -> v3 update must convert
 *      every cached inode (see inode-info.ts).
 */

export type InodeLayout = 'goal' | 'rsv';

export interface Ext2Logic {
  readonly version: number;
  readonly name: string;
  /** False reproduces the v1 bug described above. */
  readonly renameMovesParentLinks: boolean;
  /** Which per-inode allocation state the engine keeps. */
  readonly layout: InodeLayout;
  /** Size of a reservation window in blocks (layout 'rsv'). */
  readonly rsvWindowBlocks: number;
}

export const EXT3_V1: Ext2Logic = {
  version: 1,
  name: 'ext3 v1 (rename link-count bug)',
  renameMovesParentLinks: false,
  layout: 'goal',
  rsvWindowBlocks: 0,
};

export const EXT3_V2: Ext2Logic = {
  version: 2,
  name: 'ext3 v2 (rename fixed)',
  renameMovesParentLinks: true,
  layout: 'goal',
  rsvWindowBlocks: 0,
};

export const EXT3_V3: Ext2Logic = {
  version: 3,
  name: 'ext3 v3 (per-inode reservation windows)',
  renameMovesParentLinks: true,
  layout: 'rsv',
  rsvWindowBlocks: 8,
};

export function logicForVersion(v: number): Ext2Logic {
  if (v === 1) return EXT3_V1;
  if (v === 2) return EXT3_V2;
  if (v === 3) return EXT3_V3;
  throw new RangeError(`no ext3 logic version ${v}`);
}
