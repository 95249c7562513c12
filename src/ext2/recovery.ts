/**
 * Journal recovery at mount, in the three passes of jbd2/e2fsck:
 *   SCAN   walk the log from s_start with the expected sequence, counting
 *          complete transactions; stop at the first block that is not a
 *          journal block of the expected sequence (a gap, stale data, or a
 *          transaction without its commit block);
 *   REVOKE collect the revoke records of those transactions (block -> the
 *          newest sequence that revoked it);
 *   REPLAY copy every logged block home unless a revoke from the same or a
 *          later transaction covers it.
 * Then the log is marked empty (s_start 0, sequence advanced past the last
 * transaction, as jbd2 does) so a second mount replays nothing.
 *
 * Works on the device directly (the cache does not exist yet). Every loop is
 * bounded by the log length, so a hostile journal cannot hang it.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import type { BlockDevice } from '../hw-ppc64/blockdev.ts';
import {
  JBD2_COMMIT_BLOCK, JBD2_DESCRIPTOR_BLOCK, JBD2_FLAG_ESCAPE, JBD2_MAGIC, JBD2_REVOKE_BLOCK,
  decodeHeader, encodeJournalSuperBlock, parseDescriptor, parseRevoke, unescapeBlock,
  type JournalSuperBlock,
} from './jbd2.ts';
import { COST } from './layout.ts';

export interface RecoveryInfo {
  /** Transactions replayed. */
  transactions: number;
  /** Blocks written home. */
  replayed: number;
  /** Blocks skipped because a later revoke covered them. */
  revoked: number;
  /** Sequence number the journal continues with. */
  nextSequence: number;
}

export interface JournalLayout {
  dev: BlockDevice;
  blockSize: number;
  /** Physical block of each journal block (index = log block number). */
  map: number[];
  /** File-system size in blocks, to validate tags. */
  blocksCount: number;
}

function* readLog(L: JournalLayout, lblk: number): Sim<Uint8Array> {
  const phys = L.map[lblk];
  if (phys === undefined) throw errno('EUCLEAN', `journal block ${lblk} beyond the journal inode`);
  return yield* L.dev.read(phys * L.blockSize, L.blockSize);
}

/** Successor of log block `b` in the circular area [s_first, s_maxlen). */
function nextLog(jsb: JournalSuperBlock, b: number): number {
  return b + 1 >= jsb.s_maxlen ? jsb.s_first : b + 1;
}

interface ScanResult {
  endSequence: number;
}

/** Walk the log once; `visit` sees each block of complete-or-not transactions in order. */
function* walk(
  L: JournalLayout,
  jsb: JournalSuperBlock,
  stopAt: number | undefined,
  visit: (kind: number, seq: number, blk: Uint8Array, lblk: number) => Sim<void>,
): Sim<ScanResult> {
  let seq = jsb.s_sequence;
  let b = jsb.s_start;
  const area = jsb.s_maxlen - jsb.s_first;
  let steps = 0;
  while (steps++ <= area) {
    if (stopAt !== undefined && seq === stopAt) break;
    const blk = yield* readLog(L, b);
    const h = decodeHeader(blk);
    if (h.h_magic !== JBD2_MAGIC || h.h_sequence !== seq) break;
    if (h.h_blocktype === JBD2_DESCRIPTOR_BLOCK) {
      yield* visit(JBD2_DESCRIPTOR_BLOCK, seq, blk, b);
      const tags = parseDescriptor(blk);
      for (let i = 0; i < tags.length; i++) b = nextLog(jsb, b);
      steps += tags.length;
      b = nextLog(jsb, b);
    } else if (h.h_blocktype === JBD2_COMMIT_BLOCK) {
      seq = (seq + 1) >>> 0;
      b = nextLog(jsb, b);
    } else if (h.h_blocktype === JBD2_REVOKE_BLOCK) {
      yield* visit(JBD2_REVOKE_BLOCK, seq, blk, b);
      b = nextLog(jsb, b);
    } else {
      break;
    }
  }
  return { endSequence: seq };
}

/** True if sequence a is after b (wrapping 32-bit, as tid_gt). */
function tidGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/**
 * Replay the journal described by `jsb` (whose log block 0 is L.map[0]) if
 * it holds any transactions, and mark it empty. Returns what was done.
 */
export function* recoverJournal(L: JournalLayout, jsb: JournalSuperBlock): Sim<RecoveryInfo> {
  const info: RecoveryInfo = { transactions: 0, replayed: 0, revoked: 0, nextSequence: jsb.s_sequence };
  if (jsb.s_start === 0) return info;
  if (jsb.s_start < jsb.s_first || jsb.s_start >= jsb.s_maxlen) {
    throw errno('EUCLEAN', `journal s_start ${jsb.s_start} outside [${jsb.s_first}, ${jsb.s_maxlen})`);
  }
  // PASS_SCAN: find the end of the complete transactions.
  const scan = yield* walk(L, jsb, undefined, function* () {
    yield COST.journalTag;
  });
  const end = scan.endSequence;
  info.transactions = (end - jsb.s_sequence) >>> 0;

  // PASS_REVOKE.
  const revoked = new Map<number, number>();
  yield* walk(L, jsb, end, function* (kind, seq, blk) {
    if (kind !== JBD2_REVOKE_BLOCK) return;
    for (const r of parseRevoke(blk)) {
      yield COST.journalTag;
      const old = revoked.get(r);
      if (old === undefined || tidGt(seq, old)) revoked.set(r, seq);
    }
  });

  // PASS_REPLAY.
  yield* walk(L, jsb, end, function* (kind, seq, blk, lblk) {
    if (kind !== JBD2_DESCRIPTOR_BLOCK) return;
    let b = lblk;
    for (const tag of parseDescriptor(blk)) {
      b = nextLog(jsb, b);
      yield COST.journalTag;
      const r = revoked.get(tag.blocknr);
      if (r !== undefined && !tidGt(seq, r)) {
        info.revoked++;
        continue;
      }
      if (tag.blocknr === 0 || tag.blocknr >= L.blocksCount) {
        throw errno('EUCLEAN', `journal transaction ${seq} logs block ${tag.blocknr} outside the file system`);
      }
      let data = yield* readLog(L, b);
      if (tag.flags & JBD2_FLAG_ESCAPE) data = unescapeBlock(data);
      yield* L.dev.write(tag.blocknr * L.blockSize, data);
      info.replayed++;
    }
  });
  yield* L.dev.flush();

  // Mark the log empty. jbd2 continues with end+1 (one sequence is skipped).
  info.nextSequence = (end + 1) >>> 0;
  jsb.s_sequence = info.nextSequence;
  jsb.s_start = 0;
  yield* L.dev.write(L.map[0]! * L.blockSize, encodeJournalSuperBlock(jsb));
  yield* L.dev.flush();
  return info;
}
