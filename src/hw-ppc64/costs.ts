/**
 * Cost tables of the modelled CPUs: cycles charged for cache hits, coherence
 * transfers, reservations, barriers, the timebase, interrupts and I/O setup.
 *
 * One table per model. Every entry carries its source: a fact from
 * docs/design.md "PowerPC facts" (with the reference it gives), or the word "assumption"
 * and why the value is plausible. Research found no L1 or memory latency for
 * the 970 and no latency at all for POWER4/5, so most entries are assumptions;
 * they are kept in one place so a better figure changes one line.
 *
 * All values are in core cycles and do not rescale when `coreHz` is changed
 * (a memory latency fixed in nanoseconds would; this is part of the fidelity
 * boundary, see README). `coresPerChip` is not a cost but belongs to the same
 * model description: cores on one chip share an L2.
 *
 * The last group of entries is kernel software work of the live-update
 * mechanisms (the update manager, the stack walk, state handover), not single
 * instructions. They sit in this table because they are compared across
 * mechanisms and CPU models: each is an instruction count plus the cache
 * misses it takes, so a model with a shorter memory latency pays less where
 * the work misses. Host-side work (a package's signature and code hash,
 * verified before the simulation runs) is not here: it costs no simulated
 * cycles.
 */
export type CpuModel = 'ppc970' | 'power5';
export const CPU_MODELS: readonly CpuModel[] = ['ppc970', 'power5'];

export type CostName =
  | 'l1Hit'
  | 'l2Hit'
  | 'storeHit'
  | 'memory'
  | 'c2c'
  | 'invalidate'
  | 'invalidatePerSharer'
  | 'readOccupancy'
  | 'larx'
  | 'larxHold'
  | 'stcx'
  | 'stcxFail'
  | 'alu'
  | 'sync'
  | 'lwsync'
  | 'isync'
  | 'mftb'
  | 'ipiSend'
  | 'ipiLatency'
  | 'contextSwitch'
  | 'irqEntry'
  | 'irqExit'
  | 'spinIteration'
  | 'diskSubmit'
  | 'diskIrq'
  | 'updateCheck'
  | 'updatePatchSlot'
  | 'updateLockCheckPerThread'
  | 'updateConvertInstance'
  | 'updateRepointInstance'
  | 'stackWalkPerThread'
  | 'stackWalkPerFrame'
  | 'stateImportInode'
  | 'stateHandoverInode'
  | 'stateConvertInode'
  | 'stateExportInode';

export const COST_NAMES: readonly CostName[] = [
  'l1Hit', 'l2Hit', 'storeHit', 'memory', 'c2c', 'invalidate', 'invalidatePerSharer', 'readOccupancy',
  'larx', 'larxHold', 'stcx', 'stcxFail', 'alu', 'sync', 'lwsync', 'isync', 'mftb',
  'ipiSend', 'ipiLatency', 'contextSwitch', 'irqEntry', 'irqExit', 'spinIteration',
  'diskSubmit', 'diskIrq',
  'updateCheck', 'updatePatchSlot', 'updateLockCheckPerThread', 'updateConvertInstance', 'updateRepointInstance',
  'stackWalkPerThread', 'stackWalkPerFrame', 'stateImportInode', 'stateHandoverInode', 'stateConvertInode', 'stateExportInode',
];

/** What each cost pays for (shown by `modswap machine`). */
export const COST_MEANING: Readonly<Record<CostName, string>> = {
  l1Hit: 'load hitting a line this CPU holds (capacity misses are not modelled)',
  l2Hit: 'L2 access: lwarx/stwcx. hits, and a line taken from a core on the same chip',
  storeHit: 'store to a line this CPU owns (M or E)',
  memory: 'line fetched from memory (no cache holds it)',
  c2c: 'line supplied by another chip\'s cache (modified or clean)',
  invalidate: 'store to a shared line: invalidate the other copies (upgrade S->M)',
  invalidatePerSharer: 'extra invalidate cycles per other sharer',
  readOccupancy: 'cycles a shared read of a line keeps the line busy for the next request',
  larx: 'lwarx/ldarx hitting a held line (performed at the L2)',
  larxHold: 'after a lwarx miss, cycles the line stays put before serving another CPU',
  stcx: 'successful stwcx./stdcx. to an owned line',
  stcxFail: 'failed stwcx./stdcx. (reservation lost)',
  alu: 'one integer instruction (the add of fetchAdd, the compare of compareAndStore)',
  sync: 'sync (hwsync): full barrier, waits for the store queue to drain',
  lwsync: 'lwsync: orders all but store->load',
  isync: 'isync: discards prefetched instructions (acquire side of K42 *Synced)',
  mftb: 'mftb: read the timebase register',
  ipiSend: 'sender cost of an inter-processor interrupt',
  ipiLatency: 'from IPI send until the target takes the interrupt',
  contextSwitch: 'switch a CPU to another thread',
  irqEntry: 'take an interrupt (save state, vector)',
  irqExit: 'return from an interrupt',
  spinIteration: 'one spin-wait iteration (load, compare, branch)',
  diskSubmit: 'build a block request and ring the device doorbell',
  diskIrq: 'device interrupt handler body (acknowledge, complete the request)',
  updateCheck:
    "update manager's in-kernel checks: versions, manifest dependencies, state-format negotiation, table coverage (the signature is checked on the host: no cycles)",
  updatePatchSlot: 'update manager: patch one exported slot to the mediator (store, dcbst/icbi)',
  updateLockCheckPerThread: 'update manager: look at one lock waiter while searching for lock holders to let through',
  updateConvertInstance: 'update manager: convert one VFS inode or open file to the new layout',
  updateRepointInstance: 'update manager: re-point one converted instance at the new code (redirect bookkeeping)',
  stackWalkPerThread: 'stack-walk quiescence: stop one thread and find its saved stack pointer',
  stackWalkPerFrame: 'stack-walk quiescence: unwind one frame and test its return address against the module',
  stateImportInode: 'state import: decode one inode of a snapshot, convert it to the engine layout, insert it in the cache',
  stateHandoverInode: 'state handover: insert one cached inode, handed over by reference, in the new engine\'s cache',
  stateConvertInode: 'state handover: convert one cached inode to another per-inode layout',
  stateExportInode: "lazy state transfer: the old module's export hook encodes one cached inode in the negotiated format; it is checked against the format's schema and frozen",
};

export interface CostEntry {
  readonly cycles: number;
  /** A fact with its reference, or "assumption: ..." with the reasoning. */
  readonly source: string;
}

export interface ModelSpec {
  readonly model: CpuModel;
  readonly title: string;
  readonly defaultCoreHz: number;
  readonly defaultTimebaseHz: number;
  readonly coreHzSource: string;
  readonly timebaseSource: string;
  /** Cores that share one L2 (cache-to-cache within a chip costs an L2 hit). */
  readonly coresPerChip: number;
  readonly coresPerChipSource: string;
  readonly costs: Readonly<Record<CostName, CostEntry>>;
}

/** The flat table the hot paths read (no per-access object lookups). */
export type CostTable = Readonly<Record<CostName, number>>;

const A = 'assumption: ';
const TB_K42 =
  'K42 reads timebase-frequency from Open Firmware and falls back to 10 MHz when it is 0 ' +
  '(os/boot/arch/powerpc/main.c); the real G5/POWER5 value was not found, so the fallback is the default';

type UpdateCostName =
  | 'updateCheck'
  | 'updatePatchSlot'
  | 'updateLockCheckPerThread'
  | 'updateConvertInstance'
  | 'updateRepointInstance'
  | 'stackWalkPerThread'
  | 'stackWalkPerFrame'
  | 'stateImportInode'
  | 'stateHandoverInode'
  | 'stateConvertInode'
  | 'stateExportInode';

/**
 * The live-update software costs of a model, derived from its memory, L2 and
 * sync latencies: each is an assumed instruction count (about one cycle each,
 * the same on both cores) plus the misses that work takes, so the two models
 * differ only where the work waits on the memory system. The derivation is in
 * each source string.
 */
function updateCosts(hw: { memory: number; l2Hit: number; sync: number }): Record<UpdateCostName, CostEntry> {
  const { memory, l2Hit, sync } = hw;
  const entry = (instr: number, misses: number, l2: number, why: string, syncs = 0): CostEntry => ({
    cycles: instr + misses * memory + l2 * l2Hit + syncs * sync,
    source:
      A + `${why}: ~${instr} instructions` +
      (misses ? ` + ${misses} memory miss${misses > 1 ? 'es' : ''} (${memory})` : '') +
      (l2 ? ` + ${l2} L2 hit${l2 > 1 ? 's' : ''} (${l2Hit})` : '') +
      (syncs ? ` + ${syncs} sync (${sync})` : ''),
  });
  return {
    updateCheck: entry(
      8000,
      40,
      0,
      'compare versions, walk the manifest dependencies, negotiate the state format, check each old slot has a new one ' +
        'and allocate the new tables, on cold data. The signature and code hash are verified on the host before the ' +
        'simulation (no cycles); load_module relocation is not modelled',
    ),
    updatePatchSlot: entry(40, 1, 0, 'store the mediator address into a slot, dcbst (the line written to memory) and icbi', 1),
    updateLockCheckPerThread: entry(18, 0, 1, "read one waiter's lock-holder field from the wait queue"),
    updateConvertInstance: entry(100, 1, 0, 'build the new private part of one inode or file; its old one is not cached'),
    updateRepointInstance: entry(16, 0, 2, 'store the new i_op/f_op (or private pointer) into an instance in the cache'),
    stackWalkPerThread: entry(300, 4, 0, 'stop one thread, read its task struct and saved registers (cold lines)'),
    stackWalkPerFrame: entry(24, 0, 3, "load a frame's back chain and saved LR, compare the LR with the module's text range"),
    stateImportInode: entry(60, 0, 3, 'decode one snapshot inode, convert its layout, insert it in the inode hash'),
    stateHandoverInode: entry(10, 0, 0, "insert a handed-over inode (a pointer) in the new engine's hash; the lines are in this CPU's cache"),
    stateConvertInode: entry(64, 0, 3, 'copy one in-memory inode into the other per-inode layout'),
    stateExportInode: entry(
      90,
      1,
      2,
      "encode one cached inode (about 20 fields and the disk inode's 128 bytes) into the snapshot format, check each field " +
        "against the schema and freeze it; the old inode's lines are cold by the time it is next used",
    ),
  };
}

const PPC970: ModelSpec = {
  model: 'ppc970',
  title: 'PowerPC 970 (Apple G5)',
  defaultCoreHz: 2.0e9,
  defaultTimebaseHz: 10e6,
  coreHzSource: A + 'the G5 shipped at 1.6-2.7 GHz; 2.0 GHz is a mid value',
  timebaseSource: TB_K42,
  coresPerChip: 1,
  coresPerChipSource: A + 'one core per 970 chip with a private 512 KB L2 (Apple G5 white paper gives the L2 size)',
  costs: {
    l1Hit: { cycles: 3, source: A + '970 L1D load-use latency not found; 3 cycles is the usual figure for this pipeline' },
    l2Hit: { cycles: 12, source: 'lmbench: G5 L2 latency 6.329 ns, about 12 cycles at 1.9 GHz (anandtech.com/show/1936/8)' },
    storeHit: {
      cycles: 2,
      source: A + 'L1D is write-through (as on POWER4, docs/design.md "PowerPC facts"), every store goes to the L2 but the store queue hides it',
    },
    memory: { cycles: 300, source: A + 'not found; ~150 ns through the U3 northbridge at 2 GHz' },
    c2c: {
      cycles: 180,
      source: A + 'not found; a line from the other G5 CPU crosses the northbridge (~90 ns). Clean and modified lines cost the same (shared intervention)',
    },
    invalidate: { cycles: 100, source: A + 'an address-only bus transaction, about half a data transfer' },
    invalidatePerSharer: {
      cycles: 0,
      source: A + 'snooping bus: one broadcast reaches every cache, so the cost does not grow with sharers',
    },
    readOccupancy: {
      cycles: 24,
      source: A + 'reads of one line overlap except for the address tenure on the bus; ownership transfers and invalidations occupy the line for their whole latency',
    },
    larx: { cycles: 12, source: A + 'the reservation is kept at the L2, so lwarx costs an L2 hit (l2Hit above)' },
    larxHold: {
      cycles: 32,
      source: A + 'a forward-progress window (POWER L2s hold a reserved line briefly; form not in our notes): covers add + stwcx.',
    },
    stcx: { cycles: 12, source: A + 'stwcx. is performed at the L2 like lwarx' },
    stcxFail: { cycles: 12, source: A + 'a failed stwcx. is decided at the L2 with no bus traffic' },
    alu: { cycles: 1, source: A + 'single-cycle integer op' },
    sync: { cycles: 100, source: A + 'sync waits for the store queue to drain and the fabric to acknowledge' },
    lwsync: { cycles: 15, source: A + 'lwsync does not wait for store->load ordering, much cheaper than sync' },
    isync: { cycles: 10, source: A + 'isync refetches the instruction stream (a short pipeline flush)' },
    mftb: { cycles: 10, source: A + 'mftb is a serialising SPR read' },
    ipiSend: { cycles: 200, source: A + 'an uncached store to the MPIC interrupt controller' },
    ipiLatency: { cycles: 4000, source: A + '2 us from the MPIC write until the target takes the interrupt' },
    contextSwitch: { cycles: 2000, source: A + '1 us: save/restore registers, switch stacks; K42 figures not found' },
    irqEntry: { cycles: 400, source: A + 'exception vector, save volatile state (200 ns)' },
    irqExit: { cycles: 200, source: A + 'restore state and rfid' },
    spinIteration: { cycles: 8, source: A + 'an L1 load, compare and branch' },
    diskSubmit: { cycles: 1000, source: A + 'build the request and an uncached doorbell write (0.5 us)' },
    diskIrq: { cycles: 600, source: A + 'acknowledge the controller, complete the request (DMA: no copy)' },
    ...updateCosts({ memory: 300, l2Hit: 12, sync: 100 }),
  },
};

const POWER5: ModelSpec = {
  model: 'power5',
  title: 'IBM POWER5',
  defaultCoreHz: 1.9e9,
  defaultTimebaseHz: 10e6,
  coreHzSource: A + 'POWER5 shipped at 1.5-1.9 GHz',
  timebaseSource: TB_K42,
  coresPerChip: 2,
  coresPerChipSource:
    'POWER4 L2 (1.5 MB, 8-way, 128 B lines) is shared by the cores on a chip (docs/design.md "PowerPC facts"); assumed the same on POWER5 (2 cores; SMT not modelled)',
  costs: {
    l1Hit: { cycles: 3, source: A + 'POWER4/5 L1D latency not found' },
    l2Hit: { cycles: 14, source: A + 'not found for POWER5; a little above the 970 figure for a larger shared L2' },
    storeHit: { cycles: 2, source: A + 'L1D write-through (POWER4 fact, docs/design.md "PowerPC facts"), store queue hides the L2 write' },
    memory: { cycles: 230, source: A + 'not found; the on-chip memory controller makes it shorter than the 970' },
    c2c: { cycles: 120, source: A + 'not found; a transfer between chips of one MCM. Clean and modified lines cost the same' },
    invalidate: { cycles: 70, source: A + 'an address-only fabric transaction' },
    invalidatePerSharer: { cycles: 0, source: A + 'broadcast snooping fabric: cost does not grow with sharers' },
    readOccupancy: { cycles: 16, source: A + 'address tenure on the fabric; exclusive transfers occupy the line for their whole latency' },
    larx: { cycles: 14, source: A + 'the reservation is kept at the L2 (l2Hit above)' },
    larxHold: { cycles: 32, source: A + 'forward-progress window for larx/stcx. (form not in our notes): covers add + stwcx.' },
    stcx: { cycles: 14, source: A + 'stwcx. is performed at the L2' },
    stcxFail: { cycles: 14, source: A + 'decided at the L2 with no fabric traffic' },
    alu: { cycles: 1, source: A + 'single-cycle integer op' },
    sync: { cycles: 60, source: A + 'cheaper than on the 970 (on-chip fabric)' },
    lwsync: { cycles: 10, source: A + 'no store->load wait' },
    isync: { cycles: 8, source: A + 'short pipeline flush' },
    mftb: { cycles: 8, source: A + 'serialising SPR read' },
    ipiSend: { cycles: 150, source: A + 'an MMIO store to the interrupt presentation layer' },
    ipiLatency: { cycles: 3800, source: A + '2 us at 1.9 GHz' },
    contextSwitch: { cycles: 1900, source: A + '1 us at 1.9 GHz' },
    irqEntry: { cycles: 380, source: A + '200 ns' },
    irqExit: { cycles: 190, source: A + '100 ns' },
    spinIteration: { cycles: 8, source: A + 'an L1 load, compare and branch' },
    diskSubmit: { cycles: 950, source: A + '0.5 us' },
    diskIrq: { cycles: 570, source: A + '0.3 us (DMA: no copy)' },
    ...updateCosts({ memory: 230, l2Hit: 14, sync: 60 }),
  },
};

export const MODEL_SPECS: Readonly<Record<CpuModel, ModelSpec>> = { ppc970: PPC970, power5: POWER5 };

/** The flat cycle table of a model, with optional overrides (for experiments). */
export function costTable(model: CpuModel, overrides: Partial<Record<CostName, number>> = {}): CostTable {
  const spec = MODEL_SPECS[model];
  const out = {} as Record<CostName, number>;
  for (const k of COST_NAMES) out[k] = overrides[k] ?? spec.costs[k].cycles;
  return out;
}
