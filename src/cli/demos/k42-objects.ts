/**
 * Objects the K42 demos swap: a versioned "request service" with one rep,
 * whose methods record ground-truth frames (module `svc.vN`) and log every
 * call, and its factory. Shared by the k42-hotswap and k42-dynupdate demos.
 */
import { sleep, type Sim } from '../../sim/index.ts';
import {
  CObjRep,
  CObjRootSingleRep,
  DTT_TEST,
  Factory,
  dtTypeSet,
  type CObjRoot,
  type COSMgr,
  type CORef,
  type DataTransferObject,
  type DTType,
  type DTTypeSet,
} from '../../k42/index.ts';

export interface CallRecord {
  id: number;
  version: number;
}

interface ServiceState extends DataTransferObject {
  served: number;
}

export class ServiceRep extends CObjRep {
  constructor(
    root: ServiceRoot,
    readonly version: number,
  ) {
    super(root);
  }
  private get svc(): ServiceRoot {
    return this.myRoot as ServiceRoot;
  }
  /** Serve request `id`: compute, optionally wait for "I/O", optionally recurse through the ref. */
  *serve(id: number, work: number, io: number, depth: number): Sim<number> {
    const t = this.cos.hw.engine.current!;
    const mod = `svc.v${this.version}`;
    t.pushFrame(mod, 'serve');
    try {
      yield work;
      if (io > 0) yield* sleep(io);
      if (depth > 0) {
        const me = yield* this.cos.DREF(this.myRoot.myRef as CORef<ServiceRep>);
        return yield* me.serve(id, work, io, depth - 1);
      }
      this.svc.state.served++;
      this.svc.log.push({ id, version: this.version });
      return this.version;
    } finally {
      t.popFrame(mod);
    }
  }
}

export class ServiceRoot extends CObjRootSingleRep<ServiceRep> {
  state: ServiceState = { dtt: DTT_TEST, served: 0 };
  constructor(
    cos: COSMgr,
    readonly version: number,
    readonly log: CallRecord[],
    opts: { ref?: CORef; name: string },
  ) {
    super(cos, (r) => new ServiceRep(r as ServiceRoot, version), opts);
  }
  override getDataTransferExportSet(): DTTypeSet {
    return dtTypeSet(DTT_TEST);
  }
  override getDataTransferImportSet(): DTTypeSet {
    return dtTypeSet(DTT_TEST);
  }
  override *dataTransferExport(dtt: DTType): Sim<DataTransferObject | null> {
    yield 400;
    return { ...this.state, dtt };
  }
  override *dataTransferImport(dto: DataTransferObject | null, dtt: DTType): Sim<void> {
    yield 400;
    this.state = { ...(dto as ServiceState), dtt };
  }
}

export class ServiceFactory extends Factory {
  constructor(
    cos: COSMgr,
    readonly version: number,
    readonly log: CallRecord[],
    ref?: CORef,
  ) {
    super(cos, { ref, name: `ServiceFactory.v${version}` });
  }
  createInstance(args: unknown[]): CObjRoot {
    return new ServiceRoot(this.cos, this.version, this.log, { name: `svc${String(args[0])}` });
  }
  createReplacement(ref: CORef, oldRoot: CObjRoot): CObjRoot {
    return new ServiceRoot(this.cos, this.version, this.log, { ref, name: `${oldRoot.name}'` });
  }
}
