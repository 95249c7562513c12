/**
 * Module Description: the small shared vocabulary of the K42 core: object
 * references, VP sets, switch phases and dispositions, errors. After K42
 * lib/libc/cobj/sys/COSTransObject.H (CORef), ObjectRefs.H (DREF),
 * sys/VPSet.H, CObjRepMediator.H (COSwitchPhase), sys/COSMgr.H
 * (SwitchDispDir) and sys/SysStatus.H.
 */

/**
 * A clustered-object reference: the effective address of *this processor's*
 * local translation entry (K42: `typedef COSTransObject **CORef`). The same
 * number names the object on every CPU; each CPU's load through it reaches
 * its own LTE, because the local table lives in processor-specific memory.
 * `T` is the type of the representative a `DREF` yields (phantom).
 */
export type CORef<T = unknown> = number & { readonly __coref: T };

export function asCORef<T>(ea: number): CORef<T> {
  return ea as CORef<T>;
}

/** K42's COSwitchPhase (state transfer runs at the end of BLOCK, no enum value). */
export type COSwitchPhase = 'normal' | 'forward' | 'block' | 'completed';

/** K42's SwitchDispDir: what happens to the old root after a switch. */
export type SwitchDisposition = 'doNotDestroy' | 'destroyWhenDone' | 'reassignWhenDone';

/** Arguments of `CObjRoot.cleanup` (K42: STARTCLEANUP, DOVPCLEANUP). */
export type CleanupCmd = 'STARTCLEANUP' | 'DOVPCLEANUP';

/**
 * A set of VPs (K42 VPSet), as a bit set wide enough for the machine's CPU
 * limit. Not itself modelled memory: roots charge an atomic on their own
 * header line when they change it (`atomicAddVP`).
 */
export class VPSet {
  private readonly words: Uint32Array;

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  static of(size: number, vps: Iterable<number>): VPSet {
    const s = new VPSet(size);
    for (const v of vps) s.addVP(v);
    return s;
  }

  addVP(vp: number): boolean {
    const w = vp >>> 5;
    const bit = 1 << (vp & 31);
    const had = (this.words[w]! & bit) !== 0;
    this.words[w] = this.words[w]! | bit;
    return !had;
  }

  removeVP(vp: number): void {
    const w = vp >>> 5;
    this.words[w] = this.words[w]! & ~(1 << (vp & 31));
  }

  isSet(vp: number): boolean {
    return (this.words[vp >>> 5]! & (1 << (vp & 31))) !== 0;
  }

  get isEmpty(): boolean {
    for (const w of this.words) if (w !== 0) return false;
    return true;
  }

  get count(): number {
    let n = 0;
    for (let v = 0; v < this.size; v++) if (this.isSet(v)) n++;
    return n;
  }

  /** Members, lowest first. */
  members(): number[] {
    const out: number[] = [];
    for (let v = 0; v < this.size; v++) if (this.isSet(v)) out.push(v);
    return out;
  }

  copy(): VPSet {
    const s = new VPSet(this.size);
    s.words.set(this.words);
    return s;
  }

  toString(): string {
    return `{${this.members().join(',')}}`;
  }
}

/**
 * K42 SysStatus failures are values; here they are thrown errors carrying
 * K42's code. `genCode` is the errno-like part.
 */
export class COSError extends Error {
  constructor(
    message: string,
    readonly genCode: string,
  ) {
    super(message);
    this.name = 'COSError';
  }
}

/**
 * A call through a reference whose entry is free or being destroyed: K42's
 * default-function stub returns `SERROR(1223)` (ClassCode 0xFF, "call on a
 * deleted object").
 */
export class DeletedObjectError extends COSError {
  constructor(ref: number) {
    super(`call on a deleted object (ref 0x${ref.toString(16)})`, 'EINVAL');
    this.name = 'DeletedObjectError';
  }
}
