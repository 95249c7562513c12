/**
 * InodeCache (src/ext2/inode-cache.ts): a handed-over table is converted
 * one inode at a time, at its first lookup or by `convertNext`, never
 * written to, and never seen half-converted by a caller that iterates.
 */
import { describe, it, expect } from 'vitest';
import { InodeCache } from '../../src/ext2/inode-cache.ts';
import { Ext2InodeInfo } from '../../src/ext2/inode-info.ts';
import { newDiskInode } from '../../src/ext2/inode.ts';

const info = (ino: number, goal = 0): Ext2InodeInfo => new Ext2InodeInfo(ino, newDiskInode(128, 0o100644, 0), 0, { layout: 'goal', i_next_alloc_block: 0, i_next_alloc_goal: goal });

function handedOver(n: number) {
  const old = new Map<number, Ext2InodeInfo>();
  for (let i = 1; i <= n; i++) old.set(i, info(i, i * 10));
  const converted: number[] = [];
  const cache = new InodeCache();
  cache.takeLazily(old, (o) => {
    converted.push(o.ino);
    return info(o.ino, o.alloc.layout === 'goal' ? o.alloc.i_next_alloc_goal + 1 : 0);
  }, 500);
  return { old, cache, converted };
}

describe('InodeCache lazy hand-over', () => {
  it('converts an inode at its first lookup only, owes the cost once, and leaves the old table untouched', () => {
    const { old, cache, converted } = handedOver(5);
    const before = [...old.values()];
    expect(cache.lazy).toBe(true);
    expect(cache.size).toBe(5);
    expect(cache.has(3)).toBe(true);
    expect(converted).toEqual([]);
    const a = cache.get(3)!;
    expect(a).not.toBe(old.get(3));
    expect(a.alloc).toMatchObject({ i_next_alloc_goal: 31 });
    expect(cache.get(3)).toBe(a);
    expect(converted).toEqual([3]);
    expect(cache.takeDebt()).toBe(500);
    expect(cache.takeDebt()).toBe(0);
    expect(cache.lazyStats).toMatchObject({ handedOver: 5, onUse: 1, background: 0 });
    expect([...old.values()]).toEqual(before);
    expect(old.size).toBe(5);
  });

  it('a newer inode or a delete supersedes the handed-over one without converting it', () => {
    const { cache, converted } = handedOver(4);
    const fresh = info(2);
    cache.set(2, fresh);
    expect(cache.get(2)).toBe(fresh);
    expect(cache.delete(4)).toBe(true);
    expect(cache.has(4)).toBe(false);
    expect(cache.get(4)).toBeUndefined();
    expect(cache.size).toBe(3);
    expect(converted).toEqual([]);
    expect(cache.lazyStats).toMatchObject({ dropped: 2 });
    expect(cache.isCurrent(fresh)).toBe(true);
  });

  it('the background pass converts the rest in batches, then the hand-over ends; iterating converts everything first', () => {
    const { cache, converted } = handedOver(10);
    cache.get(7);
    let drainedCalls = 0;
    cache.onDrained = () => drainedCalls++;
    expect(cache.convertNext(4)).toBe(4);
    expect(cache.remaining).toBe(5);
    expect(cache.takeDebt()).toBe(5 * 500);
    const all = [...cache.keys()].sort((x, y) => x - y);
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(converted).size).toBe(10);
    expect(converted.length).toBe(10);
    expect(cache.lazy).toBe(false);
    expect(drainedCalls).toBe(1);
    expect(cache.lazyStats).toMatchObject({ onUse: 1, background: 9, dropped: 0 });
    // instances may still hold old structures until the update says so
    expect(cache.handingOver).toBe(true);
    const old = info(3);
    expect(cache.isCurrent(old)).toBe(false);
    expect(cache.isCurrent(cache.get(3))).toBe(true);
    cache.endHandOver();
    expect(cache.handingOver).toBe(false);
    expect(() => cache.adoptForeign(old)).toThrow(/no conversion in progress/);
  });

  it('endHandOver refuses while inodes are still pending', () => {
    const { cache } = handedOver(2);
    expect(() => cache.endHandOver()).toThrow(/still to convert/);
  });
});
