/**
 * Demo `k42-dynupdate`: dynamic update of a class with live instances
 * (Figure 2 of the seed paper). A version-1 factory has created service
 * objects on every CPU; while request threads use them, `Factory.update`
 * swaps the factory for version 2 (a switchCObj with DTT_FACTORY_DEFAULT
 * that hands the instance lists over), then hot-swaps every instance in
 * parallel, one update thread per CPU.
 */
import { Machine } from '../../hw-ppc64/index.ts';
import { sleep, toChromeTrace, type Sim } from '../../sim/index.ts';
import { COSMgr, type CORef, type FactoryRep, type FactoryUpdateResult } from '../../k42/index.ts';
import { ServiceFactory, ServiceRoot, type CallRecord, type ServiceRep } from './k42-objects.ts';
import { registerDemo, type DemoOptions, type DemoResult } from './registry.ts';

export function runK42Dynupdate(opts: DemoOptions): DemoResult {
  const cpus = opts.cpus ?? 4;
  const perCpu = opts.threads ?? 3;
  const m = new Machine({ cpus, model: 'ppc970', seed: opts.seed, trace: true, perturb: { preemptProbability: 0.03, maxDelayCycles: 400 } });
  const e = m.engine;
  const cos = new COSMgr(m);
  const log: CallRecord[] = [];
  const f1 = new ServiceFactory(cos, 1, log);
  const fref = f1.ref as CORef<FactoryRep>;
  const refs: CORef<ServiceRep>[] = [];
  for (let c = 0; c < cpus; c++) {
    cos.spawnRequest(`create${c}`, function* () {
      const fac = yield* cos.DREF(fref);
      for (let i = 0; i < perCpu; i++) refs.push((yield* fac.create(`${c}.${i}`)) as CORef<ServiceRep>);
    }, { cpu: c });
  }
  m.run();
  let issued = 0;
  let completed = 0;
  for (let c = 0; c < cpus; c++) {
    e.spawn(`client${c}`, function* (): Sim<void> {
      for (let i = 0; i < 25; i++) {
        yield* cos.atc.activate();
        const id = issued++;
        const svc = yield* cos.DREF(refs[(c * 5 + i) % refs.length]!);
        yield* svc.serve(id, 1_000 + e.rng.int(2_000), i % 4 === 0 ? 10_000 : 0, 0);
        completed++;
        yield* cos.atc.deactivate();
        yield* sleep(1_500 + e.rng.int(3_000));
      }
    }, { cpu: c });
  }
  let res: FactoryUpdateResult | null = null;
  const updateStart = e.now + 20_000;
  cos.spawnRequest('updater', function* () {
    yield* sleep(20_000);
    res = yield* new ServiceFactory(cos, 2, log, fref).update(fref);
  }, { cpu: 0 });
  m.run();
  const r = res as FactoryUpdateResult | null;
  const us = (c: number) => ((c - updateStart) / e.cyclesPerUs).toFixed(1);
  const allV2 = refs.every((ref) => (cos.ott.missHandlerOf(ref) as ServiceRoot | undefined)?.version === 2);
  const exactlyOnce = completed === issued && log.length === issued && new Set(log.map((x) => x.id)).size === issued;
  const ok = !!r?.ok && r.converted === refs.length && allV2 && exactlyOnce;
  const lines: string[] = [];
  lines.push(`K42 dynamic update: factory v1 -> v2 with ${refs.length} live instances on ${cpus} CPUs, seed ${opts.seed}`);
  lines.push('(times relative to the start of the update)');
  lines.push('');
  if (r?.factorySwitch) {
    lines.push(`factory ${r.factorySwitch.oldRoot} -> v2 (DTT_FACTORY_DEFAULT = ${r.factorySwitch.dtt}):`);
    for (const p of r.factorySwitch.phases) lines.push(`  ${us(p.t).padStart(9)} us  ${p.phase}`);
  }
  lines.push(`instances (${r?.instances ?? 0} handed over; one update thread per CPU):`);
  for (const s of [...(r?.instanceSwitches ?? [])].sort((a, b) => a.startedAt - b.startedAt)) {
    const ph = s.phases.map((p) => `${p.phase}@${us(p.t)}`).join(' ');
    lines.push(
      `  ${s.oldRoot.padEnd(8)} ${us(s.startedAt).padStart(9)} us .. ${us(s.completedAt).padStart(9)} us  ${ph}` +
        `  fwd ${s.forwarded} blk ${s.blocked}`,
    );
  }
  const sw = r?.instanceSwitches ?? [];
  const forwarded = sw.reduce((n, s) => n + s.forwarded, 0) + (r?.factorySwitch?.forwarded ?? 0);
  const blocked = sw.reduce((n, s) => n + s.blocked, 0) + (r?.factorySwitch?.blocked ?? 0);
  const longest = Math.max(0, ...sw.map((s) => s.longestStall));
  lines.push('');
  lines.push(
    `summary: version ${r?.fromVersion} -> ${r?.toVersion}, ${r?.converted ?? 0}/${refs.length} instances converted, all on v2: ${allV2}; ` +
      `${issued} calls exactly once: ${exactlyOnce}; forwarded ${forwarded}, blocked ${blocked}, ` +
      `longest stall ${(longest / e.cyclesPerUs).toFixed(1)} us, update ${((r?.duration ?? 0) / e.cyclesPerUs).toFixed(1)} us`,
  );
  return {
    text: lines.join('\n') + '\n',
    summary: {
      cpus,
      instances: refs.length,
      converted: r?.converted ?? 0,
      allOnNewVersion: allV2,
      issued,
      completed,
      exactlyOnce,
      forwarded,
      blocked,
      longestStallCycles: longest,
      updateCycles: r?.duration ?? -1,
    },
    trace: toChromeTrace(e.trace!, { cyclesPerUs: e.cyclesPerUs, cpus, endTime: e.makespan, meta: { demo: 'k42-dynupdate' } }),
    ok,
  };
}

registerDemo({
  name: 'k42-dynupdate',
  summary: 'K42 dynamic update: factory swap (version + 1), then every instance hot-swapped in parallel',
  run: runK42Dynupdate,
});
