/**
 * The update manager's vocabulary: options and requests, the report of an
 * update, the per-module status sysfs shows, the named fault points, and the
 * modelled costs of the manager's own work.
 */
import type { ErrnoCode, ErrnoError } from '../../uapi/errno.ts';
import type { ModuleDefinition } from '../core/module.ts';
import type { MediatorStats, UpdatePhase } from './mediator.ts';
import type { Manifest } from './manifest.ts';
import type { QuiescenceStrategy } from './usecount.ts';

/**
 * Named points where tests and `modswap fuzz` inject faults (the hook may
 * throw). 'committed' is inside redirect, after the staged commit (the point
 * of no return): a fault there cannot roll back, the update completes and
 * the report lists it in `afterCommitFaults`.
 */
export type FaultPoint = 'check' | 'interpose' | 'quiesce' | 'export' | 'import' | 'init' | 'convert' | 'redirect' | 'committed';

export interface UpdateOptions {
  /** Quiescence timeout per try, in microseconds of simulated time (default 5 s). */
  timeoutUs?: number;
  /** Tries before giving up (default 1). */
  tries?: number;
  /** How often the quiesce phase polls the counter, in µs (default 10). */
  pollUs?: number;
  /** Pause between tries, with calls released, in µs (default 1000). */
  backoffUs?: number;
  /** Permit installing a lower version. */
  allowDowngrade?: boolean;
  /** Called at each fault point; throwing there simulates that fault. */
  inject?: (point: FaultPoint) => void;
  /**
   * Detect quiescence differently from the strategy the module was
   * instrumented with at load: only 'stack-walk' (needs no counters) or
   * 'refcount' (plain rmmod + insmod) can be chosen per update.
   */
  quiescence?: QuiescenceStrategy;
}

export interface UpdateRequest {
  module: string;
  def: ModuleDefinition;
  /** Where the code came from (a package path or "built-in"). */
  source: string;
  /** The verified manifest, for a package. */
  manifest?: Manifest;
  /** Package verification failure from the host step (reported in `check`). */
  packageError?: ErrnoError;
}

export interface PhaseSpan {
  name: UpdatePhase;
  start: number;
  end: number;
}

export interface StuckThread {
  tid: number;
  name: string;
  fn: string;
}

export interface UpdateReport {
  ok: boolean;
  module: string;
  from: string;
  to: string;
  source: string;
  strategy: QuiescenceStrategy;
  /** Last phase entered. */
  phase: UpdatePhase;
  error?: { code: ErrnoCode; phase: UpdatePhase; message: string };
  format?: string;
  phases: PhaseSpan[];
  stats: Omit<MediatorStats, 'stalls'>;
  /** Waits of blocked calls, in cycles. */
  stalls: number[];
  longestStallCycles: number;
  /** From the start of `block` to `release`. */
  blockWindowCycles: number;
  durationCycles: number;
  triesUsed: number;
  instances: { inodes: number; files: number };
  /** Threads inside the old module when quiescence timed out. */
  stuck: StuckThread[];
  /**
   * Ground-truth oracle, checked continuously: no thread was inside the old
   * module when quiescence was declared, and none entered it from then
   * through the end of redirect (null if quiescence was never reached).
   */
  quiescenceVerified: boolean | null;
  /** Old-code entries the oracle saw after quiescence was declared (null if not reached). */
  oldCodeRunsAfterQuiescence: number | null;
  /** Faults injected after the point of no return (they cannot stop the update). */
  afterCommitFaults: string[];
  /** The lazy instance hand-over (lazy.ts), when the modules did one; null for an eager transfer. */
  lazy: LazyReport | null;
}

/** What the lazy hand-over did after release (lazy.ts). */
export interface LazyReport {
  /** VFS inodes left holding the old structure and tables at release (switched on use or by the pass). */
  instances: number;
  /** Of those, switched by the background pass (the rest were switched on their next use first). */
  instancesByPass: number;
  /** Engine inodes handed over as one table. */
  handedOver: number;
  /** Converted at their first use after release (before the pass reached them). */
  convertedOnUse: number;
  /** Converted by the background pass. */
  convertedByPass: number;
  /** Superseded or deleted before anything converted them. */
  dropped: number;
  /** Calls of the OLD module's per-inode export hook after quiescence (old code, data only). */
  oldExportCalls: number;
  /** Modelled cycles of one lazy conversion (cost table: export + import), and of re-pointing one instance. */
  perInodeCycles: number;
  /** Cycle at which the drain finished (every inode converted, the old module retired); null until then. */
  drainedAt: number | null;
  /** drainedAt minus the release cycle. */
  drainCycles: number | null;
}

/** Per-module status, as /sys/module/NAME/update shows it. */
export interface ModuleUpdateStatus {
  state: 'idle' | 'in-progress' | 'done' | 'failed';
  phase: UpdatePhase;
  /** 1 while an update is in progress (livepatch's `transition`). */
  transition: 0 | 1;
  last?: UpdateReport;
}
