/**
 * Opening an ext2/ext3 image for the engine (Ext2Fs): read and validate the
 * superblock and group descriptors, refuse unknown features, map and check
 * the JBD2 journal inode, replay the journal when it needs recovery, check
 * the root inode, and mark the file system mounted; and the other end, a
 * clean unmount, with sync (Linux ext3_put_super, ext3_sync_fs). Also the two other ways
 * an engine starts: `openEngine` (nothing written: a live-update import and
 * read-only tools) and `takeOverEngine` (a live update's new engine on the
 * old one's in-memory state, no I/O).
 *
 * The engine class is passed in (`Fs`, always `Ext2Fs`) so this file needs
 * only its type: fs.ts calls these from its static methods.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import { S_ISDIR } from '../uapi/stat.ts';
import { bmapRange } from './blockmap.ts';
import { BlockCache } from './cache.ts';
import type { Ext2Fs, Ext2MountOptions } from './fs.ts';
import { decodeGroupDesc, gdtBlockOf, GROUP_DESC_SIZE, validateGroupDesc, type Ext2GroupDesc } from './group.ts';
import { JBD2_KNOWN_INCOMPAT, JBD2_SUPERBLOCK_V1, JBD2_SUPERBLOCK_V2, decodeJournalSuperBlock } from './jbd2.ts';
import { Journal } from './journal.ts';
import { COMPAT_HAS_JOURNAL, COST, EXT2_ROOT_INO, EXT2_VALID_FS, EXT3_JOURNAL_INO, INCOMPAT_RECOVER, SUPERBLOCK_OFFSET, SUPPORTED_INCOMPAT, SUPPORTED_RO_COMPAT, featureNames } from './layout.ts';
import { EXT2_NO_MODULE } from './release.ts';
import { recoverJournal, type RecoveryInfo } from './recovery.ts';
import { decodeSuperBlock, validateSuperBlock, type Ext2Geometry, type Ext2SuperBlock } from './superblock.ts';

/** The engine class (a value: this file imports fs.ts for types only). */
export type Ext2FsClass = typeof Ext2Fs;

/** The journal inode's block map and its decoded JBD2 superblock. */
export interface LoadedJournal {
  jsb: ReturnType<typeof decodeJournalSuperBlock>;
  map: number[];
}

/**
 * Read and validate the superblock and group descriptors and build an
 * engine without mounting (no recovery, nothing written): the start of
 * both mount and a live-update import.
 */
export function* openEngine(Fs: Ext2FsClass, dev: BlockDevice, opts: Ext2MountOptions): Sim<Ext2Fs> {
  const { sb, geo } = yield* readSuper(dev);
  checkFeatures(sb);
  const unknownRo = sb.s_feature_ro_compat & ~SUPPORTED_RO_COMPAT;
  const readOnly = !!opts.readOnly || dev.readOnly || unknownRo !== 0;
  const cache = opts.cache ?? new BlockCache(dev, geo.blockSize, sb.s_blocks_count, opts.cacheBlocks);
  const gds = yield* readGroupDescs(cache, sb, geo);
  return new Fs(dev, cache, sb, geo, gds, opts.logic ?? EXT2_NO_MODULE, opts.now, readOnly, opts.locking);
}

/**
 * A live update's new engine on `old`'s mount, built from its in-memory
 * state rather than the disk (the superblock and group descriptors are
 * copied: the old engine stays intact for a rollback; the buffer cache
 * and locking are shared). No I/O. The caller adopts the journal and the
 * rest of the state (state.ts importState).
 */
export function* takeOverEngine(Fs: Ext2FsClass, old: Ext2Fs, opts: Ext2MountOptions): Sim<Ext2Fs> {
  // (`old` may already be retired: its state is what is handed over, not its calls)
  if (!old.mounted) throw errno('EIO', 'file system is unmounted');
  const fs = new Fs(old.dev, old.cache, structuredClone(old.sb), old.geo, old.gds.map((g) => ({ ...g })), opts.logic ?? EXT2_NO_MODULE, opts.now, old.readOnly, old.locking);
  // copies of in-memory structures: charged as one decode for the superblock, a small record copy per descriptor
  yield COST.codec + old.gds.length * COST.dirent;
  return fs;
}

/** Read, validate and (unless read-only) mount the file system on `dev`, replaying the journal. */
export function* mountEngine(Fs: Ext2FsClass, dev: BlockDevice, opts: Ext2MountOptions): Sim<Ext2Fs> {
  let { sb, geo } = yield* readSuper(dev);
  checkFeatures(sb);
  const hasJournal = (sb.s_feature_compat & COMPAT_HAS_JOURNAL) !== 0;
  const unknownRo = sb.s_feature_ro_compat & ~SUPPORTED_RO_COMPAT;
  const readOnly = !!opts.readOnly || dev.readOnly || unknownRo !== 0;
  const cache = opts.cache ?? new BlockCache(dev, geo.blockSize, sb.s_blocks_count, opts.cacheBlocks);
  let gds = yield* readGroupDescs(cache, sb, geo);
  const logic = opts.logic ?? EXT2_NO_MODULE;
  let fs = new Fs(dev, cache, sb, geo, gds, logic, opts.now, readOnly, opts.locking);
  let recovery: RecoveryInfo | undefined;
  if (hasJournal) {
    const j = yield* fs.loadJournal();
    const needs = (sb.s_feature_incompat & INCOMPAT_RECOVER) !== 0 || j.jsb.s_start !== 0;
    if (needs) {
      if (dev.readOnly) throw errno('EROFS', 'journal needs recovery but the device is read-only');
      recovery = yield* recoverJournal({ dev, blockSize: geo.blockSize, map: j.map, blocksCount: sb.s_blocks_count }, j.jsb);
      // Recovery rewrote blocks behind the cache, possibly the superblock and GDT too.
      cache.invalidateClean();
      ({ sb, geo } = yield* readSuper(dev));
      gds = yield* readGroupDescs(cache, sb, geo);
      fs = new Fs(dev, cache, sb, geo, gds, logic, opts.now, readOnly, opts.locking);
    }
    if (!readOnly) {
      const area = j.jsb.s_maxlen - j.jsb.s_first;
      const maxTxn = opts.maxTransactionBlocks ?? Math.max(8, Math.min(512, Math.floor(area / 4)));
      fs.adoptJournal(new Journal(dev, cache, j.jsb, j.map, opts.now, maxTxn, undefined, opts.locking));
    }
  }
  fs.recovery = recovery;
  yield* checkRoot(fs);
  if (!readOnly) {
    sb.s_mnt_count = (sb.s_mnt_count + 1) & 0xffff;
    sb.s_mtime = opts.now();
    if (fs.journal) {
      // A journaled fs stays VALID while mounted (ext3 behaviour); recovery is flagged instead.
      sb.s_feature_incompat |= INCOMPAT_RECOVER;
    } else {
      sb.s_state &= ~EXT2_VALID_FS;
    }
    yield* fs.writeSuper();
  }
  return fs;
}

/** Read inode 8, map the journal and decode its superblock. */
export function* loadJournal(fs: Ext2Fs): Sim<LoadedJournal> {
  const jino = fs.sb.s_journal_inum || EXT3_JOURNAL_INO;
  if (jino !== EXT3_JOURNAL_INO) throw errno('EINVAL', `external or non-standard journal inode ${jino} not supported`);
  const bs = fs.blockSize;
  const info = yield* fs.readInodeRaw(jino);
  const nblocks = Math.floor(info.disk.i_size / bs);
  if (nblocks < 16 || nblocks > fs.sb.s_blocks_count) throw errno('EUCLEAN', `journal inode size ${info.disk.i_size}`);
  const map = yield* bmapRange(fs.blockMapHost(info), info.disk, nblocks);
  const hole = map.indexOf(0);
  if (hole >= 0) throw errno('EUCLEAN', `journal has a hole at block ${hole}`);
  const raw = yield* fs.dev.read(map[0]! * bs, bs);
  const jsb = decodeJournalSuperBlock(raw);
  if (jsb.blocktype !== JBD2_SUPERBLOCK_V2 && jsb.blocktype !== JBD2_SUPERBLOCK_V1) throw errno('EUCLEAN', 'bad journal superblock');
  if (jsb.blocktype === JBD2_SUPERBLOCK_V1) {
    jsb.s_feature_compat = jsb.s_feature_incompat = jsb.s_feature_ro_compat = 0;
  }
  const unknown = jsb.s_feature_incompat & ~JBD2_KNOWN_INCOMPAT;
  if (unknown) throw errno('EINVAL', `unsupported journal features 0x${unknown.toString(16)}`);
  if (jsb.s_blocksize !== bs) throw errno('EUCLEAN', `journal block size ${jsb.s_blocksize} != ${bs}`);
  if (jsb.s_first < 1 || jsb.s_maxlen > nblocks || jsb.s_first + 4 > jsb.s_maxlen) {
    throw errno('EUCLEAN', `journal geometry first=${jsb.s_first} maxlen=${jsb.s_maxlen} blocks=${nblocks}`);
  }
  return { jsb, map };
}

/** Refuse unknown incompat features (EINVAL naming them). */
function checkFeatures(sb: Ext2SuperBlock): void {
  const unknownIncompat = sb.s_feature_incompat & ~SUPPORTED_INCOMPAT;
  if (unknownIncompat) {
    throw errno('EINVAL', `unsupported incompat features: ${featureNames(unknownIncompat, 'incompat').join(', ')}`);
  }
  const hasJournal = (sb.s_feature_compat & COMPAT_HAS_JOURNAL) !== 0;
  if ((sb.s_feature_incompat & INCOMPAT_RECOVER) && !hasJournal) throw errno('EUCLEAN', 'needs_recovery set without a journal');
}

/**
 * The root inode must be a live directory (Linux ext3_fill_super: "corrupt
 * root inode, run e2fsck"): a mount whose every path gives ENOTDIR is
 * refused instead, before anything is written.
 */
function* checkRoot(fs: Ext2Fs): Sim<void> {
  const root = yield* fs.readInodeRaw(EXT2_ROOT_INO);
  const d = root.disk;
  if (!S_ISDIR(d.i_mode) || d.i_links_count === 0 || d.i_size === 0) {
    throw errno('EUCLEAN', `corrupt root inode (mode 0${d.i_mode.toString(8)}, links ${d.i_links_count}, size ${d.i_size}), run e2fsck`);
  }
}

function* readSuper(dev: BlockDevice): Sim<{ sb: Ext2SuperBlock; geo: Ext2Geometry }> {
  if (dev.sizeBytes < 2048) throw errno('EINVAL', 'device too small for an ext2 file system');
  const raw = yield* dev.read(SUPERBLOCK_OFFSET, 1024);
  yield COST.codec;
  const sb = decodeSuperBlock(raw);
  const geo = validateSuperBlock(sb, dev.sizeBytes);
  return { sb, geo };
}

function* readGroupDescs(cache: BlockCache, sb: Ext2SuperBlock, geo: Ext2Geometry): Sim<Ext2GroupDesc[]> {
  const gds: Ext2GroupDesc[] = [];
  for (let g = 0; g < geo.groupCount; g++) {
    const bh = yield* cache.bread(gdtBlockOf(sb, geo, g));
    const gd = decodeGroupDesc(bh.data, (g % geo.descPerBlock) * GROUP_DESC_SIZE);
    validateGroupDesc(sb, geo, g, gd);
    gds.push(gd);
  }
  return gds;
}

/** Clean unmount: free orphans, commit and checkpoint, mark the superblock valid. */
export function* unmountEngine(fs: Ext2Fs): Sim<void> {
  fs.checkLive();
  if (!fs.readOnly) {
    for (const ino of [...fs.orphans]) yield* fs.logic.namei.drop(fs, ino);
    if (fs.kjournald) yield* fs.kjournald.stop();
    if (fs.journal) {
      yield* fs.journal.shutdown();
      fs.pendingFree.clear();
      fs.sb.s_feature_incompat &= ~INCOMPAT_RECOVER;
    } else {
      yield* fs.cache.writeback();
    }
    fs.sb.s_state |= EXT2_VALID_FS;
    fs.sb.s_wtime = fs.now();
    yield* fs.writeSuper();
  }
  fs.mounted = false;
}

/** Write everything to disk: commit the running transaction (ext3) or write back (ext2). */
export function* syncEngine(fs: Ext2Fs): Sim<void> {
  fs.checkLive();
  if (fs.readOnly) return;
  if (fs.journal) yield* fs.journal.commit();
  else yield* fs.cache.writeback();
  fs.sb.s_wtime = fs.now();
  yield* fs.writeSuper();
}

/** `sync`, unless the running transaction cannot close within `cycles` (false: nothing done). */
export function* syncEngineWithin(fs: Ext2Fs, cycles: number): Sim<boolean> {
  fs.checkLive();
  if (fs.readOnly) return true;
  if (fs.journal && !(yield* fs.journal.commitWithin(cycles))) return false;
  if (!fs.journal) yield* fs.cache.writeback();
  fs.sb.s_wtime = fs.now();
  yield* fs.writeSuper();
  return true;
}
