/**
 * InodeCache: an engine's cache of in-memory inodes (ino -> Ext2InodeInfo),
 * which a live update can hand over lazily.
 *
 * Normally it is a plain Map. A live update (modules-src/ext3 update.ts)
 * gives the new engine's cache the old engine's whole table by reference
 * (`takeLazily`: one pointer, whatever the number of cached inodes) plus a
 * converter, the pipeline old module's export hook -> zod-validated frozen
 * data -> new module's import. An inode of that table is converted the
 * first time anything asks for it (`get`/`has` by number: the engine's iget
 * and every other lookup), or by the update's background pass
 * (`convertNext`), and from then on lives in this cache only. Iterating the
 * cache or asking its size converts everything left first, so no caller
 * ever sees a half-converted cache.
 *
 * Cost. A conversion is charged `perInode` cycles (from the machine's cost
 * table, chosen by the importer). `get` is synchronous, so the cycles are
 * owed (`debt`) and paid by the engine at its next yield point that calls
 * `takeDebt` (Ext2Fs.iget, the background pass): the caller that converts
 * pays, possibly one engine entry late.
 *
 * Contract: only the engine that owns the cache converts; the handed-over
 * table is never written to (a rollback before the update commits finds
 * the old engine's cache untouched, and the new engine is not serving
 * then, so nothing can have been converted). `takeLazily` must be called
 * on an empty cache.
 */
import type { Ext2InodeInfo } from './inode-info.ts';

/** Turn one old-format in-memory inode into this engine's (pure, no I/O). */
export type InodeConverter = (old: Ext2InodeInfo) => Ext2InodeInfo;

export interface LazyInodeStats {
  /** Inodes handed over lazily. */
  handedOver: number;
  /** Converted because something asked for them. */
  onUse: number;
  /** Converted by the background pass. */
  background: number;
  /** Left unconverted (superseded by a newer inode of the same number, or deleted). */
  dropped: number;
}

export class InodeCache extends Map<number, Ext2InodeInfo> {
  /** Old engine's table still to convert (null: none, the fast path). */
  private pending: Map<number, Ext2InodeInfo> | null = null;
  /** Numbers of `pending` already dealt with (the handed-over table itself is never written). */
  private done: Set<number> | null = null;
  /** The background pass's position in `pending` (never written, so the iterator stays valid). */
  private cursor: MapIterator<number> | null = null;
  private convert: InodeConverter | null = null;
  private perInode = 0;
  private owed = 0;
  /** Infos this cache made or converted (an instance's i_private is current iff in here while lazy). */
  private current = new WeakSet<Ext2InodeInfo>();
  private open = false;
  lazyStats: LazyInodeStats | null = null;
  /** Called once when the last pending inode is converted or dropped. */
  onDrained: (() => void) | null = null;

  /**
   * Take over `table` (another engine's cache, by reference): its inodes
   * become this cache's, each converted by `convert` at its first use;
   * `perInode` cycles are owed per conversion.
   */
  takeLazily(table: ReadonlyMap<number, Ext2InodeInfo>, convert: InodeConverter, perInode: number): void {
    if (this.pending) throw new Error('InodeCache.takeLazily: a hand-over is already in progress');
    for (const [ino, info] of super.entries()) {
      if (table.has(ino)) throw new Error(`InodeCache.takeLazily: inode ${ino} is cached on both sides`);
      this.current.add(info);
    }
    this.lazyStats = { handedOver: table.size, onUse: 0, background: 0, dropped: 0 };
    this.open = true;
    if (table.size === 0) return;
    this.pending = table as Map<number, Ext2InodeInfo>;
    this.done = new Set();
    this.cursor = table.keys();
    this.convert = convert;
    this.perInode = perInode;
  }

  /** True while handed-over inodes remain to convert. */
  get lazy(): boolean {
    return this.pending !== null;
  }

  /** Inodes still to convert. */
  get remaining(): number {
    return this.pending ? this.pending.size - this.done!.size : 0;
  }

  /**
   * True from `takeLazily` until `endHandOver`: instances outside the cache
   * (a VFS inode's i_private) may still hold handed-over inodes.
   */
  get handingOver(): boolean {
    return this.open;
  }

  /** Whether `info` is one of this engine's inodes (made or converted by it), not a handed-over one. */
  isCurrent(info: unknown): boolean {
    return !this.open || this.current.has(info as Ext2InodeInfo);
  }

  /**
   * Every holder of a handed-over inode has been switched (the update's
   * instance pass is over) and the table is drained: forget it.
   */
  endHandOver(): void {
    if (this.pending) throw new Error(`InodeCache.endHandOver: ${this.remaining} inodes still to convert`);
    this.open = false;
    this.convert = null;
    this.current = new WeakSet();
  }

  /** Cycles owed for conversions since the last call (the caller yields them). */
  takeDebt(): number {
    const d = this.owed;
    this.owed = 0;
    return d;
  }

  override get(ino: number): Ext2InodeInfo | undefined {
    return this.lookup(ino, 'onUse');
  }

  /** `get`, saying who converts if it must (the background pass counts its own). */
  lookup(ino: number, how: 'onUse' | 'background'): Ext2InodeInfo | undefined {
    const hit = super.get(ino);
    if (hit || !this.pending) return hit;
    return this.fromPending(ino, how);
  }

  override has(ino: number): boolean {
    return super.has(ino) || (this.pending !== null && this.pending.has(ino) && !this.done!.has(ino));
  }

  override set(ino: number, info: Ext2InodeInfo): this {
    if (this.open) this.current.add(info);
    if (this.pending) this.settle(ino, 'dropped');
    return super.set(ino, info);
  }

  override delete(ino: number): boolean {
    const pend = this.pending !== null && this.pending.has(ino) && !this.done!.has(ino);
    if (pend) this.settle(ino, 'dropped');
    return super.delete(ino) || pend;
  }

  override clear(): void {
    this.drainAll();
    super.clear();
  }

  override get size(): number {
    return super.size + this.remaining;
  }

  override keys(): MapIterator<number> {
    this.drainAll();
    return super.keys();
  }

  override values(): MapIterator<Ext2InodeInfo> {
    this.drainAll();
    return super.values();
  }

  override entries(): MapIterator<[number, Ext2InodeInfo]> {
    this.drainAll();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[number, Ext2InodeInfo]> {
    return this.entries();
  }

  override forEach(cb: (v: Ext2InodeInfo, k: number, m: Map<number, Ext2InodeInfo>) => void, thisArg?: unknown): void {
    this.drainAll();
    super.forEach(cb, thisArg);
  }

  /**
   * Convert an old-format info that is not in the handed-over table (an
   * instance's own structure); it joins this cache. Owes `perInode`.
   * Valid until `endHandOver`.
   */
  adoptForeign(old: Ext2InodeInfo): Ext2InodeInfo {
    if (!this.convert) throw new Error(`InodeCache: inode ${old.ino} of another engine and no conversion in progress`);
    const info = this.convert(old);
    this.owed += this.perInode;
    this.set(info.ino, info);
    return info;
  }

  /**
   * Background pass: convert up to `max` pending inodes (lowest numbers of
   * the table's order first); returns how many were converted. Owes
   * `perInode` each, like a conversion on use.
   */
  convertNext(max: number): number {
    let n = 0;
    while (n < max && this.pending) {
      const next = this.cursor!.next();
      if (next.done) throw new Error('InodeCache: pending inodes left behind the background cursor');
      if (this.done!.has(next.value)) continue;
      this.fromPending(next.value, 'background');
      n++;
    }
    return n;
  }

  /** Convert everything left (iteration needs the whole cache). */
  private drainAll(): void {
    while (this.pending) this.convertNext(Number.MAX_SAFE_INTEGER);
  }

  private fromPending(ino: number, how: 'onUse' | 'background'): Ext2InodeInfo | undefined {
    const old = this.pending!.get(ino);
    if (!old || this.done!.has(ino)) return undefined;
    const info = this.convert!(old);
    this.owed += this.perInode;
    this.current.add(info);
    super.set(ino, info);
    this.settle(ino, how);
    return info;
  }

  /** `ino` leaves the pending table (converted or dropped); the last one ends the lazy phase. */
  private settle(ino: number, how: keyof LazyInodeStats): void {
    if (!this.pending || !this.pending.has(ino) || this.done!.has(ino)) return;
    this.done!.add(ino);
    this.lazyStats![how]++;
    if (this.done!.size === this.pending.size) {
      this.pending = null;
      this.done = null;
      this.cursor = null;
      const cb = this.onDrained;
      this.onDrained = null;
      cb?.();
    }
  }
}
