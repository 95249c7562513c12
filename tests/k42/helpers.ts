/** Test objects and machine setup for the K42 suites. */
import { Machine } from '../../src/hw-ppc64/index.ts';
import { sleep, type Sim } from '../../src/sim/index.ts';
import {
  COSMgr,
  CObjRep,
  CObjRootMultiRep,
  CObjRootSingleRep,
  dtTypeSet,
  DTT_TEST,
  type COSMgrOptions,
  type CObjRootOptions,
  type DataTransferObject,
  type DTType,
  type DTTypeSet,
} from '../../src/k42/index.ts';

export function setup(cpus: number, seed = 1, opts: COSMgrOptions & { perturb?: boolean; trace?: boolean } = {}) {
  const m = new Machine({
    cpus,
    model: 'ppc970',
    seed,
    perturb: opts.perturb ? { preemptProbability: 0.05, maxDelayCycles: 300 } : null,
    trace: opts.trace ?? false,
  });
  const cos = new COSMgr(m, opts);
  return { m, e: m.engine, cos };
}

/** A per-CPU counter: each VP's rep counts calls made on it. */
export class CounterRep extends CObjRep {
  count = 0;
  constructor(
    root: CounterRoot,
    readonly vp: number,
  ) {
    super(root);
  }
  *inc(): Sim<number> {
    yield 50;
    return ++this.count;
  }
  *whoAmI(): Sim<number> {
    return this.vp;
  }
}

export class CounterRoot extends CObjRootMultiRep<CounterRep> {
  protected override *createRep(vp: number): Sim<CounterRep> {
    yield 100;
    return new CounterRep(this, vp);
  }
}

export interface ServiceState extends DataTransferObject {
  calls: number;
}

/**
 * A service object with one rep: `op(work)` computes `work` cycles inside a
 * ground-truth frame of module `module`, `recurse(depth, work)` calls itself
 * through the ref. Each call is logged (exactly-once checks).
 */
export class ServiceRep extends CObjRep {
  constructor(
    root: ServiceRoot,
    readonly version: number,
  ) {
    super(root);
  }
  get svc(): ServiceRoot {
    return this.myRoot as ServiceRoot;
  }
  *op(id: number, work: number): Sim<number> {
    const t = this.cos.hw.engine.current!;
    t.pushFrame(this.svc.module, 'op');
    try {
      if (this.freed) throw new Error('use after free');
      yield work;
      this.svc.state.calls++;
      this.svc.log.push({ id, version: this.version });
      return this.version;
    } finally {
      t.popFrame(this.svc.module);
    }
  }
  /** Recursion through the ref; `io` makes each level wait (sleep) instead of computing. */
  *recurse(id: number, depth: number, work: number, io = false): Sim<number> {
    const t = this.cos.hw.engine.current!;
    t.pushFrame(this.svc.module, 'recurse');
    try {
      if (io) yield* sleep(work);
      else yield work;
      if (depth > 0) {
        const me = yield* this.cos.DREF(this.myRoot.myRef as never as import('../../src/k42/index.ts').CORef<ServiceRep>);
        return yield* me.recurse(id, depth - 1, work, io);
      }
      this.svc.state.calls++;
      this.svc.log.push({ id, version: this.version });
      return this.version;
    } finally {
      t.popFrame(this.svc.module);
    }
  }
}

export class ServiceRoot extends CObjRootSingleRep<ServiceRep> {
  state: ServiceState = { dtt: DTT_TEST, calls: 0 };
  log: { id: number; version: number }[];
  constructor(
    cos: COSMgr,
    readonly module: string,
    readonly version: number,
    opts: CObjRootOptions & { exports?: DTTypeSet; imports?: DTTypeSet; log?: { id: number; version: number }[] } = {},
  ) {
    super(cos, (r) => new ServiceRep(r as ServiceRoot, version), opts);
    this.exp = opts.exports ?? dtTypeSet(DTT_TEST);
    this.imp = opts.imports ?? dtTypeSet(DTT_TEST);
    this.log = opts.log ?? [];
  }
  private readonly exp: DTTypeSet;
  private readonly imp: DTTypeSet;
  transfers: DTType[] = [];
  override getDataTransferExportSet(): DTTypeSet {
    return this.exp;
  }
  override getDataTransferImportSet(): DTTypeSet {
    return this.imp;
  }
  override *dataTransferExport(dtt: DTType): Sim<DataTransferObject | null> {
    yield 200;
    return { ...this.state, dtt };
  }
  override *dataTransferImport(dto: DataTransferObject | null, dtt: DTType): Sim<void> {
    yield 200;
    this.transfers.push(dtt);
    this.state = { ...(dto as ServiceState), dtt };
  }
}
