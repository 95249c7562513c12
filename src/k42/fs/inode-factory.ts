/**
 * Module Description: the inode factory of the K42 file service, after K42
 * lib/libc/cobj/Factory.{H,C} (`DEFINE_FACTORY_BEGIN_VERSION`): one factory
 * per file-system logic version, making the inode objects of that version
 * (file-inode.ts) and tracking every instance per VP so a dynamic update can
 * hot-swap them all (eagerly, or each at its next call).
 *
 * `FileInodeFactory.Update` is `Factory.update`: the factory of version N+1,
 * built on the factory's ref, swaps the factory (DTT_FACTORY_DEFAULT hands
 * the instance lists over) and then converts each instance with
 * `createReplacement`, an empty root of the new class whose state the
 * instance's own transfer fills.
 *
 * Contracts: `createInstance`/`createReplacement` never block (they only
 * build roots); `create` on a factory rep takes the rep's spin lock.
 */
import type { Ext2InodeInfo } from '../../ext2/index.ts';
import type { CObjRoot } from '../cobj.ts';
import type { COSMgr } from '../cosmgr.ts';
import { Factory } from '../factory.ts';
import type { CORef } from '../types.ts';
import type { Ext2SuperRep } from './ext2-super.ts';
import { FileInodeRoot, type InodeState } from './file-inode.ts';
import type { InodeKind, K42FsVersion } from './types.ts';

export class FileInodeFactory extends Factory {
  /** Set while the superblock object is being swapped: no lazy inode conversion may start then (see Factory.lazyMayConvert). */
  superSwapping = false;

  override lazyMayConvert(): boolean {
    return !this.superSwapping && super.lazyMayConvert();
  }

  constructor(
    cos: COSMgr,
    readonly version: K42FsVersion,
    readonly superRef: CORef<Ext2SuperRep>,
    ref?: CORef,
  ) {
    super(cos, { ref, name: `FileInodeFactory.v${version}` });
  }

  /** `args`: inode number, type, in-memory inode. */
  createInstance(args: unknown[]): CObjRoot {
    const [ino, kind, info] = args as [number, InodeKind, Ext2InodeInfo];
    const state: InodeState = { ino, kind, info, names: new Map(), namesGen: 0, dead: false };
    return new FileInodeRoot(this.cos, this.version, kind, this.superRef, state, { name: `ino${ino}.v${this.version}` });
  }

  createReplacement(ref: CORef, oldRoot: CObjRoot): CObjRoot {
    const old = oldRoot as FileInodeRoot;
    const base = old.name.replace(/\.v\d+$/, '');
    return new FileInodeRoot(this.cos, this.version, old.kind, this.superRef, null, { ref, name: `${base}.v${this.version}` });
  }
}
